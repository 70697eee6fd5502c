package dev.peerlink.turn.auth;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Nonces that need no table: each carries its issue time and a MAC over that time and the client's transport
 * address, so the server recognises its own nonces, tells a stale one from a forged one, and keeps nothing per
 * client (RFC 8656 §7.2 and RFC 8489 §9.2.4 leave the nonce's form to the server; RFC 7616 §5.4 describes this
 * construction). Binding to the client's IP and port satisfies RFC 8489 §9.2.4: "the server MUST NOT choose the
 * same NONCE for two requests unless they have the same source IP address and port".
 *
 * <p>No RFC 8489 §9.2 "nonce cookie" is prepended, so clients treat this server as one without the STUN security
 * features (no PASSWORD-ALGORITHMS negotiation, MD5 keys): what RFC 5389 clients such as coturn's tools and
 * browsers expect. A nonce is {@code base64url(issue-seconds[8] || HMAC-SHA256(secret, ...)[0..16])}: 32
 * characters, all of them allowed in NONCE (RFC 8489 §14.10), never starting with the cookie.
 *
 * <p>Immutable and thread-safe; a cluster of servers shares nonces by sharing the secret.
 */
public final class StatelessNonces {
    /** RFC 8656 does not fix a value; coturn's default stale-nonce lifetime is 600 s, and so is ours. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(600);

    private static final int TIME_LENGTH = 8;
    private static final int MAC_LENGTH = 16;
    private static final int RAW_LENGTH = TIME_LENGTH + MAC_LENGTH;
    private static final int ENCODED_LENGTH = 32;
    private static final byte FORMAT_VERSION = 1;

    /** What a NONCE value turned out to be. */
    public enum Validity {
        /** Issued by us, to this client address, within the lifetime. */
        VALID,
        /** Issued by us to this client address, but older than the lifetime (RFC 8489 §9.2.4: 438). */
        STALE,
        /** Not one of ours for this client: forged, altered, or issued to another address. */
        INVALID
    }

    private final SecretKeySpec key;
    private final long lifetimeSeconds;

    /**
     * @param secret   at least 16 bytes; copied
     * @param lifetime how long a nonce stays valid, at least one second
     */
    public StatelessNonces(byte[] secret, Duration lifetime) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("the nonce secret must be at least 16 bytes, not " + secret.length);
        }
        if (lifetime.toSeconds() < 1) {
            throw new IllegalArgumentException("the nonce lifetime must be at least one second, not " + lifetime);
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.lifetimeSeconds = lifetime.toSeconds();
    }

    /** Nonces under a fresh random secret: they survive neither a restart nor another server, which is fine. */
    public static StatelessNonces withRandomSecret(Duration lifetime) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new StatelessNonces(secret, lifetime);
    }

    public Duration lifetime() {
        return Duration.ofSeconds(lifetimeSeconds);
    }

    /** A nonce for {@code client}, issued at {@code now}. */
    public String issue(InetSocketAddress client, Instant now) {
        long issued = now.getEpochSecond();
        byte[] raw = ByteBuffer.allocate(RAW_LENGTH).putLong(issued).put(mac(client, issued)).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** Whether {@code nonce} is a current nonce of ours for {@code client} at {@code now}. */
    public Validity check(String nonce, InetSocketAddress client, Instant now) {
        if (nonce.length() != ENCODED_LENGTH) {
            return Validity.INVALID;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException notBase64) {
            return Validity.INVALID;
        }
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        long issued = buffer.getLong();
        byte[] received = new byte[MAC_LENGTH];
        buffer.get(received);
        if (!MessageDigest.isEqual(mac(client, issued), received)) {
            return Validity.INVALID;
        }
        long age = now.getEpochSecond() - issued;
        // A nonce from the future means the clock stepped back; a fresh one costs the client one round trip.
        return age >= 0 && age <= lifetimeSeconds ? Validity.VALID : Validity.STALE;
    }

    private byte[] mac(InetSocketAddress client, long issued) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] ip = client.getAddress().getAddress();
            mac.update(FORMAT_VERSION);
            mac.update((byte) ip.length);
            mac.update(ip);
            mac.update((byte) (client.getPort() >>> 8));
            mac.update((byte) client.getPort());
            mac.update(ByteBuffer.allocate(TIME_LENGTH).putLong(issued).array());
            byte[] full = mac.doFinal();
            byte[] truncated = new byte[MAC_LENGTH];
            System.arraycopy(full, 0, truncated, 0, MAC_LENGTH);
            return truncated;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return "StatelessNonces[lifetime=" + lifetimeSeconds + "s]"; // never the secret
    }
}
