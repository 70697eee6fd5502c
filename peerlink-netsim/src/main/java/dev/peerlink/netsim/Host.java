package dev.peerlink.netsim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An end host: one or more interfaces, and UDP sockets bound to them. Hosts never forward packets. A datagram sent to
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

    void unbind(VirtualSocket socket) {
        sockets.remove(socket.localAddress());
    }

    /** Called by the network when a packet reaches one of this host's interfaces. */
    @Override
    public void receive(Packet packet, VirtualInterface arrivedOn) {
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
