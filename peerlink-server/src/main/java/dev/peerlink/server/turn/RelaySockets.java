package dev.peerlink.server.turn;

import dev.peerlink.stun.transport.DatagramReads;
import dev.peerlink.stun.transport.NettyTransport;
import dev.peerlink.turn.server.RelayAllocator;
import dev.peerlink.turn.server.RelayHandle;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RelayAllocator} of the Netty driver: binds relay UDP sockets on the TURN event loop, in the relay port
 * range ({@code --min-port}–{@code --max-port}, RFC 8656 §6.2), on the relay IP of the family asked for (one IPv4
 * and one IPv6 relay IP at most: REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY, RFC 8656 §7.2), and reports
 * them at the advertised address ({@code --external-ip} behind 1:1 NAT, else the relay IP itself).
 *
 * <p>Registering and binding a datagram channel from inside its own event loop completes before the call returns
 * (no handshake, no DNS), which is what lets the core ask synchronously. A bind that did not complete at once is
 * treated as a failure, so the core never waits.
 */
final class RelaySockets implements RelayAllocator {
    private static final Logger LOG = LoggerFactory.getLogger(RelaySockets.class);
    /** Ports tried per request before answering 508: each failed try is one bind system call. */
    private static final int MAX_BIND_ATTEMPTS = 64;
    private static final int RELAY_BUFFER_BYTES = 1 << 20;

    /** Receives what arrives on a relay socket; implemented by the service, called on the loop. */
    interface PeerSink {
        void peerPacket(RelaySocket relay, DatagramPacket packet);
    }

    /** Where relays of one address family bind, and the address they are reported at. */
    record RelayAddress(InetAddress bindIp, InetAddress advertisedIp) {
        int family() {
            return bindIp instanceof Inet6Address ? AddressFamilyAttribute.IPV6 : AddressFamilyAttribute.IPV4;
        }
    }

    /** One family's relay address and the ports this server holds on it. */
    private static final class Family {
        final RelayAddress address;
        final BitSet held = new BitSet(65536);

        Family(RelayAddress address) {
            this.address = address;
        }
    }

    /** One relay socket: the core's {@link RelayHandle} (identity equality) and its channel's only handler. */
    static final class RelaySocket extends ChannelInboundHandlerAdapter implements RelayHandle {
        private final PeerSink sink;
        private final Family family;
        final int port;
        Channel channel;
        /** False while the socket only holds a port for a RESERVATION-TOKEN: what arrives then is dropped. */
        boolean active;

        RelaySocket(PeerSink sink, Family family, int port) {
            this.sink = sink;
            this.family = family;
            this.port = port;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (active && msg instanceof DatagramPacket packet) {
                try {
                    sink.peerPacket(this, packet);
                } finally {
                    packet.release();
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP errors and the like: a relay socket outlives them (RFC 8656 §11.5 leaves ICMP optional).
            LOG.debug("relay socket {}: {}", port, cause.toString());
        }

        @Override
        public String toString() {
            return "relay:" + port;
        }
    }

    private final EventLoop loop;
    private final NettyTransport transport;
    private final List<RelayAddress> addresses;
    private final HashMap<Integer, Family> families = new HashMap<>();
    private final int minPort;
    private final int maxPort;
    private final PeerSink sink;
    private final HashMap<Long, RelaySocket> reservations = new HashMap<>();
    private final List<RelaySocket> open = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom();

    /** @param addresses at most one per address family */
    RelaySockets(EventLoop loop, NettyTransport transport, List<RelayAddress> addresses, int minPort, int maxPort,
                 PeerSink sink) {
        this.loop = loop;
        this.transport = transport;
        this.addresses = List.copyOf(addresses);
        for (RelayAddress address : addresses) {
            if (families.put(address.family(), new Family(address)) != null) {
                throw new IllegalArgumentException("two relay addresses of one family: " + addresses);
            }
        }
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.sink = sink;
    }

    boolean offers(int family) {
        return families.containsKey(family);
    }

    List<RelayAddress> addresses() {
        return addresses;
    }

    int openCount() {
        return open.size();
    }

    @Override
    public RelayResult allocate(RelayRequest request) {
        Family family = families.get(request.family());
        if (family == null) {
            return new RelayResult.Unavailable("no relay address of that family");
        }
        RelaySocket socket;
        switch (request.portRule()) {
            case RESERVED -> {
                socket = reservations.remove(request.reservationToken());
                if (socket == null) {
                    return new RelayResult.Unavailable("the reservation is gone");
                }
            }
            case EVEN_RESERVE_NEXT -> {
                socket = bindEvenPair(family, request.reservationToken());
                if (socket == null) {
                    return new RelayResult.Unavailable("no free pair of relay ports");
                }
            }
            default -> {
                socket = bindInRange(family, request.portRule() == PortRule.EVEN);
                if (socket == null) {
                    return new RelayResult.Unavailable("no free relay port in " + minPort + "-" + maxPort);
                }
            }
        }
        socket.active = true;
        return new RelayResult.Allocated(socket, new InetSocketAddress(family.address.advertisedIp(), socket.port));
    }

    @Override
    public void release(RelayHandle handle) {
        if (handle instanceof RelaySocket socket) {
            close(socket);
        }
    }

    @Override
    public void cancelReservation(long token) {
        RelaySocket socket = reservations.remove(token);
        if (socket != null) {
            close(socket);
        }
    }

    /** Closes every relay and reserved socket; on the loop. */
    void closeAll() {
        for (RelaySocket socket : List.copyOf(open)) {
            close(socket);
        }
        reservations.clear();
    }

    private void close(RelaySocket socket) {
        socket.active = false;
        if (open.remove(socket)) {
            socket.family.held.clear(socket.port);
            socket.channel.close();
        }
    }

    /** Tries ports from a random start, wrapping around the range, skipping ports this server holds. */
    private RelaySocket bindInRange(Family family, boolean even) {
        int span = maxPort - minPort + 1;
        int start = minPort + random.nextInt(span);
        int attempts = 0;
        for (int i = 0; i < span && attempts < MAX_BIND_ATTEMPTS; i++) {
            int port = minPort + (start - minPort + i) % span;
            if (even && (port & 1) != 0 || family.held.get(port)) {
                continue;
            }
            attempts++;
            RelaySocket socket = bind(family, port);
            if (socket != null) {
                return socket;
            }
        }
        return null;
    }

    /** RFC 8656 §7.2 EVEN-PORT with R = 1: an even port P for the relay and P + 1 held under the token. */
    private RelaySocket bindEvenPair(Family family, long token) {
        int span = maxPort - minPort + 1;
        int start = minPort + random.nextInt(span);
        int attempts = 0;
        for (int i = 0; i < span && attempts < MAX_BIND_ATTEMPTS; i++) {
            int port = minPort + (start - minPort + i) % span;
            if ((port & 1) != 0 || port + 1 > maxPort || family.held.get(port) || family.held.get(port + 1)) {
                continue;
            }
            attempts++;
            RelaySocket socket = bind(family, port);
            if (socket == null) {
                continue;
            }
            RelaySocket next = bind(family, port + 1);
            if (next == null) {
                close(socket);
                continue;
            }
            reservations.put(token, next);
            return socket;
        }
        return null;
    }

    private RelaySocket bind(Family family, int port) {
        RelaySocket socket = new RelaySocket(sink, family, port);
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(transport.datagramChannel())
                .option(ChannelOption.SO_RCVBUF, RELAY_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, RELAY_BUFFER_BYTES)
                .handler(socket);
        DatagramReads.apply(bootstrap, transport);
        ChannelFuture registered = bootstrap.register();
        if (!registered.isDone() || !registered.isSuccess()) {
            registered.channel().close();
            LOG.warn("relay socket registration did not complete at once; is the allocator off the TURN loop?");
            return null;
        }
        Channel channel = registered.channel();
        ChannelFuture bound = channel.bind(new InetSocketAddress(family.address.bindIp(), port));
        if (!bound.isDone() || !bound.isSuccess()) {
            channel.close();
            return null; // in use by another program, or (not done) not on the loop: try another port
        }
        socket.channel = channel;
        family.held.set(port);
        open.add(socket);
        return socket;
    }
}
