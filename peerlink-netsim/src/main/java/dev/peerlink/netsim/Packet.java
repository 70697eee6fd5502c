package dev.peerlink.netsim;

import java.net.InetSocketAddress;

/**
 * One IP packet as it crosses the virtual network. Routers never change a packet: translating one makes a copy with
 * new addresses and the same {@code id}, so a trace can follow a packet through every NAT on its way.
 *
 * @param id          unique per network, in the order packets were sent
 * @param protocol    the transport the payload belongs to
 * @param source      the source address and port as the current hop sees them
 * @param destination the destination address and port as the current hop sees them
 * @param payload     the transport payload; shared between hops and owned by the receiver on delivery
 */
public record Packet(long id, Protocol protocol, InetSocketAddress source, InetSocketAddress destination,
                     byte[] payload) {

    /** This packet after a NAT rewrote its source (outbound translation, RFC 4787 §4.1). */
    public Packet withSource(InetSocketAddress newSource) {
        return new Packet(id, protocol, newSource, destination, payload);
    }

    /** This packet after a NAT rewrote its destination (inbound translation). */
    public Packet withDestination(InetSocketAddress newDestination) {
        return new Packet(id, protocol, source, newDestination, payload);
    }

    @Override
    public String toString() {
        return "#" + id + " " + protocol + " " + Addresses.format(source) + " > " + Addresses.format(destination)
                + " (" + payload.length + " bytes)";
    }
}
