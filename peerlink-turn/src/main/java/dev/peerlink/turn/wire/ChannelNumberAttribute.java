package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;

/**
 * CHANNEL-NUMBER (RFC 8656 §18.1): a 16-bit channel number and 16 reserved bits. Any 16-bit value decodes, so
 * that the server can answer an out-of-range number with 400 (§11.2) rather than drop the request as malformed.
 */
public record ChannelNumberAttribute(int channel) implements StunAttribute {
    public ChannelNumberAttribute {
        if (channel < 0 || channel > 0xFFFF) {
            throw new IllegalArgumentException("a channel number is 16 bits, not " + channel);
        }
    }

    /** RFC 8656 §12: channel numbers 0x4000 through 0x4FFF may be bound. */
    public boolean isValid() {
        return ChannelData.isValidChannel(channel);
    }

    @Override
    public int type() {
        return StunAttributeType.CHANNEL_NUMBER;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addUInt32(StunAttributeType.CHANNEL_NUMBER, channel << 16);
    }

    static ChannelNumberAttribute decode(ByteBuffer value) throws StunDecodeException {
        TurnAttributes.requireLength(StunAttributeType.CHANNEL_NUMBER, value, 4);
        return new ChannelNumberAttribute(value.getShort(0) & 0xFFFF);
    }
}
