package dev.peerlink.stun;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Writes one STUN message into a buffer, attribute by attribute, without allocating (RFC 8489 §5, §14).
 *
 * <p>Call {@link #begin}, the {@code add...} methods, then optionally {@link #addMessageIntegrity},
 * {@link #addMessageIntegritySha256} and {@link #addFingerprint} in that order, and {@link #finish}. Reusable;
 * not thread-safe. Running out of room throws {@link BufferOverflowException}.
 */
public final class StunMessageWriter {
    private static final int FAMILY_IPV4 = 0x01;
    private static final int FAMILY_IPV6 = 0x02;

    private final CRC32 crc = new CRC32();
    private ByteBuffer buffer;
    private int start;

    /** Starts a message at the buffer's position. */
    public StunMessageWriter begin(ByteBuffer buffer, int messageType, long transactionIdHigh,
                                   int transactionIdLow) {
        this.buffer = buffer;
        this.start = buffer.position();
        buffer.putShort((short) messageType);
        buffer.putShort((short) 0);
        buffer.putInt(StunMessageReader.MAGIC_COOKIE);
        buffer.putLong(transactionIdHigh);
        buffer.putInt(transactionIdLow);
        return this;
    }

    public StunMessageWriter begin(ByteBuffer buffer, int method, StunClass messageClass, TransactionId id) {
        return begin(buffer, StunMessageType.of(method, messageClass), id.high(), id.low());
    }

    /** Bytes written so far, header included. */
    public int length() {
        return buffer.position() - start;
    }

    private void putHeader(int type, int valueLength) {
        buffer.putShort((short) type);
        buffer.putShort((short) valueLength);
    }

    private void pad(int valueLength) {
        for (int i = valueLength; (i & 3) != 0; i++) {
            buffer.put((byte) 0);
        }
    }

    /** Starts an attribute whose value the caller writes next; finish it with {@link #endAttribute}. */
    public StunMessageWriter beginAttribute(int type, int valueLength) {
        putHeader(type, valueLength);
        return this;
    }

    public StunMessageWriter endAttribute(int valueLength) {
        pad(valueLength);
        return this;
    }

    public StunMessageWriter addBytes(int type, byte[] value) {
        putHeader(type, value.length);
        buffer.put(value);
        pad(value.length);
        return this;
    }

    /** Copies {@code length} bytes at absolute {@code offset} of {@code source} as the attribute's value. */
    public StunMessageWriter addBytes(int type, ByteBuffer source, int offset, int length) {
        putHeader(type, length);
        buffer.put(buffer.position(), source, offset, length);
        buffer.position(buffer.position() + length);
        pad(length);
        return this;
    }

    public StunMessageWriter addString(int type, String value) {
        return addBytes(type, value.getBytes(StandardCharsets.UTF_8));
    }

    public StunMessageWriter addFlag(int type) {
        putHeader(type, 0);
        return this;
    }

    public StunMessageWriter addUInt32(int type, int value) {
        putHeader(type, 4);
        buffer.putInt(value);
        return this;
    }

    public StunMessageWriter addUInt64(int type, long value) {
        putHeader(type, 8);
        buffer.putLong(value);
        return this;
    }

    /** MAPPED-ADDRESS style address (RFC 8489 §14.1); {@code address} is 4 or 16 bytes. */
    public StunMessageWriter addAddress(int type, byte[] address, int port) {
        return putAddress(type, address, port, false);
    }

    /** XOR-MAPPED-ADDRESS style address (RFC 8489 §14.2), XOR'ed with the cookie and transaction id. */
    public StunMessageWriter addXorAddress(int type, byte[] address, int port) {
        return putAddress(type, address, port, true);
    }

    private StunMessageWriter putAddress(int type, byte[] address, int port, boolean xor) {
        boolean v4 = address.length == 4;
        if (!v4 && address.length != 16) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, not " + address.length);
        }
        putHeader(type, v4 ? 8 : 20);
        buffer.put((byte) 0);
        buffer.put((byte) (v4 ? FAMILY_IPV4 : FAMILY_IPV6));
        buffer.putShort((short) (xor ? port ^ (StunMessageReader.MAGIC_COOKIE >>> 16) : port));
        for (int i = 0; i < address.length; i++) {
            // The XOR pad is the cookie followed by the transaction id: header bytes 4..19.
            buffer.put((byte) (xor ? address[i] ^ buffer.get(start + 4 + i) : address[i]));
        }
        return this;
    }

    /** ERROR-CODE (RFC 8489 §14.8): class = hundreds, number = code mod 100, then a UTF-8 reason. */
    public StunMessageWriter addErrorCode(int code, String reason) {
        return addErrorCode(code, reason.getBytes(StandardCharsets.UTF_8));
    }

    /** ERROR-CODE with a reason already encoded as UTF-8, so that a hot path can reuse it without allocating. */
    public StunMessageWriter addErrorCode(int code, byte[] reasonBytes) {
        if (code < 300 || code > 699) {
            throw new IllegalArgumentException("STUN error codes are 300–699, not " + code);
        }
        putHeader(StunAttributeType.ERROR_CODE, 4 + reasonBytes.length);
        buffer.putShort((short) 0);
        buffer.put((byte) (code / 100));
        buffer.put((byte) (code % 100));
        buffer.put(reasonBytes);
        pad(reasonBytes.length);
        return this;
    }

    /** UNKNOWN-ATTRIBUTES (RFC 8489 §14.9): a list of 16-bit types. */
    public StunMessageWriter addUnknownAttributes(int[] types, int count) {
        putHeader(StunAttributeType.UNKNOWN_ATTRIBUTES, 2 * count);
        for (int i = 0; i < count; i++) {
            buffer.putShort((short) types[i]);
        }
        pad(2 * count);
        return this;
    }

    /** MESSAGE-INTEGRITY, HMAC-SHA1 keyed by {@code key} (RFC 8489 §14.5). */
    public StunMessageWriter addMessageIntegrity(byte[] key) {
        return addIntegrity(StunAttributeType.MESSAGE_INTEGRITY, "HmacSHA1", 20, key);
    }

    /** MESSAGE-INTEGRITY-SHA256 with the full 32-byte HMAC (RFC 8489 §14.6). */
    public StunMessageWriter addMessageIntegritySha256(byte[] key) {
        return addMessageIntegritySha256(key, 32);
    }

    /** MESSAGE-INTEGRITY-SHA256 truncated to {@code length} bytes: 16–32, a multiple of 4 (RFC 8489 §14.6). */
    public StunMessageWriter addMessageIntegritySha256(byte[] key, int length) {
        if (length < 16 || length > 32 || (length & 3) != 0) {
            throw new IllegalArgumentException("MESSAGE-INTEGRITY-SHA256 is 16–32 bytes in steps of 4, not " + length);
        }
        return addIntegrity(StunAttributeType.MESSAGE_INTEGRITY_SHA256, "HmacSHA256", length, key);
    }

    private StunMessageWriter addIntegrity(int type, String algorithm, int length, byte[] key) {
        byte[] hmac = StunMessageReader.computeIntegrity(buffer, start, buffer.position(), length, algorithm, key);
        putHeader(type, length);
        buffer.put(hmac, 0, length);
        return this;
    }

    /** FINGERPRINT (RFC 8489 §14.7): CRC-32 of everything before it, XOR 0x5354554e. Must come last. */
    public StunMessageWriter addFingerprint() {
        int attributeOffset = buffer.position();
        buffer.putShort(start + 2, (short) (attributeOffset + 8 - start - StunMessageReader.HEADER_LENGTH));
        crc.reset();
        StunMessageReader.updateCrc(crc, buffer, start, attributeOffset - start);
        putHeader(StunAttributeType.FINGERPRINT, 4);
        buffer.putInt((int) crc.getValue() ^ StunMessageReader.FINGERPRINT_XOR);
        return this;
    }

    /** Writes the final length into the header and returns the message's total length in bytes. */
    public int finish() {
        int total = buffer.position() - start;
        buffer.putShort(start + 2, (short) (total - StunMessageReader.HEADER_LENGTH));
        return total;
    }
}
