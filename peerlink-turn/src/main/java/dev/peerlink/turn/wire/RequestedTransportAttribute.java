package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;

/** REQUESTED-TRANSPORT (RFC 8656 §18.8): an IP protocol number (17 for UDP) and 24 reserved bits. */
public record RequestedTransportAttribute(int protocol) implements StunAttribute {
    /** IANA protocol number of UDP, the only transport RFC 8656 relays. */
    public static final int UDP = 17;
    /** IANA protocol number of TCP, for RFC 6062 relays. */
    public static final int TCP = 6;

    public RequestedTransportAttribute {
        if (protocol < 0 || protocol > 0xFF) {
            throw new IllegalArgumentException("a protocol number is 8 bits, not " + protocol);
        }
    }

    @Override
    public int type() {
        return StunAttributeType.REQUESTED_TRANSPORT;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addUInt32(StunAttributeType.REQUESTED_TRANSPORT, protocol << 24);
    }

    static RequestedTransportAttribute decode(ByteBuffer value) throws StunDecodeException {
        TurnAttributes.requireLength(StunAttributeType.REQUESTED_TRANSPORT, value, 4);
        return new RequestedTransportAttribute(value.get(0) & 0xFF);
    }
}
