package dev.peerlink.dtls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.jcajce.util.BCJcaJceHelper;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * The signatures of a DTLS 1.3 handshake (RFC 8446 §4.4.3): our ECDSA P-256 CertificateVerify, and the check of the
 * peer's against the public key in its certificate.
 */
final class Dtls13Signatures {
    static final int ECDSA_SECP256R1_SHA256 = 0x0403;
    /** The schemes we verify (RFC 8446 §4.2.3), offered in a CertificateRequest. */
    static final int[] VERIFIED_SCHEMES = {0x0403, 0x0503, 0x0804, 0x0807};

    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
    private static final ECDomainParameters P256_DOMAIN = new ECDomainParameters(P256.getCurve(), P256.getG(),
            P256.getN(), P256.getH());

    private Dtls13Signatures() {
    }

    /** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash. */
    static byte[] certificateVerifyContent(boolean server, byte[] transcriptHash) {
        byte[] label = (server ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] content = new byte[64 + label.length + 1 + transcriptHash.length];
        Arrays.fill(content, 0, 64, (byte) 0x20);
        System.arraycopy(label, 0, content, 64, label.length);
        System.arraycopy(transcriptHash, 0, content, 64 + label.length + 1, transcriptHash.length);
        return content;
    }

    /** Whether {@code key} is an ECDSA P-256 key, the only kind {@link P256Signer} takes. */
    static boolean isP256(PrivateKey key) {
        return key instanceof ECPrivateKey ec && ec.getParams().getOrder().equals(P256.getN());
    }

    /**
     * ECDSA over P-256 with SHA-256 (FIPS 186-5 §6.4.1), split so that the costly part happens before the handshake
     * needs it: {@link #prepare} picks the per-signature secret k and computes r from k·G while the server waits
     * for a ClientHello; {@link #sign} is then s = k⁻¹(e + r·d) mod n, a few multiplications. Each prepared k signs
     * exactly once.
     */
    static final class P256Signer {
        private final BigInteger privateScalar;
        private BigInteger r;
        private BigInteger kInverse;

        P256Signer(PrivateKey key) {
            if (!isP256(key)) {
                throw new IllegalArgumentException("a P-256 ECDSA key is needed, not " + key.getAlgorithm());
            }
            this.privateScalar = ((ECPrivateKey) key).getS();
        }

        void prepare(SecureRandom random) {
            BigInteger n = P256_DOMAIN.getN();
            BigInteger candidateR;
            BigInteger k;
            do {
                k = BigIntegers.createRandomInRange(BigInteger.ONE, n.subtract(BigInteger.ONE), random);
                ECPoint point = new FixedPointCombMultiplier().multiply(P256_DOMAIN.getG(), k).normalize();
                candidateR = point.getAffineXCoord().toBigInteger().mod(n);
            } while (candidateR.signum() == 0);
            r = candidateR;
            kInverse = BigIntegers.modOddInverse(n, k);
        }

        /** Drops a prepared k (its r and inverse are immutable numbers: unreferenced is as far as it goes). */
        void forget() {
            r = null;
            kInverse = null;
        }

        /** The DER-encoded signature of SHA-256({@code content}); prepares a new k first when none is ready. */
        byte[] sign(byte[] content, SecureRandom random) {
            BigInteger n = P256_DOMAIN.getN();
            BigInteger e = new BigInteger(1, Dtls13KeySchedule.sha256().digest(content));
            while (true) {
                if (r == null) {
                    prepare(random);
                }
                BigInteger s = kInverse.multiply(e.add(r.multiply(privateScalar))).mod(n);
                BigInteger usedR = r;
                r = null; // never twice with the same k
                kInverse = null;
                if (s.signum() != 0) {
                    try {
                        return StandardDSAEncoding.INSTANCE.encode(n, usedR, s);
                    } catch (IOException impossible) {
                        throw new IllegalStateException("DER-encoding an ECDSA signature failed", impossible);
                    }
                }
            }
        }
    }

    /**
     * Whether {@code signature} under {@code scheme} verifies {@code content} with the public key of the X.509
     * certificate {@code certificateDer}. A P-256 key goes to Bouncy Castle's ECDSA directly (the JCA route costs a
     * key factory and a provider lookup per handshake); other keys through the JCA.
     */
    static boolean verify(byte[] certificateDer, int scheme, byte[] content, byte[] signature) {
        try {
            SubjectPublicKeyInfo key = Certificate.getInstance(certificateDer).getSubjectPublicKeyInfo();
            ASN1ObjectIdentifier algorithm = key.getAlgorithm().getAlgorithm();
            if (scheme == ECDSA_SECP256R1_SHA256 && algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)
                    && X9ObjectIdentifiers.prime256v1.equals(key.getAlgorithm().getParameters())) {
                ECPoint point = P256_DOMAIN.getCurve().decodePoint(key.getPublicKeyData().getOctets());
                BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(P256_DOMAIN.getN(), signature);
                ECDSASigner verifier = new ECDSASigner();
                verifier.init(false, new ECPublicKeyParameters(point, P256_DOMAIN));
                return verifier.verifySignature(Dtls13KeySchedule.sha256().digest(content), rs[0], rs[1]);
            }
            return verifyWithJca(key, scheme, content, signature);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return false; // a certificate or signature that does not parse does not verify
        }
    }

    private static boolean verifyWithJca(SubjectPublicKeyInfo key, int scheme, byte[] content, byte[] signature)
            throws IOException, GeneralSecurityException {
        BCJcaJceHelper bc = new BCJcaJceHelper();
        String keyAlgorithm;
        Signature verifier;
        switch (scheme) {
            case 0x0503 -> {
                // RFC 8446 §4.2.3: ecdsa_secp384r1_sha384 is for P-384 keys only (0x0403, P-256, is verified above).
                if (!key.getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)
                        || !SECObjectIdentifiers.secp384r1.equals(key.getAlgorithm().getParameters())) {
                    return false;
                }
                keyAlgorithm = "EC";
                verifier = bc.createSignature("SHA384withECDSA");
            }
            case 0x0807 -> {
                keyAlgorithm = "Ed25519";
                verifier = bc.createSignature("Ed25519");
            }
            case 0x0804 -> {
                keyAlgorithm = "RSA";
                verifier = bc.createSignature("RSASSA-PSS");
                verifier.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            }
            default -> {
                return false;
            }
        }
        KeyFactory factory = bc.createKeyFactory(keyAlgorithm);
        PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(key.getEncoded()));
        verifier.initVerify(publicKey);
        verifier.update(content);
        return verifier.verify(signature);
    }
}
