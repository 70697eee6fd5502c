package dev.peerlink.stun.transport;

/**
 * What a packet on a shared socket carries, told by its first byte (RFC 7983 §7, updating RFC 5764 §5.1.2).
 */
public enum PacketKind {
    STUN,
    ZRTP,
    DTLS,
    TURN_CHANNEL_DATA,
    RTP_RTCP,
    UNKNOWN;

    /**
     * <pre>
     *   0..3    STUN          16..19  ZRTP       20..63  DTLS
     *   64..79  TURN channel  128..191 RTP/RTCP  others  drop
     * </pre>
     */
    public static PacketKind classify(int firstByte) {
        int b = firstByte & 0xFF;
        if (b <= 3) {
            return STUN;
        }
        if (b >= 16 && b <= 19) {
            return ZRTP;
        }
        if (b >= 20 && b <= 63) {
            return DTLS;
        }
        if (b >= 64 && b <= 79) {
            return TURN_CHANNEL_DATA;
        }
        if (b >= 128 && b <= 191) {
            return RTP_RTCP;
        }
        return UNKNOWN;
    }
}
