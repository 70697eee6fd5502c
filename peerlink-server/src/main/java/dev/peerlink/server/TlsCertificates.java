package dev.peerlink.server;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/** The server's TLS identity: read from PEM files (as coturn's --cert/--pkey) or made up at start for development. */
public record TlsCertificates(PrivateKey privateKey, List<X509Certificate> chain, boolean selfSigned) {
    private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(30);

    public TlsCertificates {
        chain = List.copyOf(chain);
    }

    @Override
    public String toString() { // never the key
        return "TlsCertificates[" + chain.get(0).getSubjectX500Principal() + ", selfSigned=" + selfSigned + "]";
    }

    /** SHA-256 fingerprint of the leaf certificate, as colon-separated hex (what browsers and SDP show). */
    public String sha256Fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain.get(0).getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /**
     * A self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, valid 30 days: enough to try TLS on
     * a development machine. Clients must be told to accept it (peerlink stun --tls --insecure).
     */
    public static TlsCertificates generateSelfSigned() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=peerlink development server");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(SELF_SIGNED_VALIDITY)), name, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1")}));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new TlsCertificates(keys.getPrivate(), List.of(certificate), true);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Reads a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC; unencrypted). */
    public static TlsCertificates fromPem(Path certFile, Path keyFile) throws ConfigException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object item : readPem(certFile, "--cert")) {
            if (item instanceof X509CertificateHolder holder) {
                try {
                    chain.add(converter.getCertificate(holder));
                } catch (GeneralSecurityException e) {
                    throw new ConfigException("the certificate in " + certFile + " cannot be read: " + e.getMessage());
                }
            }
        }
        if (chain.isEmpty()) {
            throw new ConfigException("--cert " + certFile + " holds no PEM certificate");
        }
        PrivateKey key = null;
        JcaPEMKeyConverter keyConverter = new JcaPEMKeyConverter();
        for (Object item : readPem(keyFile, "--pkey")) {
            try {
                if (item instanceof PEMKeyPair pair) {
                    key = keyConverter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (item instanceof PrivateKeyInfo info) {
                    key = keyConverter.getPrivateKey(info);
                } else if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new ConfigException("--pkey " + keyFile + " is encrypted; give an unencrypted key (keep the "
                            + "file readable by the server only)");
                }
            } catch (IOException e) {
                throw new ConfigException("the private key in " + keyFile + " cannot be read: " + e.getMessage());
            }
        }
        if (key == null) {
            throw new ConfigException("--pkey " + keyFile + " holds no PEM private key");
        }
        if (!keyMatchesCertificate(key, chain.get(0))) {
            throw new ConfigException("--pkey " + keyFile + " is not the private key of the certificate in --cert "
                    + certFile + "; every TLS handshake would fail");
        }
        return new TlsCertificates(key, chain, false);
    }

    /** Signs a probe with the key and checks it with the certificate's public key. */
    private static boolean keyMatchesCertificate(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true; // an algorithm we cannot probe: let the TLS stack judge it
        }
        try {
            byte[] probe = "peerlink key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an RSA key with an EC certificate
        }
    }

    private static List<Object> readPem(Path file, String flag) throws ConfigException {
        List<Object> items = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
            Object item;
            while ((item = parser.readObject()) != null) {
                items.add(item);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(flag + " " + file + " does not exist");
        } catch (IOException | RuntimeException e) {
            // Bouncy Castle reports broken base64 or DER inside a PEM block with unchecked exceptions
            // (DecoderException, IllegalArgumentException); they are the file's fault all the same.
            throw new ConfigException(flag + " " + file + " is not a readable PEM file: " + e.getMessage());
        }
        return items;
    }

    /** PEM text of the leaf certificate, so tests and tools can trust a self-signed server. */
    public String certificatePem() {
        try {
            String base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(chain.get(0).getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
