package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.FlagAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.credentials.StunCredentials;
import dev.peerlink.turn.auth.Authenticator;
import dev.peerlink.turn.auth.FailureRateLimiter;
import dev.peerlink.turn.auth.StaticUser;
import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.policy.PeerAddressPolicy;
import dev.peerlink.turn.wire.ChannelNumberAttribute;
import dev.peerlink.turn.wire.RequestedTransportAttribute;
import dev.peerlink.turn.wire.TurnAttributes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Drives a {@link TurnServerCore} on a virtual clock with hand-built requests. Addresses are values only: nothing
 * is sent anywhere. Allowed peers are public unicast (1.2.3.4, 2606:4700::1111); the server's own address is
 * 1.2.3.100 with relay ports 49152–65535.
 */
class TurnCoreFixture {
    static final String REALM = "peerlink.test";
    static final String REST_SECRET = "rest-secret";
    static final Instant EPOCH = Instant.ofEpochSecond(1_800_000_000L);
    static final InetAddress SERVER_IP = ip("1.2.3.100");
    static final InetSocketAddress SERVER = new InetSocketAddress(SERVER_IP, 3478);
    static final InetSocketAddress CLIENT_ADDRESS = new InetSocketAddress(ip("9.9.9.9"), 40000);
    static final FiveTuple CLIENT = new FiveTuple(CLIENT_ADDRESS, SERVER, FiveTuple.Transport.UDP);
    static final FiveTuple CLIENT_TCP =
            new FiveTuple(new InetSocketAddress(ip("9.9.9.9"), 40001), SERVER, FiveTuple.Transport.TCP);
    static final FiveTuple OTHER_CLIENT =
            new FiveTuple(new InetSocketAddress(ip("9.9.9.10"), 40000), SERVER, FiveTuple.Transport.UDP);
    static final InetSocketAddress PEER = new InetSocketAddress(ip("1.2.3.4"), 5000);
    static final InetSocketAddress PEER_OTHER_PORT = new InetSocketAddress(ip("1.2.3.4"), 6000);
    static final InetSocketAddress PEER2 = new InetSocketAddress(ip("1.2.3.5"), 5000);
    static final InetSocketAddress PEER_V6 = new InetSocketAddress(ip("2606:4700::1111"), 5000);
    static final byte[] ALICE_KEY = StunCredentials.longTermKeyRfc5389("alice", REALM, "wonderland");
    static final byte[] BOB_KEY = StunCredentials.longTermKeyRfc5389("bob", REALM, "builder");

    final SplittableRandom random = new SplittableRandom(42);
    final StatelessNonces nonces = new StatelessNonces(new byte[32], Duration.ofSeconds(600));
    final Authenticator authenticator = new Authenticator(REALM,
            List.of(StaticUser.parse("alice:wonderland"), StaticUser.parse("bob:builder")), List.of(REST_SECRET), ':',
            nonces);
    final PeerAddressPolicy policy = PeerAddressPolicy.builder().ownAddress(SERVER).relayPorts(49152, 65535).build();
    final FakeRelays relays = new FakeRelays(SERVER_IP, ip("2606:4700::100"));
    TurnServerCore core;
    long now = 1_000_000_000L; // any origin: the core only compares differences
    long elapsedNanos;

    TurnCoreFixture() {
        build(builder -> { });
    }

    /** Rebuilds the core with the standard parts and whatever {@code customize} changes. */
    final void build(Consumer<TurnServerCore.Builder> customize) {
        TurnServerCore.Builder builder = TurnServerCore.builder()
                .authenticator(authenticator)
                .peerAddressPolicy(policy)
                .relayAllocator(relays)
                .relayFamilies(true, true)
                .challengeRateLimiter(new FailureRateLimiter(1000, 1000, 100))
                .random(new SplittableRandom(7));
        customize.accept(builder);
        core = builder.build();
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    Instant wall() {
        return EPOCH.plusNanos(elapsedNanos);
    }

    /** Moves the virtual clock and lets the core expire what is due. */
    void advance(Duration duration) {
        now += duration.toNanos();
        elapsedNanos += duration.toNanos();
        core.handleTimeout(now);
    }

    TransactionId newTransactionId() {
        return TransactionId.random(random);
    }

    // ---------------------------------------------------------------------------------------- building requests

    /** A request signed by alice with a fresh nonce for {@code tuple}'s client address. */
    byte[] signed(int method, FiveTuple tuple, StunAttribute... attributes) {
        return signed(method, tuple, newTransactionId(), "alice", ALICE_KEY, attributes);
    }

    byte[] signed(int method, FiveTuple tuple, TransactionId id, String user, byte[] key,
                  StunAttribute... attributes) {
        List<StunAttribute> all = new ArrayList<>(Arrays.asList(attributes));
        all.add(new StringAttribute(StunAttributeType.USERNAME, user));
        all.add(new StringAttribute(StunAttributeType.REALM, REALM));
        all.add(new StringAttribute(StunAttributeType.NONCE, nonces.issue(tuple.client(), wall())));
        return new StunMessage(method, StunClass.REQUEST, id, all).toBytes(StunMessage.Signing.integrity(key));
    }

    byte[] unsigned(int method, StunAttribute... attributes) {
        return new StunMessage(method, StunClass.REQUEST, newTransactionId(), attributes).toBytes();
    }

    static StunAttribute udp() {
        return new RequestedTransportAttribute(RequestedTransportAttribute.UDP);
    }

    static StunAttribute peer(InetSocketAddress address) {
        return new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, address);
    }

    static StunAttribute channel(int number) {
        return new ChannelNumberAttribute(number);
    }

    byte[] sendIndication(InetSocketAddress to, byte[] data, boolean dontFragment) {
        List<StunAttribute> attributes = new ArrayList<>(List.of(peer(to),
                new BytesAttribute(StunAttributeType.DATA, data)));
        if (dontFragment) {
            attributes.add(new FlagAttribute(StunAttributeType.DONT_FRAGMENT));
        }
        return new StunMessage(StunMethod.SEND, StunClass.INDICATION, newTransactionId(), attributes).toBytes();
    }

    static byte[] channelData(int channel, byte[] data, boolean pad) {
        int length = 4 + data.length + (pad ? (4 - data.length % 4) % 4 : 0);
        ByteBuffer buffer = ByteBuffer.allocate(length);
        buffer.putShort((short) channel).putShort((short) data.length).put(data);
        return buffer.array();
    }

    // ----------------------------------------------------------------------------------------------- exchanges

    /** What the core asked to send, copied out of the pooled {@link Transmit}. */
    record Sent(Transmit.Destination destination, FiveTuple client, RelayHandle relay, InetSocketAddress peer,
                byte[] data, boolean dontFragment) {
        StunMessage decode() {
            try {
                return StunMessage.decode(ByteBuffer.wrap(data), TurnAttributes.registry());
            } catch (StunDecodeException e) {
                throw new AssertionError("not a STUN message: " + e.getMessage(), e);
            }
        }

        boolean verifies(byte[] key) {
            StunMessageReader reader = new StunMessageReader();
            assertThat(reader.wrap(ByteBuffer.wrap(data))).isEqualTo(StunParseStatus.OK);
            return reader.verifyMessageIntegrity(key);
        }
    }

    List<Sent> drain() {
        List<Sent> sent = new ArrayList<>();
        for (Transmit transmit = core.pollTransmit(); transmit != null; transmit = core.pollTransmit()) {
            ByteBuffer data = transmit.data();
            byte[] bytes = new byte[data.remaining()];
            data.get(data.position(), bytes);
            sent.add(new Sent(transmit.destination(), transmit.client(), transmit.relay(), transmit.peer(), bytes,
                    transmit.dontFragment()));
        }
        return sent;
    }

    List<Sent> fromClient(FiveTuple tuple, byte[] packet) {
        core.handleClientPacket(tuple, ByteBuffer.wrap(packet), now, wall());
        return drain();
    }

    List<Sent> fromPeer(RelayHandle relay, InetSocketAddress peer, byte[] payload) {
        core.handlePeerPacket(relay, peer, ByteBuffer.wrap(payload), now);
        return drain();
    }

    /** Sends a request and returns the one response, which must go back to the same 5-tuple. */
    Sent exchangeRaw(FiveTuple tuple, byte[] request) {
        List<Sent> sent = fromClient(tuple, request);
        assertThat(sent).as("one response").hasSize(1);
        assertThat(sent.get(0).destination()).isEqualTo(Transmit.Destination.CLIENT);
        assertThat(sent.get(0).client()).isEqualTo(tuple);
        return sent.get(0);
    }

    StunMessage exchange(FiveTuple tuple, byte[] request) {
        return exchangeRaw(tuple, request).decode();
    }

    static void assertError(StunMessage response, int code) {
        assertThat(response.messageClass()).as("%s", response).isEqualTo(StunClass.ERROR_RESPONSE);
        assertThat(response.errorCode().orElseThrow().code()).as("%s", response).isEqualTo(code);
    }

    static void assertSuccess(StunMessage response) {
        assertThat(response.messageClass()).as("%s", response).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }

    /** An IPv4 allocation for alice on {@code tuple}; returns the success response. */
    StunMessage allocate(FiveTuple tuple, StunAttribute... extra) {
        List<StunAttribute> attributes = new ArrayList<>(List.of(udp()));
        attributes.addAll(Arrays.asList(extra));
        StunMessage response = exchange(tuple, signed(StunMethod.ALLOCATE, tuple,
                attributes.toArray(StunAttribute[]::new)));
        assertSuccess(response);
        return response;
    }

    void createPermission(FiveTuple tuple, InetSocketAddress... peers) {
        StunAttribute[] attributes = Arrays.stream(peers).map(TurnCoreFixture::peer).toArray(StunAttribute[]::new);
        assertSuccess(exchange(tuple, signed(StunMethod.CREATE_PERMISSION, tuple, attributes)));
    }

    void channelBind(FiveTuple tuple, int number, InetSocketAddress to) {
        assertSuccess(exchange(tuple, signed(StunMethod.CHANNEL_BIND, tuple, channel(number), peer(to))));
    }

    StunMessage refresh(FiveTuple tuple, StunAttribute... attributes) {
        return exchange(tuple, signed(StunMethod.REFRESH, tuple, attributes));
    }
}
