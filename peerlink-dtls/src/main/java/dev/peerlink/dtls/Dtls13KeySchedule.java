package dev.peerlink.dtls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) for TLS_AES_128_GCM_SHA256, with DTLS 1.3's label prefix: every
 * HKDF-Expand-Label in DTLS 1.3 says "dtls13" where TLS 1.3 says "tls13 " (RFC 9147 §5.9).
 */
final class Dtls13KeySchedule {
    static final int HASH_LENGTH = 32;
    /** The JDK's provider of HMAC and AES (AES-NI); named in getInstance calls to skip the provider search. */
    static final Provider JDK_CRYPTO = jdkCrypto();
    private static final byte[] LABEL_PREFIX = "dtls13".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZEROS = new byte[HASH_LENGTH];

    private Dtls13KeySchedule() {
    }

    /** RFC 5869 §2.2. */
    static byte[] extract(byte[] salt, byte[] inputKeyingMaterial) {
        return hmac(salt.length == 0 ? ZEROS : salt, inputKeyingMaterial);
    }

    /** RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length). */
    static byte[] expandLabel(byte[] secret, String label, byte[] context, int length) {
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        int fullLabel = LABEL_PREFIX.length + labelBytes.length;
        byte[] info = new byte[2 + 1 + fullLabel + 1 + context.length];
        info[0] = (byte) (length >>> 8);
        info[1] = (byte) length;
        info[2] = (byte) fullLabel;
        System.arraycopy(LABEL_PREFIX, 0, info, 3, LABEL_PREFIX.length);
        System.arraycopy(labelBytes, 0, info, 3 + LABEL_PREFIX.length, labelBytes.length);
        info[3 + fullLabel] = (byte) context.length;
        System.arraycopy(context, 0, info, 4 + fullLabel, context.length);
        return expand(secret, info, length);
    }

    /** RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages), given the transcript hash of the messages. */
    static byte[] deriveSecret(byte[] secret, String label, byte[] transcriptHash) {
        return expandLabel(secret, label, transcriptHash, HASH_LENGTH);
    }

    /** The handshake secret from the (EC)DHE shared secret; no PSK, so the early secret is from zeros. */
    static byte[] handshakeSecret(byte[] sharedSecret) {
        byte[] early = extract(ZEROS, ZEROS);
        return extract(deriveSecret(early, "derived", emptyHash()), sharedSecret);
    }

    static byte[] masterSecret(byte[] handshakeSecret) {
        return extract(deriveSecret(handshakeSecret, "derived", emptyHash()), ZEROS);
    }

    /** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)). */
    static byte[] finishedVerifyData(byte[] baseKey, byte[] transcriptHash) {
        return hmac(expandLabel(baseKey, "finished", new byte[0], HASH_LENGTH), transcriptHash);
    }

    /** RFC 8446 §7.5: TLS-Exporter(label, context_value = "", key_length). */
    static byte[] export(byte[] exporterMasterSecret, String label, int length) {
        byte[] secret = deriveSecret(exporterMasterSecret, label, emptyHash());
        return expandLabel(secret, "exporter", emptyHash(), length);
    }

    static byte[] emptyHash() {
        return sha256().digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    private static byte[] expand(byte[] prk, byte[] info, int length) {
        // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i).
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] previous = new byte[0];
        int done = 0;
        for (int counter = 1; done < length; counter++) {
            mac.update(previous);
            mac.update(info);
            mac.update((byte) counter);
            previous = mac.doFinal();
            int take = Math.min(previous.length, length - done);
            System.arraycopy(previous, 0, out, done, take);
            done += take;
        }
        return out;
    }

    static byte[] hmac(byte[] key, byte[] data) {
        return mac(key).doFinal(data);
    }

    private static Provider jdkCrypto() {
        try {
            return Mac.getInstance("HmacSHA256").getProvider();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256", JDK_CRYPTO);
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }
}
