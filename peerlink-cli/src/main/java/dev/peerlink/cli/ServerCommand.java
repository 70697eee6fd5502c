package dev.peerlink.cli;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run the all-in-one peerlink server: STUN over UDP, TCP and TLS (RFC 8489), TURN (RFC 8656) "
            + "on the same ports (without --user or --static-auth-secret, with a random REST secret made at start "
            + "and never shown), RFC 5780 NAT behaviour discovery when asked (then without TURN), and over HTTP the "
            + "web app (/ and /check), WebSocket signaling, /api/ice-servers (REST credentials) and /metrics.",
            "With no options it listens on every address: 3478 (UDP, TCP), 5349 (TLS, with a self-signed "
            + "certificate made at start) and 8080 (HTTP). Flags use coturn's names. Every setting can also come from "
            + "the YAML file given with --config (key = flag without the dashes) or from the environment as "
            + "PEERLINK_<KEY> (e.g. PEERLINK_LISTENING_PORT=3479, PEERLINK_LISTENING_IP=127.0.0.1,127.0.0.2). "
            + "Precedence: defaults < YAML file < environment < flags.",
            "Every key, its default and its environment variable: docs/configuration.md."},
        footer = {"", "Examples:", "  peerlink server",
            "  peerlink server --listening-ip 127.0.0.1 --listening-ip 127.0.0.2 --rfc5780",
            "  peerlink server --static-auth-secret S3CRET --realm example.com --external-ip 203.0.113.7/10.0.0.7",
            "  peerlink server --config /etc/peerlink.yaml --cert fullchain.pem --pkey privkey.pem",
            "  PEERLINK_STATIC_AUTH_SECRET=S3CRET PEERLINK_USER=alice:pw,bob:pw peerlink server", "",
            "Secrets (--static-auth-secret, --user, --room-token-secret) on a command line are visible to other "
            + "users: prefer a YAML file readable only by the server (chmod 0600) or the environment.",
            "Full reference: docs/configuration.md"})
final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration; keys as the long flags "
            + "without dashes (listening-ip: [127.0.0.1], listening-port: 3478, rfc5780: true, ...). Default: none (built-in defaults).")
    Path config;

    @Option(names = {"-L", "--listening-ip"}, paramLabel = "IP", description = "Listen on this address; repeat for "
            + "several. Default: all addresses.")
    List<String> listeningIps;

    @Option(names = {"-p", "--listening-port"}, paramLabel = "PORT", description = "STUN port for UDP and TCP "
            + "(default 3478).")
    Integer listeningPort;

    @Option(names = "--alt-listening-port", paramLabel = "PORT", description = "Second port for RFC 5780 "
            + "(default: listening port + 1).")
    Integer altListeningPort;

    @Option(names = "--tls-listening-port", paramLabel = "PORT", description = "STUN over TLS port (default 5349).")
    Integer tlsListeningPort;

    @Option(names = "--cert", paramLabel = "PEM", description = "TLS certificate chain (PEM). Default: none, a self-signed certificate made at start.")
    String cert;

    @Option(names = "--pkey", paramLabel = "PEM", description = "TLS private key (PEM, unencrypted). Default: none.")
    String pkey;

    @Option(names = "--rfc5780", description = "Answer RFC 5780 NAT behaviour discovery; needs two --listening-ip. "
            + "Default: false, as answering from other addresses can be abused for reflection.")
    Boolean rfc5780;

    @Option(names = "--no-udp", description = "Do not listen on UDP (default: false).")
    Boolean noUdp;

    @Option(names = "--no-tcp", description = "Do not listen on TCP (default: false).")
    Boolean noTcp;

    @Option(names = "--no-tls", description = "Do not listen on TLS (default: false).")
    Boolean noTls;

    @Option(names = "--no-software-attribute", description = "Send no SOFTWARE attribute (default: send \"peerlink\"; YAML/env key software).")
    Boolean noSoftware;

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port for WebSocket signaling "
            + "(/signaling/v1) and /health (default 8080).")
    Integer httpPort;

    @Option(names = "--no-http", description = "Do not listen on HTTP, so no signaling (default: false).")
    Boolean noHttp;

    @Option(names = "--allowed-origin", paramLabel = "ORIGIN", description = "A browser origin allowed to open "
            + "signaling WebSockets, e.g. https://app.example.com; repeat for several. Default: any.")
    List<String> allowedOrigins;

    @Option(names = "--room-token-secret", paramLabel = "SECRET", description = "Require signed room tokens made "
            + "with this secret (repeat to rotate; the first signs). Prefer the YAML file: command lines are visible "
            + "to other users. Default: none (rooms open to anyone).")
    List<String> roomTokenSecrets;

    @Option(names = "--user", paramLabel = "NAME:PASSWORD", description = "A TURN user (long-term credentials, "
            + "RFC 8489 §9.2); NAME:0x<hex MD5 key> also works. Repeat for several. Turns TURN on. Default: none.")
    List<String> users;

    @Option(names = "--static-auth-secret", paramLabel = "SECRET", description = "TURN REST API secret: time-limited "
            + "credentials expiry:user / base64(HMAC-SHA1(secret, username)), as coturn. Repeat to rotate (the first "
            + "signs /api/ice-servers). Turns TURN on. Default: none.")
    List<String> staticAuthSecrets;

    @Option(names = "--realm", paramLabel = "REALM", description = "TURN realm (default peerlink).")
    String realm;

    @Option(names = "--allowed-peer-ip", paramLabel = "RANGE", description = "Relay to this IP, IP1-IP2 or CIDR even "
            + "if denied otherwise. Repeatable. Default: none.")
    List<String> allowedPeerIps;

    @Option(names = "--denied-peer-ip", paramLabel = "RANGE", description = "Never relay to this IP, IP1-IP2 or "
            + "CIDR (non-public ranges are denied already). Repeatable. Default: none.")
    List<String> deniedPeerIps;

    @Option(names = "--allow-loopback-peers", description = "Relay to 127.0.0.0/8 and ::1. For tests only (default: false).")
    Boolean allowLoopbackPeers;

    @Option(names = "--min-port", paramLabel = "PORT", description = "Lowest relay port (default 49152).")
    Integer minPort;

    @Option(names = "--max-port", paramLabel = "PORT", description = "Highest relay port (default 65535).")
    Integer maxPort;

    @Option(names = "--relay-ip", paramLabel = "IP", description = "Address relay sockets bind; give it twice, an "
            + "IPv4 and an IPv6 address, for dual-stack relays (default: the first --listening-ip, else the first "
            + "non-loopback IPv4 address).")
    List<String> relayIps;

    @Option(names = {"-X", "--external-ip"}, paramLabel = "PUBLIC[/PRIVATE]", description = "Behind 1:1 NAT: "
            + "advertise PUBLIC as the relayed address; PRIVATE is the local address to bind (unless --relay-ip). Default: none.")
    String externalIp;

    @Option(names = "--user-quota", paramLabel = "N", description = "Allocations per user, 0 for no limit (default 0).")
    Integer userQuota;

    @Option(names = "--total-quota", paramLabel = "N", description = "Allocations in all, 0 for no limit (default 0).")
    Integer totalQuota;

    @Option(names = "--max-bps", paramLabel = "BYTES", description = "Bytes a second one allocation may relay each "
            + "way, 0 for no cap (default 0).")
    Long maxBps;

    @Option(names = "--server-name", paramLabel = "HOST", description = "Host name /api/ice-servers puts in its "
            + "URLs (default: the request's Host header).")
    String serverName;

    @Option(names = {"-a", "--lt-cred-mech"}, description = "Accepted for coturn compatibility: long-term "
            + "credentials are always used; needs --user or --static-auth-secret (default: false).")
    Boolean ltCredMech;

    @Option(names = "--use-auth-secret", description = "Accepted for coturn compatibility: --static-auth-secret "
            + "implies it; needs --static-auth-secret (default: false).")
    Boolean useAuthSecret;

    @Override
    public Integer call() throws ConfigException {
        ServerConfig configured = effectiveConfig(System.getenv());
        ServerConfig effective = configured.withEphemeralTurnSecretIfUnconfigured();
        return run(effective, effective != configured);
    }

    /** Defaults, then the YAML file, then PEERLINK_* environment variables, then the flags given. */
    ServerConfig effectiveConfig(Map<String, String> env) throws ConfigException {
        ServerConfig base = ServerConfig.load(config, env);
        TurnSettings baseTurn = base.turn();
        TurnSettings turn = new TurnSettings(
                users != null ? users : baseTurn.users(),
                staticAuthSecrets != null ? staticAuthSecrets : baseTurn.staticAuthSecrets(),
                realm != null ? realm : baseTurn.realm(),
                allowedPeerIps != null ? allowedPeerIps : baseTurn.allowedPeerIps(),
                deniedPeerIps != null ? deniedPeerIps : baseTurn.deniedPeerIps(),
                allowLoopbackPeers != null ? allowLoopbackPeers : baseTurn.allowLoopbackPeers(),
                minPort != null ? minPort : baseTurn.minPort(),
                maxPort != null ? maxPort : baseTurn.maxPort(),
                relayIps != null ? String.join(",", relayIps) : baseTurn.relayIp(),
                externalIp != null ? externalIp : baseTurn.externalIp(),
                userQuota != null ? userQuota : baseTurn.userQuota(),
                totalQuota != null ? totalQuota : baseTurn.totalQuota(),
                maxBps != null ? maxBps : baseTurn.maxBps(),
                serverName != null ? serverName : baseTurn.serverName());
        if (Boolean.TRUE.equals(useAuthSecret) && turn.staticAuthSecrets().isEmpty()) {
            throw new ConfigException("--use-auth-secret needs at least one --static-auth-secret");
        }
        if (Boolean.TRUE.equals(ltCredMech) && !turn.enabled()) {
            throw new ConfigException("--lt-cred-mech needs at least one --user or --static-auth-secret");
        }
        ServerConfig effective = new ServerConfig(
                listeningIps != null ? listeningIps : base.listeningIps(),
                listeningPort != null ? listeningPort : base.listeningPort(),
                altListeningPort != null ? altListeningPort : base.altListeningPort(),
                tlsListeningPort != null ? tlsListeningPort : base.tlsListeningPort(),
                cert != null ? cert : base.cert(),
                pkey != null ? pkey : base.pkey(),
                rfc5780 != null ? rfc5780 : base.rfc5780(),
                noUdp != null ? noUdp : base.noUdp(),
                noTcp != null ? noTcp : base.noTcp(),
                noTls != null ? noTls : base.noTls(),
                Boolean.TRUE.equals(noSoftware) ? "" : base.software(),
                httpPort != null ? httpPort : base.httpPort(),
                noHttp != null ? noHttp : base.noHttp(),
                allowedOrigins != null ? allowedOrigins : base.allowedOrigins(),
                roomTokenSecrets != null ? roomTokenSecrets : base.roomTokenSecrets(),
                turn);
        return effective;
    }

    private Integer run(ServerConfig effective, boolean ephemeralTurnSecret) throws ConfigException {
        PeerlinkServer server = PeerlinkServer.start(effective);
        CountDownLatch stopRequested = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopRequested.countDown();
            try {
                closed.await(10, java.util.concurrent.TimeUnit.SECONDS); // let the sockets close before the JVM ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "peerlink-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter out = spec.commandLine().getOut();
        out.println("peerlink server is running (Ctrl-C stops it).");
        String kind = server.turn().isPresent() ? "STUN+TURN  " : "STUN  ";
        server.listeners().forEach(listener -> out.println("  " + kind + listener));
        server.turn().ifPresent(service -> out.println("  TURN relays on " + service.describeRelayAddresses()
                + " ports " + effective.turn().minPort() + "-" + effective.turn().maxPort()
                + ", realm " + effective.turn().realm()));
        if (ephemeralTurnSecret) {
            out.println("  TURN credentials are signed with a random secret made at start (never shown; give "
                    + "--static-auth-secret or --user to choose)");
        }
        server.signalingUri().ifPresent(uri -> {
            out.println("  Signaling  " + uri);
            out.println("  Health  http://" + uri.getRawAuthority() + "/health");
            out.println("  Metrics  http://" + uri.getRawAuthority() + "/metrics");
            if (!effective.turn().staticAuthSecrets().isEmpty()) {
                out.println("  ICE servers  http://" + uri.getRawAuthority() + "/api/ice-servers?user=NAME");
            }
            out.println("  Web app  http://" + uri.getRawAuthority() + "/  (connectivity check: /check)");
        });
        if (server.tls() != null && server.tls().selfSigned()) {
            out.println("  TLS uses a self-signed development certificate, SHA-256 "
                    + server.tls().sha256Fingerprint() + " (give --cert and --pkey for a real one).");
        }
        if (effective.rfc5780()) {
            out.println("  RFC 5780 NAT behaviour discovery is on.");
        }
        out.flush();
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // an embedding caller stopped us: close down the same way
        } finally {
            server.close();
            closed.countDown();
            if (stopRequested.getCount() > 0) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        out.println("peerlink server stopped.");
        return 0;
    }
}
