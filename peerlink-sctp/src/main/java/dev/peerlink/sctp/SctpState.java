package dev.peerlink.sctp;

/** Association states (RFC 9260 §4). */
public enum SctpState {
    CLOSED, COOKIE_WAIT, COOKIE_ECHOED, ESTABLISHED, SHUTDOWN_PENDING, SHUTDOWN_SENT, SHUTDOWN_RECEIVED,
    SHUTDOWN_ACK_SENT
}
