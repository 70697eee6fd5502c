package dev.peerlink.cli;

import dev.peerlink.ice.netty.HostAddressGatherer;
import dev.peerlink.peer.IceServer;
import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.transfer.SignaledSession;
import dev.peerlink.peer.transfer.TransferException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options {@code peerlink send} and {@code peerlink receive} share, and the signaled session they open. */
final class PeerOptions {
    @Option(names = "--server", required = true, paramLabel = "URL",
            description = "The signaling URL, e.g. ws://127.0.0.1:8080/signaling/v1.")
    URI server;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "The room both peers join.")
    String room;

    @Option(names = "--name", paramLabel = "NAME", description = "This peer's name in the room (default: the "
            + "server picks one).")
    String name;

    @Option(names = "--token", paramLabel = "TOKEN", description = "A room token, when the server needs one.")
    String token;

    @Option(names = "--ice-server", paramLabel = "URL", description = "A STUN or TURN server (stun:HOST[:PORT], "
            + "turn:HOST[:PORT][?transport=tcp], turns:HOST[:PORT] for TURN over TLS); repeatable. Default: none "
            + "(host candidates only).")
    List<String> iceServers = new ArrayList<>();

    @Option(names = "--ice-username", paramLabel = "USER", description = "The username for --ice-server turn: URLs.")
    String iceUsername;

    @Option(names = "--ice-credential", paramLabel = "SECRET", description = "The credential for turn: URLs.")
    String iceCredential;

    @Option(names = "--ice-insecure-tls", description = "Accept any certificate from turns: servers (a "
            + "development server's self-signed one); never for production.")
    boolean iceInsecureTls;

    @Option(names = "--host-address", paramLabel = "IP", description = "Gather host candidates only on this "
            + "address (loopback allowed), e.g. 127.0.0.1.")
    String hostAddress;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "How long to wait "
            + "for the other peer to appear and connect (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "30", description = "Give up when "
            + "a connected transfer makes no progress for this long (default: ${DEFAULT-VALUE}).")
    int stallTimeoutSeconds;

    Duration stallTimeout() throws UserFacingException {
        if (stallTimeoutSeconds <= 0) {
            throw new UserFacingException("--stall-timeout must be a positive number of seconds, not "
                    + stallTimeoutSeconds);
        }
        return Duration.ofSeconds(stallTimeoutSeconds);
    }

    Duration timeout() throws UserFacingException {
        if (timeoutSeconds <= 0) {
            throw new UserFacingException("--timeout must be a positive number of seconds, not " + timeoutSeconds);
        }
        return Duration.ofSeconds(timeoutSeconds);
    }

    PeerConnectionConfig config() throws UserFacingException {
        PeerConnectionConfig.Builder builder = PeerConnectionConfig.builder().insecureTurnTls(iceInsecureTls);
        for (String url : iceServers) {
            try {
                builder.iceServer(url.startsWith("turn") ? IceServer.turn(url, iceUsername, iceCredential)
                        : IceServer.stun(url));
            } catch (IllegalArgumentException e) {
                throw new UserFacingException("--ice-server " + url + ": " + e.getMessage());
            }
        }
        if (hostAddress != null) {
            if (!hostAddress.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new UserFacingException("--host-address must be an IP address, not " + hostAddress);
            }
            try {
                builder.gatherer(HostAddressGatherer.builder().allowLoopback(true)
                        .includeAddress(hostAddress + (hostAddress.contains(":") ? "/128" : "/32")).build())
                        .mdns(false);
            } catch (IllegalArgumentException e) {
                throw new UserFacingException("--host-address " + hostAddress + ": " + e.getMessage());
            }
        }
        return builder.build();
    }

    /** Joins the room; server errors are printed as one line each. */
    SignaledSession join(PrintWriter err) throws TransferException {
        return SignaledSession.join(server, room, name, token, warning -> err.println("peerlink: " + warning));
    }
}
