package dev.peerlink.netsim;

import java.net.InetSocketAddress;

/**
 * A UDP datagram as a {@link VirtualSocket} received it.
 *
 * @param source       where it came from, as translated by every NAT on the way (what a real socket would report)
 * @param destination  the receiving socket's own address
 * @param payload      the bytes; the receiver owns this array
 * @param arrivalNanos the virtual time it arrived
 */
public record Datagram(InetSocketAddress source, InetSocketAddress destination, byte[] payload, long arrivalNanos) {
    @Override
    public String toString() {
        return "Datagram[" + Addresses.format(source) + " > " + Addresses.format(destination) + ", "
                + payload.length + " bytes at " + arrivalNanos + " ns]";
    }
}
