package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;

/**
 * REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6) and ADDITIONAL-ADDRESS-FAMILY (§18.11): an address family (0x01
 * IPv4, 0x02 IPv6) and 24 reserved bits. Other family values decode, so that the server can answer them with 440
 * Address Family not Supported (§7.2).
 */
public record AddressFamilyAttribute(int type, int family) implements StunAttribute {
    public static final int IPV4 = 0x01;
    public static final int IPV6 = 0x02;

    public AddressFamilyAttribute {
        if (type != StunAttributeType.REQUESTED_ADDRESS_FAMILY && type != StunAttributeType.ADDITIONAL_ADDRESS_FAMILY) {
            throw new IllegalArgumentException(StunAttributeType.name(type) + " is not an address family attribute");
        }
        if (family < 0 || family > 0xFF) {
            throw new IllegalArgumentException("an address family is 8 bits, not " + family);
        }
    }

    public static AddressFamilyAttribute requested(int family) {
        return new AddressFamilyAttribute(StunAttributeType.REQUESTED_ADDRESS_FAMILY, family);
    }

    public static AddressFamilyAttribute additional(int family) {
        return new AddressFamilyAttribute(StunAttributeType.ADDITIONAL_ADDRESS_FAMILY, family);
    }

    public boolean isKnownFamily() {
        return family == IPV4 || family == IPV6;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addUInt32(type, family << 24);
    }

    static AddressFamilyAttribute decode0(int type, ByteBuffer value, TransactionId id) throws StunDecodeException {
        return decode(type, value);
    }

    static AddressFamilyAttribute decode(int type, ByteBuffer value) throws StunDecodeException {
        TurnAttributes.requireLength(type, value, 4);
        return new AddressFamilyAttribute(type, value.get(0) & 0xFF);
    }
}
