package dev.peerlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsCertificatesTest {
    private static KeyPair rsaKeys;
    private static KeyPair ecKeys;
    private static X509Certificate rsaCert;
    private static X509Certificate ecCert;

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws Exception {
        rsaKeys = TestPki.rsa();
        ecKeys = TestPki.ec();
        rsaCert = TestPki.selfSigned("CN=rsa.test", rsaKeys);
        ecCert = TestPki.selfSigned("CN=ec.test", ecKeys);
    }

    // --- generateSelfSigned ---

    @Test
    void selfSignedIsP256ForLocalhost() throws Exception {
        TlsCertificates tls = TlsCertificates.generateSelfSigned();

        assertThat(tls.selfSigned()).isTrue();
        assertThat(tls.chain()).hasSize(1);
        X509Certificate certificate = tls.chain().get(0);
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
        assertThat(tls.privateKey()).isInstanceOf(ECPrivateKey.class);
        ECParameterSpec keyParams = ((ECPrivateKey) tls.privateKey()).getParams();
        assertThat(keyParams.getCurve()).isEqualTo(p256.getCurve());
        assertThat(keyParams.getOrder()).isEqualTo(p256.getOrder());
        assertThat(((ECPublicKey) certificate.getPublicKey()).getParams().getCurve()).isEqualTo(p256.getCurve());

        // the certificate is self-signed with the key we hold
        certificate.verify(certificate.getPublicKey());
        assertThat(certificate.getSubjectX500Principal()).isEqualTo(certificate.getIssuerX500Principal());
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(tls.privateKey());
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();

        // valid now, for about 30 days
        certificate.checkValidity();
        assertThat(certificate.getNotAfter().toInstant())
                .isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));
    }

    @Test
    void selfSignedNamesLocalhostAndBothLoopbacks() throws Exception {
        X509Certificate certificate = TlsCertificates.generateSelfSigned().chain().get(0);

        List<String> dnsNames = certificate.getSubjectAlternativeNames().stream()
                .filter(name -> (Integer) name.get(0) == 2).map(name -> (String) name.get(1)).toList();
        List<InetAddress> ips = new java.util.ArrayList<>();
        for (List<?> name : certificate.getSubjectAlternativeNames()) {
            if ((Integer) name.get(0) == 7) {
                ips.add(InetAddress.getByName((String) name.get(1)));
            }
        }
        assertThat(dnsNames).containsExactly("localhost");
        assertThat(ips).containsExactlyInAnyOrder(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
    }

    @Test
    void eachSelfSignedCertificateIsNew() {
        TlsCertificates first = TlsCertificates.generateSelfSigned();
        TlsCertificates second = TlsCertificates.generateSelfSigned();

        assertThat(first.sha256Fingerprint()).isNotEqualTo(second.sha256Fingerprint());
        assertThat(first.privateKey().getEncoded()).isNotEqualTo(second.privateKey().getEncoded());
    }

    @Test
    void fingerprintIsColonHexSha256OfTheLeaf() throws Exception {
        TlsCertificates tls = TlsCertificates.generateSelfSigned();

        String fingerprint = tls.sha256Fingerprint();

        assertThat(fingerprint).hasSize(95).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(tls.chain().get(0).getEncoded());
        assertThat(fingerprint.replace(":", "")).isEqualTo(HexFormat.of().withUpperCase().formatHex(digest));
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        TlsCertificates tls = TlsCertificates.generateSelfSigned();
        byte[] key = tls.privateKey().getEncoded();
        String secret = ((ECPrivateKey) tls.privateKey()).getS().toString(16);

        String text = tls.toString();

        assertThat(text).contains("peerlink development server").contains("selfSigned=true")
                .doesNotContain(Base64.getEncoder().encodeToString(key))
                .doesNotContain(Base64.getMimeEncoder().encodeToString(key).substring(0, 40))
                .doesNotContainIgnoringCase(HexFormat.of().formatHex(key).substring(0, 40))
                .doesNotContainIgnoringCase(secret)
                .doesNotContain(((ECPrivateKey) tls.privateKey()).getS().toString())
                .doesNotContainIgnoringCase("private");
    }

    @Test
    void certificatePemIsTheLeafOnly() throws Exception {
        TlsCertificates tls = TlsCertificates.generateSelfSigned();

        String pem = tls.certificatePem();

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n")
                .doesNotContain("PRIVATE");
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        assertThat(parsed).isEqualTo(tls.chain().get(0));
    }

    // --- fromPem: the key formats ---

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtStart() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), rsaCert);
        Path otherRsa = TestPki.writePem(dir.resolve("other-rsa.pem"), TestPki.pkcs8(TestPki.rsa().getPrivate()));
        Path ec = TestPki.writePem(dir.resolve("ec.pem"), TestPki.pkcs8(TestPki.ec().getPrivate()));
        for (Path key : List.of(otherRsa, ec)) {
            assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key.toString())
                    .hasMessageContaining("is not the private key of the certificate in --cert " + cert);
        }
    }

    @Test
    void readsPkcs8Rsa() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), rsaCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), TestPki.pkcs8(rsaKeys.getPrivate()));
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");

        TlsCertificates tls = TlsCertificates.fromPem(cert, key);

        assertThat(tls.selfSigned()).isFalse();
        assertThat(tls.chain()).containsExactly(rsaCert);
        assertThat(tls.privateKey()).isInstanceOf(RSAPrivateKey.class);
        assertThat(tls.privateKey().getEncoded()).isEqualTo(rsaKeys.getPrivate().getEncoded());
    }

    @Test
    void readsPkcs1Rsa() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), rsaCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), rsaKeys.getPrivate());
        assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        TlsCertificates tls = TlsCertificates.fromPem(cert, key);

        assertThat(tls.chain()).containsExactly(rsaCert);
        assertThat(tls.privateKey()).isInstanceOf(RSAPrivateKey.class);
        assertThat(((RSAPrivateKey) tls.privateKey()).getPrivateExponent())
                .isEqualTo(((RSAPrivateKey) rsaKeys.getPrivate()).getPrivateExponent());
    }

    @Test
    void readsSec1Ec() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());
        assertThat(Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        TlsCertificates tls = TlsCertificates.fromPem(cert, key);

        assertThat(tls.chain()).containsExactly(ecCert);
        assertThat(tls.privateKey()).isInstanceOf(ECPrivateKey.class);
        assertThat(((ECPrivateKey) tls.privateKey()).getS()).isEqualTo(((ECPrivateKey) ecKeys.getPrivate()).getS());
    }

    @Test
    void readsPkcs8Ec() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), TestPki.pkcs8(ecKeys.getPrivate()));

        TlsCertificates tls = TlsCertificates.fromPem(cert, key);

        assertThat(((ECPrivateKey) tls.privateKey()).getS()).isEqualTo(((ECPrivateKey) ecKeys.getPrivate()).getS());
    }

    @Test
    void keepsTheWholeChainInOrder() throws Exception {
        KeyPair caKeys = TestPki.ec();
        X509Certificate ca = TestPki.certificate("CN=test CA", caKeys, "CN=test CA", caKeys, true);
        X509Certificate leaf = TestPki.certificate("CN=leaf.test", ecKeys, "CN=test CA", caKeys, false);
        Path cert = TestPki.writePem(dir.resolve("fullchain.pem"), leaf, ca);
        Path key = TestPki.writePem(dir.resolve("privkey.pem"), ecKeys.getPrivate());

        TlsCertificates tls = TlsCertificates.fromPem(cert, key);

        assertThat(tls.chain()).containsExactly(leaf, ca);
        leaf.verify(ca.getPublicKey());
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        assertThat(tls.sha256Fingerprint().replace(":", ""))
                .isEqualToIgnoringCase(HexFormat.of().formatHex(sha256.digest(leaf.getEncoded())));
        assertThat(tls.toString()).contains("CN=leaf.test");
    }

    @Test
    void aKeyAndCertificateInOneFileAreFound() throws Exception {
        // Some operators keep both in one file and give it twice (as coturn allows).
        Path both = TestPki.writePem(dir.resolve("both.pem"), ecKeys.getPrivate(), ecCert);

        TlsCertificates tls = TlsCertificates.fromPem(both, both);

        assertThat(tls.chain()).containsExactly(ecCert);
        assertThat(((ECPrivateKey) tls.privateKey()).getS()).isEqualTo(((ECPrivateKey) ecKeys.getPrivate()).getS());
    }

    // --- fromPem: mistakes ---

    @Test
    void anEncryptedPkcs8KeyIsRefused() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), rsaCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), new JcaPKCS8Generator(rsaKeys.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setProvider(TestPki.BC).setPassword("secret".toCharArray()).build()));
        assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--pkey " + key + " is encrypted");
    }

    @Test
    void anEncryptedTraditionalKeyIsRefused() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = dir.resolve("key.pem");
        Files.writeString(key, pemWithEncryptor(ecKeys));
        assertThat(Files.readString(key)).contains("Proc-Type: 4,ENCRYPTED");

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--pkey " + key + " is encrypted");
    }

    private static String pemWithEncryptor(KeyPair keys) throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(text)) {
            writer.writeObject(keys.getPrivate(), new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(TestPki.BC).build("secret".toCharArray()));
        }
        return text.toString();
    }

    @Test
    void anEmptyCertificateFileIsRefused() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "");
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cert " + cert + " holds no PEM certificate");
    }

    @Test
    void anEmptyKeyFileIsRefused() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = Files.writeString(dir.resolve("key.pem"), "");

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--pkey " + key + " holds no PEM private key");
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> TlsCertificates.fromPem(missing, key))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cert " + missing + " does not exist");
        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--pkey " + missing + " does not exist");
    }

    @Test
    void keyAndCertificateSwappedAreNamed() throws Exception {
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());

        assertThatThrownBy(() -> TlsCertificates.fromPem(key, key))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cert " + key + " holds no PEM certificate");
        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, cert))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--pkey " + cert + " holds no PEM private key");
    }

    @Test
    void corruptPemIsNamed() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(cert.toString());
    }

    @Test
    void brokenDerInsideAPemBlockIsNamed() throws Exception {
        String garbage = Base64.getMimeEncoder().encodeToString(new byte[] {0x30, 0x03, 0x02, 0x01});
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path badCert = Files.writeString(dir.resolve("bad-cert.pem"),
                "-----BEGIN CERTIFICATE-----\n" + garbage + "\n-----END CERTIFICATE-----\n");
        Path badKey = Files.writeString(dir.resolve("bad-key.pem"),
                "-----BEGIN PRIVATE KEY-----\n" + garbage + "\n-----END PRIVATE KEY-----\n");
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());

        assertThatThrownBy(() -> TlsCertificates.fromPem(badCert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--cert " + badCert);
        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, badKey))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(badKey.toString());
    }

    @Test
    void anEcKeyWithoutItsCurveIsNamed() throws Exception {
        // The JDK's SEC1 encoding leaves the curve out (it lives in the PKCS#8 wrapper); as "EC PRIVATE KEY" that
        // cannot be used, and the error must say which file.
        KeyPair jdkKeys = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), ecCert);
        Path key = TestPki.writePem(dir.resolve("key.pem"), jdkKeys.getPrivate());
        assertThat(Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("the private key in " + key + " cannot be read");
    }

    @Test
    void aDerFileIsNotPem() throws Exception {
        Path cert = Files.write(dir.resolve("cert.der"), ecCert.getEncoded());
        Path key = TestPki.writePem(dir.resolve("key.pem"), ecKeys.getPrivate());

        assertThatThrownBy(() -> TlsCertificates.fromPem(cert, key))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--cert " + cert);
    }
}
