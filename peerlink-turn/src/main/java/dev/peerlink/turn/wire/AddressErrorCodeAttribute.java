package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * ADDRESS-ERROR-CODE (RFC 8656 §18.12): why a dual allocation got no address of one family — the family, then an
 * error code laid out as in ERROR-CODE (class in the low 3 bits of the third byte, number in the fourth), then a
 * UTF-8 reason phrase.
 */
public record AddressErrorCodeAttribute(int family, int code, String reason) implements StunAttribute {
    private static final int MAX_REASON_BYTES = 763;

    public AddressErrorCodeAttribute {
        if (family < 0 || family > 0xFF) {
            throw new IllegalArgumentException("an address family is 8 bits, not " + family);
        }
        if (code < 300 || code > 699) {
            throw new IllegalArgumentException("STUN error codes are 300–699, not " + code);
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("an ADDRESS-ERROR-CODE reason is at most 763 bytes");
        }
    }

    @Override
    public int type() {
        return StunAttributeType.ADDRESS_ERROR_CODE;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        byte[] phrase = reason.getBytes(StandardCharsets.UTF_8);
        ByteBuffer value = ByteBuffer.allocate(4 + phrase.length);
        value.put((byte) family).put((byte) 0).put((byte) (code / 100)).put((byte) (code % 100)).put(phrase);
        writer.addBytes(StunAttributeType.ADDRESS_ERROR_CODE, value.array());
    }

    static AddressErrorCodeAttribute decode(ByteBuffer value) throws StunDecodeException {
        if (value.remaining() < 4 || value.remaining() > 4 + MAX_REASON_BYTES) {
            throw new StunDecodeException("ADDRESS-ERROR-CODE is " + value.remaining() + " bytes, not 4–"
                    + (4 + MAX_REASON_BYTES));
        }
        int errorClass = value.get(2) & 0x07;
        int number = value.get(3) & 0xFF;
        if (errorClass < 3 || errorClass > 6 || number > 99) {
            throw new StunDecodeException("ADDRESS-ERROR-CODE class " + errorClass + " number " + number
                    + " is out of range");
        }
        try {
            String reason = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(value.slice(4, value.remaining() - 4)).toString();
            return new AddressErrorCodeAttribute(value.get(0) & 0xFF, errorClass * 100 + number, reason);
        } catch (CharacterCodingException e) {
            throw new StunDecodeException("ADDRESS-ERROR-CODE reason is not valid UTF-8");
        }
    }
}
