package dev.peerlink.lab;

import java.net.InetAddress;
import java.util.List;

/**
 * A LAN behind one lab router.
 *
 * @param name        the name it was given in the builder, e.g. {@code sym}
 * @param kind        what the router does between the LAN and the internet
 * @param router      the router's namespace; its WAN address is the first, its LAN address the second
 * @param hosts       the hosts on the LAN, each with a default route via the router
 * @param impairment  the trouble on the router's WAN link
 */
public record Lan(String name, NatKind kind, LabNode router, List<LabNode> hosts, Impairment impairment) {
    public Lan {
        hosts = List.copyOf(hosts);
    }

    /** The router's public address on the lab internet: the NAT's external address. */
    public InetAddress wanAddress() {
        return router.addresses().get(0);
    }

    /** The router's address on the LAN, the hosts' gateway. */
    public InetAddress lanAddress() {
        return router.addresses().get(1);
    }

    /** The first (often only) host. */
    public LabNode host() {
        return hosts.getFirst();
    }
}
