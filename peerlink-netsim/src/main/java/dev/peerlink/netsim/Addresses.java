package dev.peerlink.netsim;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Small helpers for printing and checking addresses. */
final class Addresses {
    private Addresses() {
    }

    /** "198.18.0.1:3478", without the host-name part {@link InetSocketAddress#toString} adds. */
    static String format(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    static InetSocketAddress requireUsableDestination(InetSocketAddress destination) {
        if (destination == null || destination.isUnresolved()) {
            throw new IllegalArgumentException("the destination must be a resolved address, not " + destination);
        }
        if (destination.getPort() == 0) {
            throw new IllegalArgumentException("the destination port must be 1-65535, not 0 (" + destination + ")");
        }
        return destination;
    }

    static boolean sameAddress(InetSocketAddress socketAddress, InetAddress address) {
        return socketAddress.getAddress().equals(address);
    }
}
