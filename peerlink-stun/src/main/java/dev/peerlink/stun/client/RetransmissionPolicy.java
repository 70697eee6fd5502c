package dev.peerlink.stun.client;

import java.time.Duration;

/**
 * When a client retransmits a request and when it gives up (RFC 8489 §6.2.1, §6.2.2).
 *
 * @param rto              initial retransmission timeout over UDP, doubled after each transmission
 * @param rc               how many times a request is sent over UDP in all
 * @param rm               after the last transmission, wait {@code rm × rto} for a response
 * @param reliableTimeout  over TCP/TLS the request is sent once and fails after this (Ti)
 */
public record RetransmissionPolicy(Duration rto, int rc, int rm, Duration reliableTimeout) {
    /** RFC 8489 defaults: RTO 500 ms, Rc 7, Rm 16 (a UDP transaction fails after 39.5 s), Ti 39.5 s. */
    public static final RetransmissionPolicy DEFAULT =
            new RetransmissionPolicy(Duration.ofMillis(500), 7, 16, Duration.ofMillis(39_500));

    public RetransmissionPolicy {
        if (rto.isNegative() || rto.isZero()) {
            throw new IllegalArgumentException("the STUN RTO must be positive, not " + rto);
        }
        if (rc < 1) {
            throw new IllegalArgumentException("Rc (transmissions per request) must be at least 1, not " + rc);
        }
        if (rm < 1) {
            throw new IllegalArgumentException("Rm (final wait in RTOs) must be at least 1, not " + rm);
        }
        if (reliableTimeout.isNegative() || reliableTimeout.isZero()) {
            throw new IllegalArgumentException("the TCP/TLS transaction timeout must be positive, not " + reliableTimeout);
        }
    }

    /** How long an unanswered UDP transaction lasts: (2^(Rc-1) - 1 + Rm) × RTO. */
    public Duration udpTransactionTimeout() {
        return rto.multipliedBy((1L << (rc - 1)) - 1 + rm);
    }
}
