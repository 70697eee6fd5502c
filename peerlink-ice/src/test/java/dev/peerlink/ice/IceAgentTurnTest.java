package dev.peerlink.ice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.ice.IceCandidate.Type;
import dev.peerlink.ice.IceNetworkHarness.Access;
import dev.peerlink.ice.IceNetworkHarness.Peer;
import dev.peerlink.ice.IceNetworkHarness.TimedEvent;
import dev.peerlink.netsim.Link;
import dev.peerlink.netsim.TraceAction;
import dev.peerlink.netsim.TraceEntry;
import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.turn.wire.TurnAttributes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The agent's composition with its TURN client cores (RFC 8445 §5.1.1.2, RFC 8656), against the real
 * {@code TurnServerCore} of {@link TurnServerOnNetwork} on the virtual network: the long-term credential challenge,
 * a refused or unreachable TURN server, permissions before checks, data both ways through the relay, and
 * {@link IceTransportPolicy#RELAY}. What the agents sent and received is read back from the network's trace.
 */
class IceAgentTurnTest {
    private static final Duration SIGNALING = Duration.ofMillis(50);
    private static final Link LAN = Link.withDelay(Duration.ofMillis(10));
    private static final Link INTERNET_LEG = Link.withDelay(Duration.ofMillis(15));

    private final IceNetworkHarness harness = new IceNetworkHarness(7, LAN, INTERNET_LEG, SIGNALING);

    /** A STUN message (or null for ChannelData and other bytes) one peer's host sent to or got from the TURN server. */
    private record TurnMessage(long atNanos, boolean sent, StunMessage message, byte[] bytes) {
        boolean isChannelData() {
            return (bytes[0] & 0xFF) >= 0x40 && (bytes[0] & 0xFF) <= 0x4F;
        }
    }

    private List<TurnMessage> turnTraffic(Peer peer) {
        InetSocketAddress turn = harness.turnServer().address();
        List<TurnMessage> messages = new ArrayList<>();
        for (TraceEntry entry : harness.network().trace()) {
            if (!entry.node().equals(peer.name)) {
                continue;
            }
            boolean sent = entry.action() == TraceAction.SENT && entry.packet().destination().equals(turn);
            boolean received = entry.action() == TraceAction.DELIVERED && entry.packet().source().equals(turn);
            if (!sent && !received) {
                continue;
            }
            byte[] bytes = entry.packet().payload();
            StunMessage message = null;
            if ((bytes[0] & 0xC0) == 0) {
                try {
                    message = StunMessage.decode(ByteBuffer.wrap(bytes), TurnAttributes.registry());
                } catch (StunDecodeException e) {
                    throw new AssertionError("undecodable STUN between " + peer + " and the TURN server", e);
                }
            }
            messages.add(new TurnMessage(entry.atNanos(), sent, message, bytes));
        }
        return messages;
    }

    private static boolean is(TurnMessage message, int method, StunClass messageClass) {
        return message.message() != null && message.message().method() == method
                && message.message().messageClass() == messageClass;
    }

    private static List<IceCandidate> announced(Peer peer) {
        return peer.events.stream().map(TimedEvent::event).filter(IceEvent.LocalCandidate.class::isInstance)
                .map(event -> ((IceEvent.LocalCandidate) event).candidate()).toList();
    }

    private static long gatheringCompleteAt(Peer peer) {
        return peer.events.stream().filter(event -> event.event() instanceof IceEvent.GatheringComplete)
                .mapToLong(TimedEvent::atNanos).findFirst().orElse(-1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(Peer peer) {
        return peer.received.stream().map(bytes -> new String(bytes, StandardCharsets.UTF_8)).toList();
    }

    /**
     * RFC 8489 §9.2.4 inside the agent: the first Allocate goes without credentials and is answered 401 with the
     * realm and a nonce; the agent's TURN client retries with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY, and the
     * relayed address of the success becomes a relayed candidate (type preference 0, the host's local preference,
     * the mapped address as its related address), announced before gathering completes.
     */
    @Test
    void theTurnServersChallengeIsAnsweredInsideTheAgentAndYieldsARelayedCandidate() {
        harness.network().setTracing(true);
        Peer a = harness.addPeer("A", Access.FULL_CONE, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.NO_NAT, IceRole.CONTROLLED);
        harness.connect(a, b);
        harness.runUntil(() -> gatheringCompleteAt(a) >= 0, Duration.ofSeconds(5));

        List<TurnMessage> allocates = turnTraffic(a).stream()
                .filter(m -> m.message() != null && m.message().method() == StunMethod.ALLOCATE).toList();
        assertThat(allocates).extracting(m -> m.sent() + " " + m.message().messageClass()).containsExactly(
                "true REQUEST", "false ERROR_RESPONSE", "true REQUEST", "false SUCCESS_RESPONSE");
        StunMessage first = allocates.get(0).message();
        assertThat(first.has(StunAttributeType.MESSAGE_INTEGRITY)).isFalse();
        assertThat(first.has(StunAttributeType.USERNAME)).isFalse();
        StunMessage challenge = allocates.get(1).message();
        assertThat(challenge.errorCode().orElseThrow().code()).isEqualTo(ErrorCodeAttribute.UNAUTHENTICATED);
        String nonce = challenge.string(StunAttributeType.NONCE).orElseThrow();
        StunMessage second = allocates.get(2).message();
        assertThat(second.string(StunAttributeType.USERNAME)).contains(TurnServerOnNetwork.USERNAME);
        assertThat(second.string(StunAttributeType.REALM)).contains(TurnServerOnNetwork.REALM);
        assertThat(second.string(StunAttributeType.NONCE)).contains(nonce);
        assertThat(second.has(StunAttributeType.MESSAGE_INTEGRITY)).isTrue();

        IceCandidate relay = announced(a).stream().filter(c -> c.type() == Type.RELAY).findFirst().orElseThrow();
        IceCandidate srflx = announced(a).stream().filter(c -> c.type() == Type.SRFLX).findFirst().orElseThrow();
        IceCandidate host = a.agent.localCandidates().stream().filter(c -> c.type() == Type.HOST).findFirst()
                .orElseThrow();
        assertThat(harness.turnServer().relayedAddresses()).contains(relay.address());
        assertThat(relay.base()).isEqualTo(relay.address()); // RFC 8445 §5.1.1.1: a relayed candidate is its base
        assertThat(relay.relatedAddress()).isEqualTo(srflx.address()); // the mapped address, one full-cone mapping
        assertThat(relay.priority()).isEqualTo(IcePriorities.candidatePriority(Type.RELAY,
                IcePriorities.localPreferenceOf(host.priority()), 1));
        assertThat(relay.toSdpLine().toString()).contains("typ relay raddr " + srflx.address().getAddress()
                .getHostAddress() + " rport " + srflx.address().getPort());
        long relayAnnouncedAt = a.events.stream().filter(e -> e.event() instanceof IceEvent.LocalCandidate local
                && local.candidate().type() == Type.RELAY).findFirst().orElseThrow().atNanos();
        assertThat(relayAnnouncedAt).isEqualTo(allocates.get(3).atNanos()).isLessThanOrEqualTo(gatheringCompleteAt(a));
        // Two round trips to the TURN server: the challenge and the authenticated Allocate.
        assertThat(relayAnnouncedAt).isEqualTo(2 * harness.turnRoundTripNanos(Access.FULL_CONE));
    }

    /**
     * A TURN server that refuses the credentials (401 again on the authenticated Allocate, RFC 8489 §9.2.4) gives no
     * relayed candidate, and gathering completes as soon as it has answered; ICE connects without it.
     */
    @Test
    void aTurnErrorMeansNoRelayedCandidateButGatheringCompletes() {
        IceTurnServer wrongPassword = new IceTurnServer(harness.turnServer().address(),
                dev.peerlink.stun.client.StunTransport.UDP, TurnServerOnNetwork.USERNAME, "not-the-password");
        Peer a = harness.addPeer("A", Access.FULL_CONE, IceAgentConfig.builder(IceRole.CONTROLLING)
                .stunServer(harness.stunServer()).turnServer(wrongPassword).build());
        Peer b = harness.addPeer("B", Access.NO_NAT, IceRole.CONTROLLED);
        harness.connect(a, b);

        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected() && gatheringCompleteAt(a) >= 0,
                Duration.ofSeconds(5))).isTrue();
        assertThat(announced(a)).extracting(IceCandidate::type).containsExactly(Type.HOST, Type.SRFLX);
        assertThat(gatheringCompleteAt(a)).isEqualTo(2 * harness.turnRoundTripNanos(Access.FULL_CONE));
        assertThat(harness.turnServer().core().allocationCount()).isEqualTo(2); // B's over UDP and TLS; A's was refused
        assertThat(a.agent.selectedPair().orElseThrow().local().type()).isEqualTo(Type.SRFLX);
    }

    /**
     * A TURN server nobody answers at: the Allocate is retransmitted for 39.5 s (RFC 8489 §6.2.1), and only then
     * does gathering complete, without a relayed candidate. The connection does not wait for it.
     */
    @Test
    void anUnreachableTurnServerDelaysOnlyGatheringComplete() {
        InetSocketAddress nowhere = new InetSocketAddress(harness.turnServer().address().getAddress(), 3479);
        Peer a = harness.addPeer("A", Access.PORT_RESTRICTED, IceAgentConfig.builder(IceRole.CONTROLLING)
                .stunServer(harness.stunServer()).turnServer(IceTurnServer.udp(nowhere, "ice", "relay-me")).build());
        Peer b = harness.addPeer("B", Access.FULL_CONE, IceRole.CONTROLLED);
        harness.connect(a, b);

        assertThat(harness.runUntil(() -> gatheringCompleteAt(a) >= 0, Duration.ofSeconds(60))).isTrue();
        assertThat(a.connectedAtNanos).isBetween(0L, Duration.ofSeconds(1).toNanos());
        assertThat(gatheringCompleteAt(a)).isGreaterThanOrEqualTo(Duration.ofMillis(39_500).toNanos());
        assertThat(announced(a)).extracting(IceCandidate::type).doesNotContain(Type.RELAY);
        harness.runUntil(() -> a.state() == IceConnectionState.COMPLETED, Duration.ofSeconds(5));
        assertThat(a.state()).isEqualTo(IceConnectionState.COMPLETED); // RFC 8445 §8.1.2 waited for gathering
    }

    /**
     * RFC 8656 §9: the relay forwards nothing between a client and a peer without a permission for the peer's IP.
     * Between two symmetric NATs (a relayed cell of the matrix), every Send indication and ChannelData message an
     * agent sends through its allocation goes to a peer IP whose CreatePermission (or ChannelBind) the server had
     * already confirmed; and once the relayed pair is selected, a channel is bound and data goes as ChannelData
     * (RFC 8656 §12), both ways.
     */
    @Test
    void permissionsComeBeforeTheFirstCheckThroughTheRelayAndDataRoundTripsOverIt() {
        harness.network().setTracing(true);
        Peer a = harness.addPeer("A", Access.SYMMETRIC, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.SYMMETRIC, IceRole.CONTROLLED);
        harness.connect(a, b);
        assertThat(harness.runUntil(() -> a.state() == IceConnectionState.COMPLETED
                && b.state() == IceConnectionState.COMPLETED, Duration.ofSeconds(60))).isTrue();
        CandidatePairStats pairA = a.agent.selectedPair().orElseThrow();
        CandidatePairStats pairB = b.agent.selectedPair().orElseThrow();
        assertThat(List.of(pairA.local().type(), pairA.remote().type())).containsExactly(Type.PRFLX, Type.RELAY);
        assertThat(List.of(pairB.local().type(), pairB.remote().type())).containsExactly(Type.RELAY, Type.PRFLX);

        assertThat(b.send(utf8("from B through its relay"))).isTrue();
        assertThat(a.send(utf8("from A to B's relay"))).isTrue();
        harness.runFor(Duration.ofMillis(500));
        assertThat(texts(a)).containsExactly("from B through its relay");
        assertThat(texts(b)).containsExactly("from A to B's relay");

        for (Peer peer : List.of(a, b)) {
            List<TurnMessage> traffic = turnTraffic(peer);
            Map<TransactionId, List<InetAddress>> asked = new HashMap<>();
            Set<InetAddress> installed = new HashSet<>();
            int sendIndications = 0;
            for (TurnMessage message : traffic) {
                StunMessage stun = message.message();
                boolean permissionOrChannel = stun != null && (stun.method() == StunMethod.CREATE_PERMISSION
                        || stun.method() == StunMethod.CHANNEL_BIND);
                if (message.sent() && permissionOrChannel && stun.messageClass() == StunClass.REQUEST) {
                    List<InetAddress> ips = new ArrayList<>();
                    for (StunAttribute attribute : stun.attributes()) {
                        if (attribute.type() == StunAttributeType.XOR_PEER_ADDRESS) {
                            ips.add(((AddressAttribute) attribute).address().getAddress());
                        }
                    }
                    asked.put(stun.transactionId(), ips);
                } else if (!message.sent() && permissionOrChannel
                        && stun.messageClass() == StunClass.SUCCESS_RESPONSE) {
                    installed.addAll(asked.getOrDefault(stun.transactionId(), List.of()));
                } else if (message.sent() && is(message, StunMethod.SEND, StunClass.INDICATION)) {
                    sendIndications++;
                    InetAddress to = stun.address(StunAttributeType.XOR_PEER_ADDRESS).orElseThrow().getAddress();
                    assertThat(installed).as(peer + " sends to %s through the relay at %d ns", to, message.atNanos())
                            .contains(to);
                }
            }
            assertThat(sendIndications).as(peer + "'s Send indications").isPositive();
        }
        // B's relay carries the selected pair: B bound a channel, and its data (and A's answers) go as ChannelData.
        assertThat(turnTraffic(b)).anyMatch(m -> is(m, StunMethod.CHANNEL_BIND, StunClass.SUCCESS_RESPONSE));
        assertThat(turnTraffic(b)).anyMatch(m -> m.sent() && m.isChannelData());
        assertThat(turnTraffic(b)).anyMatch(m -> !m.sent() && m.isChannelData());
        assertThat(harness.turnServer().core().counters().droppedUnboundChannel()).isZero();
    }

    /**
     * {@code iceTransportPolicy: "relay"} on both sides, behind full-cone NATs that would connect directly: each
     * agent offers only its relayed candidates, one allocated over UDP and one over TLS (no host or srflx candidate is
     * signalled, and the STUN server is never asked), so every pair is relay ↔ relay, and the one of UDP relays ranks
     * first (the agent ranks TLS relays lowest). The prediction: a check from A's relayed address reaches B from
     * that very address (the server relays it from A's relay socket to B's), which B knows as a signalled relayed
     * candidate, so no peer-reflexive candidate appears on either side, and the response's XOR-MAPPED-ADDRESS is A's
     * relayed address, its relayed candidate (RFC 8445 §7.2.5.3.1). Selected: relay/relay on both sides; data flows
     * both ways through the two allocations.
     */
    @Test
    void relayOnlyAgentsConnectRelayToRelay() {
        IceAgentConfig.Builder configA = harness.configFor(IceRole.CONTROLLING)
                .transportPolicy(IceTransportPolicy.RELAY);
        IceAgentConfig.Builder configB = harness.configFor(IceRole.CONTROLLED)
                .transportPolicy(IceTransportPolicy.RELAY);
        Peer a = harness.addPeer("A", Access.FULL_CONE, configA.build());
        Peer b = harness.addPeer("B", Access.FULL_CONE, configB.build());
        harness.connect(a, b);

        assertThat(harness.runUntil(() -> a.state() == IceConnectionState.COMPLETED
                && b.state() == IceConnectionState.COMPLETED, Duration.ofSeconds(10))).isTrue();
        for (Peer peer : List.of(a, b)) {
            assertThat(announced(peer)).extracting(IceCandidate::type).containsExactly(Type.RELAY, Type.RELAY);
            assertThat(peer.agent.localCandidates()).extracting(IceCandidate::type)
                    .containsExactly(Type.RELAY, Type.RELAY);
            assertThat(peer.remote.signalingArrivals).extracting(e -> e.event().toString())
                    .filteredOn(text -> text.startsWith("candidate")).hasSize(2)
                    .allMatch(text -> text.startsWith("candidate relay "));
            CandidatePairStats pair = peer.agent.selectedPair().orElseThrow();
            assertThat(List.of(pair.local().type(), pair.remote().type())).containsExactly(Type.RELAY, Type.RELAY);
            assertThat(peer.agent.relayProtocol(pair.local())).contains(dev.peerlink.stun.client.StunTransport.UDP);
        }
        assertThat(harness.stunServerDatagrams()).isZero();
        assertThat(a.agent.selectedPair().orElseThrow().local().address())
                .isEqualTo(b.agent.selectedPair().orElseThrow().remote().address());

        assertThat(a.send(utf8("relayed both ways"))).isTrue();
        assertThat(b.send(utf8("indeed"))).isTrue();
        harness.runFor(Duration.ofMillis(500));
        assertThat(texts(b)).containsExactly("relayed both ways");
        assertThat(texts(a)).containsExactly("indeed");
        // Relay-only: the sole minimum is two TURN round trips, signaling, then two relayed round trips.
        long relayedRtt = 2 * harness.relayedOneWayNanos(Access.FULL_CONE, Access.FULL_CONE);
        long minimum = 2 * harness.turnRoundTripNanos(Access.FULL_CONE) + SIGNALING.toNanos() + 2 * relayedRtt;
        System.out.println("relay-only × relay-only, full cone both: relay/relay, connected in "
                + Math.max(a.connectedAtNanos, b.connectedAtNanos) / 1_000_000 + " ms (minimum "
                + minimum / 1_000_000 + " ms)");
        assertThat(Math.max(a.connectedAtNanos, b.connectedAtNanos))
                .isBetween(minimum, minimum + relayedRtt + 4 * Duration.ofMillis(50).toNanos());
    }

    /**
     * Behind a firewall that drops UDP and lets TCP out to port 443 only, the UDP allocation's requests are dropped
     * (it times out after 39.5 s, RFC 8489 §6.2.1), but the harness's connection to the TURN server on 443 gets
     * through and the agent allocates over it (RFC 8656 §3.1): its relayed candidate is announced after the TCP
     * handshake and two TURN round trips (the 401 challenge, then the authenticated Allocate), ranks below a UDP relay
     * would, and carries the connection to a peer on the internet. Data flows both ways as ChannelData on the
     * stream, padded to 4 bytes (RFC 8656 §12.5).
     */
    @Test
    void behindAFirewallThatDropsUdpTurnOverTlsOn443CarriesTheConnection() {
        Peer a = harness.addPeer("A", Access.UDP_BLOCKING_FIREWALL, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.NO_NAT, IceRole.CONTROLLED);
        harness.connect(a, b);

        // Connected; COMPLETED only once the checks from A's host candidate have timed out (39.5 s).
        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected(), Duration.ofSeconds(10))).isTrue();

        IceCandidate relay = announced(a).stream().filter(c -> c.type() == Type.RELAY).findFirst().orElseThrow();
        assertThat(a.agent.relayProtocol(relay)).contains(dev.peerlink.stun.client.StunTransport.TLS);
        long relayAnnouncedAt = a.events.stream().filter(e -> e.event() instanceof IceEvent.LocalCandidate local
                && local.candidate().type() == Type.RELAY).findFirst().orElseThrow().atNanos();
        assertThat(relayAnnouncedAt).isEqualTo(3 * harness.turnRoundTripNanos(Access.UDP_BLOCKING_FIREWALL));
        assertThat(IcePriorities.localPreferenceOf(relay.priority())).isLessThan(
                IcePriorities.localPreference(a.host.address(), 0) - 0x1000);
        CandidatePairStats pair = a.agent.selectedPair().orElseThrow();
        assertThat(List.of(pair.local().type(), pair.remote().type())).containsExactly(Type.RELAY, Type.HOST);

        assertThat(a.send(utf8("through 443"))).isTrue();
        assertThat(b.send(utf8("and back"))).isTrue();
        harness.runFor(Duration.ofMillis(500));
        assertThat(texts(b)).containsExactly("through 443");
        assertThat(texts(a)).containsExactly("and back");
        assertThat(gatheringCompleteAt(a)).as("the UDP allocation times out first").isEqualTo(-1);
        harness.runFor(Duration.ofSeconds(45));
        assertThat(gatheringCompleteAt(a)).isGreaterThanOrEqualTo(Duration.ofMillis(39_500).toNanos());
    }

    /**
     * A TCP/TLS TURN server whose port nobody listens on: the connection is refused (a RST), the agent is told, and
     * gathering completes without that relay and without waiting.
     */
    @Test
    void aRefusedTurnConnectionEndsThatRelayAndGatheringGoesOn() {
        IceTurnServer refused = new IceTurnServer(new InetSocketAddress(harness.turnServer().address().getAddress(),
                5349), dev.peerlink.stun.client.StunTransport.TLS, TurnServerOnNetwork.USERNAME,
                TurnServerOnNetwork.PASSWORD);
        Peer a = harness.addPeer("A", Access.NO_NAT, IceAgentConfig.builder(IceRole.CONTROLLING)
                .stunServer(harness.stunServer()).turnServer(refused).build());
        Peer b = harness.addPeer("B", Access.NO_NAT, IceRole.CONTROLLED);
        harness.connect(a, b);

        assertThat(harness.runUntil(() -> a.isConnected() && gatheringCompleteAt(a) >= 0, Duration.ofSeconds(5)))
                .isTrue();
        assertThat(announced(a)).extracting(IceCandidate::type).containsExactly(Type.HOST);
        // One round trip: the SYN and the RST that refuses it.
        assertThat(gatheringCompleteAt(a)).isEqualTo(harness.turnRoundTripNanos(Access.NO_NAT));
    }

    @Test
    void theConfigurationRefusesWhatCannotWork() {
        InetSocketAddress server = harness.turnServer().address();
        IceTurnServer tls = new IceTurnServer(server, dev.peerlink.stun.client.StunTransport.TLS, "u", "p");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IceAgentConfig.builder(IceRole.CONTROLLING)
                        .turnServer(tls).turnServer(tls).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("configured twice");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IceAgentConfig.builder(IceRole.CONTROLLING)
                        .transportPolicy(IceTransportPolicy.RELAY).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least one TURN server");
        assertThat(IceTurnServer.udp(server, "u", "secret-password").toString()).doesNotContain("secret-password");
        assertThat(new IceAgent(IceAgentConfig.builder(IceRole.CONTROLLING).turnServer(tls).build(),
                new java.util.SplittableRandom(1)).turnServersToConnect()).containsExactly(tls);
    }
}
