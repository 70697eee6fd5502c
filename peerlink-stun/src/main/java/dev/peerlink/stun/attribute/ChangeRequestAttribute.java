package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;

/** CHANGE-REQUEST (RFC 5780 §7.2): ask the server to answer from its other IP address and/or port. */
public record ChangeRequestAttribute(boolean changeIp, boolean changePort) implements StunAttribute {
    public static final int CHANGE_IP = 0x04;
    public static final int CHANGE_PORT = 0x02;

    @Override
    public int type() {
        return StunAttributeType.CHANGE_REQUEST;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addUInt32(StunAttributeType.CHANGE_REQUEST, (changeIp ? CHANGE_IP : 0) | (changePort ? CHANGE_PORT : 0));
    }

    static ChangeRequestAttribute decode(ByteBuffer value) throws StunDecodeException {
        if (value.remaining() != 4) {
            throw new StunDecodeException("CHANGE-REQUEST is " + value.remaining() + " bytes, not 4");
        }
        int flags = value.getInt(0);
        return new ChangeRequestAttribute((flags & CHANGE_IP) != 0, (flags & CHANGE_PORT) != 0);
    }
}
