package dev.peerlink.dtls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Locale;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jcajce.util.BCJcaJceHelper;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * Bouncy Castle's JCA crypto, with each job given to the faster of the two providers on the classpath:
 * <ul>
 *   <li><b>Records</b>: a cheaper AES-GCM record cipher. BC's own JCA adapter builds an {@code AlgorithmParameters}
 *   object for every record's nonce; on a data channel moving tens of thousands of records a second that showed up as
 *   a tenth of the CPU in profiles. This one hands the nonce to the JDK's {@code AES/GCM/NoPadding} (AES-NI) as a
 *   {@link GCMParameterSpec} directly (RFC 5288 §3 / RFC 6347 §4.1.2: BC builds the nonce from the implicit salt and
 *   the explicit part, as before).</li>
 *   <li><b>Handshake</b>: ECDSA, ECDH and X25519 go to BC's provider, everything else (digests, HMAC, ciphers) to
 *   the JDK's. On Temurin 25 the JDK's SunEC took ~400 µs per P-256 ECDSA verification and ~150 µs per X25519 key
 *   pair and agreement; BC's ~80, ~30 and ~90. A handshake does one of each per side, so this is about 1 ms of
 *   every connect (docs/benchmarks.md, "Connect time").</li>
 * </ul>
 */
final class DtlsCrypto extends JcaTlsCrypto {
    private static final String AES_GCM = "AES/GCM/NoPadding";

    DtlsCrypto(SecureRandom random) {
        super(new FasterProviders(), random, random);
    }

    /** Elliptic-curve algorithms from BC's provider (one instance for the JVM), the rest from the JDK's. */
    private static final class FasterProviders extends DefaultJcaJceHelper {
        private static final BCJcaJceHelper BOUNCY_CASTLE = new BCJcaJceHelper();
        private static final Set<String> CURVE_ALGORITHMS = Set.of("EC", "ECDH", "XDH", "X25519", "X448");

        private static boolean curve(String algorithm) {
            String name = algorithm.toUpperCase(Locale.ROOT);
            return CURVE_ALGORITHMS.contains(name) || name.endsWith("WITHECDSA");
        }

        @Override
        public Signature createSignature(String algorithm) throws NoSuchAlgorithmException {
            return curve(algorithm) ? BOUNCY_CASTLE.createSignature(algorithm) : super.createSignature(algorithm);
        }

        @Override
        public KeyAgreement createKeyAgreement(String algorithm) throws NoSuchAlgorithmException {
            return curve(algorithm) ? BOUNCY_CASTLE.createKeyAgreement(algorithm)
                    : super.createKeyAgreement(algorithm);
        }

        @Override
        public KeyPairGenerator createKeyPairGenerator(String algorithm) throws NoSuchAlgorithmException {
            return curve(algorithm) ? BOUNCY_CASTLE.createKeyPairGenerator(algorithm)
                    : super.createKeyPairGenerator(algorithm);
        }

        @Override
        public KeyFactory createKeyFactory(String algorithm) throws NoSuchAlgorithmException {
            return curve(algorithm) ? BOUNCY_CASTLE.createKeyFactory(algorithm) : super.createKeyFactory(algorithm);
        }
    }

    @Override
    protected TlsAEADCipherImpl createAEADCipher(String cipherName, String algorithm, int keySize,
                                                 boolean isEncrypting) throws GeneralSecurityException {
        if (AES_GCM.equals(cipherName) && "AES".equals(algorithm)) {
            return new AesGcm(keySize, isEncrypting);
        }
        return super.createAEADCipher(cipherName, algorithm, keySize, isEncrypting);
    }

    /** One direction of AES-GCM: a key set once, then init (nonce) and doFinal per record. */
    static final class AesGcm implements TlsAEADCipherImpl {
        private final Cipher cipher;
        private final int keySize;
        private final int mode;
        private SecretKeySpec key;
        private int macSize;

        AesGcm(int keySize, boolean encrypting) throws GeneralSecurityException {
            this.cipher = Cipher.getInstance(AES_GCM);
            this.keySize = keySize;
            this.mode = encrypting ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
        }

        @Override
        public void setKey(byte[] bytes, int offset, int length) {
            if (length != keySize) {
                throw new IllegalStateException("an AES-GCM key of " + length + " bytes, not " + keySize);
            }
            key = new SecretKeySpec(bytes, offset, length, "AES");
        }

        @Override
        public void init(byte[] nonce, int macSize) {
            this.macSize = macSize;
            try {
                cipher.init(mode, key, new GCMParameterSpec(macSize * 8, nonce));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM init failed: " + e.getMessage(), e);
            }
        }

        @Override
        public int getOutputSize(int inputLength) {
            return mode == Cipher.ENCRYPT_MODE ? inputLength + macSize : Math.max(0, inputLength - macSize);
        }

        @Override
        public int doFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
                           int outputOffset) {
            try {
                if (additionalData != null && additionalData.length > 0) {
                    cipher.updateAAD(additionalData);
                }
                return cipher.doFinal(input, inputOffset, inputLength, output, outputOffset);
            } catch (GeneralSecurityException e) {
                // As BC's adapter does: TlsAEADCipher turns this into bad_record_mac, which DTLS drops (RFC 6347 §4.1.2.7).
                throw new IllegalStateException("", e);
            }
        }
    }
}
