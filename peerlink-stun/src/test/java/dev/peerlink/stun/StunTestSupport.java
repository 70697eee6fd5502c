package dev.peerlink.stun;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;

/** Shared helpers for the STUN tests: hex in and out, and small byte-level edits of encoded messages. */
public final class StunTestSupport {
    private static final HexFormat HEX = HexFormat.of();

    private StunTestSupport() {
    }

    /** Parses hex that may contain whitespace, e.g. a dump typed from an RFC. */
    public static byte[] hex(String text) {
        return HEX.parseHex(text.replaceAll("\\s+", ""));
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes a writer put between offset 0 and its position. */
    public static byte[] written(ByteBuffer buffer) {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    /** A fresh heap buffer big enough for any STUN message. */
    public static ByteBuffer messageBuffer() {
        return ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);
    }

    public static byte[] md5(String text) {
        try {
            return MessageDigest.getInstance("MD5").digest(utf8(text));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Sets the 16-bit message length field of a header. */
    public static void setLength(byte[] message, int length) {
        message[2] = (byte) (length >>> 8);
        message[3] = (byte) length;
    }

    /**
     * If the message ends in a FINGERPRINT attribute at the place its length field says, recomputes its value
     * (RFC 8489 §14.7), so that edits earlier in the message get past the fingerprint check. Returns whether it did.
     */
    public static boolean refreshFingerprint(byte[] message) {
        if (message.length < StunMessageReader.HEADER_LENGTH + 8) {
            return false;
        }
        int end = StunMessageReader.HEADER_LENGTH + (((message[2] & 0xFF) << 8) | (message[3] & 0xFF));
        if (end != message.length) {
            return false;
        }
        int at = end - 8;
        if ((((message[at] & 0xFF) << 8) | (message[at + 1] & 0xFF)) != StunAttributeType.FINGERPRINT) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update(message, 0, at);
        ByteBuffer.wrap(message).putInt(at + 4, (int) crc.getValue() ^ StunMessageReader.FINGERPRINT_XOR);
        return true;
    }

    /** The decoded attributes a re-encoding with a Signing regenerates itself: all but integrity and FINGERPRINT. */
    static java.util.List<dev.peerlink.stun.attribute.StunAttribute> withoutIntegrity(StunMessage message) {
        return message.attributes().stream()
                .filter(a -> a.type() != StunAttributeType.MESSAGE_INTEGRITY
                        && a.type() != StunAttributeType.MESSAGE_INTEGRITY_SHA256
                        && a.type() != StunAttributeType.FINGERPRINT)
                .toList();
    }
}
