package dev.peerlink.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import javax.crypto.KeyAgreement;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.tls.NamedGroup;
import org.junit.jupiter.api.Test;

class DtlsCryptoTest {
    private final DtlsCrypto crypto = new DtlsCrypto(new SecureRandom());
    private final JcaJceHelper helper = crypto.getHelper();

    @Test
    void ellipticCurveWorkGoesToBouncyCastleAndTheRestToTheJdk() throws Exception {
        assertEquals("BC", helper.createSignature("SHA256withECDSA").getProvider().getName());
        assertEquals("BC", helper.createKeyAgreement("X25519").getProvider().getName());
        assertEquals("BC", helper.createKeyAgreement("ECDH").getProvider().getName());
        assertEquals("BC", helper.createKeyPairGenerator("EC").getProvider().getName());
        assertEquals("BC", helper.createKeyFactory("XDH").getProvider().getName());
        // Digests, MACs and the record cipher stay with the JDK (SHA and AES-GCM intrinsics).
        assertNotEquals("BC", helper.createMessageDigest("SHA-256").getProvider().getName());
        assertNotEquals("BC", helper.createMac("HmacSHA256").getProvider().getName());
        assertTrue(crypto.hasNamedGroup(NamedGroup.x25519));
        assertTrue(crypto.hasNamedGroup(NamedGroup.secp256r1));
    }

    @Test
    void bouncyCastleSignaturesVerifyWithTheJdkAndTheOtherWayRound() throws Exception {
        // Our certificate's key comes from the JDK; a browser's public key is parsed by the JDK's X.509 factory.
        var jdkGenerator = java.security.KeyPairGenerator.getInstance("EC");
        jdkGenerator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        KeyPair jdkKeys = jdkGenerator.generateKeyPair();
        byte[] message = "handshake transcript".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        Signature bcSigner = helper.createSignature("SHA256withECDSA");
        bcSigner.initSign(jdkKeys.getPrivate());
        bcSigner.update(message);
        byte[] signature = bcSigner.sign();
        Signature jdkVerifier = Signature.getInstance("SHA256withECDSA", "SunEC");
        jdkVerifier.initVerify(jdkKeys.getPublic());
        jdkVerifier.update(message);
        assertTrue(jdkVerifier.verify(signature), "a JDK verifier accepts BC's signature with a JDK key");

        Signature jdkSigner = Signature.getInstance("SHA256withECDSA", "SunEC");
        jdkSigner.initSign(jdkKeys.getPrivate());
        jdkSigner.update(message);
        byte[] jdkSignature = jdkSigner.sign();
        Signature bcVerifier = helper.createSignature("SHA256withECDSA");
        bcVerifier.initVerify(jdkKeys.getPublic());
        bcVerifier.update(message);
        assertTrue(bcVerifier.verify(jdkSignature), "BC's verifier accepts the JDK's signature");
        jdkSignature[jdkSignature.length - 1] ^= 1;
        bcVerifier.initVerify(jdkKeys.getPublic());
        bcVerifier.update(message);
        assertTrue(!verifies(bcVerifier, jdkSignature), "a flipped bit fails");
    }

    @Test
    void x25519AgreesWithTheJdk() throws Exception {
        KeyPair ours = helper.createKeyPairGenerator("X25519").generateKeyPair();
        KeyPair theirs = java.security.KeyPairGenerator.getInstance("X25519", "SunEC").generateKeyPair();
        KeyAgreement bc = helper.createKeyAgreement("X25519");
        bc.init(ours.getPrivate());
        bc.doPhase(theirs.getPublic(), true);
        KeyAgreement jdk = KeyAgreement.getInstance("X25519", "SunEC");
        jdk.init(theirs.getPrivate());
        jdk.doPhase(java.security.KeyFactory.getInstance("X25519", "SunEC").generatePublic(
                new java.security.spec.X509EncodedKeySpec(ours.getPublic().getEncoded())), true);
        assertArrayEquals(jdk.generateSecret(), bc.generateSecret());
    }

    private static boolean verifies(Signature verifier, byte[] signature) {
        try {
            return verifier.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }
}
