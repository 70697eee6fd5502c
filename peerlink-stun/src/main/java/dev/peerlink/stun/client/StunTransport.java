package dev.peerlink.stun.client;

/** How a client reaches a STUN server (RFC 8489 §6.2). */
public enum StunTransport {
    UDP, TCP, TLS;

    /** RFC 8489 §6: 3478 for UDP and TCP, 5349 for TLS. */
    public int defaultPort() {
        return this == TLS ? 5349 : 3478;
    }

    public boolean isReliable() {
        return this != UDP;
    }
}
