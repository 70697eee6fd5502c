package dev.peerlink.stun;

/**
 * The 14-bit message type: a 12-bit method with the two class bits interleaved, RFC 8489 §5.
 *
 * <pre>
 *  M11 M10 M9 M8 M7 C1 M6 M5 M4 C0 M3 M2 M1 M0
 * </pre>
 */
public final class StunMessageType {
    public static final int MAX_METHOD = 0xFFF;

    private StunMessageType() {
    }

    public static int of(int method, StunClass messageClass) {
        if (method < 0 || method > MAX_METHOD) {
            throw new IllegalArgumentException("STUN method " + method + " does not fit in 12 bits");
        }
        int c = messageClass.bits();
        return (method & 0x000F)
                | ((c & 0b01) << 4)
                | ((method & 0x0070) << 1)
                | ((c & 0b10) << 7)
                | ((method & 0x0F80) << 2);
    }

    public static int method(int messageType) {
        return (messageType & 0x000F) | ((messageType & 0x00E0) >> 1) | ((messageType & 0x3E00) >> 2);
    }

    public static StunClass messageClass(int messageType) {
        return StunClass.fromBits(((messageType >> 4) & 0b01) | ((messageType >> 7) & 0b10));
    }
}
