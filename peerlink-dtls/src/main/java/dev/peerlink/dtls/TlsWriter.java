package dev.peerlink.dtls;

import java.io.ByteArrayOutputStream;

/** Builds TLS presentation-language bytes (RFC 8446 §3): integers big-endian, vectors with length prefixes. */
final class TlsWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TlsWriter u8(int value) {
        out.write(value);
        return this;
    }

    TlsWriter u16(int value) {
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    TlsWriter u24(int value) {
        out.write(value >>> 16);
        return u16(value & 0xFFFF);
    }

    TlsWriter u64(long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift));
        }
        return this;
    }

    TlsWriter bytes(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    TlsWriter vector8(byte[] value) {
        return u8(fitting(value, 8)).bytes(value);
    }

    TlsWriter vector16(byte[] value) {
        return u16(fitting(value, 16)).bytes(value);
    }

    TlsWriter vector24(byte[] value) {
        return u24(fitting(value, 24)).bytes(value);
    }

    /** A vector's length must fit its length field (RFC 8446 §3.4); cut short it would misframe what follows. */
    private static int fitting(byte[] value, int lengthBits) {
        if (value.length >= 1 << lengthBits) {
            throw new IllegalArgumentException("a vector of " + value.length + " bytes does not fit a " + lengthBits
                    + "-bit length");
        }
        return value.length;
    }

    /** An extension (RFC 8446 §4.2): its type, then its value as a 16-bit vector. */
    TlsWriter extension(int type, byte[] value) {
        return u16(type).vector16(value);
    }

    byte[] toBytes() {
        return out.toByteArray();
    }
}
