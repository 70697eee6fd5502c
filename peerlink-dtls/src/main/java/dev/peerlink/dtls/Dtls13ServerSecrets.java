package dev.peerlink.dtls;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * What a DTLS 1.3 server handshake computes before the peer has said anything: our X25519 key share (RFC 8446
 * §4.2.8) and the costly half of our ECDSA signature (a random k, and r from k·G). Made ahead
 * of the handshake, for instance when a peer connection is created ({@link DtlsTransport.Builder#serverSecrets}), it
 * takes ~0.15 ms of CPU off the path from the remote description to connected.
 *
 * <p>One handshake at most: the first server that {@linkplain #take() takes} them uses them, and any later one makes
 * its own (a nonce or a key share used twice would give the private key or the traffic keys away). Thread-safe.
 */
public final class Dtls13ServerSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The certificate whose key signs: secrets for another one are not used. */
    final DtlsCertificate certificate;
    final Dtls13Signatures.P256Signer signer;
    final byte[] keySharePrivate = new byte[X25519.SCALAR_SIZE];
    final byte[] keySharePublic = new byte[X25519.POINT_SIZE];
    private final AtomicBoolean taken = new AtomicBoolean();

    private Dtls13ServerSecrets(DtlsCertificate certificate, SecureRandom random) {
        this.certificate = certificate;
        this.signer = new Dtls13Signatures.P256Signer(certificate.privateKey());
        signer.prepare(random);
        X25519.generatePrivateKey(random, keySharePrivate);
        X25519.generatePublicKey(keySharePrivate, 0, keySharePublic, 0);
    }

    /**
     * Secrets for one DTLS 1.3 handshake as the server with {@code certificate}.
     *
     * @throws IllegalArgumentException when the certificate's key is not ECDSA P-256, the only one the DTLS 1.3
     *                                  server signs with (see {@link #canPrepare})
     */
    public static Dtls13ServerSecrets prepare(DtlsCertificate certificate) {
        return new Dtls13ServerSecrets(certificate, RANDOM);
    }

    /** Whether {@link #prepare} takes {@code certificate}. */
    public static boolean canPrepare(DtlsCertificate certificate) {
        return Dtls13Server.canUse(certificate);
    }

    static Dtls13ServerSecrets generate(DtlsCertificate certificate, SecureRandom random) {
        return new Dtls13ServerSecrets(certificate, random);
    }

    /** True for the one caller that may use these; false once taken. */
    boolean take() {
        return !taken.getAndSet(true);
    }

    /**
     * Zeroes these secrets unless a handshake has taken them (it zeroes them itself when it is done with them): for
     * secrets that turned out not to be needed, a connection where we are the DTLS client, say.
     */
    public void discardUnlessTaken() {
        if (take()) {
            forget();
        }
    }

    /** Zeroes the private key share and drops the prepared nonce. */
    void forget() {
        signer.forget();
        Arrays.fill(keySharePrivate, (byte) 0);
    }
}
