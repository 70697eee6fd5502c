package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunMessageWriter;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An attribute kept as its raw value: MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, USERHASH, PADDING, and any
 * type no decoder is registered for.
 */
public record BytesAttribute(int type, byte[] value) implements StunAttribute {
    public BytesAttribute {
        if (value.length > 0xFFFF) {
            throw new IllegalArgumentException("a STUN attribute value is at most 65535 bytes");
        }
        value = value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addBytes(type, value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BytesAttribute that && type == that.type && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return StunAttributeType.name(type) + "[" + HexFormat.of().formatHex(value) + "]";
    }
}
