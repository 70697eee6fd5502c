package dev.peerlink.turn.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.turn.wire.RequestedTransportAttribute;
import dev.peerlink.turn.wire.TurnAttributes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private static final String REALM = "example.org";
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
    private static final InetSocketAddress CLIENT = new InetSocketAddress(address("1.1.1.1"), 50123);
    private static final InetSocketAddress OTHER_CLIENT = new InetSocketAddress(address("1.1.1.1"), 50124);

    private final SplittableRandom random = new SplittableRandom(7);
    private final StatelessNonces nonces = new StatelessNonces(new byte[32], Duration.ofSeconds(600));
    private final Authenticator authenticator = new Authenticator(REALM,
            List.of(StaticUser.parse("alice:wonderland"),
                    StaticUser.parse("bob:0x" + HexFormat.of().formatHex(md5("bob:" + REALM + ":builder")))),
            List.of("new-secret", "old-secret"), ':', nonces);

    // --- the challenge ---

    @Test
    void requestWithoutIntegrityIsChallengedWithRealmAndNonce() {
        AuthOutcome outcome = authenticate(unsigned(), CLIENT, NOW);

        assertThat(outcome).isInstanceOf(AuthOutcome.Challenge.class);
        AuthOutcome.Challenge challenge = (AuthOutcome.Challenge) outcome;
        assertThat(challenge.realm()).isEqualTo(REALM);
        assertThat(nonces.check(challenge.nonce(), CLIENT, NOW)).isEqualTo(StatelessNonces.Validity.VALID);
        assertThat(challenge.nonce()).doesNotStartWith("obMatJos2"); // no RFC 8489 security features claimed
        StunMessage response = challenge.response(StunMethod.ALLOCATE, new TransactionId(1, 2));
        assertThat(response.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
        assertThat(response.errorCode().orElseThrow().code()).isEqualTo(401);
        assertThat(response.string(StunAttributeType.REALM)).contains(REALM);
        assertThat(response.string(StunAttributeType.NONCE)).contains(challenge.nonce());
        assertThat(response.has(StunAttributeType.USERNAME)).isFalse();
    }

    // --- long-term users ---

    @Test
    void longTermUserWithTheRfc5389Md5KeyIsAuthenticated() {
        // RFC 8489 §9.2.2 / RFC 5389 §15.4: key = MD5(username ":" realm ":" password), computed independently.
        byte[] key = md5("alice:" + REALM + ":wonderland");
        AuthOutcome outcome = authenticate(signed("alice", REALM, freshNonce(), key), CLIENT, NOW);

        assertThat(outcome).isEqualTo(new AuthOutcome.Authenticated("alice", REALM, key, false));
        assertThat(((AuthOutcome.Authenticated) outcome).responseSigning())
                .isEqualTo(StunMessage.Signing.integrity(key));
        assertThat(outcome.toString()).doesNotContain(HexFormat.of().formatHex(key));
    }

    @Test
    void userConfiguredWithAPrecomputedKeyIsAuthenticated() {
        byte[] key = md5("bob:" + REALM + ":builder");
        assertThat(authenticate(signed("bob", REALM, freshNonce(), key), CLIENT, NOW))
                .isInstanceOf(AuthOutcome.Authenticated.class);
    }

    @Test
    void messageIntegritySha256IsVerifiedWithTheSameKeyAndAnsweredInKind() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        byte[] request = message(List.of(username("alice"), realm(REALM), nonce(freshNonce())),
                StunMessage.Signing.integritySha256(key));

        AuthOutcome outcome = authenticate(request, CLIENT, NOW);

        assertThat(outcome).isEqualTo(new AuthOutcome.Authenticated("alice", REALM, key, true));
        assertThat(((AuthOutcome.Authenticated) outcome).responseSigning())
                .isEqualTo(StunMessage.Signing.integritySha256(key));
    }

    @Test
    void wrongPasswordIsAnswered401WithAFreshChallenge() {
        byte[] wrong = md5("alice:" + REALM + ":guess");
        AuthOutcome outcome = authenticate(signed("alice", REALM, freshNonce(), wrong), CLIENT, NOW);

        assertThat(outcome).isInstanceOf(AuthOutcome.Challenge.class);
        assertThat(((AuthOutcome.Challenge) outcome).logReason()).isEqualTo("wrong MESSAGE-INTEGRITY for alice");
    }

    @Test
    void tamperedMessageIsAnswered401() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        byte[] request = signed("alice", REALM, freshNonce(), key);
        request[request.length - 20] ^= 1; // a byte inside MESSAGE-INTEGRITY (before the 8-byte FINGERPRINT)
        request = refingerprint(request);

        AuthOutcome outcome = authenticate(request, CLIENT, NOW);
        assertThat(outcome).isInstanceOf(AuthOutcome.Challenge.class);
    }

    @Test
    void unknownUserAndWrongRealmAre401() {
        byte[] key = md5("mallory:" + REALM + ":x");
        assertThat(((AuthOutcome.Challenge) authenticate(signed("mallory", REALM, freshNonce(), key), CLIENT, NOW))
                .logReason()).isEqualTo("unknown user mallory");
        byte[] otherRealmKey = md5("alice:evil.example:wonderland");
        assertThat(((AuthOutcome.Challenge) authenticate(signed("alice", "evil.example", freshNonce(),
                otherRealmKey), CLIENT, NOW)).logReason()).isEqualTo("wrong realm for alice");
    }

    @Test
    void integrityWithoutUsernameRealmOrNonceIsA400() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        for (List<StunAttribute> attributes : List.of(
                List.<StunAttribute>of(realm(REALM), nonce(freshNonce())),
                List.<StunAttribute>of(username("alice"), nonce(freshNonce())),
                List.<StunAttribute>of(username("alice"), realm(REALM)))) {
            AuthOutcome outcome = authenticate(message(attributes, StunMessage.Signing.integrity(key)), CLIENT, NOW);
            assertThat(outcome).isInstanceOf(AuthOutcome.Rejected.class);
            AuthOutcome.Rejected rejected = (AuthOutcome.Rejected) outcome;
            assertThat(rejected.code()).isEqualTo(400);
            StunMessage response = rejected.response(StunMethod.ALLOCATE, new TransactionId(1, 2));
            assertThat(response.errorCode().orElseThrow().code()).isEqualTo(400);
            assertThat(response.has(StunAttributeType.NONCE)).isFalse();
            assertThat(response.has(StunAttributeType.REALM)).isFalse();
        }
    }

    @Test
    void userhashWithoutUsernameIs401SinceAnonymityIsNotOffered() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        byte[] request = message(List.of(new BytesAttribute(StunAttributeType.USERHASH, new byte[32]), realm(REALM),
                nonce(freshNonce())), StunMessage.Signing.integrity(key));
        assertThat(((AuthOutcome.Challenge) authenticate(request, CLIENT, NOW)).logReason())
                .isEqualTo("USERHASH is not supported");
    }

    @Test
    void quotedRealmAndNulTerminatedUsernameAreAccepted() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        byte[] request = message(List.of(username("alice\0"), realm("\"" + REALM + "\""), nonce(freshNonce())),
                StunMessage.Signing.integrity(key));
        assertThat(authenticate(request, CLIENT, NOW)).isInstanceOf(AuthOutcome.Authenticated.class);
    }

    // --- nonces ---

    @Test
    void nonceIsValidThroughItsLifetimeAndStaleOneSecondAfter() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        String nonce = freshNonce();

        assertThat(authenticate(signed("alice", REALM, nonce, key), CLIENT, NOW.plusSeconds(600)))
                .isInstanceOf(AuthOutcome.Authenticated.class);
        AuthOutcome stale = authenticate(signed("alice", REALM, nonce, key), CLIENT, NOW.plusSeconds(601));

        assertThat(stale).isInstanceOf(AuthOutcome.StaleNonce.class);
        AuthOutcome.StaleNonce staleNonce = (AuthOutcome.StaleNonce) stale;
        assertThat(staleNonce.logReason()).isEqualTo("stale nonce from alice");
        assertThat(staleNonce.nonce()).isNotEqualTo(nonce);
        assertThat(nonces.check(staleNonce.nonce(), CLIENT, NOW.plusSeconds(601)))
                .isEqualTo(StatelessNonces.Validity.VALID);
        StunMessage response = staleNonce.response(StunMethod.REFRESH, new TransactionId(1, 2));
        assertThat(response.errorCode().orElseThrow().code()).isEqualTo(438);
        assertThat(response.string(StunAttributeType.NONCE)).contains(staleNonce.nonce());
        assertThat(response.string(StunAttributeType.REALM)).contains(REALM);
    }

    @Test
    void staleNonceWithWrongPasswordIs401Not438() {
        AuthOutcome outcome = authenticate(signed("alice", REALM, freshNonce(), md5("alice:" + REALM + ":guess")),
                CLIENT, NOW.plusSeconds(601));
        assertThat(outcome).isInstanceOf(AuthOutcome.Challenge.class);
    }

    @Test
    void tamperedForgedAndForeignNoncesGet438WithAFreshNonce() {
        byte[] key = md5("alice:" + REALM + ":wonderland");
        String nonce = freshNonce();
        char[] chars = nonce.toCharArray();
        chars[20] = chars[20] == 'A' ? 'B' : 'A';
        for (String bad : List.of(new String(chars), "made-up-nonce", nonces.issue(OTHER_CLIENT, NOW))) {
            AuthOutcome outcome = authenticate(signed("alice", REALM, bad, key), CLIENT, NOW);
            assertThat(outcome).as(bad).isInstanceOf(AuthOutcome.StaleNonce.class);
            assertThat(((AuthOutcome.StaleNonce) outcome).logReason()).isEqualTo("foreign nonce from alice");
        }
    }

    @Test
    void noncesAreBoundToIpAndPort() {
        String nonce = nonces.issue(CLIENT, NOW);
        assertThat(nonces.check(nonce, CLIENT, NOW)).isEqualTo(StatelessNonces.Validity.VALID);
        assertThat(nonces.check(nonce, OTHER_CLIENT, NOW)).isEqualTo(StatelessNonces.Validity.INVALID);
        assertThat(nonces.check(nonce, new InetSocketAddress(address("1.0.0.1"), 50123), NOW))
                .isEqualTo(StatelessNonces.Validity.INVALID);
        assertThat(nonces.issue(OTHER_CLIENT, NOW)).isNotEqualTo(nonce);
        StatelessNonces otherServer = new StatelessNonces(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
            15, 16}, Duration.ofSeconds(600));
        assertThat(otherServer.check(nonce, CLIENT, NOW)).isEqualTo(StatelessNonces.Validity.INVALID);
        assertThat(nonces.check(nonce, CLIENT, NOW.minusSeconds(1))).isEqualTo(StatelessNonces.Validity.STALE);
        assertThat(nonce).hasSize(32).matches("[A-Za-z0-9_-]+");
    }

    // --- TURN REST API ---

    @Test
    void restCredentialUnderEitherSecretIsAuthenticated() {
        String username = (NOW.getEpochSecond() + 3600) + ":carol";
        for (String secret : List.of("new-secret", "old-secret")) {
            byte[] key = md5(username + ":" + REALM + ":" + restPassword(secret, username));
            assertThat(authenticate(signed(username, REALM, freshNonce(), key), CLIENT, NOW)).as(secret)
                    .isEqualTo(new AuthOutcome.Authenticated(username, REALM, key, false));
        }
    }

    @Test
    void restUsernameWithoutUserPartIsAccepted() {
        String username = Long.toString(NOW.getEpochSecond() + 60);
        byte[] key = md5(username + ":" + REALM + ":" + restPassword("new-secret", username));
        assertThat(authenticate(signed(username, REALM, freshNonce(), key), CLIENT, NOW))
                .isInstanceOf(AuthOutcome.Authenticated.class);
    }

    @Test
    void restCredentialUnderAnUnknownSecretIs401() {
        String username = (NOW.getEpochSecond() + 3600) + ":carol";
        byte[] key = md5(username + ":" + REALM + ":" + restPassword("retired-secret", username));
        assertThat(((AuthOutcome.Challenge) authenticate(signed(username, REALM, freshNonce(), key), CLIENT, NOW))
                .logReason()).isEqualTo("wrong MESSAGE-INTEGRITY for REST username " + username);
    }

    @Test
    void expiredRestCredentialIs401EvenWithTheRightPassword() {
        String username = (NOW.getEpochSecond() - 1) + ":carol";
        byte[] key = md5(username + ":" + REALM + ":" + restPassword("new-secret", username));
        assertThat(((AuthOutcome.Challenge) authenticate(signed(username, REALM, freshNonce(), key), CLIENT, NOW))
                .logReason()).isEqualTo("REST username " + username + " expired");
        String expiringNow = NOW.getEpochSecond() + ":carol";
        byte[] stillValid = md5(expiringNow + ":" + REALM + ":" + restPassword("new-secret", expiringNow));
        assertThat(authenticate(signed(expiringNow, REALM, freshNonce(), stillValid), CLIENT, NOW))
                .isInstanceOf(AuthOutcome.Authenticated.class);
    }

    @Test
    void restUsernamesAreNotAcceptedWhenNoSecretIsConfigured() {
        Authenticator usersOnly = new Authenticator(REALM, List.of(), List.of(), ':', nonces);
        String username = (NOW.getEpochSecond() + 3600) + ":carol";
        byte[] key = md5(username + ":" + REALM + ":" + restPassword("new-secret", username));
        assertThat(usersOnly.authenticate(reader(signed(username, REALM, freshNonce(), key)), CLIENT, NOW))
                .isInstanceOf(AuthOutcome.Challenge.class);
    }

    @Test
    void restPasswordIsBase64OfHmacSha1() {
        // draft-uberti-behave-turn-rest-00 §2.2's example shape, recomputed with the JDK.
        assertThat(RestApiCredentials.password("north", "1800000000:carol"))
                .isEqualTo(restPassword("north", "1800000000:carol"));
        assertThat(RestApiCredentials.expiry("1800000000:carol", ':')).hasValue(1_800_000_000L);
        assertThat(RestApiCredentials.expiry("1800000000", ':')).hasValue(1_800_000_000L);
        assertThat(RestApiCredentials.expiry("carol:1800000000", ':')).isEmpty();
        assertThat(RestApiCredentials.expiry("1800000000|carol", '|')).hasValue(1_800_000_000L);
        assertThat(RestApiCredentials.expiry("99999999999999999999:x", ':')).isEmpty();
    }

    // --- configuration of users ---

    @Test
    void userFlagErrorsNameTheFormWithoutQuotingPasswords() {
        assertThatIllegalArgumentException().isThrownBy(() -> StaticUser.parse("alice"))
                .withMessage("--user takes NAME:PASSWORD, got \"alice\"");
        assertThatIllegalArgumentException().isThrownBy(() -> StaticUser.parse(":secret"))
                .withMessage("--user takes NAME:PASSWORD, and the name is empty");
        assertThatIllegalArgumentException().isThrownBy(() -> StaticUser.parse("alice:"))
                .withMessage("--user takes NAME:PASSWORD, and the password of alice is empty");
        assertThatIllegalArgumentException().isThrownBy(() -> StaticUser.parse("alice:0xabc"))
                .withMessage("--user alice:0x... takes a key of 32 hex digits (MD5 of name:realm:password)");
        assertThat(StaticUser.parse("alice:pass:with:colons").password()).isEqualTo("pass:with:colons");
        assertThat(StaticUser.parse("alice:wonderland").toString()).isEqualTo("StaticUser[alice]");
    }

    // --- helpers ---

    private AuthOutcome authenticate(byte[] request, InetSocketAddress client, Instant now) {
        return authenticator.authenticate(reader(request), client, now);
    }

    private static StunMessageReader reader(byte[] request) {
        StunMessageReader reader = new StunMessageReader();
        assertThat(reader.wrap(ByteBuffer.wrap(request))).isEqualTo(StunParseStatus.OK);
        return reader;
    }

    private String freshNonce() {
        return nonces.issue(CLIENT, NOW);
    }

    private byte[] unsigned() {
        return message(List.of(), StunMessage.Signing.FINGERPRINT);
    }

    private byte[] signed(String username, String realm, String nonce, byte[] key) {
        return message(List.of(username(username), realm(realm), nonce(nonce)), StunMessage.Signing.integrity(key));
    }

    private byte[] message(List<StunAttribute> credentials, StunMessage.Signing signing) {
        List<StunAttribute> attributes = new ArrayList<>();
        attributes.add(new RequestedTransportAttribute(RequestedTransportAttribute.UDP));
        attributes.addAll(credentials);
        return new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST, TransactionId.random(random), attributes)
                .toBytes(signing);
    }

    /** Recomputes FINGERPRINT after a test changed a byte, so that only the integrity check sees the change. */
    private static byte[] refingerprint(byte[] message) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(message, 0, message.length - 8);
        ByteBuffer.wrap(message).putInt(message.length - 4, (int) crc.getValue() ^ StunMessageReader.FINGERPRINT_XOR);
        return message;
    }

    private static StringAttribute username(String value) {
        return new StringAttribute(StunAttributeType.USERNAME, value);
    }

    private static StringAttribute realm(String value) {
        return new StringAttribute(StunAttributeType.REALM, value);
    }

    private static StringAttribute nonce(String value) {
        return new StringAttribute(StunAttributeType.NONCE, value);
    }

    private static byte[] md5(String text) {
        try {
            return MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String restPassword(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void turnRequestsDecodeWithTheTurnRegistry() throws Exception {
        StunMessage decoded = StunMessage.decode(ByteBuffer.wrap(unsigned()), TurnAttributes.registry());
        assertThat(decoded.attribute(StunAttributeType.REQUESTED_TRANSPORT))
                .contains(new RequestedTransportAttribute(17));
    }
}
