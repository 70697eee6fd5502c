package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** A UTF-8 text attribute: USERNAME, REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN (RFC 8489 §14.3, §14.9–§14.12). */
public record StringAttribute(int type, String value) implements StunAttribute {
    public StringAttribute {
        int limit = maxBytes(type);
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limit) {
            throw new IllegalArgumentException(StunAttributeType.name(type) + " may be at most " + limit
                    + " bytes of UTF-8, and this value is " + bytes);
        }
    }

    /** RFC 8489: USERNAME < 513 bytes; REALM, NONCE, SOFTWARE < 128 characters (≤ 763 bytes); a domain ≤ 255. */
    static int maxBytes(int type) {
        return switch (type) {
            case StunAttributeType.USERNAME -> 512;
            case StunAttributeType.ALTERNATE_DOMAIN -> 255;
            default -> 763;
        };
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        writer.addString(type, value);
    }

    static StringAttribute decode(int type, ByteBuffer value) throws StunDecodeException {
        if (value.remaining() > maxBytes(type)) {
            throw new StunDecodeException(StunAttributeType.name(type) + " is longer than " + maxBytes(type)
                    + " bytes");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(value).toString();
            return new StringAttribute(type, text);
        } catch (CharacterCodingException e) {
            throw new StunDecodeException(StunAttributeType.name(type) + " is not valid UTF-8");
        }
    }
}
