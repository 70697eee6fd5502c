package dev.peerlink.lab;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The file each matrix scenario moves: {@code size} bytes from a seeded xorshift32 generator (one step per byte, the
 * low 8 bits of the state), so that the Java peers, the Chromium pages ({@link #JAVASCRIPT}) and the harness all
 * make the same bytes from the seed and each side can check the SHA-256 of what arrived on its own.
 */
public final class LabPayload {
    /** The bytes of each scenario's file: 1 MiB. */
    public static final int SIZE = 1024 * 1024;

    /** {@code labPayload(seed, size)} in a page: the same bytes as {@link #bytes}, as a Uint8Array. */
    public static final String JAVASCRIPT = """
            window.labPayload = (seed, size) => {
              const out = new Uint8Array(size);
              let x = seed | 0;
              for (let i = 0; i < size; i++) {
                x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
                out[i] = x & 0xff;
              }
              return out;
            };
            """;

    private LabPayload() {
    }

    /** The file for {@code seed} (not 0: xorshift stays at 0). */
    public static byte[] bytes(int seed, int size) {
        if (seed == 0) {
            throw new IllegalArgumentException("the payload seed must not be 0");
        }
        byte[] out = new byte[size];
        int x = seed;
        for (int i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            out[i] = (byte) x;
        }
        return out;
    }

    /** The SHA-256 of {@link #bytes}, lower-case hex. */
    public static String sha256(int seed, int size) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(seed, size)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
