package dev.peerlink.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * coturn's {@code turnserver} (Debian package coturn) on 127.0.0.1 for interop tests: UDP and TCP on one port, TLS on
 * another with a throwaway self-signed certificate for 127.0.0.1, relay ports from a free range, loopback peers
 * allowed, long-term credentials as given. {@link ExternalTools#require} decides whether a missing coturn skips
 * (locally) or fails (in CI). {@link #close()} stops exactly the process started here.
 */
public final class CoturnServer implements AutoCloseable {
    public static final InetAddress LOOPBACK = TestPorts.loopback("127.0.0.1");
    public static final String REALM = "peerlink.test";
    private static final Duration READY_WITHIN = Duration.ofSeconds(20);

    private final ExternalProcess process;
    private final int port;
    private final int tlsPort;
    private final int minRelayPort;
    private final int maxRelayPort;

    private CoturnServer(ExternalProcess process, int port, int tlsPort, int minRelayPort, int maxRelayPort) {
        this.process = process;
        this.port = port;
        this.tlsPort = tlsPort;
        this.minRelayPort = minRelayPort;
        this.maxRelayPort = maxRelayPort;
    }

    /**
     * Starts turnserver with its files in {@code workDir}; {@code options} are added to the command line, e.g.
     * {@code --user alice:secret} or {@code --use-auth-secret --static-auth-secret S}. Returns once its TCP and TLS
     * ports accept connections (it opens every listener together).
     */
    public static CoturnServer start(Path workDir, List<String> options) throws IOException, InterruptedException {
        Path turnserver = ExternalTools.require("turnserver", "coturn");
        int port = TestPorts.free(LOOPBACK);
        int tlsPort = TestPorts.free(LOOPBACK);
        int minRelay = TestPorts.free(LOOPBACK);
        int maxRelay = minRelay + 100;
        Path cert = workDir.resolve("coturn-cert.pem");
        Path key = workDir.resolve("coturn-key.pem");
        TestCertificates.writeSelfSigned(cert, key, LOOPBACK.getHostAddress());
        List<String> command = new ArrayList<>(List.of(turnserver.toString(), "-n", "--no-cli",
                "--listening-ip", LOOPBACK.getHostAddress(), "--listening-port", String.valueOf(port),
                "--tls-listening-port", String.valueOf(tlsPort), "--cert", cert.toString(), "--pkey", key.toString(),
                "--relay-ip", LOOPBACK.getHostAddress(), "--min-port", String.valueOf(minRelay),
                "--max-port", String.valueOf(maxRelay), "--realm", REALM, "--lt-cred-mech", "--allow-loopback-peers",
                "--no-dtls", "--pidfile", workDir.resolve("turnserver.pid").toString(), "--log-file", "stdout",
                "--simple-log"));
        command.addAll(options);
        CoturnServer server = new CoturnServer(ExternalProcess.start(command), port, tlsPort, minRelay, maxRelay);
        try {
            server.awaitListening();
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("turnserver exited at start: " + process.output());
            }
            if (accepts(port) && accepts(tlsPort)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("turnserver did not listen within " + READY_WITHIN.toSeconds() + " s: "
                        + process.output());
            }
            Thread.sleep(100);
        }
    }

    private static boolean accepts(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** UDP and TCP. */
    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    public InetSocketAddress tlsAddress() {
        return new InetSocketAddress(LOOPBACK, tlsPort);
    }

    public int minRelayPort() {
        return minRelayPort;
    }

    public int maxRelayPort() {
        return maxRelayPort;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What turnserver printed so far (its log goes to stdout). */
    public String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
