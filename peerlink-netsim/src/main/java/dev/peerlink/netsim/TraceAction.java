package dev.peerlink.netsim;

/** What happened to a packet at one point of its way. */
public enum TraceAction {
    /** A socket handed it to the network. */
    SENT,
    /** A link lost it (the link's loss probability). */
    LOST,
    /** A router without NAT passed it on unchanged. */
    FORWARDED,
    /** A NAT rewrote its source (outbound) or destination (inbound). */
    TRANSLATED,
    /** A NAT turned it around from its LAN back into its LAN (RFC 4787 §6). */
    HAIRPINNED,
    /** It reached a socket. */
    DELIVERED,
    /** Nothing on the segment, no route and no gateway leads to its destination. */
    DROPPED_NO_ROUTE,
    /** It reached a host (or a router's own address) where no socket is bound to its destination port. */
    DROPPED_NO_SOCKET,
    /** It reached a NAT's public address on a port with no live mapping. */
    DROPPED_NO_MAPPING,
    /** A NAT's filtering behaviour (RFC 4787 §5) refused it. */
    DROPPED_BY_FILTER,
    /** A firewall refuses its protocol. */
    DROPPED_BY_FIREWALL,
    /** It was addressed from the LAN to the NAT's own public address, and the NAT does not hairpin. */
    DROPPED_HAIRPINNING_DISABLED,
    /** A NAT does not translate its protocol yet (only UDP is simulated). */
    DROPPED_UNSUPPORTED_PROTOCOL,
    /** A NAT had no external port left for a new mapping. */
    DROPPED_PORTS_EXHAUSTED,
    /** Its payload is larger than a link on its way carries ({@link Link#maxPayload()}). */
    DROPPED_TOO_LARGE;

    /** True for every action that ends the packet's journey without delivery. */
    public boolean isDrop() {
        return this == LOST || name().startsWith("DROPPED_");
    }
}
