package dev.peerlink.dtls;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Locale;
import javax.crypto.KeyAgreement;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;

/**
 * A timing harness, not a test: the public-key operations one side of a DTLS handshake does (an X25519 key pair and
 * agreement, a P-256 ECDSA signature and verification), with the JDK's providers and with {@link DtlsCrypto}'s
 * choice. Run after {@code . scripts/jdk.sh && mvn -q -o -pl peerlink-dtls -am test-compile}:
 * {@code "$JAVA_HOME/bin/java" -cp "peerlink-dtls/target/classes:peerlink-dtls/target/test-classes:$(ls
 * ~/.m2/repository/org/bouncycastle/bc*-jdk18on/1.84/*.jar | tr '\n' :)" dev.peerlink.dtls.HandshakeCryptoBench}
 */
public final class HandshakeCryptoBench {
    private static final int OPERATIONS = 2_000;

    public static void main(String[] args) throws Exception {
        JcaJceHelper jdk = new DefaultJcaJceHelper();
        JcaJceHelper ours = new DtlsCrypto(new SecureRandom()).getHelper();
        for (int round = 0; round < 3; round++) {
            report("JDK providers", jdk);
            report("DtlsCrypto   ", ours);
        }
    }

    private static void report(String name, JcaJceHelper helper) throws Exception {
        KeyPairGenerator ecGenerator = helper.createKeyPairGenerator("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair signer = ecGenerator.generateKeyPair();
        byte[] transcript = "a handshake transcript".repeat(20).getBytes(StandardCharsets.US_ASCII);
        Signature signature = helper.createSignature("SHA256withECDSA");
        signature.initSign(signer.getPrivate());
        signature.update(transcript);
        byte[] signed = signature.sign();
        KeyPairGenerator xGenerator = helper.createKeyPairGenerator("X25519");
        KeyPair peer = xGenerator.generateKeyPair();

        long start = System.nanoTime();
        KeyPair ephemeral = null;
        for (int i = 0; i < OPERATIONS; i++) {
            ephemeral = xGenerator.generateKeyPair();
        }
        long generated = System.nanoTime();
        KeyAgreement agreement = helper.createKeyAgreement("X25519");
        for (int i = 0; i < OPERATIONS; i++) {
            agreement.init(ephemeral.getPrivate());
            agreement.doPhase(peer.getPublic(), true);
            agreement.generateSecret();
        }
        long agreed = System.nanoTime();
        for (int i = 0; i < OPERATIONS; i++) {
            signature.initSign(signer.getPrivate());
            signature.update(transcript);
            signed = signature.sign();
        }
        long signedAt = System.nanoTime();
        boolean allVerified = true;
        for (int i = 0; i < OPERATIONS; i++) {
            signature.initVerify(signer.getPublic());
            signature.update(transcript);
            allVerified &= signature.verify(signed);
        }
        long verified = System.nanoTime();
        System.out.printf(Locale.ROOT, "%s  X25519 key pair %4.0f µs, agreement %4.0f µs; ECDSA P-256 sign %4.0f µs,"
                        + " verify %4.0f µs%s%n", name, micros(generated - start), micros(agreed - generated),
                micros(signedAt - agreed), micros(verified - signedAt), allVerified ? "" : "  (A SIGNATURE FAILED)");
    }

    private static double micros(long nanos) {
        return nanos / 1e3 / OPERATIONS;
    }
}
