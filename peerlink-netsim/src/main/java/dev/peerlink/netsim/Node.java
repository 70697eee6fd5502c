package dev.peerlink.netsim;

/** Anything with interfaces on the network: a host or a router. */
sealed interface Node permits Host, Router {
    String name();

    /** A packet arrived on one of this node's interfaces. */
    void receive(Packet packet, VirtualInterface arrivedOn);
}
