package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;

/** ERROR-CODE (RFC 8489 §14.8): a code 300–699 and a reason phrase. */
public record ErrorCodeAttribute(int code, String reason) implements StunAttribute {
    public static final int TRY_ALTERNATE = 300;
    public static final int BAD_REQUEST = 400;
    public static final int UNAUTHENTICATED = 401;
    public static final int FORBIDDEN = 403;
    public static final int UNKNOWN_ATTRIBUTE = 420;
    public static final int STALE_NONCE = 438;
    public static final int ROLE_CONFLICT = 487;
    public static final int SERVER_ERROR = 500;

    public ErrorCodeAttribute {
        if (code < 300 || code > 699) {
            throw new IllegalArgumentException("STUN error codes are 300–699, not " + code);
        }
        if (reason.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 763) {
            throw new IllegalArgumentException("an ERROR-CODE reason is at most 763 bytes");
        }
    }

    @Override
    public int type() {
        return StunAttributeType.ERROR_CODE;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addErrorCode(code, reason);
    }

    static ErrorCodeAttribute decode(ByteBuffer value) throws StunDecodeException {
        if (value.remaining() < 4) {
            throw new StunDecodeException("ERROR-CODE is shorter than 4 bytes");
        }
        int errorClass = value.get(2) & 0x07;
        int number = value.get(3) & 0xFF;
        if (errorClass < 3 || errorClass > 6 || number > 99) {
            throw new StunDecodeException("ERROR-CODE class " + errorClass + " number " + number + " is out of range");
        }
        String reason = StringAttribute.decode(StunAttributeType.ERROR_CODE, value.slice(4, value.remaining() - 4))
                .value();
        return new ErrorCodeAttribute(errorClass * 100 + number, reason);
    }
}
