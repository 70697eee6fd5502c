package dev.peerlink.netsim;

/** The transport protocol a {@link Packet} carries: UDP datagrams, or the segments of a {@link VirtualTcpConnection}. */
public enum Protocol {
    UDP,
    TCP
}
