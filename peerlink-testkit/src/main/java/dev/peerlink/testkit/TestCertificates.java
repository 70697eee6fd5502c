package dev.peerlink.testkit;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Throwaway TLS certificates for servers the tests start (coturn, peerlink): PEM files, valid for a day. */
public final class TestCertificates {
    private TestCertificates() {
    }

    /**
     * Writes a self-signed ECDSA P-256 certificate for the IP address {@code ipAddress} (its subject alternative
     * name, so a checking client accepts it for that address) to {@code certFile}, and its PKCS#8 key to
     * {@code keyFile}.
     */
    public static void writeSelfSigned(Path certFile, Path keyFile, String ipAddress) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=peerlink test server " + ipAddress);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, ipAddress)}));
            var certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(certFile))) {
                writer.writeObject(certificate);
            }
            try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(keyFile))) {
                writer.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
            }
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make a test certificate: " + e.getMessage(), e);
        }
    }
}
