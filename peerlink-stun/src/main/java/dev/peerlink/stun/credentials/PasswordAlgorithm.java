package dev.peerlink.stun.credentials;

import java.util.Optional;

/** The STUN Password Algorithms registry (RFC 8489 §18.5), as carried in PASSWORD-ALGORITHM(S) (§14.11, §14.12). */
public enum PasswordAlgorithm {
    /** RFC 8489 §18.5.1.1: only for compatibility with legacy systems. */
    MD5(0x0001, "MD5", 16),
    /** RFC 8489 §18.5.1.2. */
    SHA256(0x0002, "SHA-256", 32);

    private final int code;
    private final String javaName;
    private final int keyLength;

    PasswordAlgorithm(int code, String javaName, int keyLength) {
        this.code = code;
        this.javaName = javaName;
        this.keyLength = keyLength;
    }

    /** The 16-bit registry value sent on the wire. */
    public int code() {
        return code;
    }

    /** The {@link java.security.MessageDigest} algorithm name. */
    public String javaName() {
        return javaName;
    }

    /** Length in bytes of the long-term key this algorithm derives. */
    public int keyLength() {
        return keyLength;
    }

    /** The algorithm registered under {@code code}, or empty for reserved (0x0000) and unassigned values. */
    public static Optional<PasswordAlgorithm> fromCode(int code) {
        for (PasswordAlgorithm algorithm : values()) {
            if (algorithm.code == code) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }
}
