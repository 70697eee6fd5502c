package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.turn.quota.AllocationLimits;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.TurnErrorCodes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** RFC 8656 §9 permissions, §10.2 CreatePermission, §11.2 Send and §11.3 data from peers. */
class PermissionTest extends TurnCoreFixture {

    /** Peers the default policy refuses, as transport addresses (the port matters only for the own address). */
    static Stream<InetSocketAddress> refusedPeers() {
        return Stream.of(
                new InetSocketAddress(ip("127.0.0.1"), 5000),
                new InetSocketAddress(ip("::ffff:127.0.0.1"), 5000),
                new InetSocketAddress(ip("64:ff9b::7f00:1"), 5000),
                new InetSocketAddress(ip("169.254.169.254"), 80),
                new InetSocketAddress(ip("10.0.0.1"), 5000),
                new InetSocketAddress(ip("::1"), 5000),
                new InetSocketAddress(ip("203.0.113.7"), 5000),
                new InetSocketAddress(ip("192.168.1.1"), 5000));
    }

    /** A dual allocation, so that both IPv4 and IPv6 peers are of a relayed family. */
    private void dualAllocation() {
        allocate(CLIENT, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
    }

    private FakeRelays.Handle relayV4() {
        return relays.handles.get(0);
    }

    @Test
    void permissionLetsPeerDataThroughAsADataIndication() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER);
        List<Sent> sent = fromPeer(relayV4(), PEER_OTHER_PORT, new byte[] {1, 2, 3}); // ports are ignored

        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).destination()).isEqualTo(Transmit.Destination.CLIENT);
        assertThat(sent.get(0).client()).isEqualTo(CLIENT);
        StunMessage indication = sent.get(0).decode();
        assertThat(indication.method()).isEqualTo(StunMethod.DATA);
        assertThat(indication.messageClass()).isEqualTo(dev.peerlink.stun.StunClass.INDICATION);
        assertThat(indication.address(StunAttributeType.XOR_PEER_ADDRESS)).contains(PEER_OTHER_PORT);
        assertThat(indication.attribute(StunAttributeType.DATA, BytesAttribute.class).orElseThrow().value())
                .containsExactly(1, 2, 3);
        assertThat(core.counters().packetsToClient()).isEqualTo(1);
        assertThat(core.counters().bytesToClient()).isEqualTo(3);
    }

    @Test
    void dataFromAPeerWithoutPermissionIsDropped() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER);
        assertThat(fromPeer(relayV4(), PEER2, new byte[] {1})).isEmpty();
        assertThat(core.counters().droppedNoPermission()).isEqualTo(1);
    }

    @Test
    void ipv6PeerDataIsRelayedOnTheIpv6Relay() {
        dualAllocation();
        createPermission(CLIENT, PEER_V6);
        List<Sent> sent = fromPeer(relays.handles.get(1), PEER_V6, new byte[] {9});
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).decode().address(StunAttributeType.XOR_PEER_ADDRESS)).contains(PEER_V6);
    }

    @Test
    void createPermissionInstallsEveryAddressGiven() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER, PEER2);
        assertThat(fromPeer(relayV4(), PEER, new byte[] {1})).hasSize(1);
        assertThat(fromPeer(relayV4(), PEER2, new byte[] {1})).hasSize(1);
    }

    @Test
    void createPermissionWithoutPeerAddressIs400() {
        allocate(CLIENT);
        assertError(exchange(CLIENT, signed(StunMethod.CREATE_PERMISSION, CLIENT)), 400);
    }

    @Test
    void createPermissionWithoutAllocationIs437() {
        assertError(exchange(CLIENT, signed(StunMethod.CREATE_PERMISSION, CLIENT, peer(PEER))),
                TurnErrorCodes.ALLOCATION_MISMATCH);
    }

    @Test
    void peerOfAFamilyNotRelayedIs443() {
        allocate(CLIENT);
        assertError(exchange(CLIENT, signed(StunMethod.CREATE_PERMISSION, CLIENT, peer(PEER), peer(PEER_V6))),
                TurnErrorCodes.PEER_ADDRESS_FAMILY_MISMATCH);
        assertThat(fromPeer(relayV4(), PEER, new byte[] {1})).as("nothing installed").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("refusedPeers")
    void refusedPeerOnCreatePermissionIs403AndNothingIsInstalled(InetSocketAddress refused) {
        dualAllocation();
        Sent sent = exchangeRaw(CLIENT, signed(StunMethod.CREATE_PERMISSION, CLIENT, peer(PEER), peer(refused)));
        assertError(sent.decode(), TurnErrorCodes.FORBIDDEN);
        assertThat(sent.verifies(ALICE_KEY)).isTrue();
        assertThat(core.counters().peersRefused()).isEqualTo(1);
        assertThat(fromPeer(relayV4(), PEER, new byte[] {1})).as("the allowed one was not installed either")
                .isEmpty();
    }

    @ParameterizedTest
    @MethodSource("refusedPeers")
    void sendToARefusedPeerIsDropped(InetSocketAddress refused) {
        dualAllocation();
        assertThat(fromClient(CLIENT, sendIndication(refused, new byte[] {1}, false))).isEmpty();
        assertThat(core.counters().peersRefused()).isEqualTo(1);
    }

    @Test
    void serversOwnIpIsAPermissibleRelayPeerButItsListeningPortIsNot() {
        allocate(CLIENT);
        // Two clients of this server reach each other through relayed addresses on the server's own IP.
        createPermission(CLIENT, new InetSocketAddress(SERVER_IP, 50000));
        assertThat(fromClient(CLIENT, sendIndication(new InetSocketAddress(SERVER_IP, 50000), new byte[] {1}, false)))
                .hasSize(1);
        // The listening port itself is refused: the relay must not talk to the server.
        assertThat(fromClient(CLIENT, sendIndication(SERVER, new byte[] {1}, false))).isEmpty();
        assertThat(fromClient(CLIENT, sendIndication(new InetSocketAddress(SERVER_IP, 22), new byte[] {1}, false)))
                .isEmpty();
        assertThat(core.counters().peersRefused()).isEqualTo(2);
    }

    @Test
    void permissionCapIs508() {
        build(builder -> builder.limits(new AllocationLimits(2, 0, 0)));
        allocate(CLIENT);
        createPermission(CLIENT, PEER, PEER_OTHER_PORT); // one IP
        createPermission(CLIENT, PEER2);
        InetSocketAddress third = new InetSocketAddress(ip("1.2.3.6"), 5000);
        assertError(exchange(CLIENT, signed(StunMethod.CREATE_PERMISSION, CLIENT, peer(third))),
                TurnErrorCodes.INSUFFICIENT_CAPACITY);
        createPermission(CLIENT, PEER, PEER2); // refreshing is not adding
        assertThat(core.counters().capacityRejections()).isEqualTo(1);
    }

    @Test
    void permissionExpiresAfter300SecondsUnlessRefreshed() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER, PEER2);
        advance(Duration.ofSeconds(240));
        createPermission(CLIENT, PEER); // refresh one of them
        advance(Duration.ofSeconds(60)); // t = 300
        assertThat(fromPeer(relayV4(), PEER2, new byte[] {1})).as("expired at 300 s").isEmpty();
        assertThat(fromPeer(relayV4(), PEER, new byte[] {1})).as("refreshed at 240 s").hasSize(1);
        advance(Duration.ofSeconds(239)); // t = 539
        assertThat(fromPeer(relayV4(), PEER, new byte[] {1})).hasSize(1);
        advance(Duration.ofSeconds(1)); // t = 540
        assertThat(fromPeer(relayV4(), PEER, new byte[] {1})).isEmpty();
        assertThat(fromClient(CLIENT, sendIndication(PEER, new byte[] {1}, false))).isEmpty();
    }

    @Test
    void sendWithPermissionGoesToThePeerFromTheRelay() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER);
        List<Sent> sent = fromClient(CLIENT, sendIndication(PEER_OTHER_PORT, new byte[] {5, 6, 7}, false));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).destination()).isEqualTo(Transmit.Destination.PEER);
        assertThat(sent.get(0).relay()).isEqualTo(relayV4());
        assertThat(sent.get(0).peer()).isEqualTo(PEER_OTHER_PORT);
        assertThat(sent.get(0).data()).containsExactly(5, 6, 7);
        assertThat(sent.get(0).dontFragment()).isFalse();
        assertThat(core.counters().packetsToPeer()).isEqualTo(1);
        assertThat(core.counters().bytesToPeer()).isEqualTo(3);
    }

    @Test
    void sendCarriesDontFragmentAndEmptyData() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER);
        List<Sent> sent = fromClient(CLIENT, sendIndication(PEER, new byte[0], true));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).dontFragment()).isTrue();
        assertThat(sent.get(0).data()).isEmpty();
    }

    @Test
    void sendWithoutPermissionOrAttributesOrAllocationIsDroppedSilently() {
        assertThat(fromClient(CLIENT, sendIndication(PEER, new byte[] {1}, false))).isEmpty();
        allocate(CLIENT);
        assertThat(fromClient(CLIENT, sendIndication(PEER, new byte[] {1}, false))).isEmpty();
        assertThat(core.counters().droppedNoPermission()).isEqualTo(1);
        createPermission(CLIENT, PEER);
        byte[] noData = new StunMessage(StunMethod.SEND, dev.peerlink.stun.StunClass.INDICATION, newTransactionId(),
                peer(PEER)).toBytes();
        byte[] noPeer = new StunMessage(StunMethod.SEND, dev.peerlink.stun.StunClass.INDICATION, newTransactionId(),
                new BytesAttribute(StunAttributeType.DATA, new byte[] {1})).toBytes();
        byte[] unknownRequired = new StunMessage(StunMethod.SEND, dev.peerlink.stun.StunClass.INDICATION,
                newTransactionId(), peer(PEER), new BytesAttribute(StunAttributeType.DATA, new byte[] {1}),
                new BytesAttribute(0x0777, new byte[0])).toBytes();
        byte[] v6Peer = sendIndication(PEER_V6, new byte[] {1}, false); // no IPv6 relay
        for (byte[] bad : List.of(noData, noPeer, unknownRequired, v6Peer)) {
            assertThat(fromClient(CLIENT, bad)).isEmpty();
        }
        assertThat(core.counters().droppedSend()).isEqualTo(4);
        // A Send never answers, even when it is a request by mistake of class: a Send request is a 400.
        assertError(exchange(CLIENT, signed(StunMethod.SEND, CLIENT, peer(PEER))), 400);
    }

    @Test
    void sendDoesNotRefreshThePermission() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER);
        advance(Duration.ofSeconds(299));
        assertThat(fromClient(CLIENT, sendIndication(PEER, new byte[] {1}, false))).hasSize(1);
        advance(Duration.ofSeconds(1));
        assertThat(fromClient(CLIENT, sendIndication(PEER, new byte[] {1}, false))).isEmpty();
    }

    @Test
    void dataIndicationsAreUniqueTransactions() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER);
        TransactionId first = fromPeer(relayV4(), PEER, new byte[] {1}).get(0).decode().transactionId();
        TransactionId second = fromPeer(relayV4(), PEER, new byte[] {1}).get(0).decode().transactionId();
        assertThat(first).isNotEqualTo(second);
    }
}
