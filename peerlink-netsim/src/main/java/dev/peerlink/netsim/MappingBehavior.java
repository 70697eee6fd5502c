package dev.peerlink.netsim;

/** RFC 4787 §4.1: when a NAT reuses an external address and port for an internal endpoint X:x. */
public enum MappingBehavior {
    /** The same mapping for every destination (RFC 4787 REQ-1 asks for this). */
    ENDPOINT_INDEPENDENT,
    /** The same mapping while the destination IP stays the same, whatever its port. */
    ADDRESS_DEPENDENT,
    /** A new mapping for every destination IP and port: the "symmetric NAT" of RFC 3489. */
    ADDRESS_AND_PORT_DEPENDENT
}
