package dev.peerlink.netsim;

/**
 * The transport protocol a {@link Packet} carries. Only UDP is simulated end to end today; TCP exists so packets,
 * traces and NAT mapping tables already have the field it will need.
 */
public enum Protocol {
    UDP,
    TCP
}
