package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;

/** An attribute whose presence is its meaning: USE-CANDIDATE (RFC 8445 §16.1), DONT-FRAGMENT (RFC 8656). */
public record FlagAttribute(int type) implements StunAttribute {
    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addFlag(type);
    }

    static FlagAttribute decode(int type, ByteBuffer value) throws StunDecodeException {
        if (value.remaining() != 0) {
            throw new StunDecodeException(StunAttributeType.name(type) + " must be empty");
        }
        return new FlagAttribute(type);
    }
}
