package dev.peerlink.stun;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A 96-bit STUN transaction id (RFC 8489 §6), held as two numbers so that comparing and hashing it allocates
 * nothing.
 */
public record TransactionId(long high, int low) {
    public static final int LENGTH = 12;

    /** RFC 8489 §6: the id must be uniformly and randomly chosen; pass a SecureRandom in production. */
    public static TransactionId random(RandomGenerator random) {
        return new TransactionId(random.nextLong(), random.nextInt());
    }

    /** Reads 12 bytes at {@code offset} without moving the buffer's position. */
    public static TransactionId read(ByteBuffer buffer, int offset) {
        return new TransactionId(buffer.getLong(offset), buffer.getInt(offset + 8));
    }

    public static TransactionId fromBytes(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a STUN transaction id is 12 bytes, not " + bytes.length);
        }
        return read(ByteBuffer.wrap(bytes), 0);
    }

    public void write(ByteBuffer buffer, int offset) {
        buffer.putLong(offset, high);
        buffer.putInt(offset + 8, low);
    }

    public byte[] toBytes() {
        byte[] bytes = new byte[LENGTH];
        write(ByteBuffer.wrap(bytes), 0);
        return bytes;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(toBytes());
    }
}
