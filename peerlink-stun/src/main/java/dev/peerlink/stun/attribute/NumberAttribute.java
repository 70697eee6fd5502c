package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;

/**
 * A fixed-size unsigned number: 32 bits (FINGERPRINT, PRIORITY, LIFETIME, ...) or 64 bits (ICE-CONTROLLED,
 * ICE-CONTROLLING, RESERVATION-TOKEN); {@code size} is 4 or 8 bytes.
 */
public record NumberAttribute(int type, int size, long value) implements StunAttribute {
    public NumberAttribute {
        if (size != 4 && size != 8) {
            throw new IllegalArgumentException("a number attribute is 4 or 8 bytes, not " + size);
        }
        if (size == 4 && (value < 0 || value > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException(StunAttributeType.name(type) + " value " + value
                    + " does not fit in 32 bits");
        }
    }

    public static NumberAttribute uint32(int type, long value) {
        return new NumberAttribute(type, 4, value);
    }

    public static NumberAttribute uint64(int type, long value) {
        return new NumberAttribute(type, 8, value);
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        if (size == 4) {
            writer.addUInt32(type, (int) value);
        } else {
            writer.addUInt64(type, value);
        }
    }

    static NumberAttribute decode(int type, int size, ByteBuffer value) throws StunDecodeException {
        if (value.remaining() != size) {
            throw new StunDecodeException(StunAttributeType.name(type) + " is " + value.remaining()
                    + " bytes, not " + size);
        }
        return size == 4 ? uint32(type, value.getInt(0) & 0xFFFF_FFFFL) : uint64(type, value.getLong(0));
    }
}
