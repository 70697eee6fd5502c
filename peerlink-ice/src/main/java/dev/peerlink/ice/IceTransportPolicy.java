package dev.peerlink.ice;

/**
 * Which local candidates the agent offers and checks from (W3C WebRTC {@code RTCIceTransportPolicy}, JSEP RFC 8829
 * §4.1.1 "ICE candidate policy").
 */
public enum IceTransportPolicy {
    /** Host, server-reflexive and relayed candidates. */
    ALL,
    /**
     * Relayed candidates only: host sockets are still opened as the bases TURN allocations are made from, but
     * neither host nor server-reflexive candidates are signalled, paired or answered on, so the peer never learns
     * this host's addresses (RFC 8828 §5.2, mode 4). No STUN server is asked.
     */
    RELAY
}
