package dev.peerlink.netsim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the virtual network's tests. */
final class NetsimTestSupport {
    static final long MS = 1_000_000L;

    private NetsimTestSupport() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Datagram datagram) {
        return new String(datagram.payload(), StandardCharsets.UTF_8);
    }

    static InetSocketAddress at(InetAddress address, int port) {
        return new InetSocketAddress(address, port);
    }

    static InetSocketAddress parseEndpoint(String text) {
        int colon = text.lastIndexOf(':');
        try {
            return new InetSocketAddress(InetAddress.getByName(text.substring(0, colon)),
                    Integer.parseInt(text.substring(colon + 1)));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("not an IP literal: " + text, e);
        }
    }

    /** Every datagram left in the socket's queue, oldest first. */
    static List<Datagram> drain(VirtualSocket socket) {
        List<Datagram> all = new ArrayList<>();
        socket.poll().ifPresent(first -> {
            all.add(first);
            for (var next = socket.poll(); next.isPresent(); next = socket.poll()) {
                all.add(next.get());
            }
        });
        return all;
    }

    /** The sources of every queued datagram, oldest first. */
    static List<InetSocketAddress> sources(VirtualSocket socket) {
        return drain(socket).stream().map(Datagram::source).toList();
    }

    /**
     * A STUN-like reflector: answers every datagram with "ip:port" of the source it saw, which is what a Binding
     * response's XOR-MAPPED-ADDRESS carries (RFC 8489 §14.2).
     */
    static VirtualSocket startEcho(Host server, int port) {
        VirtualSocket socket = server.openUdpSocket(port);
        socket.onReceive(in -> socket.send(in.source(), bytes(in.source().getAddress().getHostAddress() + ":"
                + in.source().getPort())));
        return socket;
    }
}
