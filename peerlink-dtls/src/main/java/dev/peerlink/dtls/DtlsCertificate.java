package dev.peerlink.dtls;

import dev.peerlink.sdp.Fingerprint;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A peer's DTLS identity: an ECDSA P-256 key and a self-signed X.509 certificate for it, as browsers make
 * (RFC 8827 §6.5), and the certificate's SHA-256 fingerprint for {@code a=fingerprint} (RFC 8122 §5). One per peer
 * (or per PeerConnection); {@link #generate()} makes a fresh one, {@link #of} and {@link #fromPem} load one.
 * The private key never leaves this object except through {@link #privateKeyPem()}, and {@link #toString()} shows
 * only the fingerprint.
 */
public final class DtlsCertificate {
    /** Chromium's certificates last 30 days too. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final byte[] der;
    private final Fingerprint fingerprint;

    private DtlsCertificate(PrivateKey privateKey, X509Certificate certificate) {
        this.privateKey = privateKey;
        this.certificate = certificate;
        try {
            this.der = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the certificate cannot be DER-encoded: " + e.getMessage(), e);
        }
        this.fingerprint = Fingerprint.of("sha-256", Fingerprints.digest("sha-256", der));
    }

    /** A fresh P-256 key and a certificate valid from a day ago for {@link #DEFAULT_VALIDITY}. */
    public static DtlsCertificate generate() {
        return generate(DEFAULT_VALIDITY);
    }

    /** A fresh P-256 key and a self-signed certificate valid from a day ago (clock skew) until {@code validity}. */
    public static DtlsCertificate generate(Duration validity) {
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a certificate's validity must be positive, not " + validity);
        }
        try {
            SecureRandom random = new SecureRandom();
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair pair = generator.generateKeyPair();
            Instant now = Instant.now();
            // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets.
            BigInteger serial = new BigInteger(63, random).add(BigInteger.ONE);
            X500Name name = new X500Name("CN=peerlink");
            X509CertificateHolder holder = new JcaX509v3CertificateBuilder(name, serial,
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(validity)), name, pair.getPublic())
                    .build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).setSecureRandom(random)
                            .build(pair.getPrivate()));
            return new DtlsCertificate(pair.getPrivate(), new JcaX509CertificateConverter().getCertificate(holder));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("this JDK cannot make an ECDSA P-256 certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Loads an existing identity.
     *
     * @throws IllegalArgumentException when the key is not an EC key or does not belong to the certificate
     */
    public static DtlsCertificate of(PrivateKey privateKey, X509Certificate certificate) {
        if (privateKey == null || certificate == null) {
            throw new IllegalArgumentException("a DTLS certificate needs both the private key and the certificate");
        }
        if (!"EC".equals(privateKey.getAlgorithm()) || !(certificate.getPublicKey() instanceof ECPublicKey)) {
            throw new IllegalArgumentException("a WebRTC DTLS certificate needs an ECDSA key, not "
                    + privateKey.getAlgorithm() + " with a " + certificate.getPublicKey().getAlgorithm()
                    + " certificate");
        }
        try {
            byte[] probe = "peerlink key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("the private key does not belong to the certificate "
                        + certificate.getSubjectX500Principal());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key cannot sign for the certificate: " + e.getMessage(),
                    e);
        }
        return new DtlsCertificate(privateKey, certificate);
    }

    /**
     * Loads an identity saved by {@link #certificatePem()} and {@link #privateKeyPem()} (PEM {@code CERTIFICATE},
     * and {@code PRIVATE KEY} or {@code EC PRIVATE KEY}).
     *
     * @throws IllegalArgumentException when either text is not what it should be
     */
    public static DtlsCertificate fromPem(String certificatePem, String privateKeyPem) {
        try {
            Object certificateObject = readPem(certificatePem, "certificate");
            if (!(certificateObject instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException("the certificate PEM holds no CERTIFICATE block");
            }
            Object keyObject = readPem(privateKeyPem, "private key");
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            PrivateKey key;
            if (keyObject instanceof PEMKeyPair pair) {
                key = converter.getPrivateKey(pair.getPrivateKeyInfo());
            } else if (keyObject instanceof PrivateKeyInfo info) {
                key = converter.getPrivateKey(info);
            } else {
                throw new IllegalArgumentException("the private key PEM holds no PRIVATE KEY or EC PRIVATE KEY block");
            }
            return of(key, new JcaX509CertificateConverter().getCertificate(holder));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the DTLS certificate from PEM: " + e.getMessage(), e);
        }
    }

    private static Object readPem(String pem, String what) throws IOException {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("the " + what + " PEM is empty");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object == null) {
                throw new IllegalArgumentException("the " + what + " PEM holds no PEM block");
            }
            return object;
        }
    }

    /** The SHA-256 fingerprint, the one to put in {@code a=fingerprint}. */
    public Fingerprint fingerprint() {
        return fingerprint;
    }

    /** The fingerprint with another RFC 8122 hash function, e.g. {@code sha-384}. */
    public Fingerprint fingerprint(String algorithm) {
        if (algorithm == null || !Fingerprints.isSupported(algorithm)) {
            throw new IllegalArgumentException("the hash function \"" + algorithm + "\" is not one of sha-1, sha-224,"
                    + " sha-256, sha-384, sha-512");
        }
        return Fingerprint.of(algorithm, Fingerprints.digest(algorithm, der));
    }

    /** The {@code a=fingerprint} value, {@code sha-256 AB:CD:...}. */
    public String sdpFingerprint() {
        return fingerprint.toString();
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The certificate's DER encoding (a copy). */
    public byte[] encoded() {
        return der.clone();
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    byte[] encodedNoCopy() {
        return der;
    }

    /** The certificate as PEM ({@code CERTIFICATE}, RFC 7468 §5). */
    public String certificatePem() {
        return pem("CERTIFICATE", der);
    }

    /** The private key as PKCS#8 PEM ({@code PRIVATE KEY}, RFC 7468 §10), to store the identity. Never log it. */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded());
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    @Override
    public String toString() {
        return "DtlsCertificate[" + certificate.getSubjectX500Principal().getName() + ", " + fingerprint + "]";
    }
}
