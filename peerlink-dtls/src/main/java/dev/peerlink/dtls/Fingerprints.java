package dev.peerlink.dtls;

import dev.peerlink.sdp.Fingerprint;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Certificate fingerprints (RFC 8122 §5): the hash functions WebRTC peers use, and the check of a peer's certificate
 * against the fingerprints its description carried.
 */
final class Fingerprints {
    /** RFC 8122 §5 hash function names this side computes, weakest first. md5 and md2 are not accepted. */
    private static final List<String> SUPPORTED = List.of("sha-1", "sha-224", "sha-256", "sha-384", "sha-512");

    private final List<Fingerprint> expected;
    private final String algorithm;

    /**
     * @throws IllegalArgumentException when {@code remote} is empty, has no fingerprint with a supported hash
     *                                  function, or has one whose value is not hex
     */
    Fingerprints(List<Fingerprint> remote) {
        if (remote == null || remote.isEmpty()) {
            throw new IllegalArgumentException("the remote description carried no a=fingerprint; WebRTC needs one to"
                    + " authenticate the DTLS peer (RFC 8122 §5)");
        }
        String strongest = null;
        for (Fingerprint fingerprint : remote) {
            String name = fingerprint.algorithm().toLowerCase(Locale.ROOT);
            if (!SUPPORTED.contains(name)) {
                continue;
            }
            try {
                if (fingerprint.digest().length != digestLength(name)) {
                    throw new IllegalArgumentException("the remote fingerprint \"" + fingerprint + "\" is "
                            + fingerprint.digest().length + " bytes, but " + name + " gives " + digestLength(name));
                }
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("the remote fingerprint \"" + fingerprint + "\" is not hex bytes"
                        + " separated by ':'", e);
            }
            if (strongest == null || SUPPORTED.indexOf(name) > SUPPORTED.indexOf(strongest)) {
                strongest = name;
            }
        }
        if (strongest == null) {
            throw new IllegalArgumentException("none of the remote fingerprints " + remote + " uses a hash function"
                    + " this side supports (" + String.join(", ", SUPPORTED) + ")");
        }
        this.expected = List.copyOf(remote);
        this.algorithm = strongest;
    }

    /**
     * Checks the peer's end-entity certificate. RFC 8122 §5: use the strongest hash function offered; the
     * certificate is accepted when one fingerprint with it matches. Digests compare in constant time.
     *
     * @return empty when accepted, else a sentence naming both fingerprints
     */
    Optional<String> check(byte[] certificateDer) {
        byte[] actual = digest(algorithm, certificateDer);
        boolean matched = false;
        List<String> candidates = new ArrayList<>();
        for (Fingerprint fingerprint : expected) {
            if (fingerprint.usesAlgorithm(algorithm)) {
                matched |= MessageDigest.isEqual(actual, fingerprint.digest());
                candidates.add(fingerprint.toString());
            }
        }
        if (matched) {
            return Optional.empty();
        }
        return Optional.of("the DTLS peer's certificate has fingerprint " + Fingerprint.of(algorithm, actual)
                + ", but the remote description's a=fingerprint says " + String.join(" or ", candidates));
    }

    /** The hash function the check uses. */
    String algorithm() {
        return algorithm;
    }

    static boolean isSupported(String algorithm) {
        return SUPPORTED.contains(algorithm.toLowerCase(Locale.ROOT));
    }

    static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm.toUpperCase(Locale.ROOT)).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("the hash function " + algorithm + " is not available in this JDK", e);
        }
    }

    private static int digestLength(String name) {
        return switch (name) {
            case "sha-1" -> 20;
            case "sha-224" -> 28;
            case "sha-256" -> 32;
            case "sha-384" -> 48;
            default -> 64;
        };
    }
}
