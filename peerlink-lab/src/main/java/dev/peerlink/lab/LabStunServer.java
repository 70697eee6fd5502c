package dev.peerlink.lab;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The lab's STUN server, run inside the server namespace by {@link LabTopology#startStunServer()}: peerlink server
 * with RFC 5780 on two addresses (UDP and TCP on 3478, the alternate port 3479), plus STUN over plain TCP on port
 * 443 of the first address, which the TCP-443-only firewall lets through. It prints {@value #READY} once listening
 * and runs until SIGTERM.
 *
 * <p>Usage: {@code LabStunServer PRIMARY_IP SECONDARY_IP}, or {@code LabStunServer IP} for a plain STUN server on
 * port 3478 (UDP and TCP) of one address, e.g. on a LAN host.
 */
public final class LabStunServer {
    public static final String READY = "peerlink-lab: stun server ready";
    public static final int PORT = 3478;
    public static final int ALT_PORT = 3479;
    public static final int TCP_443 = 443;

    private LabStunServer() {
    }

    public static void main(String[] args) {
        if (args.length != 1 && args.length != 2) {
            System.err.println("usage: LabStunServer PRIMARY_IP SECONDARY_IP | LabStunServer IP");
            System.exit(2);
        }
        List<PeerlinkServer> servers = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            servers.forEach(PeerlinkServer::close);
            stopped.countDown();
        }, "lab-stun-server-stop"));
        try {
            if (args.length == 1) {
                servers.add(PeerlinkServer.start(new ServerConfig(List.of(args[0]), PORT, ALT_PORT, 5349,
                        null, null, false, false, false, true, "peerlink")));
            } else {
                servers.add(PeerlinkServer.start(new ServerConfig(List.of(args[0], args[1]), PORT, ALT_PORT, 5349,
                        null, null, true, false, false, true, "peerlink")));
                servers.add(PeerlinkServer.start(new ServerConfig(List.of(args[0]), TCP_443, TCP_443 + 1, 5349,
                        null, null, false, true, false, true, "peerlink")));
            }
        } catch (ConfigException e) {
            System.err.println("peerlink-lab: the STUN server did not start: " + e.getMessage());
            System.exit(1);
        }
        servers.forEach(server -> server.listeners().forEach(listener -> System.out.println("  STUN " + listener)));
        System.out.println(READY);
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
