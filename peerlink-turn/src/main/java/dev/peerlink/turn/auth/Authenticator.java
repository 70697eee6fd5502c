package dev.peerlink.turn.auth;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.attribute.StunAttributeRegistry;
import dev.peerlink.stun.credentials.StunCredentials;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The TURN server's long-term credential check (RFC 8656 §7.2, RFC 8489 §9.2.4) for users from the configuration
 * and for TURN REST API credentials under one or more shared secrets. Stateless: it keeps nothing for a request,
 * authenticated or not — nonces carry their own proof ({@link StatelessNonces}). Immutable and thread-safe.
 *
 * <p>The checks run in RFC 8489 §9.2.4's order, which matters for what a client learns:
 * <ol>
 *   <li>no MESSAGE-INTEGRITY(-SHA256): 401 with REALM and NONCE — the normal first answer;</li>
 *   <li>integrity but no USERNAME (or USERHASH), REALM or NONCE: 400;</li>
 *   <li>unknown user, wrong realm, expired REST username: 401;</li>
 *   <li>integrity that does not verify under the user's key: 401;</li>
 *   <li>a NONCE that is not a current one of ours for this client address: 438 with a fresh NONCE. Only reached
 *       with valid credentials, so a stale nonce never hides a wrong password.</li>
 * </ol>
 * USERHASH (username anonymity) is not offered, so a request that names its user only by USERHASH gets 401.
 */
public final class Authenticator {
    /** An MD5 key no user has: unknown users are checked against it so that they cost the same time. */
    private static final byte[] UNKNOWN_USER_KEY = new byte[16];

    private final String realm;
    private final Map<String, byte[]> userKeys;
    private final List<String> restSecrets;
    private final char restSeparator;
    private final StatelessNonces nonces;

    /**
     * @param realm         the REALM, the same for every user (RFC 8489 §14.9)
     * @param users         long-term users; their keys are derived here, once
     * @param restSecrets   TURN REST API shared secrets, all accepted, so that one can be rotated in before the
     *                      old one is removed; empty to turn REST credentials off
     * @param restSeparator between expiry and user name in REST usernames (coturn's {@code --rest-api-separator})
     * @param nonces        issues and checks nonces
     */
    public Authenticator(String realm, List<StaticUser> users, List<String> restSecrets, char restSeparator,
                         StatelessNonces nonces) {
        this.realm = Objects.requireNonNull(realm, "realm");
        if (realm.isEmpty()) {
            throw new IllegalArgumentException("the realm must not be empty");
        }
        Map<String, byte[]> keys = new HashMap<>();
        for (StaticUser user : users) {
            if (keys.put(user.name(), user.md5Key(realm)) != null) {
                throw new IllegalArgumentException("the user " + user.name() + " is configured twice");
            }
        }
        this.userKeys = Map.copyOf(keys);
        this.restSecrets = List.copyOf(restSecrets);
        this.restSeparator = restSeparator;
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    public String realm() {
        return realm;
    }

    /**
     * Checks a request that {@code request} has validated (its FINGERPRINT included).
     *
     * @param client the request's source transport address; nonces are bound to it
     * @param now    wall-clock time: REST usernames carry Unix expiry times, nonces their issue time
     */
    public AuthOutcome authenticate(StunMessageReader request, InetSocketAddress client, Instant now) {
        boolean sha256 = request.has(StunAttributeType.MESSAGE_INTEGRITY_SHA256);
        if (!sha256 && !request.has(StunAttributeType.MESSAGE_INTEGRITY)) {
            return challenge(client, now, "no MESSAGE-INTEGRITY");
        }
        String username;
        String requestRealm;
        String nonce;
        try {
            username = string(request, StunAttributeType.USERNAME);
            requestRealm = string(request, StunAttributeType.REALM);
            nonce = string(request, StunAttributeType.NONCE);
        } catch (StunDecodeException e) {
            return new AuthOutcome.Rejected(e.getMessage());
        }
        if (username == null && !request.has(StunAttributeType.USERHASH) || requestRealm == null || nonce == null) {
            return new AuthOutcome.Rejected("MESSAGE-INTEGRITY without USERNAME, REALM or NONCE");
        }
        if (username == null) {
            return challenge(client, now, "USERHASH is not supported");
        }
        if (!requestRealm.equals(realm)) {
            return challenge(client, now, "wrong realm for " + username);
        }
        byte[] key = userKeys.get(username);
        if (key == null) {
            OptionalLong expiry = restSecrets.isEmpty() ? OptionalLong.empty()
                    : RestApiCredentials.expiry(username, restSeparator);
            if (expiry.isEmpty()) {
                verify(request, sha256, UNKNOWN_USER_KEY);
                return challenge(client, now, "unknown user " + username);
            }
            if (expiry.getAsLong() < now.getEpochSecond()) {
                return challenge(client, now, "REST username " + username + " expired");
            }
            key = restKey(request, sha256, username);
            if (key == null) {
                return challenge(client, now, "wrong MESSAGE-INTEGRITY for REST username " + username);
            }
        } else if (!verify(request, sha256, key)) {
            return challenge(client, now, "wrong MESSAGE-INTEGRITY for " + username);
        }
        StatelessNonces.Validity validity = nonces.check(nonce, client, now);
        if (validity != StatelessNonces.Validity.VALID) {
            return new AuthOutcome.StaleNonce(realm, nonces.issue(client, now),
                    (validity == StatelessNonces.Validity.STALE ? "stale" : "foreign") + " nonce from " + username);
        }
        return new AuthOutcome.Authenticated(username, realm, key, sha256);
    }

    /** The key of the first secret whose password makes the integrity check pass, or null. */
    private byte[] restKey(StunMessageReader request, boolean sha256, String username) {
        for (String secret : restSecrets) {
            String password = RestApiCredentials.password(secret, username);
            // Base64 is ASCII, so SASLprep leaves it alone and this is also RFC 8489's MD5 key.
            byte[] key = StunCredentials.longTermKeyRfc5389(username, realm, password);
            if (verify(request, sha256, key)) {
                return key;
            }
        }
        return null;
    }

    /** RFC 8489 §9.2.4: MESSAGE-INTEGRITY-SHA256 when present, else MESSAGE-INTEGRITY; constant-time compare. */
    private static boolean verify(StunMessageReader request, boolean sha256, byte[] key) {
        return sha256 ? request.verifyMessageIntegritySha256(key) : request.verifyMessageIntegrity(key);
    }

    private AuthOutcome.Challenge challenge(InetSocketAddress client, Instant now, String logReason) {
        return new AuthOutcome.Challenge(realm, nonces.issue(client, now), logReason);
    }

    /**
     * The attribute as text, or null when absent, with trailing NULs and one pair of enclosing double quotes
     * removed: RFC 8489 §9.2.2 takes username and realm "with any quotes and trailing nulls removed", which old
     * clients add as C string terminators or from HTTP Digest habits.
     */
    private static String string(StunMessageReader request, int type) throws StunDecodeException {
        int index = request.indexOf(type);
        if (index < 0) {
            return null;
        }
        int offset = request.attributeValueOffset(index);
        int length = request.attributeLength(index);
        while (length > 0 && request.buffer().get(offset + length - 1) == 0) {
            length--;
        }
        StunAttribute decoded = StunAttributeRegistry.standard()
                .decode(type, request.buffer().slice(offset, length), request.transactionId());
        String value = ((StringAttribute) decoded).value();
        boolean quoted = type != StunAttributeType.NONCE && value.length() >= 2 && value.startsWith("\"")
                && value.endsWith("\"");
        return quoted ? value.substring(1, value.length() - 1) : value;
    }
}
