package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;

/**
 * EVEN-PORT (RFC 8656 §18.7): one byte whose top bit R asks the server to also reserve the next port; the other
 * seven bits are reserved. The value is one byte, padded to four on the wire.
 */
public record EvenPortAttribute(boolean reserveNextPort) implements StunAttribute {
    private static final int RESERVE_BIT = 0x80;

    @Override
    public int type() {
        return StunAttributeType.EVEN_PORT;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addBytes(StunAttributeType.EVEN_PORT, new byte[] {(byte) (reserveNextPort ? RESERVE_BIT : 0)});
    }

    static EvenPortAttribute decode(ByteBuffer value) throws StunDecodeException {
        TurnAttributes.requireLength(StunAttributeType.EVEN_PORT, value, 1);
        return new EvenPortAttribute((value.get(0) & RESERVE_BIT) != 0);
    }
}
