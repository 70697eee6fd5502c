package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** UNKNOWN-ATTRIBUTES (RFC 8489 §14.9): the comprehension-required types a 420 response did not understand. */
public record UnknownAttributesAttribute(List<Integer> types) implements StunAttribute {
    public UnknownAttributesAttribute {
        types = List.copyOf(types);
    }

    @Override
    public int type() {
        return StunAttributeType.UNKNOWN_ATTRIBUTES;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addUnknownAttributes(types.stream().mapToInt(Integer::intValue).toArray(), types.size());
    }

    static UnknownAttributesAttribute decode(ByteBuffer value) throws StunDecodeException {
        if ((value.remaining() & 1) != 0) {
            throw new StunDecodeException("UNKNOWN-ATTRIBUTES has an odd length");
        }
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i < value.remaining(); i += 2) {
            types.add(value.getShort(i) & 0xFFFF);
        }
        return new UnknownAttributesAttribute(types);
    }
}
