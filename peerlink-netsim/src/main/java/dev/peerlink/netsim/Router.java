package dev.peerlink.netsim;

import java.net.InetAddress;

/**
 * A router between an outside segment (the internet, or another router's LAN) and the LAN it creates, whose
 * inside address is the LAN's first address (198.19.N.1) and its gateway.
 */
public abstract sealed class Router implements Node permits NatRouter, ForwardingRouter {
    final VirtualNetwork network;
    private final String name;
    final VirtualInterface outside;
    final Segment lan;
    final VirtualInterface inside;

    Router(VirtualNetwork network, String name, Segment outsideSegment, Ipv4Subnet lanSubnet) {
        this.network = network;
        this.name = network.claimName(name);
        this.outside = outsideSegment.attach(this, Link.IDEAL);
        this.lan = new Segment(network, name + "-lan", lanSubnet);
        this.inside = lan.attach(this, Link.IDEAL);
        lan.setGateway(inside);
    }

    @Override
    public String name() {
        return name;
    }

    /** The LAN behind this router; add hosts (or further routers) to it. */
    public Segment lan() {
        return lan;
    }

    /** The interface on the outside segment; set its link to model the access line (DSL, LTE, ...). */
    public VirtualInterface outsideInterface() {
        return outside;
    }

    /** The interface on the LAN, the LAN's gateway. */
    public VirtualInterface insideInterface() {
        return inside;
    }

    /** The router's address on the outside segment (for a NAT, its public address). */
    public InetAddress outsideAddress() {
        return outside.address();
    }

    /** Called by the network when a packet reaches one of the router's interfaces. */
    @Override
    public final void receive(Packet packet, VirtualInterface arrivedOn) {
        if (arrivedOn == inside) {
            fromLan(packet);
        } else {
            fromOutside(packet);
        }
    }

    abstract void fromLan(Packet packet);

    abstract void fromOutside(Packet packet);

    @Override
    public String toString() {
        return getClass().getSimpleName() + " " + name + " " + outside.address().getHostAddress() + " / "
                + lan.subnet();
    }
}
