package dev.peerlink.lab;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The lab's ICE server, run inside the server namespace by {@link LabTopology#startIceServer()}: peerlink server on
 * {@link LabTopology#SERVER_SECONDARY} with STUN and TURN over UDP on port {@value #PORT} (one long-term user,
 * {@value #TURN_USER}) and WebSocket signaling ({@code /signaling/v1}) on TCP port {@value #HTTP_PORT}, the one
 * port the TCP-443-only firewall lets out, so that every lab host can signal.
 *
 * <p>The TURN server's built-in policy denies relaying to non-public ranges (RFC 8656 §21.3 advice), which
 * includes the lab's 198.18.0.0/15; {@code --allowed-peer-ip 198.18.0.0/15} lets it relay between lab hosts.
 * It runs beside {@link LabStunServer} (which holds 3478/3479 on both addresses for RFC 5780, and cannot be
 * combined with TURN). It prints {@value #READY} once listening and runs until SIGTERM.
 */
public final class LabIceServer {
    public static final String READY = "peerlink-lab: ice server ready";
    public static final int PORT = 3480;
    public static final int HTTP_PORT = 443;
    public static final String TURN_USER = "lab";
    /** A lab-only password: the TURN server exists for the lifetime of a lab run inside its namespaces. */
    public static final String TURN_PASSWORD = "lab-turn-password";
    public static final String LAB_RANGE = "198.18.0.0/15";

    private LabIceServer() {
    }

    /** The server's settings: STUN/TURN over UDP and TCP on {@value #PORT}, no TLS, signaling on 443. */
    static ServerConfig config(String ip) {
        TurnSettings turn = new TurnSettings(List.of(TURN_USER + ":" + TURN_PASSWORD), List.of(), "peerlink-lab",
                List.of(LAB_RANGE), List.of(), false, TurnSettings.DEFAULT_MIN_PORT, TurnSettings.DEFAULT_MAX_PORT,
                ip, null, 0, 0, 0, null);
        return new ServerConfig(List.of(ip), PORT, PORT + 1, 5349, null, null, false, false, false, true,
                "peerlink", HTTP_PORT, false, List.of(), List.of(), turn);
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: LabIceServer IP");
            System.exit(2);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        PeerlinkServer server;
        try {
            server = PeerlinkServer.start(config(args[0]));
        } catch (ConfigException e) {
            System.err.println("peerlink-lab: the ICE server did not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "lab-ice-server-stop"));
        server.listeners().forEach(listener -> System.out.println("  STUN/TURN " + listener));
        server.signalingUri().ifPresent(uri -> System.out.println("  signaling " + uri));
        System.out.println(READY);
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
