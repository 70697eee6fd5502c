package dev.peerlink.dtls;

import java.util.Optional;

/**
 * The DTLS-SRTP protection profiles peerlink negotiates in use_srtp (RFC 5764 §4.1.2, RFC 7714 §14.2), with the
 * master key and salt lengths that size the keying material (RFC 5764 §4.2).
 */
public enum SrtpProfile {
    /** RFC 7714: AES-128-GCM, 12-byte salt. Browsers prefer it. */
    AEAD_AES_128_GCM(0x0007, 16, 12),
    /** RFC 7714: AES-256-GCM, 12-byte salt. */
    AEAD_AES_256_GCM(0x0008, 32, 12),
    /** RFC 5764 §4.1.2: AES-128 counter mode, 80-bit HMAC-SHA1 tag, 14-byte salt. Every WebRTC peer has it. */
    AES128_CM_HMAC_SHA1_80(0x0001, 16, 14),
    /** RFC 5764 §4.1.2: as above with a 32-bit tag. */
    AES128_CM_HMAC_SHA1_32(0x0002, 16, 14);

    private final int id;
    private final int keyLength;
    private final int saltLength;

    SrtpProfile(int id, int keyLength, int saltLength) {
        this.id = id;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /** The two-byte SRTPProtectionProfile value on the wire. */
    public int id() {
        return id;
    }

    /** Bytes of SRTP master key per direction. */
    public int keyLength() {
        return keyLength;
    }

    /** Bytes of SRTP master salt per direction. */
    public int saltLength() {
        return saltLength;
    }

    /** The profile with wire value {@code id}, if it is one of these. */
    public static Optional<SrtpProfile> fromId(int id) {
        for (SrtpProfile profile : values()) {
            if (profile.id == id) {
                return Optional.of(profile);
            }
        }
        return Optional.empty();
    }
}
