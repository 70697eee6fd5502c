package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.credentials.StunCredentials;
import dev.peerlink.turn.auth.Authenticator;
import dev.peerlink.turn.auth.FailureRateLimiter;
import dev.peerlink.turn.auth.RestApiCredentials;
import dev.peerlink.turn.auth.StaticUser;
import dev.peerlink.turn.wire.TurnErrorCodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8656 §5 and RFC 8489 §9.2.4: every TURN request is authenticated; unauthenticated ones cost little. */
class AuthenticationTest extends TurnCoreFixture {

    private byte[] withNonce(int method, String user, String nonce, byte[] key, StunAttribute... attributes) {
        List<StunAttribute> all = new ArrayList<>(List.of(attributes));
        all.add(new StringAttribute(StunAttributeType.USERNAME, user));
        all.add(new StringAttribute(StunAttributeType.REALM, REALM));
        all.add(new StringAttribute(StunAttributeType.NONCE, nonce));
        return new StunMessage(method, StunClass.REQUEST, newTransactionId(), all)
                .toBytes(StunMessage.Signing.integrity(key));
    }

    @Test
    void unauthenticatedAllocateGets401WithRealmAndNonceAndCreatesNoState() {
        Sent sent = exchangeRaw(CLIENT, unsigned(StunMethod.ALLOCATE, udp()));
        StunMessage response = sent.decode();

        assertError(response, 401);
        assertThat(response.string(StunAttributeType.REALM)).contains(REALM);
        String nonce = response.string(StunAttributeType.NONCE).orElseThrow();
        assertThat(nonces.check(nonce, CLIENT_ADDRESS, wall()))
                .isEqualTo(dev.peerlink.turn.auth.StatelessNonces.Validity.VALID);
        assertThat(response.has(StunAttributeType.MESSAGE_INTEGRITY)).isFalse();
        assertThat(core.allocationCount()).isZero();
        assertThat(core.timerCount()).isZero();
        assertThat(core.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(relays.requests).isEmpty();
        assertThat(core.pollEvent()).isEmpty();
        assertThat(core.counters().challenges()).isEqualTo(1);
        assertThat(core.counters().authFailures()).as("a first request without credentials is no failure").isZero();

        // The nonce from the 401 is good for the retry.
        StunMessage retry = exchange(CLIENT, withNonce(StunMethod.ALLOCATE, "alice", nonce, ALICE_KEY, udp()));
        assertSuccess(retry);
    }

    @Test
    void replyToAnUnauthenticatedAllocateIsAtMostFourTimesTheRequest() {
        byte[][] requests = {
                unsigned(StunMethod.ALLOCATE), // 20 bytes, the smallest STUN message
                unsigned(StunMethod.ALLOCATE, udp()), // 28 bytes, what browsers send first
                new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST, newTransactionId(), udp())
                        .toBytes(StunMessage.Signing.FINGERPRINT),
        };
        for (byte[] request : requests) {
            for (Sent sent : fromClient(CLIENT, request)) {
                assertError(sent.decode(), 401);
                assertThat((double) sent.data().length / request.length)
                        .as("reply/request for %d bytes", request.length)
                        .isLessThanOrEqualTo(TurnServerCore.MAX_AMPLIFICATION);
            }
        }
        // The 20-byte request (not a valid Allocate anyway) cannot get REALM and a 32-byte NONCE within 4 times
        // its size under this 13-byte realm, so it got nothing; the realistic ones were answered.
        assertThat(core.counters().challengesTooLarge()).isEqualTo(1);
        assertThat(core.counters().challenges()).isEqualTo(2);
        // With room to spare the reason phrase and FINGERPRINT are included.
        StunMessage roomy = exchange(CLIENT, new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST,
                newTransactionId(), udp(), new StringAttribute(StunAttributeType.SOFTWARE, "a browser of some kind"))
                .toBytes(StunMessage.Signing.FINGERPRINT));
        assertThat(roomy.errorCode().orElseThrow().reason()).isEqualTo("Unauthenticated");
        assertThat(roomy.has(StunAttributeType.FINGERPRINT)).isTrue();
    }

    @Test
    void challengeThatCannotBeSmallEnoughIsNotSent() {
        String longRealm = "r".repeat(100);
        build(builder -> builder.authenticator(new Authenticator(longRealm, List.of(StaticUser.parse("alice:x")),
                List.of(), ':', nonces)));
        assertThat(fromClient(CLIENT, unsigned(StunMethod.ALLOCATE))).isEmpty();
        assertThat(core.counters().challengesTooLarge()).isEqualTo(1);
        // A larger request earns the answer.
        byte[] larger = unsigned(StunMethod.ALLOCATE, udp(),
                new StringAttribute(StunAttributeType.SOFTWARE, "s".repeat(40)));
        assertError(exchange(CLIENT, larger), 401);
    }

    @Test
    void challengesAreRateLimitedPerSourceAddress() {
        build(builder -> builder.challengeRateLimiter(new FailureRateLimiter(3, 1, 100)));
        for (int i = 0; i < 3; i++) {
            assertError(exchange(CLIENT, unsigned(StunMethod.ALLOCATE, udp())), 401);
        }
        assertThat(fromClient(CLIENT, unsigned(StunMethod.ALLOCATE, udp()))).isEmpty();
        assertThat(core.counters().challengesRateLimited()).isEqualTo(1);
        // Another port of the same IP shares the limit; another IP does not.
        assertThat(fromClient(CLIENT_TCP, unsigned(StunMethod.ALLOCATE, udp()))).isEmpty();
        assertError(exchange(OTHER_CLIENT, unsigned(StunMethod.ALLOCATE, udp())), 401);
        advance(Duration.ofSeconds(1));
        assertError(exchange(CLIENT, unsigned(StunMethod.ALLOCATE, udp())), 401);
        // Authenticated requests are not limited.
        allocate(CLIENT);
    }

    @Test
    void wrongMessageIntegrityIs401() {
        byte[] wrongKey = StunCredentials.longTermKeyRfc5389("alice", REALM, "guess");
        StunMessage response = exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, newTransactionId(), "alice",
                wrongKey, udp()));
        assertError(response, 401);
        assertThat(response.has(StunAttributeType.NONCE)).isTrue();
        assertThat(response.has(StunAttributeType.MESSAGE_INTEGRITY)).isFalse();
        assertThat(core.allocationCount()).isZero();
        assertThat(core.counters().authFailures()).as("a wrong password is an authentication failure").isEqualTo(1);
    }

    @Test
    void unknownUserIs401() {
        byte[] key = StunCredentials.longTermKeyRfc5389("mallory", REALM, "x");
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, newTransactionId(), "mallory", key, udp())),
                401);
    }

    @Test
    void staleNonceIs438WithAFreshNonce() {
        String nonce = nonces.issue(CLIENT_ADDRESS, wall());
        advance(Duration.ofSeconds(601));
        StunMessage response = exchange(CLIENT, withNonce(StunMethod.ALLOCATE, "alice", nonce, ALICE_KEY, udp()));
        assertError(response, 438);
        String fresh = response.string(StunAttributeType.NONCE).orElseThrow();
        assertThat(fresh).isNotEqualTo(nonce);
        assertThat(response.string(StunAttributeType.REALM)).contains(REALM);
        assertThat(core.counters().staleNonces()).isEqualTo(1);
        assertSuccess(exchange(CLIENT, withNonce(StunMethod.ALLOCATE, "alice", fresh, ALICE_KEY, udp())));
    }

    @Test
    void expiredRestTimestampIs401AndAValidOneAllocates() {
        String expired = (EPOCH.getEpochSecond() - 1) + ":carol";
        byte[] expiredKey = StunCredentials.longTermKeyRfc5389(expired, REALM,
                RestApiCredentials.password(REST_SECRET, expired));
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, newTransactionId(), expired, expiredKey,
                udp())), 401);

        String valid = (EPOCH.getEpochSecond() + 3600) + ":carol";
        byte[] validKey = StunCredentials.longTermKeyRfc5389(valid, REALM,
                RestApiCredentials.password(REST_SECRET, valid));
        Sent sent = exchangeRaw(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, newTransactionId(), valid, validKey,
                udp()));
        assertSuccess(sent.decode());
        assertThat(sent.verifies(validKey)).isTrue();
    }

    @Test
    void integrityWithoutUsernameIs400WithoutRealmOrNonce() {
        byte[] request = new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST, newTransactionId(), udp(),
                new StringAttribute(StunAttributeType.REALM, REALM))
                .toBytes(StunMessage.Signing.integrity(ALICE_KEY));
        StunMessage response = exchange(CLIENT, request);
        assertError(response, 400);
        assertThat(response.has(StunAttributeType.NONCE)).isFalse();
        assertThat(core.counters().authRejected()).isEqualTo(1);
    }

    @Test
    void requestsOnAnAllocationUnderAnotherUserAre441() {
        allocate(CLIENT);
        for (int method : new int[] {StunMethod.REFRESH, StunMethod.CREATE_PERMISSION, StunMethod.CHANNEL_BIND}) {
            StunAttribute[] attributes = method == StunMethod.CHANNEL_BIND
                    ? new StunAttribute[] {channel(0x4000), peer(PEER)}
                    : method == StunMethod.CREATE_PERMISSION ? new StunAttribute[] {peer(PEER)}
                    : new StunAttribute[0];
            Sent sent = exchangeRaw(CLIENT, signed(method, CLIENT, newTransactionId(), "bob", BOB_KEY, attributes));
            assertError(sent.decode(), TurnErrorCodes.WRONG_CREDENTIALS);
            assertThat(sent.verifies(BOB_KEY)).isTrue();
        }
        assertThat(core.counters().wrongCredentials()).isEqualTo(3);
        // Nothing changed for alice's allocation: no permission was installed by bob.
        assertThat(fromPeer(relays.last(), PEER, new byte[] {1})).isEmpty();
    }

    @Test
    void unknownRequestMethodIs400AndNonRequestsAreIgnored() {
        StunMessage response = exchange(CLIENT, unsigned(0x0FF));
        assertError(response, 400);
        assertThat(fromClient(CLIENT, new StunMessage(StunMethod.BINDING, StunClass.INDICATION, newTransactionId())
                .toBytes())).isEmpty();
        assertThat(fromClient(CLIENT, new StunMessage(StunMethod.ALLOCATE, StunClass.SUCCESS_RESPONSE,
                newTransactionId()).toBytes())).isEmpty();
        assertThat(fromClient(CLIENT, new StunMessage(StunMethod.DATA, StunClass.INDICATION, newTransactionId(),
                peer(PEER)).toBytes())).isEmpty();
    }
}
