package dev.peerlink.ice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.ice.IceNetworkHarness.Access;
import dev.peerlink.ice.IceNetworkHarness.Peer;
import dev.peerlink.ice.IceNetworkHarness.TimedEvent;
import dev.peerlink.netsim.Link;
import dev.peerlink.netsim.NatBehavior;
import dev.peerlink.netsim.NatMapping;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ICE on the virtual network beyond the matrix: a NAT rebinding survived by an ICE restart, a role conflict and
 * candidates that arrive before the peer's credentials — the unit tests cover these on the simple wire; here they
 * run through real (virtual) NATs, links and a signaling channel.
 */
class IceOnVirtualNetworkTest {
    private static final Duration SIGNALING = Duration.ofMillis(50);
    private static final Link LAN = Link.withDelay(Duration.ofMillis(10));
    private static final Link INTERNET_LEG = Link.withDelay(Duration.ofMillis(15));
    private static final long MS = 1_000_000L;
    private static final long TA = 50 * MS;

    private final IceNetworkHarness harness = new IceNetworkHarness(42, LAN, INTERNET_LEG, SIGNALING);

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(Peer peer) {
        return peer.received.stream().map(bytes -> new String(bytes, StandardCharsets.UTF_8)).toList();
    }

    private static InetSocketAddress publicMapping(Peer peer) {
        List<NatMapping> mappings = peer.nat.mappings().stream()
                .filter(mapping -> mapping.protocol() == dev.peerlink.netsim.Protocol.UDP).toList(); // not TURN/TLS
        assertThat(mappings).extracting(NatMapping::internal).containsOnly(peer.socket.localAddress());
        return mappings.get(mappings.size() - 1).external();
    }

    /**
     * Two agents behind port-restricted NATs connect; then A's NAT rebinds (every mapping gone, new ports from now
     * on). B's NAT filters A's packets from the new port, and B's packets to the old one find no mapping, so consent
     * checks go unanswered both ways: DISCONNECTED after 5 s, and consent expires 30 s after the last response
     * (RFC 7675 §5.1), FAILED. The application restarts ICE (RFC 8445 §9) when it sees the state it waits for; new
     * credentials and candidates travel over signaling, A's srflx candidate is its new mapping, and data flows
     * again on it.
     */
    @ParameterizedTest(name = "restart when A is {0}")
    @EnumSource(value = IceConnectionState.class, names = {"DISCONNECTED", "FAILED"})
    void afterANatRebindingAnIceRestartReconnectsOnTheNewMapping(IceConnectionState restartWhen) {
        Peer a = harness.addPeer("A", Access.PORT_RESTRICTED, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.PORT_RESTRICTED, IceRole.CONTROLLED);
        harness.connect(a, b);
        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected(), Duration.ofSeconds(5))).isTrue();
        assertThat(a.send(utf8("before"))).isTrue();
        harness.runFor(Duration.ofMillis(200));
        assertThat(texts(b)).containsExactly("before");
        InetSocketAddress oldMapping = publicMapping(a);
        assertThat(b.agent.selectedPair().orElseThrow().remote().address()).isEqualTo(oldMapping);

        a.nat.rebind();
        long reboundAt = harness.nowNanos();
        assertThat(a.send(utf8("lost in the rebinding"))).isTrue(); // ICE cannot know yet
        assertThat(harness.runUntil(() -> a.state() == restartWhen && b.state() == restartWhen,
                Duration.ofSeconds(60))).isTrue();
        if (restartWhen == IceConnectionState.FAILED) {
            assertThat(harness.nowNanos() - reboundAt).isGreaterThanOrEqualTo(Duration.ofSeconds(25).toNanos());
            assertThat(a.states()).containsSubsequence(IceConnectionState.DISCONNECTED, IceConnectionState.FAILED);
            assertThat(a.send(utf8("no consent"))).isFalse(); // RFC 7675 §5.1: stop sending
        }
        assertThat(texts(b)).containsExactly("before");

        long restartedAt = harness.nowNanos();
        harness.restartIce(a);
        assertThat(harness.runUntil(() -> a.connectedAtNanos >= 0 && b.connectedAtNanos >= 0,
                Duration.ofSeconds(5))).isTrue();
        long reconnectNanos = Math.max(a.connectedAtNanos, b.connectedAtNanos) - restartedAt;
        System.out.println("NAT rebinding, ICE restart when " + restartWhen + ": reconnected "
                + reconnectNanos / MS + " ms after the restart");

        InetSocketAddress newMapping = publicMapping(a);
        assertThat(newMapping).isNotEqualTo(oldMapping);
        CandidatePairStats pairA = a.agent.selectedPair().orElseThrow();
        CandidatePairStats pairB = b.agent.selectedPair().orElseThrow();
        assertThat(pairA.local().address()).isEqualTo(newMapping);
        assertThat(pairA.local().type()).isEqualTo(IceCandidate.Type.SRFLX);
        assertThat(pairB.remote().address()).isEqualTo(newMapping);
        // The least it can take: B restarts when A's offer arrives (50 ms), gathers its srflx again (a STUN round
        // trip, 80 ms) and trickles it back (50 ms) — A's new srflx reaches B sooner — then the two round trips of a
        // check and a nomination (2 × 100 ms). One more round trip and 4 Ta cover hole punching and pacing, as in
        // the matrix (ConnectivityMatrixTest.connectBoundNanos).
        long rtt = 2 * harness.oneWayNanos(Access.PORT_RESTRICTED, Access.PORT_RESTRICTED);
        long minimum = 2 * SIGNALING.toNanos() + harness.stunRoundTripNanos(Access.PORT_RESTRICTED) + 2 * rtt;
        assertThat(reconnectNanos).isBetween(minimum, minimum + rtt + 4 * TA);

        assertThat(a.send(utf8("after the restart"))).isTrue();
        assertThat(b.send(utf8("and back"))).isTrue();
        harness.runFor(Duration.ofMillis(200));
        assertThat(texts(b)).containsExactly("before", "after the restart");
        assertThat(texts(a)).containsExactly("and back");
    }

    /**
     * NATs that forget an idle mapping after 20 s (shorter than RFC 4787 REQ-5 allows, as many do): the consent
     * checks every 4–6 s on the selected pair (RFC 7675 §5.1) refresh both mappings, so a connection left idle for
     * three minutes still carries data both ways, on the same pair.
     */
    @Test
    void consentChecksKeepShortLivedNatMappingsOpenOnAnIdleConnection() {
        Peer a = harness.addPeer("A", Access.ADDRESS_RESTRICTED, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.SYMMETRIC, IceRole.CONTROLLED);
        a.nat.setBehavior(NatBehavior.ADDRESS_RESTRICTED.withMappingLifetime(Duration.ofSeconds(20)));
        b.nat.setBehavior(NatBehavior.SYMMETRIC.withMappingLifetime(Duration.ofSeconds(20)));
        harness.connect(a, b);
        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected(), Duration.ofSeconds(5))).isTrue();
        CandidatePairStats before = a.agent.selectedPair().orElseThrow();

        harness.runFor(Duration.ofMinutes(3));

        assertThat(a.states()).doesNotContain(IceConnectionState.DISCONNECTED, IceConnectionState.FAILED);
        assertThat(b.states()).doesNotContain(IceConnectionState.DISCONNECTED, IceConnectionState.FAILED);
        CandidatePairStats after = a.agent.selectedPair().orElseThrow();
        assertThat(after.local()).isEqualTo(before.local());
        assertThat(after.remote()).isEqualTo(before.remote());
        assertThat(a.send(utf8("still here"))).isTrue();
        assertThat(b.send(utf8("me too"))).isTrue();
        harness.runFor(Duration.ofMillis(200));
        assertThat(texts(b)).containsExactly("still here");
        assertThat(texts(a)).containsExactly("me too");
    }

    /**
     * Both agents think they are controlling (both applications made an offer, say). The first check to arrive
     * meets a controlling agent with ICE-CONTROLLING: the larger tie-breaker keeps the role and answers 487, the
     * other switches (RFC 8445 §7.3.1.1, §7.2.5.1). They connect through two NATs with one controlling agent.
     */
    @Test
    void aRoleConflictIsRepairedAcrossTwoNats() {
        Peer a = harness.addPeer("A", Access.PORT_RESTRICTED, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.FULL_CONE, IceRole.CONTROLLING);
        harness.connect(a, b);

        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected(), Duration.ofSeconds(5))).isTrue();

        assertThat(List.of(a.agent.role(), b.agent.role()))
                .containsExactlyInAnyOrder(IceRole.CONTROLLING, IceRole.CONTROLLED);
        Peer switched = a.agent.role() == IceRole.CONTROLLED ? a : b;
        assertThat(switched.events).extracting(TimedEvent::event)
                .containsOnlyOnce(new IceEvent.RoleChanged(IceRole.CONTROLLED));
        // The controlling side is the one with the larger tie-breaker.
        Peer controlling = switched == a ? b : a;
        assertThat(Long.compareUnsigned(controlling.agent.tieBreaker(), switched.agent.tieBreaker())).isPositive();
        CandidatePairStats pairA = a.agent.selectedPair().orElseThrow();
        CandidatePairStats pairB = b.agent.selectedPair().orElseThrow();
        assertThat(pairA.local().address()).isEqualTo(pairB.remote().address());
        assertThat(pairB.local().address()).isEqualTo(pairA.remote().address());
        assertThat(pairA.local().type()).isEqualTo(IceCandidate.Type.SRFLX);
        assertThat(pairB.local().type()).isEqualTo(IceCandidate.Type.SRFLX);
    }

    @Test
    void twoControlledAgentsAlsoSettleTheirRoles() {
        Peer a = harness.addPeer("A", Access.NO_NAT, IceRole.CONTROLLED);
        Peer b = harness.addPeer("B", Access.SYMMETRIC, IceRole.CONTROLLED);
        harness.connect(a, b);

        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected(), Duration.ofSeconds(5))).isTrue();

        assertThat(List.of(a.agent.role(), b.agent.role()))
                .containsExactlyInAnyOrder(IceRole.CONTROLLING, IceRole.CONTROLLED);
        assertThat(a.agent.selectedPair().orElseThrow().remote().type()).isEqualTo(IceCandidate.Type.PRFLX);
        assertThat(b.agent.selectedPair().orElseThrow().local().type()).isEqualTo(IceCandidate.Type.PRFLX);
    }

    /**
     * A's description (credentials) reaches B only after 400 ms, long after A's trickled candidates (RFC 8838 §11
     * allows candidates before the description). B keeps and pairs them but cannot sign a check yet; it still
     * answers A's checks, which need only its own password (B is behind a full-cone NAT, so A's checks reach it
     * before B has sent anything to A), and so A connects first, nominating a pair whose USE-CANDIDATE B remembers
     * (RFC 8445 §7.3.1.5). Once the credentials arrive, B's own check on that pair succeeds and B connects one round
     * trip later.
     */
    @Test
    void candidatesTrickledBeforeTheRemoteDescriptionAreKeptAndConnect() {
        Peer a = harness.addPeer("A", Access.PORT_RESTRICTED, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", Access.FULL_CONE, IceRole.CONTROLLED);
        Duration late = Duration.ofMillis(400);
        harness.connect(a, b, late, SIGNALING);

        assertThat(harness.runUntil(() -> a.isConnected() && b.isConnected(), Duration.ofSeconds(5))).isTrue();

        List<TimedEvent> arrivals = b.signalingArrivals;
        TimedEvent credentials = arrivals.stream().filter(e -> e.event().toString().startsWith("credentials"))
                .findFirst().orElseThrow();
        assertThat(credentials.atNanos()).isEqualTo(late.toNanos());
        assertThat(arrivals.get(0).event().toString()).startsWith("candidate");
        assertThat(arrivals.stream().filter(e -> e.atNanos() < late.toNanos())
                .map(e -> e.event().toString())).anyMatch(text -> text.contains("srflx"));
        long rtt = 2 * harness.oneWayNanos(Access.PORT_RESTRICTED, Access.FULL_CONE);
        assertThat(a.connectedAtNanos).isLessThan(late.toNanos());
        assertThat(b.connectedAtNanos).isBetween(late.toNanos() + rtt, late.toNanos() + rtt + 2 * TA);
        assertThat(a.agent.selectedPair().orElseThrow().local().type()).isEqualTo(IceCandidate.Type.SRFLX);
        assertThat(b.agent.selectedPair().orElseThrow().remote().type()).isEqualTo(IceCandidate.Type.SRFLX);
    }
}
