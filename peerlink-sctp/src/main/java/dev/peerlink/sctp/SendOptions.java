package dev.peerlink.sctp;

/**
 * Per-message delivery options.
 *
 * @param ordered               deliver in stream order (SSN); false sets the U bit (RFC 9260 §6.6)
 * @param maxRetransmits        PR-SCTP limited retransmissions (RFC 3758 §4; RFC 8831 §6.4): give up on the
 *                              message after this many retransmissions; -1 for no limit
 * @param maxPacketLifeTimeMillis PR-SCTP timed reliability (RFC 3758 §3.3.1): give up on the message once it is
 *                              this old; -1 for no limit
 */
public record SendOptions(boolean ordered, int maxRetransmits, long maxPacketLifeTimeMillis) {

    public static final SendOptions RELIABLE_ORDERED = new SendOptions(true, -1, -1);
    public static final SendOptions RELIABLE_UNORDERED = new SendOptions(false, -1, -1);

    public SendOptions {
        if (maxRetransmits < -1) {
            throw new IllegalArgumentException("maxRetransmits must be -1 (unlimited) or at least 0, not " + maxRetransmits);
        }
        if (maxPacketLifeTimeMillis < -1) {
            throw new IllegalArgumentException("maxPacketLifeTime must be -1 (unlimited) or at least 0 ms, not "
                    + maxPacketLifeTimeMillis);
        }
        if (maxRetransmits >= 0 && maxPacketLifeTimeMillis >= 0) {
            throw new IllegalArgumentException("a message can limit retransmissions or lifetime, not both (RFC 8831 §6.4)");
        }
    }

    public boolean reliable() {
        return maxRetransmits < 0 && maxPacketLifeTimeMillis < 0;
    }
}
