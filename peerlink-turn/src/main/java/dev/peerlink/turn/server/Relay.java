package dev.peerlink.turn.server;

import dev.peerlink.turn.wire.AddressFamilyAttribute;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** One relayed transport address of an allocation: two for a dual allocation (RFC 8656 §7.2). */
final class Relay {
    final RelayHandle handle;
    final InetSocketAddress address;
    final int family;
    Allocation allocation;

    Relay(RelayHandle handle, InetSocketAddress address) {
        this.handle = handle;
        this.address = address;
        this.family = familyOf(address.getAddress());
    }

    static int familyOf(InetAddress address) {
        return address instanceof Inet4Address ? AddressFamilyAttribute.IPV4 : AddressFamilyAttribute.IPV6;
    }
}
