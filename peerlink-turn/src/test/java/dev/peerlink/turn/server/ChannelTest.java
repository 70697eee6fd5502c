package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunMethod;
import dev.peerlink.turn.quota.AllocationLimits;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.TurnErrorCodes;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8656 §12: ChannelBind and ChannelData in both directions. */
class ChannelTest extends TurnCoreFixture {

    static Stream<InetSocketAddress> refusedPeers() {
        return Stream.concat(PermissionTest.refusedPeers(), Stream.of(SERVER, new InetSocketAddress(SERVER_IP, 22)));
    }

    private FakeRelays.Handle relay() {
        return relays.handles.get(0);
    }

    @Test
    void boundChannelCarriesChannelDataBothWaysUnpaddedOverUdp() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);

        List<Sent> toPeer = fromClient(CLIENT, channelData(0x4000, new byte[] {1, 2, 3, 4, 5}, false));
        assertThat(toPeer).hasSize(1);
        assertThat(toPeer.get(0).destination()).isEqualTo(Transmit.Destination.PEER);
        assertThat(toPeer.get(0).relay()).isEqualTo(relay());
        assertThat(toPeer.get(0).peer()).isEqualTo(PEER);
        assertThat(toPeer.get(0).data()).containsExactly(1, 2, 3, 4, 5);
        // Padding is optional over UDP (RFC 8656 §12.5): a padded datagram is accepted too.
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1, 2, 3, 4, 5}, true)).get(0).data())
                .containsExactly(1, 2, 3, 4, 5);

        List<Sent> toClient = fromPeer(relay(), PEER, new byte[] {9, 8, 7});
        assertThat(toClient).hasSize(1);
        assertThat(toClient.get(0).client()).isEqualTo(CLIENT);
        assertThat(toClient.get(0).data()).containsExactly(0x40, 0x00, 0x00, 0x03, 9, 8, 7);
    }

    @Test
    void overTcpChannelDataIsPaddedAndMustArrivePadded() {
        allocate(CLIENT_TCP);
        channelBind(CLIENT_TCP, 0x4ABC, PEER);
        assertThat(fromPeer(relay(), PEER, new byte[] {9, 8, 7}).get(0).data())
                .containsExactly(0x4A, 0xBC, 0x00, 0x03, 9, 8, 7, 0);
        assertThat(fromClient(CLIENT_TCP, channelData(0x4ABC, new byte[] {1, 2, 3}, true)).get(0).data())
                .containsExactly(1, 2, 3);
        assertThat(fromClient(CLIENT_TCP, channelData(0x4ABC, new byte[] {1, 2, 3}, false))).isEmpty();
        assertThat(core.counters().malformedDropped()).isEqualTo(1);
    }

    @Test
    void peerWithAChannelButAnotherPortGetsADataIndication() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        List<Sent> sent = fromPeer(relay(), PEER_OTHER_PORT, new byte[] {1}); // same IP: permitted, no channel
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).decode().method()).isEqualTo(StunMethod.DATA);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x3FFF, 0x5000, 0x0000, 0xFFFF})
    void channelNumbersOutsideTheRangeAre400(int number) {
        allocate(CLIENT);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(number), peer(PEER))), 400);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x4000, 0x4FFF})
    void channelNumbersAtTheEdgesOfTheRangeAreAccepted(int number) {
        allocate(CLIENT);
        channelBind(CLIENT, number, PEER);
        assertThat(fromClient(CLIENT, channelData(number, new byte[] {1}, false))).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x5000, 0x7C63, 0x7FFF})
    void rfc5766ChannelNumbersRelayBothWaysWhenTheBuilderAllowsThem(int number) {
        build(builder -> builder.rfc5766ChannelRange(true));
        allocate(CLIENT);
        channelBind(CLIENT, number, PEER);
        List<Sent> out = fromClient(CLIENT, channelData(number, new byte[] {1, 2}, false));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).peer()).isEqualTo(PEER);
        List<Sent> back = fromPeer(relay(), PEER, new byte[] {3});
        assertThat(back).hasSize(1);
        assertThat(back.get(0).data()).startsWith((byte) (number >>> 8), (byte) number, (byte) 0, (byte) 1, (byte) 3);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x8000), peer(PEER2))), 400);
    }

    @Test
    void bindingAChannelAlreadyBoundToAnotherPeerIs400() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000), peer(PEER2))), 400);
        // The same peer on another port is another transport address.
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000),
                peer(PEER_OTHER_PORT))), 400);
    }

    @Test
    void bindingAPeerAlreadyBoundToAnotherChannelIs400() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4001), peer(PEER))), 400);
    }

    @Test
    void missingAttributesAre400AndFamilyMismatchIs443() {
        allocate(CLIENT);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000))), 400);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, peer(PEER))), 400);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000), peer(PEER_V6))),
                TurnErrorCodes.PEER_ADDRESS_FAMILY_MISMATCH);
        assertError(exchange(CLIENT_TCP, signed(StunMethod.CHANNEL_BIND, CLIENT_TCP, channel(0x4000), peer(PEER))),
                TurnErrorCodes.ALLOCATION_MISMATCH);
    }

    @ParameterizedTest
    @MethodSource("refusedPeers")
    void refusedPeerOnChannelBindIs403(InetSocketAddress refused) {
        allocate(CLIENT, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
        Sent sent = exchangeRaw(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000), peer(refused)));
        assertError(sent.decode(), TurnErrorCodes.FORBIDDEN);
        assertThat(sent.verifies(ALICE_KEY)).isTrue();
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).isEmpty();
    }

    @Test
    void rebindingRefreshesAndChannelBindInstallsThePermission() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        // No CreatePermission was sent, yet the peer may send: ChannelBind installed the permission.
        assertThat(fromPeer(relay(), PEER, new byte[] {1})).hasSize(1);
        advance(Duration.ofSeconds(290));
        channelBind(CLIENT, 0x4000, PEER); // refreshes both the binding and the permission
        advance(Duration.ofSeconds(290)); // t = 580: the first permission would have expired at 300
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).hasSize(1);
        assertThat(fromPeer(relay(), PEER, new byte[] {1})).hasSize(1);
    }

    @Test
    void channelDataNeedsAPermissionStill() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        advance(Duration.ofSeconds(300)); // the permission expires, the binding (600 s) does not
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).isEmpty();
        assertThat(fromPeer(relay(), PEER, new byte[] {1})).isEmpty();
        assertThat(core.counters().droppedNoPermission()).isEqualTo(2);
        createPermission(CLIENT, PEER);
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).hasSize(1);
    }

    @Test
    void expiredChannelCannotBeReboundToAnotherPeerFor5Minutes() {
        allocate(CLIENT, dev.peerlink.stun.attribute.NumberAttribute.uint32(
                dev.peerlink.stun.StunAttributeType.LIFETIME, 3600));
        channelBind(CLIENT, 0x4000, PEER);
        advance(Duration.ofSeconds(600));
        createPermission(CLIENT, PEER, PEER2);
        // Unbound: ChannelData is dropped and the peer's data comes as a Data indication.
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).isEmpty();
        assertThat(core.counters().droppedUnboundChannel()).isEqualTo(1);
        assertThat(fromPeer(relay(), PEER, new byte[] {1}).get(0).decode().method()).isEqualTo(StunMethod.DATA);
        // Within the reuse delay neither the number nor the peer can go elsewhere.
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000), peer(PEER2))), 400);
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4001), peer(PEER))), 400);
        advance(Duration.ofSeconds(299));
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4000), peer(PEER2))), 400);
        advance(Duration.ofSeconds(1));
        channelBind(CLIENT, 0x4000, PEER2);
        channelBind(CLIENT, 0x4001, PEER);
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false)).get(0).peer()).isEqualTo(PEER2);
    }

    @Test
    void expiredChannelMayBeReboundToTheSamePeerAtOnce() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        advance(Duration.ofSeconds(600));
        assertThat(core.allocationCount()).isZero();
        allocate(CLIENT, dev.peerlink.stun.attribute.NumberAttribute.uint32(
                dev.peerlink.stun.StunAttributeType.LIFETIME, 3600));
        channelBind(CLIENT, 0x4000, PEER);
        advance(Duration.ofSeconds(600));
        channelBind(CLIENT, 0x4000, PEER); // same pair during the delay: bound again
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).hasSize(1);
    }

    @Test
    void channelDataOnAnUnboundChannelOrWithoutAllocationIsDropped() {
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).isEmpty();
        assertThat(core.counters().droppedNoAllocation()).isEqualTo(1);
        allocate(CLIENT);
        assertThat(fromClient(CLIENT, channelData(0x4000, new byte[] {1}, false))).isEmpty();
        assertThat(core.counters().droppedUnboundChannel()).isEqualTo(1);
    }

    @Test
    void channelBindOverThePermissionCapIs508() {
        build(builder -> builder.limits(new AllocationLimits(1, 0, 0)));
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        channelBind(CLIENT, 0x4001, PEER_OTHER_PORT); // same IP: same permission
        assertError(exchange(CLIENT, signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4002), peer(PEER2))),
                TurnErrorCodes.INSUFFICIENT_CAPACITY);
    }

    @Test
    void manyChannelsOnOneAllocation() {
        allocate(CLIENT);
        for (int i = 0; i < 100; i++) {
            channelBind(CLIENT, 0x4000 + i * 40, new InetSocketAddress(PEER.getAddress(), 10_000 + i));
        }
        for (int i = 0; i < 100; i++) {
            List<Sent> sent = fromClient(CLIENT, channelData(0x4000 + i * 40, new byte[] {(byte) i}, false));
            assertThat(sent.get(0).peer().getPort()).isEqualTo(10_000 + i);
            byte[] back = fromPeer(relay(), new InetSocketAddress(PEER.getAddress(), 10_000 + i), new byte[] {1})
                    .get(0).data();
            assertThat(ByteBuffer.wrap(back).getShort() & 0xFFFF).isEqualTo(0x4000 + i * 40);
        }
    }
}
