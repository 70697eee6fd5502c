package dev.peerlink.stun.credentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Keys and hashes for STUN authentication (RFC 8489 §9). Strings are processed with {@link OpaqueString} (or
 * {@link SaslPrep} for the RFC 5389 form) and encoded as UTF-8. Attribute decoding (stripping quotes and trailing
 * NULs, §9.2.2) is the caller's job. Every method returns a fresh array the caller may wipe.
 */
public final class StunCredentials {
    private StunCredentials() {
    }

    /** RFC 8489 §9.1.1: the short-term HMAC key is {@code OpaqueString(password)}, UTF-8 encoded. */
    public static byte[] shortTermKey(String password) {
        Objects.requireNonNull(password, "password");
        return utf8(OpaqueString.enforce(password, "the STUN password"));
    }

    /**
     * RFC 8489 §9.2.2 and §18.5.1: {@code key = H(username ":" OpaqueString(realm) ":" OpaqueString(password))}.
     *
     * <p>§9.2.2 takes the username "as taken from the USERNAME attribute (in which case OpaqueString has already been
     * applied)", and §14.3 requires USERNAME to be OpaqueString-processed. We enforce OpaqueString on it here too:
     * enforcement is idempotent, so an attribute value comes out unchanged, and a username typed by a user gets the
     * processing it would have had before being put in USERNAME.
     *
     * @throws IllegalArgumentException if a string is empty or contains a code point OpaqueString disallows
     */
    public static byte[] longTermKey(String username, String realm, String password, PasswordAlgorithm algorithm) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(realm, "realm");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(algorithm, "algorithm");
        String input = OpaqueString.enforce(username, "the STUN username")
                + ':' + OpaqueString.enforce(realm, "the STUN realm")
                + ':' + OpaqueString.enforce(password, "the STUN password");
        return digest(algorithm.javaName(), utf8(input));
    }

    /**
     * RFC 5389 §15.4: {@code key = MD5(username ":" realm ":" SASLprep(password))}, for RFC 5389 peers and the
     * RFC 5769 test vectors. As in RFC 5389, the username and realm are used as given (the username is expected to
     * have been SASLprepped already when it was put in USERNAME).
     *
     * @throws IllegalArgumentException if SASLprep rejects the password
     */
    public static byte[] longTermKeyRfc5389(String username, String realm, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(realm, "realm");
        Objects.requireNonNull(password, "password");
        String input = username + ':' + realm + ':' + SaslPrep.prepare(password, "the STUN password");
        return digest(PasswordAlgorithm.MD5.javaName(), utf8(input));
    }

    /** RFC 8489 §14.4: {@code userhash = SHA-256(OpaqueString(username) ":" OpaqueString(realm))}, 32 bytes. */
    public static byte[] userhash(String username, String realm) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(realm, "realm");
        String input = OpaqueString.enforce(username, "the STUN username")
                + ':' + OpaqueString.enforce(realm, "the STUN realm");
        return digest(PasswordAlgorithm.SHA256.javaName(), utf8(input));
    }

    /**
     * Compares MACs, keys or userhashes without an early exit, so the time taken does not reveal how long a prefix
     * of a forged value was right. {@link MessageDigest#isEqual} has been constant-time in the contents since
     * JDK 6u17; only the lengths (which are public anyway) can make it return early. {@code null} equals only
     * {@code null}.
     */
    public static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] digest(String algorithm, byte[] input) {
        try {
            return MessageDigest.getInstance(algorithm).digest(input);
        } catch (NoSuchAlgorithmException e) {
            // The JDK's SUN provider has both; a JVM restricted to FIPS algorithms may lack MD5.
            throw new IllegalStateException("this JVM lacks the required digest " + algorithm, e);
        }
    }
}
