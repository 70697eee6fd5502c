package dev.peerlink.netsim;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One IP subnet that nodes attach to, like an Ethernet switch: the internet (198.18.0.0/16) or a LAN behind a router
 * (198.19.N.0/24). A packet for an address on the segment goes straight to that interface; a packet for a prefix
 * some router announced goes to that router; anything else goes to the segment's gateway (the router the LAN sits
 * behind), and on the internet, which has no gateway, it is dropped. Every segment but the internet has exactly one
 * upstream router, so the topology is a tree and a packet can never loop.
 */
public final class Segment {
    private record Route(Ipv4Subnet prefix, VirtualInterface via) {
    }

    private final VirtualNetwork network;
    private final String name;
    private final Ipv4Subnet subnet;
    private final Map<InetAddress, VirtualInterface> interfaces = new LinkedHashMap<>();
    private final List<Route> routes = new ArrayList<>();
    private VirtualInterface gateway;
    private long nextHostOffset = 1;

    Segment(VirtualNetwork network, String name, Ipv4Subnet subnet) {
        this.network = network;
        this.name = name;
        this.subnet = subnet;
    }

    public String name() {
        return name;
    }

    public Ipv4Subnet subnet() {
        return subnet;
    }

    /** The router interface that packets for other subnets go to; empty on the internet. */
    public Optional<VirtualInterface> gateway() {
        return Optional.ofNullable(gateway);
    }

    /** Every interface attached here, in the order they were attached. */
    public List<VirtualInterface> interfaces() {
        return List.copyOf(interfaces.values());
    }

    /** A host with the next free address and an ideal link. */
    public Host addHost(String hostName) {
        return addHost(hostName, Link.IDEAL);
    }

    /** A host with the next free address on the given link. */
    public Host addHost(String hostName, Link link) {
        Host host = new Host(network, hostName);
        host.addInterface(this, link);
        return host;
    }

    /** A host with a chosen address, which must be inside this segment's subnet and free. */
    public Host addHost(String hostName, InetAddress address, Link link) {
        Host host = new Host(network, hostName);
        host.addInterface(this, address, link);
        return host;
    }

    VirtualInterface attach(Node node, Link link) {
        return attach(node, allocateAddress(), link);
    }

    VirtualInterface attach(Node node, InetAddress address, Link link) {
        if (!subnet.contains(address)) {
            throw new IllegalArgumentException(
                    address.getHostAddress() + " is not inside " + name + " (" + subnet + ")");
        }
        if (interfaces.containsKey(address)) {
            throw new IllegalArgumentException(address.getHostAddress() + " is already used on " + name + " by "
                    + interfaces.get(address).ownerName());
        }
        if (link == null) {
            throw new IllegalArgumentException("a link is required; use Link.IDEAL for a perfect one");
        }
        VirtualInterface attached = new VirtualInterface(node, this, address, link);
        interfaces.put(address, attached);
        return attached;
    }

    /** The next free address, skipping x.x.x.0 and x.x.x.255 so no address looks like a network or broadcast. */
    private InetAddress allocateAddress() {
        while (nextHostOffset < subnet.size() - 1) {
            Inet4Address candidate = subnet.addressAt(nextHostOffset++);
            int lastOctet = Ipv4Subnet.toInt(candidate) & 0xff;
            if (lastOctet != 0 && lastOctet != 255 && !interfaces.containsKey(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " (" + subnet + ") has no free address left");
    }

    void setGateway(VirtualInterface routerInside) {
        this.gateway = routerInside;
    }

    void addRoute(Ipv4Subnet prefix, VirtualInterface via) {
        routes.add(new Route(prefix, via));
    }

    /** Puts a packet from {@code from} on this segment toward its destination's next hop. */
    void transmit(VirtualInterface from, Packet packet) {
        VirtualInterface next = nextHop(from, packet.destination().getAddress());
        if (next == null) {
            network.record(from.ownerName(), TraceAction.DROPPED_NO_ROUTE, packet, null);
            return;
        }
        if (from.link().tooLarge(packet) || next.link().tooLarge(packet)) {
            network.record(from.ownerName(), TraceAction.DROPPED_TOO_LARGE, packet, null);
            return; // before the loss draw, so a size limit does not shift other packets' samples
        }
        var random = network.random();
        if (from.link().loses(random) || next.link().loses(random)) {
            network.countLoss();
            network.record(from.ownerName(), TraceAction.LOST, packet, null);
            return;
        }
        long delayNanos = from.link().sampleDelayNanos(random) + next.link().sampleDelayNanos(random);
        network.scheduleDelivery(delayNanos, () -> next.node().receive(packet, next));
    }

    private VirtualInterface nextHop(VirtualInterface from, InetAddress destination) {
        VirtualInterface direct = interfaces.get(destination);
        if (direct != null) {
            return direct == from ? null : direct;
        }
        Route best = null;
        for (Route route : routes) {
            if (route.prefix.contains(destination)
                    && (best == null || route.prefix.prefixLength() > best.prefix.prefixLength())) {
                best = route;
            }
        }
        if (best != null) {
            return best.via == from ? null : best.via;
        }
        return gateway == from ? null : gateway;
    }

    @Override
    public String toString() {
        return name + " (" + subnet + ")";
    }
}
