package dev.peerlink.netsim;

import java.util.EnumSet;
import java.util.Set;

/**
 * A router without NAT: hosts on its LAN have addresses the outside reaches directly (a "public LAN"). With blocked
 * protocols it is a firewall that drops those packets in both directions, like a corporate network that lets no
 * UDP out, which forces WebRTC onto TURN over TCP or TLS.
 */
public final class ForwardingRouter extends Router {
    private final Set<Protocol> blockedProtocols;
    /** When not empty, TCP only to (and back from) these outside ports. */
    private Set<Integer> allowedTcpPorts = Set.of();
    private long forwarded;
    private long droppedByFirewall;

    ForwardingRouter(VirtualNetwork network, String name, Segment outsideSegment, Ipv4Subnet lanSubnet,
                     Set<Protocol> blockedProtocols) {
        super(network, name, outsideSegment, lanSubnet);
        this.blockedProtocols = blockedProtocols.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(blockedProtocols));
        announceLan(outsideSegment, lanSubnet);
    }

    /**
     * Makes the LAN reachable: a route on the outside segment, and on every segment above it as long as the routers
     * on the way do not translate (behind a NAT the LAN is reachable only through the NAT's mappings).
     */
    private void announceLan(Segment outsideSegment, Ipv4Subnet lanSubnet) {
        Segment segment = outsideSegment;
        VirtualInterface via = outside;
        while (true) {
            segment.addRoute(lanSubnet, via);
            VirtualInterface upstream = segment.gateway().orElse(null);
            if (upstream == null || !(upstream.node() instanceof ForwardingRouter parent)) {
                return;
            }
            via = parent.outside;
            segment = parent.outside.segment();
        }
    }

    public Set<Protocol> blockedProtocols() {
        return blockedProtocols;
    }

    /**
     * Lets TCP through only to these ports outside (and its answers back), like a corporate firewall that opens just
     * HTTPS: {@code allowOnlyTcpToPorts(443)}. With no ports, TCP passes unless blocked as a protocol.
     */
    public ForwardingRouter allowOnlyTcpToPorts(int... ports) {
        Set<Integer> allowed = new java.util.HashSet<>();
        for (int port : ports) {
            allowed.add(port);
        }
        this.allowedTcpPorts = Set.copyOf(allowed);
        return this;
    }

    /** Packets passed on in either direction. */
    public long forwarded() {
        return forwarded;
    }

    /** Packets dropped in either direction because their protocol is blocked. */
    public long droppedByFirewall() {
        return droppedByFirewall;
    }

    @Override
    void fromLan(Packet packet) {
        if (isForRouterItself(packet) || blocked(packet) || tcpPortRefused(packet.destination().getPort(), packet)) {
            return;
        }
        forward(packet, outside);
    }

    @Override
    void fromOutside(Packet packet) {
        if (isForRouterItself(packet) || blocked(packet) || tcpPortRefused(packet.source().getPort(), packet)) {
            return;
        }
        // The LAN segment knows its own hosts and the routers behind it; anything else it drops as unroutable.
        forward(packet, inside);
    }

    private boolean isForRouterItself(Packet packet) {
        var destination = packet.destination().getAddress();
        if (destination.equals(outside.address()) || destination.equals(inside.address())) {
            network.record(name(), TraceAction.DROPPED_NO_SOCKET, packet, null);
            return true;
        }
        return false;
    }

    private boolean blocked(Packet packet) {
        if (blockedProtocols.contains(packet.protocol())) {
            droppedByFirewall++;
            network.record(name(), TraceAction.DROPPED_BY_FIREWALL, packet, null);
            return true;
        }
        return false;
    }

    private boolean tcpPortRefused(int outsidePort, Packet packet) {
        if (packet.protocol() == Protocol.TCP && !allowedTcpPorts.isEmpty() && !allowedTcpPorts.contains(outsidePort)) {
            droppedByFirewall++;
            network.record(name(), TraceAction.DROPPED_BY_FIREWALL, packet, null);
            return true;
        }
        return false;
    }

    private void forward(Packet packet, VirtualInterface out) {
        forwarded++;
        network.record(name(), TraceAction.FORWARDED, packet, null);
        out.segment().transmit(out, packet);
    }
}
