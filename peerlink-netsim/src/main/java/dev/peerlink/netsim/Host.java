package dev.peerlink.netsim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An end host: one or more interfaces, UDP sockets bound to them, and TCP connections and listeners
 * ({@link VirtualTcpConnection}). Hosts never forward packets. A datagram sent to
 * one of the host's own addresses is delivered locally, as through a loopback interface.
 */
public final class Host implements Node {
    /** RFC 6335 §6: the dynamic ports, which operating systems hand out as ephemeral ports. */
    static final int FIRST_EPHEMERAL_PORT = 49152;
    static final int LAST_EPHEMERAL_PORT = 65535;

    private final VirtualNetwork network;
    private final String name;
    private final List<VirtualInterface> interfaces = new ArrayList<>();
    private final Map<InetSocketAddress, VirtualSocket> sockets = new LinkedHashMap<>();
    private final Map<Integer, Consumer<VirtualTcpConnection>> tcpListeners = new LinkedHashMap<>();
    private final Map<List<InetSocketAddress>, VirtualTcpConnection> tcpConnections = new LinkedHashMap<>();

    Host(VirtualNetwork network, String name) {
        this.network = network;
        this.name = network.claimName(name);
    }

    @Override
    public String name() {
        return name;
    }

    /** The address of the first interface, the one {@link #openUdpSocket(int)} binds to. */
    public InetAddress address() {
        return interfaces.get(0).address();
    }

    public List<VirtualInterface> interfaces() {
        return List.copyOf(interfaces);
    }

    /** Attaches the host to one more segment, with that segment's next free address. */
    public VirtualInterface addInterface(Segment segment, Link link) {
        VirtualInterface added = segment.attach(this, link);
        interfaces.add(added);
        return added;
    }

    /** Attaches the host to one more segment with a chosen address. */
    public VirtualInterface addInterface(Segment segment, InetAddress address, Link link) {
        VirtualInterface added = segment.attach(this, address, link);
        interfaces.add(added);
        return added;
    }

    /** A socket on the first interface with an ephemeral port picked from the network's seeded random source. */
    public VirtualSocket openUdpSocket() {
        return openUdpSocket(address(), 0);
    }

    /** A socket on the first interface; port 0 picks an ephemeral port. */
    public VirtualSocket openUdpSocket(int port) {
        return openUdpSocket(address(), port);
    }

    /** A socket on the interface with {@code localAddress}; port 0 picks an ephemeral port. */
    public VirtualSocket openUdpSocket(InetAddress localAddress, int port) {
        if (interfaceWith(localAddress) == null) {
            throw new IllegalArgumentException(
                    name + " has no interface with address " + localAddress.getHostAddress());
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("a UDP port is 0-65535, not " + port);
        }
        int chosen = port == 0 ? pickEphemeralPort(localAddress) : port;
        InetSocketAddress local = new InetSocketAddress(localAddress, chosen);
        if (sockets.containsKey(local)) {
            throw new IllegalStateException(Addresses.format(local) + " on " + name + " is already in use");
        }
        VirtualSocket socket = new VirtualSocket(this, local);
        sockets.put(local, socket);
        return socket;
    }

    /** Random then sequential, like Linux's ephemeral port search, so the choice comes from the seed. */
    private int pickEphemeralPort(InetAddress localAddress) {
        int count = LAST_EPHEMERAL_PORT - FIRST_EPHEMERAL_PORT + 1;
        int start = network.random().nextInt(count);
        for (int i = 0; i < count; i++) {
            int candidate = FIRST_EPHEMERAL_PORT + (start + i) % count;
            if (!sockets.containsKey(new InetSocketAddress(localAddress, candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " has no free ephemeral port on " + localAddress.getHostAddress());
    }

    void send(VirtualSocket from, InetSocketAddress destination, byte[] payload) {
        Packet packet = network.newPacket(Protocol.UDP, from.localAddress(), destination, payload);
        network.record(name, TraceAction.SENT, packet, null);
        VirtualInterface local = interfaceWith(destination.getAddress());
        if (local != null) {
            network.scheduleDelivery(0, () -> receive(packet, local));
            return;
        }
        VirtualInterface out = interfaceWith(from.localAddress().getAddress());
        out.segment().transmit(out, packet);
    }

    /**
     * Accepts TCP connections to {@code port} on every interface; {@code onAccept} gets each once its handshake is
     * complete. Returns what stops listening (connections already accepted stay open).
     */
    public AutoCloseable listenTcp(int port, Consumer<VirtualTcpConnection> onAccept) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a TCP port to listen on is 1-65535, not " + port);
        }
        if (tcpListeners.putIfAbsent(port, onAccept) != null) {
            throw new IllegalStateException("TCP port " + port + " on " + name + " is already listening");
        }
        return () -> tcpListeners.remove(port);
    }

    /**
     * Opens a TCP connection from the first interface (an ephemeral port from the seed) to {@code remote}; the
     * handshake starts at once. Set the connection's callbacks before the network runs on.
     */
    public VirtualTcpConnection connectTcp(InetSocketAddress remote) {
        Addresses.requireUsableDestination(remote);
        InetSocketAddress local;
        do {
            local = new InetSocketAddress(address(), FIRST_EPHEMERAL_PORT
                    + network.random().nextInt(LAST_EPHEMERAL_PORT - FIRST_EPHEMERAL_PORT + 1));
        } while (tcpConnections.containsKey(List.of(local, remote)));
        VirtualTcpConnection connection = new VirtualTcpConnection(network, this, local, remote, true,
                network.random().nextInt());
        tcpConnections.put(List.of(local, remote), connection);
        connection.startHandshake();
        return connection;
    }

    void sendTcp(InetSocketAddress from, InetSocketAddress to, byte[] segment) {
        Packet packet = network.newPacket(Protocol.TCP, from, to, segment);
        network.record(name, TraceAction.SENT, packet, null);
        VirtualInterface local = interfaceWith(to.getAddress());
        if (local != null) {
            network.scheduleDelivery(0, () -> receive(packet, local));
            return;
        }
        VirtualInterface out = interfaceWith(from.getAddress());
        out.segment().transmit(out, packet);
    }

    void forget(VirtualTcpConnection connection) {
        tcpConnections.remove(List.of(connection.localAddress(), connection.remoteAddress()));
    }

    /** RFC 9293 §3.5: a segment for a connection, a SYN for a listener, or else a RST back (no RST for a RST). */
    private void receiveTcp(Packet packet) {
        VirtualTcpConnection connection = tcpConnections.get(List.of(packet.destination(), packet.source()));
        if (connection != null) {
            network.record(name, TraceAction.DELIVERED, packet, null);
            connection.receive(packet);
            return;
        }
        byte[] segment = packet.payload();
        int flags = segment.length >= VirtualTcpConnection.HEADER_BYTES ? segment[0] : VirtualTcpConnection.RST;
        Consumer<VirtualTcpConnection> listener = tcpListeners.get(packet.destination().getPort());
        if (listener != null && flags == VirtualTcpConnection.SYN) {
            network.record(name, TraceAction.DELIVERED, packet, null);
            VirtualTcpConnection accepted = new VirtualTcpConnection(network, this, packet.destination(),
                    packet.source(), false, network.random().nextInt());
            tcpConnections.put(List.of(packet.destination(), packet.source()), accepted);
            accepted.onConnected(() -> listener.accept(accepted));
            accepted.acceptSyn(java.nio.ByteBuffer.wrap(segment, 1, 4).getInt());
            return;
        }
        network.record(name, TraceAction.DROPPED_NO_SOCKET, packet, null);
        if ((flags & VirtualTcpConnection.RST) == 0) {
            sendTcp(packet.destination(), packet.source(), new byte[] {VirtualTcpConnection.RST, 0, 0, 0, 0, 0, 0, 0, 0});
        }
    }

    void unbind(VirtualSocket socket) {
        sockets.remove(socket.localAddress());
    }

    /** Called by the network when a packet reaches one of this host's interfaces. */
    @Override
    public void receive(Packet packet, VirtualInterface arrivedOn) {
        if (packet.protocol() == Protocol.TCP) {
            receiveTcp(packet);
            return;
        }
        VirtualSocket socket = packet.protocol() == Protocol.UDP ? sockets.get(packet.destination()) : null;
        if (socket == null) {
            // A real host would answer with ICMP port unreachable; ICMP is not simulated.
            network.record(name, TraceAction.DROPPED_NO_SOCKET, packet, null);
            return;
        }
        network.record(name, TraceAction.DELIVERED, packet, null);
        socket.deliver(new Datagram(packet.source(), packet.destination(), packet.payload(), network.nowNanos()));
    }

    private VirtualInterface interfaceWith(InetAddress address) {
        for (VirtualInterface candidate : interfaces) {
            if (candidate.address().equals(address)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "Host " + name + " " + interfaces.stream().map(i -> i.address().getHostAddress()).toList();
    }
}
