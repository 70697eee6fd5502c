package dev.peerlink.server;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Keys, certificates and PEM files made with Bouncy Castle, for tests of {@link TlsCertificates}. */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(1000);

    /** Bouncy Castle's JCA provider, for the ciphers of encrypted PEM keys; never installed globally. */
    public static final Provider BC = new BouncyCastleProvider();

    private TestPki() {
    }

    public static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    /**
     * A P-256 key pair from Bouncy Castle's provider: its SEC1 encoding carries the curve, as OpenSSL's does (RFC
     * 5915 §3), whereas the JDK's leaves it to the PKCS#8 wrapper, which "EC PRIVATE KEY" files lack.
     */
    public static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    }

    /** A certificate for {@code subject}'s key, signed by {@code issuerKeys} as {@code issuer}; SAN localhost. */
    public static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
                                              boolean ca) throws GeneralSecurityException {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject), subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!ca) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder(signatureAlgorithm(issuerKeys.getPrivate()))
                            .build(issuerKeys.getPrivate())));
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    public static X509Certificate selfSigned(String subject, KeyPair keys) throws GeneralSecurityException {
        return certificate(subject, keys, subject, keys, false);
    }

    /** Writes each object with {@link JcaPEMWriter}: certificates, keys (PKCS#1/SEC1), or PEM generators. */
    public static Path writePem(Path file, Object... objects) throws IOException {
        Files.writeString(file, pem(objects));
        return file;
    }

    public static String pem(Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        }
        return text.toString();
    }

    /** "BEGIN PRIVATE KEY": unencrypted PKCS#8. */
    public static JcaPKCS8Generator pkcs8(PrivateKey key) throws IOException {
        return new JcaPKCS8Generator(key, null);
    }
}
