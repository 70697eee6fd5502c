package dev.peerlink.stun;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A reusable, allocation-free view of one STUN message in a buffer (RFC 8489 §5, §6.3).
 *
 * <p>{@link #wrap} validates the framing, indexes the attributes and checks FINGERPRINT; accessors then read
 * straight from the buffer. One instance per thread: it is not thread-safe, and it keeps the buffer it wraps.
 */
public final class StunMessageReader {
    public static final int HEADER_LENGTH = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** A STUN length field is 16 bits; the message may not be longer than header + 65532. */
    public static final int MAX_MESSAGE_LENGTH = HEADER_LENGTH + 0xFFFC;
    /** Enough for any real message; a cap keeps the index fixed-size and parsing linear. */
    public static final int MAX_ATTRIBUTES = 128;
    /** RFC 8489 §14.7: the CRC-32 is XOR'ed with this so that STUN is told apart from other protocols. */
    public static final int FINGERPRINT_XOR = 0x5354554e;

    private final int[] attributeOffsets = new int[MAX_ATTRIBUTES];
    private final CRC32 crc = new CRC32();
    private ByteBuffer buffer;
    private int start;
    private int attributeCount;
    /** Attributes at or after this index are ignored, except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT. */
    private int integrityIndex;

    /**
     * Checks whether the first byte could start a STUN message: RFC 7983 §7 puts STUN at 0–3. A cheap test to
     * route packets before {@link #wrap}.
     */
    public static boolean looksLikeStun(ByteBuffer buffer) {
        return buffer.remaining() >= HEADER_LENGTH
                && (buffer.get(buffer.position()) & 0xC0) == 0
                && buffer.getInt(buffer.position() + 4) == MAGIC_COOKIE;
    }

    /**
     * Validates the message that fills {@code buffer} from its position to its limit. The buffer's position and
     * limit are not changed.
     */
    public StunParseStatus wrap(ByteBuffer buffer) {
        this.buffer = buffer;
        this.start = buffer.position();
        this.attributeCount = 0;
        this.integrityIndex = Integer.MAX_VALUE;
        int available = buffer.limit() - start;
        if (available < 2 || (buffer.get(start) & 0xC0) != 0) {
            return available < 2 ? StunParseStatus.TRUNCATED : StunParseStatus.NOT_STUN;
        }
        if (available < HEADER_LENGTH) {
            return StunParseStatus.TRUNCATED;
        }
        if (buffer.getInt(start + 4) != MAGIC_COOKIE) {
            return StunParseStatus.NOT_STUN; // RFC 3489 clients have no cookie; we do not serve them.
        }
        int bodyLength = buffer.getShort(start + 2) & 0xFFFF;
        if ((bodyLength & 3) != 0) {
            return StunParseStatus.MISALIGNED_LENGTH;
        }
        if (HEADER_LENGTH + bodyLength > available) {
            return StunParseStatus.TRUNCATED;
        }
        if (HEADER_LENGTH + bodyLength < available) {
            return StunParseStatus.TRAILING_BYTES;
        }
        int end = start + HEADER_LENGTH + bodyLength;
        int offset = start + HEADER_LENGTH;
        while (offset < end) {
            if (offset + 4 > end) {
                return StunParseStatus.ATTRIBUTE_OVERRUN;
            }
            int type = buffer.getShort(offset) & 0xFFFF;
            int length = buffer.getShort(offset + 2) & 0xFFFF;
            int next = offset + 4 + ((length + 3) & ~3); // RFC 8489 §14: values are padded to 4 bytes
            if (next > end) {
                return StunParseStatus.ATTRIBUTE_OVERRUN;
            }
            if (attributeCount == MAX_ATTRIBUTES) {
                return StunParseStatus.TOO_MANY_ATTRIBUTES;
            }
            if (type == StunAttributeType.FINGERPRINT) {
                // RFC 8489 §14.7: FINGERPRINT is last and covers everything before it.
                if (next != end || length != 4) {
                    return StunParseStatus.FINGERPRINT_NOT_LAST;
                }
                if (!fingerprintMatches(offset)) {
                    return StunParseStatus.BAD_FINGERPRINT;
                }
            } else if (type == StunAttributeType.MESSAGE_INTEGRITY && integrityIndex == Integer.MAX_VALUE) {
                integrityIndex = attributeCount;
            } else if (type == StunAttributeType.MESSAGE_INTEGRITY_SHA256 && integrityIndex == Integer.MAX_VALUE) {
                integrityIndex = attributeCount;
            }
            attributeOffsets[attributeCount++] = offset;
            offset = next;
        }
        return StunParseStatus.OK;
    }

    private boolean fingerprintMatches(int fingerprintOffset) {
        crc.reset();
        updateCrc(crc, buffer, start, fingerprintOffset - start);
        return ((int) crc.getValue() ^ FINGERPRINT_XOR) == buffer.getInt(fingerprintOffset + 4);
    }

    /** CRC over {@code length} bytes at absolute {@code offset}; heap buffers go without a slice (no allocation). */
    static void updateCrc(CRC32 crc, ByteBuffer buffer, int offset, int length) {
        if (buffer.hasArray()) {
            crc.update(buffer.array(), buffer.arrayOffset() + offset, length);
        } else {
            crc.update(buffer.slice(offset, length));
        }
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute offset of the message's first byte in {@link #buffer()}. */
    public int start() {
        return start;
    }

    public int totalLength() {
        return HEADER_LENGTH + (buffer.getShort(start + 2) & 0xFFFF);
    }

    public int messageType() {
        return buffer.getShort(start) & 0x3FFF;
    }

    public int method() {
        return StunMessageType.method(messageType());
    }

    public StunClass messageClass() {
        return StunMessageType.messageClass(messageType());
    }

    public long transactionIdHigh() {
        return buffer.getLong(start + 8);
    }

    public int transactionIdLow() {
        return buffer.getInt(start + 16);
    }

    public TransactionId transactionId() {
        return new TransactionId(transactionIdHigh(), transactionIdLow());
    }

    public boolean hasTransactionId(TransactionId id) {
        return transactionIdHigh() == id.high() && transactionIdLow() == id.low();
    }

    public int attributeCount() {
        return attributeCount;
    }

    public int attributeType(int index) {
        return buffer.getShort(attributeOffsets[index]) & 0xFFFF;
    }

    public int attributeLength(int index) {
        return buffer.getShort(attributeOffsets[index] + 2) & 0xFFFF;
    }

    /** Absolute offset in {@link #buffer()} of the attribute's value. */
    public int attributeValueOffset(int index) {
        return attributeOffsets[index] + 4;
    }

    /**
     * Index of the first attribute of {@code type} that counts, or -1. RFC 8489 §14.5: attributes after
     * MESSAGE-INTEGRITY are ignored, except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT.
     */
    public int indexOf(int type) {
        boolean afterIntegrityAllowed = type == StunAttributeType.MESSAGE_INTEGRITY_SHA256
                || type == StunAttributeType.FINGERPRINT
                || type == StunAttributeType.MESSAGE_INTEGRITY;
        int last = afterIntegrityAllowed ? attributeCount : Math.min(attributeCount, integrityIndex);
        for (int i = 0; i < last; i++) {
            if (attributeType(i) == type) {
                return i;
            }
        }
        return -1;
    }

    public boolean has(int type) {
        return indexOf(type) >= 0;
    }

    /** Whether attribute {@code index} is one the receiver must ignore (RFC 8489 §14.5). */
    public boolean isIgnored(int index) {
        int type = attributeType(index);
        return index > integrityIndex
                && type != StunAttributeType.MESSAGE_INTEGRITY_SHA256
                && type != StunAttributeType.FINGERPRINT;
    }

    /**
     * Collects comprehension-required attribute types that {@code known} does not cover into {@code out} and
     * returns how many there were (RFC 8489 §6.3.1: answered with 420 and UNKNOWN-ATTRIBUTES).
     */
    public int unknownComprehensionRequired(java.util.function.IntPredicate known, int[] out) {
        int count = 0;
        for (int i = 0; i < attributeCount; i++) {
            int type = attributeType(i);
            if (StunAttributeType.isComprehensionRequired(type) && !isIgnored(i) && !known.test(type)
                    && count < out.length) {
                out[count++] = type;
            }
        }
        return count;
    }

    /**
     * Verifies MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) against {@code key} in constant time. False when
     * the attribute is absent or malformed.
     */
    public boolean verifyMessageIntegrity(byte[] key) {
        return verifyIntegrity(StunAttributeType.MESSAGE_INTEGRITY, "HmacSHA1", key);
    }

    /** Verifies MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), truncated to the length the sender chose. */
    public boolean verifyMessageIntegritySha256(byte[] key) {
        return verifyIntegrity(StunAttributeType.MESSAGE_INTEGRITY_SHA256, "HmacSHA256", key);
    }

    private boolean verifyIntegrity(int type, String algorithm, byte[] key) {
        int index = indexOf(type);
        if (index < 0) {
            return false;
        }
        int length = attributeLength(index);
        boolean sha256 = type == StunAttributeType.MESSAGE_INTEGRITY_SHA256;
        if (sha256 ? (length < 16 || length > 32 || (length & 3) != 0) : length != 20) {
            return false;
        }
        byte[] expected = computeIntegrity(buffer, start, attributeOffsets[index], length, algorithm, key);
        byte[] received = new byte[length];
        buffer.get(attributeValueOffset(index), received);
        return MessageDigest.isEqual(java.util.Arrays.copyOf(expected, length), received);
    }

    /**
     * HMAC over the message up to the integrity attribute at {@code attributeOffset}, with the header's length
     * field set as if the message ended right after that attribute, whose value is {@code valueLength} bytes
     * (RFC 8489 §14.5, §14.6; a truncated SHA-256 value counts at its truncated length).
     */
    static byte[] computeIntegrity(ByteBuffer buffer, int start, int attributeOffset, int valueLength,
                                   String algorithm, byte[] key) {
        int adjustedLength = attributeOffset + 4 + valueLength - start - HEADER_LENGTH;
        try {
            Mac mac = Mac.getInstance(algorithm);
            // HMAC zero-pads the key to the block size, so an empty key equals one zero byte; the JDK
            // refuses empty keys, and an empty short-term password is legal (RFC 8489 §9.1.1).
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            mac.update(buffer.slice(start, 2));
            mac.update((byte) (adjustedLength >>> 8));
            mac.update((byte) adjustedLength);
            mac.update(buffer.slice(start + 4, attributeOffset - start - 4));
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }
}
