package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;

/**
 * ICMP (RFC 8656 §18.13), carried in a Data indication when the relay received an ICMP error for a peer: 16
 * reserved bits, the ICMP type and code, and 32 bits of error data (e.g. the MTU for "fragmentation needed").
 */
public record IcmpAttribute(int icmpType, int icmpCode, int errorData) implements StunAttribute {
    public IcmpAttribute {
        if (icmpType < 0 || icmpType > 0xFF || icmpCode < 0 || icmpCode > 0xFF) {
            throw new IllegalArgumentException("ICMP type and code are 8 bits each, not " + icmpType + " and "
                    + icmpCode);
        }
    }

    @Override
    public int type() {
        return StunAttributeType.ICMP;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addUInt64(StunAttributeType.ICMP, ((long) (icmpType << 8 | icmpCode) << 32) | (errorData & 0xFFFF_FFFFL));
    }

    static IcmpAttribute decode(ByteBuffer value) throws StunDecodeException {
        TurnAttributes.requireLength(StunAttributeType.ICMP, value, 8);
        return new IcmpAttribute(value.get(2) & 0xFF, value.get(3) & 0xFF, value.getInt(4));
    }
}
