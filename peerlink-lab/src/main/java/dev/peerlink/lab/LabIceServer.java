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
 * combined with TURN). With the argument {@value #TLS_MODE} it is instead TURN over TLS only, on
 * {@link LabTopology#SERVER_TLS}:{@value #TLS_PORT}. It prints {@value #READY} once listening and runs until SIGTERM.
 */
public final class LabIceServer {
    public static final String READY = "peerlink-lab: ice server ready";
    public static final int PORT = 3480;
    public static final int HTTP_PORT = 443;
    /** TURN over TLS (RFC 8656 §3.1 over RFC 8446), on the one port the firewall lets out. */
    public static final int TLS_PORT = 443;
    /** The second argument that makes this a TURN-over-TLS-only server. */
    public static final String TLS_MODE = "tls";
    public static final String TURN_USER = "lab";
    /** A lab-only password: the TURN server exists for the lifetime of a lab run inside its namespaces. */
    public static final String TURN_PASSWORD = "lab-turn-password";
    public static final String LAB_RANGE = "198.18.0.0/15";

    private LabIceServer() {
    }

    /** The server's settings: STUN/TURN over UDP and TCP on {@value #PORT}, no TLS, signaling on 443. */
    static ServerConfig config(String ip) {
        return new ServerConfig(List.of(ip), PORT, PORT + 1, 5349, null, null, false, false, false, true,
                "peerlink", HTTP_PORT, false, List.of(), List.of(), turn(ip));
    }

    /**
     * The TURN-over-TLS server's settings: TLS on {@value #TLS_PORT} with a self-signed certificate made at start
     * (the lab's browsers are told to accept it), no UDP, no plain TCP, no HTTP.
     */
    static ServerConfig tlsConfig(String ip) {
        return new ServerConfig(List.of(ip), PORT, PORT + 1, TLS_PORT, null, null, false, true, true, false,
                "peerlink", 0, true, List.of(), List.of(), turn(ip));
    }

    private static TurnSettings turn(String ip) {
        return new TurnSettings(List.of(TURN_USER + ":" + TURN_PASSWORD), List.of(), "peerlink-lab",
                List.of(LAB_RANGE), List.of(), false, TurnSettings.DEFAULT_MIN_PORT, TurnSettings.DEFAULT_MAX_PORT,
                ip, null, 0, 0, 0, null);
    }

    public static void main(String[] args) {
        if (args.length != 1 && !(args.length == 2 && args[1].equals(TLS_MODE))) {
            System.err.println("usage: LabIceServer IP [" + TLS_MODE + "]");
            System.exit(2);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        PeerlinkServer server;
        try {
            server = PeerlinkServer.start(args.length == 2 ? tlsConfig(args[0]) : config(args[0]));
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
