package dev.peerlink.turn.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.credentials.StunCredentials;
import dev.peerlink.turn.wire.TurnAttributes;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The server side of a TURN conversation, written by hand in each test: it decodes what the core sends and answers
 * with messages built from {@link StunMessage} and signed with the long-term key. Time is virtual.
 */
final class ScriptedTurnServer {
    static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 3478);
    static final InetSocketAddress RELAYED = new InetSocketAddress("127.0.0.1", 49_200);
    static final InetSocketAddress MAPPED = new InetSocketAddress("127.0.0.1", 50_000);
    static final String USERNAME = "alice";
    static final String PASSWORD = "secret";
    static final String REALM = "peerlink.test";
    static final byte[] KEY = StunCredentials.longTermKeyRfc5389(USERNAME, REALM, PASSWORD);
    static final RetransmissionPolicy POLICY =
            new RetransmissionPolicy(Duration.ofMillis(500), 7, 16, Duration.ofMillis(39_500));

    final TurnClientCore core;
    final List<TurnClientCore.Transmit> sent = new ArrayList<>();
    final List<ByteBuffer> received = new ArrayList<>();
    long now = 1_000_000_000L;
    private byte[] lastRequestBytes;

    ScriptedTurnServer(StunTransport transport) {
        this(transport, false, Duration.ofMinutes(10));
    }

    ScriptedTurnServer(StunTransport transport, boolean withHandler, Duration lifetime) {
        TurnClientConfig config = TurnClientConfig.of(SERVER, transport, USERNAME, PASSWORD)
                .withServerName("turn.test").withPolicy(POLICY).withLifetime(lifetime);
        TurnClientCore.DataHandler handler = withHandler ? (peer, channel, data) -> {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
            received.add(copy);
        } : null;
        this.core = new TurnClientCore(config, new SplittableRandom(7), handler);
    }

    /** The next message the core wants sent, decoded; it must be there. */
    StunMessage nextRequest() {
        TurnClientCore.Transmit transmit = core.pollTransmit()
                .orElseThrow(() -> new AssertionError("the core sent nothing"));
        sent.add(transmit);
        assertThat(transmit.destination()).isEqualTo(SERVER);
        lastRequestBytes = transmit.data();
        return decode(lastRequestBytes);
    }

    Optional<TurnClientCore.Transmit> nextTransmit() {
        return core.pollTransmit();
    }

    static StunMessage decode(byte[] bytes) {
        try {
            return StunMessage.decode(ByteBuffer.wrap(bytes), TurnAttributes.registry());
        } catch (StunDecodeException e) {
            throw new AssertionError("not a STUN message: " + e.getMessage(), e);
        }
    }

    /** Whether the last request's MESSAGE-INTEGRITY verifies with the long-term key. */
    boolean lastRequestVerifies() {
        StunMessageReader reader = new StunMessageReader();
        assertThat(reader.wrap(ByteBuffer.wrap(lastRequestBytes))).isEqualTo(StunParseStatus.OK);
        return reader.verifyMessageIntegrity(KEY);
    }

    byte[] encode(StunMessage request, StunClass answerClass, boolean signed, StunAttribute... attributes) {
        StunMessage answer = new StunMessage(request.method(), answerClass, request.transactionId(),
                List.of(attributes));
        return answer.toBytes(signed ? StunMessage.Signing.integrity(KEY) : StunMessage.Signing.FINGERPRINT);
    }

    void deliver(byte[] bytes) {
        core.handleInput(ByteBuffer.wrap(bytes), SERVER, now);
    }

    void answer(StunMessage request, StunClass answerClass, boolean signed, StunAttribute... attributes) {
        deliver(encode(request, answerClass, signed, attributes));
    }

    void challenge(StunMessage request, String nonce) {
        answer(request, StunClass.ERROR_RESPONSE, false,
                new ErrorCodeAttribute(401, "Unauthorized"),
                new StringAttribute(StunAttributeType.REALM, REALM),
                new StringAttribute(StunAttributeType.NONCE, nonce));
    }

    void error(StunMessage request, int code, String reason) {
        answer(request, StunClass.ERROR_RESPONSE, true, new ErrorCodeAttribute(code, reason));
    }

    void success(StunMessage request, StunAttribute... attributes) {
        answer(request, StunClass.SUCCESS_RESPONSE, true, attributes);
    }

    static NumberAttribute lifetime(long seconds) {
        return NumberAttribute.uint32(StunAttributeType.LIFETIME, seconds);
    }

    static AddressAttribute address(int type, InetSocketAddress address) {
        return new AddressAttribute(type, address);
    }

    /** The whole dance: Allocate, 401, authenticated Allocate, success with a 600 s lifetime. */
    ScriptedTurnServer allocated() {
        return allocated(600);
    }

    ScriptedTurnServer allocated(long lifetimeSeconds) {
        core.allocate(now);
        challenge(nextRequest(), "nonce-1");
        success(nextRequest(), address(StunAttributeType.XOR_RELAYED_ADDRESS, RELAYED),
                address(StunAttributeType.XOR_MAPPED_ADDRESS, MAPPED), lifetime(lifetimeSeconds));
        assertThat(core.state()).isEqualTo(TurnClientCore.State.ALLOCATED);
        drainEvents();
        return this;
    }

    List<TurnEvent> drainEvents() {
        List<TurnEvent> events = new ArrayList<>();
        Optional<TurnEvent> event;
        while ((event = core.pollEvent()).isPresent()) {
            events.add(event.get());
        }
        return events;
    }

    void advanceTo(long nanos) {
        now = nanos;
        core.handleTimeout(now);
    }

    void advanceBy(Duration duration) {
        advanceTo(now + duration.toNanos());
    }
}
