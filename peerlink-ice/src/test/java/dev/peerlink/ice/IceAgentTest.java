package dev.peerlink.ice;

import static dev.peerlink.ice.VirtualWire.MS;
import static dev.peerlink.ice.VirtualWire.SECOND;
import static dev.peerlink.ice.VirtualWire.address;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.ice.VirtualWire.Node;
import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.credentials.StunCredentials;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Two agents on a virtual wire: connecting, trickle, NATs, role conflicts, consent, restart, data. */
class IceAgentTest {
    private static final InetSocketAddress A_HOST = address("198.18.0.1", 5000);
    private static final InetSocketAddress B_HOST = address("198.18.0.2", 6000);
    private static final InetSocketAddress A_PUBLIC = address("198.19.0.1", 40000);
    private static final long DELAY = 10 * MS;
    private static final long TA = 50 * MS;

    private final VirtualWire wire = new VirtualWire(DELAY);

    private static IceAgent agent(IceRole role, long seed) {
        return new IceAgent(IceAgentConfig.defaults(role), new SplittableRandom(seed));
    }

    private static boolean connected(Node node) {
        return node.state() == IceConnectionState.CONNECTED || node.state() == IceConnectionState.COMPLETED;
    }

    /** A at A_HOST (optionally behind a NAT at A_PUBLIC), B at B_HOST; both signalled and trickling. */
    private Node[] twoAgents(IceAgent a, IceAgent b, boolean natForA) {
        VirtualWire.Nat nat = null;
        if (natForA) {
            nat = new VirtualWire.Nat();
            nat.map(A_HOST, A_PUBLIC);
        }
        Node nodeA = wire.add("A", a, nat);
        Node nodeB = wire.add("B", b, null);
        VirtualWire.pairUp(nodeA, nodeB);
        a.addHostCandidate(A_HOST, wire.now);
        a.endOfHostCandidates();
        b.addHostCandidate(B_HOST, wire.now);
        b.endOfHostCandidates();
        return new Node[] {nodeA, nodeB};
    }

    private static List<StunMessage> stunSent(VirtualWire wire, Node from) {
        List<StunMessage> messages = new ArrayList<>();
        for (VirtualWire.Sent sent : wire.log) {
            if (sent.from() == from && (sent.bytes()[0] & 0xC0) == 0) {
                try {
                    messages.add(StunMessage.decode(sent.bytes()));
                } catch (Exception ignored) {
                    // not STUN
                }
            }
        }
        return messages;
    }

    @Test
    void twoAgentsOnAFlatNetworkConnectHostToHostWithinAFewRoundTrips() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 1), agent(IceRole.CONTROLLED, 2), false);
        Node a = nodes[0];
        Node b = nodes[1];

        boolean completed = wire.runUntil(() -> a.state() == IceConnectionState.COMPLETED
                && b.state() == IceConnectionState.COMPLETED, 10 * SECOND);

        assertThat(completed).isTrue();
        // Check, response, nomination and its response: two round trips, plus at most a Ta wait before each of
        // the two checks the controlling agent sends and one for the controlled agent's triggered check.
        assertThat(wire.now).isLessThanOrEqualTo(4 * DELAY + 3 * TA);
        CandidatePairStats pairA = a.agent.selectedPair().orElseThrow();
        CandidatePairStats pairB = b.agent.selectedPair().orElseThrow();
        assertThat(pairA.local().address()).isEqualTo(A_HOST);
        assertThat(pairA.remote().address()).isEqualTo(B_HOST);
        assertThat(pairB.local().address()).isEqualTo(B_HOST);
        assertThat(pairB.remote().address()).isEqualTo(A_HOST);
        assertThat(pairA.local().type()).isEqualTo(IceCandidate.Type.HOST);
        assertThat(pairA.remote().type()).isEqualTo(IceCandidate.Type.HOST);
        assertThat(pairA.nominated()).isTrue();
        assertThat(pairA.requestsSent()).isGreaterThanOrEqualTo(2);
        assertThat(pairA.responsesReceived()).isGreaterThanOrEqualTo(2);
        assertThat(pairA.lastRttNanos()).isEqualTo(2 * DELAY); // the virtual wire's exact round trip
        assertThat(a.states).containsSubsequence(IceConnectionState.CHECKING, IceConnectionState.CONNECTED,
                IceConnectionState.COMPLETED);
        assertThat(a.agent.role()).isEqualTo(IceRole.CONTROLLING);
        assertThat(b.agent.role()).isEqualTo(IceRole.CONTROLLED);
    }

    @Test
    void checksArePacedOnePerTaAcrossTheChecklist() {
        IceAgent a = agent(IceRole.CONTROLLING, 3);
        Node nodeA = wire.add("A", a, null);
        a.addHostCandidate(A_HOST, 0);
        a.setRemoteCredentials("remoteufrag", "remotepasswordremotepassword");
        for (int i = 1; i <= 5; i++) {
            a.addRemoteCandidate(new IceCandidate(Integer.toString(i), 1, IceCandidate.Transport.UDP,
                    IcePriorities.candidatePriority(IceCandidate.Type.HOST, 65535 - i, 1),
                    address("198.18.1." + i, 7000), IceCandidate.Type.HOST, null, null));
        }
        wire.runFor(SECOND);

        List<Long> firstTransmissions = new ArrayList<>();
        Set<TransactionId> seen = new HashSet<>();
        for (VirtualWire.Sent sent : wire.log) {
            TransactionId id = TransactionId.read(ByteBuffer.wrap(sent.bytes()), 8);
            if (sent.from() == nodeA && seen.add(id)) {
                firstTransmissions.add(sent.at());
            }
        }
        assertThat(firstTransmissions).hasSize(5);
        for (int i = 1; i < firstTransmissions.size(); i++) {
            assertThat(firstTransmissions.get(i) - firstTransmissions.get(i - 1)).isEqualTo(TA);
        }
        assertThat(a.state()).isEqualTo(IceConnectionState.CHECKING);
    }

    @Test
    void trickledCandidatesBeforeCredentialsAreKeptAndCandidatesAfterChecksStartedAreChecked() {
        IceAgent a = agent(IceRole.CONTROLLING, 4);
        IceAgent b = agent(IceRole.CONTROLLED, 5);
        Node nodeA = wire.add("A", a, null);
        Node nodeB = wire.add("B", b, null);
        nodeA.trickle = false;
        nodeB.trickle = false;
        IceCandidate hostA = a.addHostCandidate(A_HOST, 0);
        IceCandidate hostB = b.addHostCandidate(B_HOST, 0);
        // B hears of A's candidate before it has A's credentials: kept, and nothing is sent yet.
        b.addRemoteCandidate(VirtualWire.signalled(hostA));
        wire.runFor(200 * MS);
        assertThat(wire.log).noneMatch(sent -> sent.from() == nodeB);
        assertThat(b.state()).isEqualTo(IceConnectionState.NEW);

        // A gets B's credentials and first knows only a candidate of B that leads nowhere; checks start on it.
        a.setRemoteCredentials(b.localUfrag(), b.localPassword());
        a.addRemoteCandidate(new IceCandidate("99", 1, IceCandidate.Transport.UDP, 1000,
                address("198.18.9.9", 9), IceCandidate.Type.HOST, null, null));
        wire.runFor(300 * MS);
        assertThat(a.state()).isEqualTo(IceConnectionState.CHECKING);
        assertThat(wire.log).allMatch(sent -> sent.from() == nodeA && sent.remote().equals(address("198.18.9.9", 9)));

        // Then B's credentials and real candidate arrive while those checks run.
        b.setRemoteCredentials(a.localUfrag(), a.localPassword());
        a.addRemoteCandidate(VirtualWire.signalled(hostB));
        boolean connected = wire.runUntil(() -> connected(nodeA) && connected(nodeB), wire.now + 2 * SECOND);

        assertThat(connected).isTrue();
        assertThat(a.selectedPair().orElseThrow().remote().address()).isEqualTo(B_HOST);
        assertThat(b.selectedPair().orElseThrow().remote().address()).isEqualTo(A_HOST);
    }

    @Test
    void failsOnlyAfterEndOfCandidatesWhenNothingGetsThrough() {
        IceAgent a = agent(IceRole.CONTROLLING, 6);
        IceAgent b = agent(IceRole.CONTROLLED, 7);
        Node nodeA = wire.add("A", a, null);
        Node nodeB = wire.add("B", b, null);
        nodeA.trickle = false;
        nodeB.trickle = false;
        VirtualWire.pairUp(nodeA, nodeB);
        wire.drop = sent -> true;
        a.addHostCandidate(A_HOST, 0);
        a.endOfHostCandidates();
        a.addRemoteCandidate(VirtualWire.signalled(b.addHostCandidate(B_HOST, 0)));

        wire.runFor(60 * SECOND); // well past the checks' 39.5 s transaction timeout
        assertThat(a.pairStats()).allMatch(pair -> pair.state() == CandidatePairState.FAILED);
        assertThat(nodeA.states).doesNotContain(IceConnectionState.FAILED);
        assertThat(a.state()).isEqualTo(IceConnectionState.CHECKING);

        a.endOfRemoteCandidates();
        assertThat(a.state()).isEqualTo(IceConnectionState.FAILED);
    }

    @Test
    void peerReflexiveCandidateIsLearntFromTheCheckOfAnAgentBehindANat() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 8), agent(IceRole.CONTROLLED, 9), true);
        Node a = nodes[0];
        Node b = nodes[1];

        boolean connected = wire.runUntil(() -> connected(a) && connected(b), 5 * SECOND);

        assertThat(connected).isTrue();
        assertThat(b.agent.remoteCandidates()).anyMatch(candidate ->
                candidate.type() == IceCandidate.Type.PRFLX && candidate.address().equals(A_PUBLIC));
        CandidatePairStats pairB = b.agent.selectedPair().orElseThrow();
        assertThat(pairB.remote().type()).isEqualTo(IceCandidate.Type.PRFLX);
        assertThat(pairB.remote().address()).isEqualTo(A_PUBLIC);
        CandidatePairStats pairA = a.agent.selectedPair().orElseThrow();
        assertThat(pairA.local().type()).isEqualTo(IceCandidate.Type.PRFLX); // learnt from XOR-MAPPED-ADDRESS
        assertThat(pairA.local().address()).isEqualTo(A_PUBLIC);
        assertThat(pairA.local().base()).isEqualTo(A_HOST);
        assertThat(pairA.remote().address()).isEqualTo(B_HOST);
    }

    @Test
    void roleConflictIsRepairedWith487AndTheAgentsStillConnect() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 10), agent(IceRole.CONTROLLING, 11), false);
        Node a = nodes[0];
        Node b = nodes[1];

        boolean connected = wire.runUntil(() -> connected(a) && connected(b), 5 * SECOND);

        assertThat(connected).isTrue();
        assertThat(List.of(a.agent.role(), b.agent.role()))
                .containsExactlyInAnyOrder(IceRole.CONTROLLING, IceRole.CONTROLLED);
        List<StunMessage> sent = new ArrayList<>(stunSent(wire, a));
        sent.addAll(stunSent(wire, b));
        assertThat(sent).anyMatch(message -> message.messageClass() == StunClass.ERROR_RESPONSE
                && message.errorCode().map(ErrorCodeAttribute::code).orElse(0) == ErrorCodeAttribute.ROLE_CONFLICT);
        // The agent with the larger tie-breaker keeps the controlling role (RFC 8445 §7.3.1.1).
        Node winner = Long.compareUnsigned(a.agent.tieBreaker(), b.agent.tieBreaker()) >= 0 ? a : b;
        assertThat(winner.agent.role()).isEqualTo(IceRole.CONTROLLING);
        assertThat(a.agent.selectedPair().orElseThrow().remote().address()).isEqualTo(B_HOST);
        assertThat(b.agent.selectedPair().orElseThrow().remote().address()).isEqualTo(A_HOST);
    }

    @Test
    void checksWithAWrongPasswordOrUsernameGet401AndCreateNoPair() {
        IceAgent b = agent(IceRole.CONTROLLED, 12);
        b.addHostCandidate(B_HOST, 0);
        b.setRemoteCredentials("aaaaufrag", "thepeerspasswordthatisright");
        SplittableRandom random = new SplittableRandom(13);
        String[] usernames = {b.localUfrag() + ":aaaaufrag", "wrongufrag:aaaaufrag"};
        String[] passwords = {"notthepasswordbutlongenough", b.localPassword()};
        for (int i = 0; i < 2; i++) {
            StunMessage check = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, TransactionId.random(random),
                    new StringAttribute(StunAttributeType.USERNAME, usernames[i]),
                    NumberAttribute.uint32(StunAttributeType.PRIORITY, 1_862_270_975L),
                    NumberAttribute.uint64(StunAttributeType.ICE_CONTROLLING, 42));
            byte[] bytes = check.toBytes(StunMessage.Signing.integrity(StunCredentials.shortTermKey(passwords[i])));
            b.handleInput(B_HOST, A_HOST, ByteBuffer.wrap(bytes), MS);

            IceAgent.Transmit response = b.pollTransmit().orElseThrow();
            assertThat(response.remote()).isEqualTo(A_HOST);
            StunMessage decoded = decode(response.data());
            assertThat(decoded.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
            assertThat(decoded.errorCode().orElseThrow().code()).isEqualTo(ErrorCodeAttribute.UNAUTHENTICATED);
            assertThat(b.pollTransmit()).isEmpty();
        }
        assertThat(b.pairStats()).isEmpty();
        assertThat(b.remoteCandidates()).isEmpty();
        assertThat(b.state()).isEqualTo(IceConnectionState.NEW);
    }

    @Test
    void consentLossGoesDisconnectedThenFailedAfter30SecondsAndStopsSending() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 14), agent(IceRole.CONTROLLED, 15), false);
        Node a = nodes[0];
        Node b = nodes[1];
        assertThat(wire.runUntil(() -> connected(a) && connected(b), 5 * SECOND)).isTrue();
        wire.runFor(20 * SECOND); // consent checks keep it alive meanwhile
        assertThat(a.state()).isEqualTo(IceConnectionState.COMPLETED);

        long cut = wire.now;
        wire.drop = sent -> true;
        assertThat(wire.runUntil(() -> a.state() == IceConnectionState.DISCONNECTED, cut + 40 * SECOND)).isTrue();
        // The next consent check goes out within 6 s, and 5 s without an answer is DISCONNECTED.
        assertThat(wire.now - cut).isBetween(5 * SECOND, 11 * SECOND);

        assertThat(wire.runUntil(() -> a.state() == IceConnectionState.FAILED, cut + 60 * SECOND)).isTrue();
        long failedAt = wire.now;
        // RFC 7675 §5.1: 30 s after the last response, which came at most one consent interval before the cut.
        assertThat(failedAt - cut).isBetween(24 * SECOND, 30 * SECOND);
        assertThat(a.agent.send(ByteBuffer.wrap(new byte[] {23, 1}), failedAt)).isFalse();
        assertThat(a.agent.selectedPair()).isEmpty();
        wire.runFor(60 * SECOND);
        assertThat(wire.log).noneMatch(sent -> sent.from() == a && sent.at() > failedAt
                && sent.local().equals(A_HOST) && sent.remote().equals(B_HOST));
    }

    @Test
    void iceRestartAfterANatRebindingFindsTheNewMapping() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 16), agent(IceRole.CONTROLLED, 17), true);
        Node a = nodes[0];
        Node b = nodes[1];
        assertThat(wire.runUntil(() -> connected(a) && connected(b), 5 * SECOND)).isTrue();
        assertThat(b.agent.selectedPair().orElseThrow().remote().address()).isEqualTo(A_PUBLIC);

        InetSocketAddress rebound = address("198.19.0.1", 40001);
        a.nat.rebind(A_HOST, rebound);
        String oldUfrag = a.agent.localUfrag();
        a.agent.restart(wire.now);
        b.agent.restart(wire.now);
        VirtualWire.pairUp(a, b);
        assertThat(a.agent.localUfrag()).isNotEqualTo(oldUfrag);

        boolean reconnected = wire.runUntil(() -> connected(a) && connected(b)
                && b.agent.selectedPair().orElseThrow().remote().address().equals(rebound), wire.now + 5 * SECOND);

        assertThat(reconnected).isTrue();
        assertThat(a.agent.selectedPair().orElseThrow().local().address()).isEqualTo(rebound);
        assertThat(a.agent.send(ByteBuffer.wrap("after restart".getBytes(StandardCharsets.UTF_8)), wire.now)).isTrue();
        wire.runFor(100 * MS);
        assertThat(b.received()).anyMatch(data -> new String(data, StandardCharsets.UTF_8).equals("after restart"));
    }

    @Test
    void dataGoesOnTheFirstValidPairBeforeTheNominationAndIsReceived() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 24), agent(IceRole.CONTROLLED, 25), false);
        Node a = nodes[0];
        Node b = nodes[1];
        assertThat(b.agent.send(ByteBuffer.wrap(new byte[] {22}), 0)).isFalse(); // no valid pair yet

        // RFC 8445 §12.1: once B's own check has succeeded, data may go before anything is nominated.
        assertThat(wire.runUntil(() -> b.events.stream().anyMatch(IceEvent.Writable.class::isInstance),
                SECOND)).isTrue();
        assertThat(b.agent.selectedPair()).isEmpty();
        assertThat(connected(b)).isFalse();
        byte[] early = {22, 1, 2, 3};
        assertThat(b.agent.send(ByteBuffer.wrap(early), wire.now)).isTrue();
        wire.runFor(DELAY);
        assertThat(a.received()).containsExactly(early); // A answered B's check on that pair, so it accepts it

        assertThat(wire.runUntil(() -> connected(a) && connected(b), 5 * SECOND)).isTrue();
        assertThat(b.events.stream().filter(IceEvent.Writable.class::isInstance)).hasSize(1); // once per agent
        assertThat(a.events.stream().filter(IceEvent.Writable.class::isInstance)).hasSize(1);
    }

    @Test
    void dataSentOnTheSelectedPairArrivesIntactAndStrangersAreIgnored() {
        Node[] nodes = twoAgents(agent(IceRole.CONTROLLING, 18), agent(IceRole.CONTROLLED, 19), false);
        Node a = nodes[0];
        Node b = nodes[1];
        assertThat(a.agent.send(ByteBuffer.wrap(new byte[] {22}), 0)).isFalse(); // nothing selected yet
        assertThat(wire.runUntil(() -> connected(a) && connected(b), 5 * SECOND)).isTrue();

        byte[] payload = new byte[1200];
        new SplittableRandom(20).nextBytes(payload);
        payload[0] = 22; // a DTLS handshake record's first byte
        assertThat(a.agent.send(ByteBuffer.wrap(payload), wire.now)).isTrue();
        wire.runFor(100 * MS);
        assertThat(b.received()).hasSize(1);
        assertThat(b.received().get(0)).isEqualTo(payload);
        assertThat(a.agent.selectedPair().orElseThrow().bytesSent()).isEqualTo(1200);
        assertThat(b.agent.selectedPair().orElseThrow().bytesReceived()).isEqualTo(1200);

        b.agent.handleInput(B_HOST, address("198.18.7.7", 7777), ByteBuffer.wrap(payload), wire.now);
        assertThat(b.agent.pollEvent()).isEmpty();
    }

    @Test
    void serverReflexiveCandidateComesFromTheStunServerThenGatheringCompletes() {
        IceAgent a = new IceAgent(IceAgentConfig.builder(IceRole.CONTROLLING).stunServer(VirtualWire.STUN_SERVER)
                .build(), new SplittableRandom(21));
        VirtualWire.Nat nat = new VirtualWire.Nat();
        nat.map(A_HOST, A_PUBLIC);
        Node nodeA = wire.add("A", a, nat);
        a.addHostCandidate(A_HOST, 0);
        a.endOfHostCandidates();

        boolean complete = wire.runUntil(() -> nodeA.events.stream()
                .anyMatch(event -> event instanceof IceEvent.GatheringComplete), 5 * SECOND);

        assertThat(complete).isTrue();
        List<IceEvent> gathering = nodeA.events.stream()
                .filter(event -> event instanceof IceEvent.LocalCandidate || event instanceof IceEvent.GatheringComplete)
                .toList();
        assertThat(gathering).hasSize(3);
        IceCandidate host = ((IceEvent.LocalCandidate) gathering.get(0)).candidate();
        IceCandidate srflx = ((IceEvent.LocalCandidate) gathering.get(1)).candidate();
        assertThat(host.type()).isEqualTo(IceCandidate.Type.HOST);
        assertThat(srflx.type()).isEqualTo(IceCandidate.Type.SRFLX);
        assertThat(srflx.address()).isEqualTo(A_PUBLIC);
        assertThat(srflx.relatedAddress()).isEqualTo(A_HOST);
        assertThat(srflx.base()).isEqualTo(A_HOST);
        assertThat(srflx.priority()).isEqualTo(IcePriorities.candidatePriority(IceCandidate.Type.SRFLX,
                IcePriorities.localPreferenceOf(host.priority()), 1));
        assertThat(srflx.foundation()).isNotEqualTo(host.foundation());
        assertThat(gathering.get(2)).isInstanceOf(IceEvent.GatheringComplete.class);
        assertThat(wire.now).isEqualTo(2 * DELAY); // one round trip to the STUN server
    }

    @Test
    void mdnsCandidateWaitsForResolutionThenConnects() {
        IceAgent a = agent(IceRole.CONTROLLING, 22);
        IceAgent b = agent(IceRole.CONTROLLED, 23);
        Node nodeA = wire.add("A", a, null);
        Node nodeB = wire.add("B", b, null);
        nodeA.trickle = false;
        nodeB.trickle = false;
        VirtualWire.pairUp(nodeA, nodeB);
        a.addHostCandidate(A_HOST, 0);
        IceCandidate hostB = b.addHostCandidate(B_HOST, 0);
        IceCandidate hidden = IceCandidate.fromSdp(hostB.toSdpLine().withAddress("0b6a5d7e-1c2f-4d3a-9e8b-7f6a5b4c3d2e.local"));
        assertThat(hidden.isResolved()).isFalse();
        a.addRemoteCandidate(hidden);
        wire.runFor(SECOND);
        assertThat(a.pairStats()).isEmpty();

        assertThat(a.resolveRemoteCandidate("0b6a5d7e-1c2f-4d3a-9e8b-7f6a5b4c3d2e.local",
                B_HOST.getAddress())).isEqualTo(1);
        boolean connected = wire.runUntil(() -> connected(nodeA) && connected(nodeB), wire.now + 5 * SECOND);
        assertThat(connected).isTrue();
        assertThat(a.selectedPair().orElseThrow().remote().address()).isEqualTo(B_HOST);
    }

    private static StunMessage decode(byte[] bytes) {
        try {
            return StunMessage.decode(bytes);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
