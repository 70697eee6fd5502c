package dev.peerlink.dtls;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of one DTLS 1.3 epoch with TLS_AES_128_GCM_SHA256: the traffic key and IV (RFC 8446 §7.3) and the
 * record number key (RFC 9147 §4.2.3), all from the epoch's traffic secret. Not thread-safe: a sender's records are
 * protected under the sender's lock, a receiver's on its one reading thread.
 */
final class Dtls13RecordCipher {
    static final int KEY_LENGTH = 16;
    static final int IV_LENGTH = 12;
    static final int TAG_LENGTH = 16;
    /** RFC 9147 §4.2.3: the mask is computed from the first 16 bytes of the ciphertext. */
    static final int MASK_SAMPLE = 16;

    final int epoch;
    private byte[] trafficSecret;
    private SecretKeySpec key;
    private byte[] iv;
    private Cipher aead;
    private Cipher recordNumberMask;
    private final byte[] nonce = new byte[IV_LENGTH];
    private final byte[] mask = new byte[16];

    /**
     * Keeps the traffic secret; the keys and ciphers are made when the first record needs them, so a server that
     * has just derived its secrets sends its flight before paying for the ciphers it reads with later.
     */
    Dtls13RecordCipher(int epoch, byte[] trafficSecret) {
        this.epoch = epoch;
        this.trafficSecret = trafficSecret.clone();
    }

    /** Zeroes the secret and the IV and drops the ciphers (the JDK keeps AES keys where they cannot be zeroed). */
    void forget() {
        if (trafficSecret != null) {
            Arrays.fill(trafficSecret, (byte) 0);
            trafficSecret = null;
        }
        if (iv != null) {
            Arrays.fill(iv, (byte) 0);
        }
        key = null;
        aead = null;
        recordNumberMask = null;
    }

    private void ready() {
        if (aead != null) {
            return;
        }
        key = new SecretKeySpec(Dtls13KeySchedule.expandLabel(trafficSecret, "key", new byte[0], KEY_LENGTH), "AES");
        iv = Dtls13KeySchedule.expandLabel(trafficSecret, "iv", new byte[0], IV_LENGTH);
        byte[] snKey = Dtls13KeySchedule.expandLabel(trafficSecret, "sn", new byte[0], KEY_LENGTH);
        Arrays.fill(trafficSecret, (byte) 0);
        trafficSecret = null;
        try {
            // The JDK's provider named outright: a plain getInstance walks every provider, and a handshake makes four.
            aead = Cipher.getInstance("AES/GCM/NoPadding", Dtls13KeySchedule.JDK_CRYPTO);
            recordNumberMask = Cipher.getInstance("AES/ECB/NoPadding", Dtls13KeySchedule.JDK_CRYPTO);
            recordNumberMask.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(snKey, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot run AES-GCM and AES-ECB", e);
        }
    }

    /**
     * Encrypts {@code in[inOff, inOff + inLen)} into {@code out} at {@code outOff} (the tag appended), with the header
     * bytes {@code out[headerOff, headerOff + headerLen)} as additional data. RFC 9147 §4: the AAD is the header before
     * record number encryption; the nonce is the IV XOR the 64-bit sequence number (the epoch is not in it).
     *
     * @return the ciphertext length
     */
    int seal(long sequenceNumber, byte[] out, int headerOff, int headerLen, byte[] in, int inOff, int inLen,
             int outOff) {
        ready();
        try {
            aead.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce(sequenceNumber)));
            aead.updateAAD(out, headerOff, headerLen);
            return aead.doFinal(in, inOff, inLen, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to encrypt a record", e);
        }
    }

    /**
     * Decrypts {@code buf[off, off + len)} in place.
     *
     * @return the plaintext length, or -1 when the record fails authentication (RFC 9147 §4.5.2: dropped)
     */
    int open(long sequenceNumber, byte[] aad, int aadOff, int aadLen, byte[] buf, int off, int len) {
        if (len < TAG_LENGTH) {
            return -1;
        }
        ready();
        try {
            aead.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce(sequenceNumber)));
            aead.updateAAD(aad, aadOff, aadLen);
            // The JDK's GCM decrypts through an internal buffer, so input and output may overlap.
            return aead.doFinal(buf, off, len, buf, off);
        } catch (javax.crypto.AEADBadTagException e) {
            return -1;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to decrypt a record", e);
        }
    }

    /**
     * XORs the record number mask (RFC 9147 §4.2.3: AES-ECB(sn_key, ciphertext[0..15])) into the {@code length}
     * sequence number bytes at {@code buf[at]}: encrypts them on sending, decrypts them on receiving.
     */
    void applyRecordNumberMask(byte[] buf, int at, int length, byte[] ciphertext, int ciphertextOff) {
        ready();
        try {
            recordNumberMask.doFinal(ciphertext, ciphertextOff, MASK_SAMPLE, mask, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-ECB failed on a record number mask", e);
        }
        for (int i = 0; i < length; i++) {
            buf[at + i] ^= mask[i];
        }
    }

    private byte[] nonce(long sequenceNumber) {
        // RFC 8446 §5.3: the 64-bit sequence number, left-padded to the IV's length, XOR the IV.
        System.arraycopy(iv, 0, nonce, 0, IV_LENGTH);
        for (int i = 0; i < 8; i++) {
            nonce[IV_LENGTH - 1 - i] ^= (byte) (sequenceNumber >>> (8 * i));
        }
        return nonce;
    }
}
