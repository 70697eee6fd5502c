package dev.peerlink.datachannel;

/**
 * How a data channel delivers (the W3C RTCDataChannelInit).
 *
 * @param ordered           in-order delivery
 * @param maxRetransmits    -1 for no limit; otherwise PR-SCTP limited retransmissions (RFC 8831 §6.4)
 * @param maxPacketLifeTime -1 for no limit; otherwise PR-SCTP lifetime in milliseconds
 * @param protocol          the sub-protocol name, "" for none
 * @param negotiated        true when both sides create the channel themselves with the same {@code id}; no DCEP
 * @param id                the stream id of a negotiated channel; -1 otherwise (chosen by DTLS role, RFC 8832 §6)
 * @param priority          the DCEP priority field (RFC 8832 §5.1); 256 is "normal"
 */
public record DataChannelOptions(boolean ordered, int maxRetransmits, long maxPacketLifeTime, String protocol,
                                 boolean negotiated, int id, int priority) {

    public static final DataChannelOptions DEFAULT = new DataChannelOptions(true, -1, -1, "", false, -1, 256);

    public DataChannelOptions {
        if (maxRetransmits < -1 || maxPacketLifeTime < -1) {
            throw new IllegalArgumentException("maxRetransmits and maxPacketLifeTime must be -1 (unlimited) or at least 0");
        }
        if (maxRetransmits >= 0 && maxPacketLifeTime >= 0) {
            throw new IllegalArgumentException("a data channel can limit retransmissions or lifetime, not both");
        }
        if (protocol == null) {
            protocol = "";
        }
        if (negotiated && (id < 0 || id > 65534)) {
            throw new IllegalArgumentException("a negotiated data channel needs an id between 0 and 65534, not " + id);
        }
        if (!negotiated && id != -1) {
            throw new IllegalArgumentException("only a negotiated data channel takes an id (RFC 8832 §6 picks the others)");
        }
        if (priority < 0 || priority > 0xffff) {
            throw new IllegalArgumentException("the priority must be between 0 and 65535, not " + priority);
        }
    }

    public static DataChannelOptions unordered() {
        return new DataChannelOptions(false, -1, -1, "", false, -1, 256);
    }

    public static DataChannelOptions negotiated(int id) {
        return new DataChannelOptions(true, -1, -1, "", true, id, 256);
    }

    public DataChannelOptions withMaxRetransmits(int n) {
        return new DataChannelOptions(ordered, n, -1, protocol, negotiated, id, priority);
    }

    public DataChannelOptions withMaxPacketLifeTime(long millis) {
        return new DataChannelOptions(ordered, -1, millis, protocol, negotiated, id, priority);
    }

    public DataChannelOptions withOrdered(boolean value) {
        return new DataChannelOptions(value, maxRetransmits, maxPacketLifeTime, protocol, negotiated, id, priority);
    }

    public DataChannelOptions withProtocol(String value) {
        return new DataChannelOptions(ordered, maxRetransmits, maxPacketLifeTime, value, negotiated, id, priority);
    }

    /** The DCEP channel type (RFC 8832 §5.1). */
    int channelType() {
        int base = maxRetransmits >= 0 ? DcepMessage.PARTIAL_RELIABLE_REXMIT
                : maxPacketLifeTime >= 0 ? DcepMessage.PARTIAL_RELIABLE_TIMED : DcepMessage.RELIABLE;
        return base | (ordered ? 0 : DcepMessage.UNORDERED_BIT);
    }

    long reliabilityParameter() {
        return maxRetransmits >= 0 ? maxRetransmits : Math.max(0, maxPacketLifeTime);
    }

    static DataChannelOptions fromOpen(DcepMessage.Open open, int id) {
        int base = open.channelType() & ~DcepMessage.UNORDERED_BIT;
        int rexmit = base == DcepMessage.PARTIAL_RELIABLE_REXMIT ? (int) Math.min(Integer.MAX_VALUE, open.reliabilityParameter()) : -1;
        long lifetime = base == DcepMessage.PARTIAL_RELIABLE_TIMED ? open.reliabilityParameter() : -1;
        return new DataChannelOptions(open.ordered(), rexmit, lifetime, open.protocol(), false, -1, open.priority());
    }
}
