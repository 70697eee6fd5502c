package dev.peerlink.ice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.ice.IceCandidate.Type;
import dev.peerlink.ice.IceNetworkHarness.Access;
import dev.peerlink.ice.IceNetworkHarness.Peer;
import dev.peerlink.netsim.Link;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Two ICE agents, each on a host with no NAT, behind one NAT of each RFC 4787 kind, or behind a firewall that drops
 * all UDP and lets TCP out to port 443 only, gather host, server-reflexive and relayed candidates from a STUN server
 * and a TURN server on the virtual internet (TURN over UDP on 3478 and over TLS on 443, RFC 8656 §3.1), trickle them
 * over a signaling channel and run full ICE (RFC 8445) — for all 36 ordered pairs of {no NAT, full cone,
 * address-restricted, port-restricted, symmetric, UDP blocked}. Ordered, not just the unordered pairs: the
 * prediction is symmetric in the two sides, but the agent is not — the controlling side nominates (RFC 8445
 * §8.1.1), and which side learns a peer-reflexive candidate from a check and which one from a response depends on
 * who sits behind which NAT, so {@code A × B} and {@code B × A} run different code paths. Rows are the controlling
 * agent, columns the controlled one.
 *
 * <p>Each cell must match {@link #predict}: the types of the selected pair's local and remote candidates on both
 * sides. The cells that cannot connect directly (symmetric × symmetric, symmetric × port-restricted, in either
 * order) connect through the TURN relay over UDP, with a relayed candidate on one side and a peer-reflexive one on
 * the other, as {@link #predict} derives. A host behind the UDP-blocking firewall connects only through its relay
 * allocated over TLS on 443 (its UDP Allocate is dropped like everything else over UDP). Every other cell keeps its
 * direct pair: a pair with a relayed candidate ranks below every direct one (type preference 0, RFC 8445
 * §5.1.2.2).
 *
 * <p>For every cell, the virtual time until both agents are CONNECTED must be within {@link #connectBoundNanos}: a
 * few round trips of the path above the minimum. The matrix is printed to stdout (it shows in the Maven test log)
 * and recorded in docs/benchmarks.md, "ICE time to connected on the virtual network". Times are virtual, computed
 * from the configured delays, so they are the same on every machine.
 */
class ConnectivityMatrixTest {
    static final long SEED = 20_261_121L;
    static final Duration SIGNALING_DELAY = Duration.ofMillis(50);
    static final Duration LAN_DELAY = Duration.ofMillis(10);
    /** Each internet-side interface's link: crossing the internet costs two of them, 30 ms one way. */
    static final Duration INTERNET_LEG_DELAY = Duration.ofMillis(15);
    static final Link LAN = Link.withDelay(LAN_DELAY);
    static final Link INTERNET_LEG = Link.withDelay(INTERNET_LEG_DELAY);
    /** RFC 8445 §14.2's default pacing, which {@link IceAgentConfig} uses. */
    static final long TA_NANOS = Duration.ofMillis(50).toNanos();
    /** Failing cells end when both agents' checks time out (39.5 s, RFC 8489 §6.2.1), well inside this. */
    static final Duration LIMIT = Duration.ofSeconds(120);

    static final List<Access> KINDS = List.of(Access.NO_NAT, Access.FULL_CONE, Access.ADDRESS_RESTRICTED,
            Access.PORT_RESTRICTED, Access.SYMMETRIC, Access.UDP_BLOCKING_FIREWALL);

    // ------------------------------------------------------------------------------------------------ theory

    /**
     * What a cell should end with, as the controlling agent sees its selected pair; the controlled agent sees the
     * mirror image (its local type is the controlling side's remote type and the other way round).
     */
    record Prediction(boolean connects, Type controllingLocal, Type controllingRemote) {
        static Prediction connected(Type local, Type remote) {
            return new Prediction(true, local, remote);
        }

        /** Whether the selected pair goes through the TURN relay. */
        boolean relayed() {
            return controllingLocal == Type.RELAY || controllingRemote == Type.RELAY;
        }

        String text() {
            return connects ? typeName(controllingLocal) + "/" + typeName(controllingRemote) : FAILED_TEXT;
        }
    }

    /** What a cell that did not connect shows. */
    static final String FAILED_TEXT = "FAILED";

    /**
     * The theory, per RFC 4787, RFC 8445 and RFC 8656, for agents that gather host, server-reflexive and relayed
     * candidates (both sides allocate on the same TURN server).
     *
     * <ul>
     *   <li>A host without NAT has a public host candidate; its srflx equals its host and is dropped as redundant
     *       (RFC 8445 §5.1.3). A host behind a NAT has a private host candidate the peer cannot reach (another LAN)
     *       and a srflx candidate: the NAT's mapping towards the STUN server.</li>
     *   <li>No NAT × no NAT: host to host.</li>
     *   <li>No NAT × NAT with endpoint-independent mapping (full cone, address- or port-restricted): the NATed side's
     *       checks to the public host leave from the same mapping the STUN server saw, so its response's
     *       XOR-MAPPED-ADDRESS names its srflx candidate (RFC 8445 §7.2.5.3.1), and the public side's checks reach
     *       that srflx address once the NATed side has sent to it (every filtering kind admits that, RFC 4787 §5).
     *       Selected: host/srflx from the public side, srflx/host from the NATed side.</li>
     *   <li>No NAT × symmetric (address-and-port-dependent mapping, RFC 4787 §4.1): the symmetric side's check to the
     *       public host gets a new mapping, unknown to anyone, so the public side learns it as a peer-reflexive
     *       remote candidate (RFC 8445 §7.3.1.3) and the symmetric side a peer-reflexive local one (§7.2.5.3.1);
     *       the public side's check to the signalled srflx is dropped (that mapping only ever sent to the STUN
     *       server), but its triggered check to the new mapping passes. Selected: host/prflx and prflx/host.</li>
     *   <li>Endpoint-independent × endpoint-independent (any filtering): both send checks srflx to srflx; a first
     *       check may be dropped by the peer's filter before the peer has sent towards it, but the peer's own check
     *       then opens this side's filter and is answered, and the triggered check back succeeds (the hole punch).
     *       Selected: srflx/srflx on both sides.</li>
     *   <li>Full cone or address-restricted × symmetric: the symmetric side's check to the peer's srflx comes from a
     *       new port. Endpoint-independent filtering admits it; address-dependent filtering admits it once the
     *       cone side has sent anything to the symmetric NAT's address, which its own (dropped) checks to the srflx
     *       there do. The cone side learns the new mapping as peer-reflexive and its triggered check there
     *       passes. Selected: srflx/prflx from the cone side, prflx/srflx from the symmetric side.</li>
     *   <li>Port-restricted × symmetric: port-restricted filtering admits only the exact address and port it sent
     *       to, and the symmetric side's new port is one it never learns; the other way, the symmetric NAT drops
     *       everything sent to the srflx, which only ever talked to the STUN server. No direct path: the relay.</li>
     *   <li>Symmetric × symmetric: neither side can learn the port the other's NAT picks for it. The relay.</li>
     *   <li>Relayed pairs: every pair with a relayed candidate has that candidate's priority as its smaller
     *       candidate priority (type preference 0), so it ranks below every direct pair (RFC 8445 §6.1.2.3) and is
     *       selected only where no direct pair works. Two relayed paths can work, and which one ends selected
     *       depends on who allocated the relay, not on who controls:
     *       <ol>
     *         <li>The symmetric side S checks from its host to the other side's relayed address. Its NAT opens a
     *             new mapping towards the relay; the other side's allocation holds a permission for S's NAT IP
     *             (installed for S's srflx candidate; permissions are per IP, RFC 8656 §9), so the relay passes the
     *             check and the other side learns the mapping as peer-reflexive (§7.3.1.3). The response and the
     *             triggered check come back from the relayed address the mapping was opened towards, which even a
     *             symmetric NAT's filter admits. Valid pair: S's prflx with the other side's relay.</li>
     *         <li>A port-restricted side P checks from its host to S's relayed address: its endpoint-independent
     *             mapping is its srflx, S's allocation has a permission for that IP, and the answer through S's
     *             relay passes P's filter, since P sent to that relayed address. Valid pair: P's srflx with S's
     *             relay. (Between two symmetric sides, this path is of the first kind in the other direction.)</li>
     *       </ol>
     *       Both pairs have the same smaller priority (relayed candidates of equal local preference), so the
     *       larger decides: a prflx candidate (type preference 110) beats a srflx one (100). Port-restricted ×
     *       symmetric, either order, ends on path 1: the port-restricted side's relay and the symmetric side's
     *       prflx — relay/prflx seen from the port-restricted side, prflx/relay from the symmetric one. Symmetric ×
     *       symmetric has path 1 both ways with equal priorities; the last term of the pair priority (G &gt; D ? 1 :
     *       0) favours the pair whose controlling-side candidate is the larger, the controlling side's prflx: the
     *       controlling agent sees prflx/relay, the controlled one relay/prflx.</li>
     *   <li>UDP blocked × anything: the firewalled side F has one usable candidate, its relay allocated over TLS
     *       (its host candidate and its UDP Allocate are dropped). The other side X checks F's relayed address from
     *       its host socket, through its NAT if any; F's allocation holds a permission for X's public IP (installed
     *       for X's srflx or host candidate, per IP, RFC 8656 §9), so the check passes, and X's local candidate in
     *       the valid pair is what its NAT shows: host without NAT, srflx behind an endpoint-independent mapping,
     *       prflx behind a symmetric NAT. Relay-to-relay pairs with X's own relays also work, but rank lower: their
     *       smaller priority is F's relay's too (a TLS relay ranks below a UDP one), and the larger is a relayed
     *       candidate (type preference 0) rather than host, srflx or prflx. UDP blocked × UDP blocked: both TLS
     *       relays, relay/relay.</li>
     * </ul>
     */
    static Prediction predict(Access controlling, Access controlled) {
        boolean controllingBlocked = controlling == Access.UDP_BLOCKING_FIREWALL;
        boolean controlledBlocked = controlled == Access.UDP_BLOCKING_FIREWALL;
        if (controllingBlocked || controlledBlocked) {
            return Prediction.connected(controllingBlocked ? Type.RELAY : seenThroughItsNat(controlling),
                    controlledBlocked ? Type.RELAY : seenThroughItsNat(controlled));
        }
        boolean controllingPublic = controlling == Access.NO_NAT;
        boolean controlledPublic = controlled == Access.NO_NAT;
        if (controllingPublic && controlledPublic) {
            return Prediction.connected(Type.HOST, Type.HOST);
        }
        if (controllingPublic) {
            return Prediction.connected(Type.HOST, mappedTypeSeenByPeer(controlled));
        }
        if (controlledPublic) {
            return Prediction.connected(mappedTypeSeenByPeer(controlling), Type.HOST);
        }
        boolean controllingSymmetric = controlling == Access.SYMMETRIC;
        boolean controlledSymmetric = controlled == Access.SYMMETRIC;
        if (!controllingSymmetric && !controlledSymmetric) {
            return Prediction.connected(Type.SRFLX, Type.SRFLX);
        }
        if (controllingSymmetric && controlledSymmetric) {
            return Prediction.connected(Type.PRFLX, Type.RELAY);
        }
        Access cone = controllingSymmetric ? controlled : controlling;
        if (cone == Access.PORT_RESTRICTED) {
            return controllingSymmetric ? Prediction.connected(Type.PRFLX, Type.RELAY)
                    : Prediction.connected(Type.RELAY, Type.PRFLX);
        }
        return controllingSymmetric ? Prediction.connected(Type.PRFLX, Type.SRFLX)
                : Prediction.connected(Type.SRFLX, Type.PRFLX);
    }

    /** The candidate type of the address a side's checks come from as seen outside: host, srflx, or prflx. */
    private static Type seenThroughItsNat(Access side) {
        return side == Access.NO_NAT ? Type.HOST : mappedTypeSeenByPeer(side);
    }

    /** How a peer sees the address a NATed side's checks come from: its srflx, or a new (prflx) mapping. */
    private static Type mappedTypeSeenByPeer(Access nated) {
        return nated == Access.SYMMETRIC ? Type.PRFLX : Type.SRFLX;
    }

    /**
     * The least virtual time ICE can take here: the signaling delay (credentials and host candidates arrive), then,
     * when both sides are behind NATs, the STUN round trip (the only reachable candidates are srflx ones, which
     * cannot be signalled before the STUN server answered; a host without NAT is reachable at its host candidate at
     * once, and the NATed side's checks to it need no srflx), then two round trips of the path — a check and its
     * response, then the controlling agent's nomination (a check with USE-CANDIDATE, RFC 8445 §8.1.1) and its
     * response.
     *
     * <p>Through the relay: no relayed path opens before one side checks the other's relayed candidate, which exists
     * after two TURN round trips (an Allocate answered 401 with the realm and nonce, then the authenticated
     * Allocate, RFC 8656 §7, RFC 8489 §9.2) and is then signalled. Then two relayed round trips (in to the relay and
     * out again each way): the check and the nomination. Either side's relay can carry the first nomination, so
     * this does not depend on who controls. (The TURN permission is no extra wait: it is installed at the server
     * half a TURN round trip after the allocation, before the first check can arrive there.)
     *
     * <p>Behind the UDP-blocking firewall, only the relay allocated over TLS works, and it exists after the TCP
     * handshake and the two Allocate round trips. (The virtual network carries the TLS stream as plain TCP; a real
     * TLS handshake would add one or two round trips.)
     */
    static long minimumNanos(IceNetworkHarness harness, Access a, Access b) {
        if (a == Access.UDP_BLOCKING_FIREWALL || b == Access.UDP_BLOCKING_FIREWALL) {
            // Only the TLS relay carries it: the TCP handshake, then the two Allocate round trips.
            Access blocked = Access.UDP_BLOCKING_FIREWALL;
            return SIGNALING_DELAY.toNanos() + 3 * harness.turnRoundTripNanos(blocked)
                    + 2 * relayedRoundTripNanos(harness, a, b);
        }
        if (predict(a, b).relayed()) {
            long allocation = 2 * Math.max(harness.turnRoundTripNanos(a), harness.turnRoundTripNanos(b));
            return SIGNALING_DELAY.toNanos() + allocation + 2 * relayedRoundTripNanos(harness, a, b);
        }
        long gathering = a.behindRouter() && b.behindRouter()
                ? Math.max(harness.stunRoundTripNanos(a), harness.stunRoundTripNanos(b)) : 0;
        return SIGNALING_DELAY.toNanos() + gathering + 2 * pathRoundTripNanos(harness, a, b);
    }

    /**
     * The bound a connecting cell must meet: the minimum plus one more path round trip and 4 Ta. The extra round
     * trip covers hole punching, where the first check through a restricting NAT can be dropped and the path opens
     * only when the peer's check comes the other way, so the successful check starts half a round trip late and its
     * triggered check back adds the rest. The 4 Ta cover pacing (RFC 8445 §6.1.4.2: one check per Ta): the
     * host-to-host check that goes first in each checklist, the wait before the check that works, the triggered
     * check, and the nomination.
     */
    static long connectBoundNanos(IceNetworkHarness harness, Access a, Access b) {
        long roundTrip = predict(a, b).relayed() ? relayedRoundTripNanos(harness, a, b)
                : pathRoundTripNanos(harness, a, b);
        return minimumNanos(harness, a, b) + roundTrip + 4 * TA_NANOS;
    }

    static long pathRoundTripNanos(IceNetworkHarness harness, Access a, Access b) {
        return 2 * harness.oneWayNanos(a, b);
    }

    static long relayedRoundTripNanos(IceNetworkHarness harness, Access a, Access b) {
        return 2 * harness.relayedOneWayNanos(a, b);
    }

    // ------------------------------------------------------------------------------------------------ running

    /** What one cell did. Times are virtual nanoseconds since the agents started. */
    record CellResult(Access controlling, Access controlled, boolean connected, long connectedNanos,
                      Type controllingLocal, Type controllingRemote, Type controlledLocal, Type controlledRemote,
                      IceConnectionState controllingEnd, IceConnectionState controlledEnd, long endNanos,
                      long minimumNanos, long boundNanos, long lostWhileConnecting, List<String> timeline) {
        String text() {
            if (!connected) {
                return FAILED_TEXT;
            }
            return typeName(controllingLocal) + "/" + typeName(controllingRemote) + " "
                    + Math.round(connectedNanos / 1e6) + " ms";
        }
    }

    static CellResult runCell(long seed, Access controlling, Access controlled, Link lan, Link internetLeg) {
        IceNetworkHarness harness = new IceNetworkHarness(seed, lan, internetLeg, SIGNALING_DELAY);
        Peer a = harness.addPeer("A", controlling, IceRole.CONTROLLING);
        Peer b = harness.addPeer("B", controlled, IceRole.CONTROLLED);
        harness.connect(a, b);

        harness.runUntil(() -> (a.isConnected() && b.isConnected())
                || (a.state() == IceConnectionState.FAILED && b.state() == IceConnectionState.FAILED), LIMIT);
        boolean connected = a.isConnected() && b.isConnected();
        long lostWhileConnecting = harness.network().lostPackets();
        long connectedNanos = connected ? Math.max(a.connectedAtNanos, b.connectedAtNanos) : -1;
        if (connected) {
            // Let the checks of better pairs end (an unreachable private host candidate keeps one in progress until
            // it times out), so the selected pair is final: COMPLETED on both sides.
            harness.runUntil(() -> a.state() == IceConnectionState.COMPLETED
                    && b.state() == IceConnectionState.COMPLETED, LIMIT);
        }
        CandidatePairStats pairA = a.agent.selectedPair().orElse(null);
        CandidatePairStats pairB = b.agent.selectedPair().orElse(null);
        List<String> timeline = new ArrayList<>();
        for (Peer peer : List.of(a, b)) {
            for (IceNetworkHarness.TimedEvent event : peer.events) {
                timeline.add(event.atNanos() + " " + peer.name + " " + event.event());
            }
        }
        return new CellResult(controlling, controlled, connected, connectedNanos,
                pairA == null ? null : pairA.local().type(), pairA == null ? null : pairA.remote().type(),
                pairB == null ? null : pairB.local().type(), pairB == null ? null : pairB.remote().type(),
                a.state(), b.state(), harness.nowNanos(), minimumNanos(harness, controlling, controlled),
                connectBoundNanos(harness, controlling, controlled), lostWhileConnecting, timeline);
    }

    static String typeName(Type type) {
        return type == null ? "-" : type.name().toLowerCase(Locale.ROOT);
    }

    /** The 36 cells, run once for every test here that needs them, and printed when first run. */
    private static final class Matrix {
        static final Map<String, CellResult> CELLS = run();

        private static Map<String, CellResult> run() {
            Map<String, CellResult> cells = new LinkedHashMap<>();
            for (Access controlling : KINDS) {
                for (Access controlled : KINDS) {
                    cells.put(key(controlling, controlled),
                            runCell(SEED, controlling, controlled, LAN, INTERNET_LEG));
                }
            }
            System.out.println(table(cells));
            return cells;
        }

        static String key(Access controlling, Access controlled) {
            return controlling.name() + "x" + controlled.name();
        }
    }

    static String table(Map<String, CellResult> cells) {
        StringBuilder text = new StringBuilder();
        text.append("\nICE time to connected on the virtual network (seed ").append(SEED)
                .append("; LAN ").append(LAN_DELAY.toMillis()).append(" ms, internet ")
                .append(2 * INTERNET_LEG_DELAY.toMillis()).append(" ms one way, signaling ")
                .append(SIGNALING_DELAY.toMillis()).append(" ms, Ta 50 ms)\n")
                .append("Rows: controlling agent; columns: controlled agent. Cell: the selected pair's local/remote"
                        + " candidate types as the controlling agent sees them, and the virtual time from start until"
                        + " both agents are CONNECTED.\n\n");
        text.append("| controlling \\ controlled |");
        for (Access controlled : KINDS) {
            text.append(' ').append(controlled.label).append(" |");
        }
        text.append("\n|---|");
        text.append("---|".repeat(KINDS.size()));
        text.append('\n');
        for (Access controlling : KINDS) {
            text.append("| ").append(controlling.label).append(" |");
            for (Access controlled : KINDS) {
                text.append(' ').append(cells.get(Matrix.key(controlling, controlled)).text()).append(" |");
            }
            text.append('\n');
        }
        return text.toString();
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void everyCellConnectsOrFailsAsTheoryPredictsWithThePredictedCandidateTypes() {
        SoftAssertions softly = new SoftAssertions();
        for (Access controlling : KINDS) {
            for (Access controlled : KINDS) {
                CellResult cell = Matrix.CELLS.get(Matrix.key(controlling, controlled));
                Prediction predicted = predict(controlling, controlled);
                String name = controlling.label + " × " + controlled.label;
                softly.assertThat(cell.connected()).as(name + " connects").isEqualTo(predicted.connects());
                if (predicted.connects()) {
                    softly.assertThat(cell.controllingEnd()).as(name + " controlling end state")
                            .isEqualTo(IceConnectionState.COMPLETED);
                    softly.assertThat(cell.controlledEnd()).as(name + " controlled end state")
                            .isEqualTo(IceConnectionState.COMPLETED);
                    softly.assertThat(List.of(typeName(cell.controllingLocal()), typeName(cell.controllingRemote())))
                            .as(name + " controlling agent's selected pair (local, remote)")
                            .containsExactly(typeName(predicted.controllingLocal()),
                                    typeName(predicted.controllingRemote()));
                    softly.assertThat(List.of(typeName(cell.controlledLocal()), typeName(cell.controlledRemote())))
                            .as(name + " controlled agent's selected pair (local, remote)")
                            .containsExactly(typeName(predicted.controllingRemote()),
                                    typeName(predicted.controllingLocal()));
                } else {
                    // RFC 8838 §8: FAILED only once both sides' candidates are complete and every check failed.
                    softly.assertThat(List.of(cell.controllingEnd(), cell.controlledEnd())).as(name + " end states")
                            .containsOnly(IceConnectionState.FAILED);
                    softly.assertThat(cell.endNanos()).as(name + " fails after its checks time out")
                            .isGreaterThanOrEqualTo(Duration.ofMillis(39_500).toNanos());
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void timeToConnectedIsWithinAFewRoundTripsOfTheMinimumForThePath() {
        SoftAssertions softly = new SoftAssertions();
        for (CellResult cell : Matrix.CELLS.values()) {
            if (cell.connected()) {
                softly.assertThat(cell.connectedNanos())
                        .as(cell.controlling().label + " × " + cell.controlled().label + ": time to connected (ns)")
                        .isBetween(cell.minimumNanos(), cell.boundNanos());
            }
        }
        softly.assertAll();
    }

    @Test
    void theSameSeedGivesTheSameCellTwice() {
        Link lossyLan = LAN.withJitter(Duration.ofMillis(5)).withLoss(0.01);
        Link lossyLeg = INTERNET_LEG.withJitter(Duration.ofMillis(5)).withLoss(0.01);
        CellResult first = runCell(7, Access.FULL_CONE, Access.SYMMETRIC, lossyLan, lossyLeg);
        CellResult second = runCell(7, Access.FULL_CONE, Access.SYMMETRIC, lossyLan, lossyLeg);

        assertThat(second).isEqualTo(first); // every time, type and event, in order
        assertThat(first.timeline()).isNotEmpty();
    }

    /**
     * With loss, a srflx prediction may show as prflx at the same address: when a NATed side's Binding request to
     * the STUN server is lost and its check succeeds before the retransmission is answered, it learns its mapping
     * as a peer-reflexive candidate from the check's response (RFC 8445 §7.2.5.3.1), and the srflx candidate
     * gathered later at that address is redundant with it (§5.1.3, the lower priority goes). The peer likewise knows
     * that address from the check as peer-reflexive.
     */
    private static Type lossTolerant(Type predicted, Type actual) {
        return predicted == Type.SRFLX && actual == Type.PRFLX ? Type.PRFLX : predicted;
    }

    /**
     * 0–5 ms jitter and 1 % loss on every link (about 4 % per packet between two NATed hosts, which crosses four
     * links): lost checks and STUN requests are retransmitted (RFC 8445 §14.3, RFC 8489 §6.2.1) and ICE still
     * connects, with the pair theory predicts (see {@link #lossTolerant}); the relayed cells too, where lost
     * Allocate, CreatePermission and relayed checks are retransmitted as well, and behind the firewall, lost TCP
     * segments to the TLS relay are retransmitted (RFC 6298). Each cell runs with ten seeds; across
     * them, packets are lost while connecting, so the retransmissions are exercised.
     */
    @Test
    void connectsDespiteJitterAndLoss() {
        Link lossyLan = LAN.withJitter(Duration.ofMillis(5)).withLoss(0.01);
        Link lossyLeg = INTERNET_LEG.withJitter(Duration.ofMillis(5)).withLoss(0.01);
        List<Access[]> cells = List.of(
                new Access[] {Access.PORT_RESTRICTED, Access.PORT_RESTRICTED},
                new Access[] {Access.FULL_CONE, Access.SYMMETRIC},
                new Access[] {Access.SYMMETRIC, Access.ADDRESS_RESTRICTED},
                new Access[] {Access.NO_NAT, Access.SYMMETRIC},
                new Access[] {Access.ADDRESS_RESTRICTED, Access.PORT_RESTRICTED},
                new Access[] {Access.PORT_RESTRICTED, Access.NO_NAT},
                new Access[] {Access.SYMMETRIC, Access.PORT_RESTRICTED},
                new Access[] {Access.SYMMETRIC, Access.SYMMETRIC},
                new Access[] {Access.UDP_BLOCKING_FIREWALL, Access.SYMMETRIC},
                new Access[] {Access.PORT_RESTRICTED, Access.UDP_BLOCKING_FIREWALL});
        SoftAssertions softly = new SoftAssertions();
        long lostOverall = 0;
        for (Access[] cell : cells) {
            Prediction predicted = predict(cell[0], cell[1]);
            long fastest = Long.MAX_VALUE;
            long slowest = 0;
            long lost = 0;
            for (long seed = 1; seed <= 10; seed++) {
                CellResult result = runCell(seed, cell[0], cell[1], lossyLan, lossyLeg);
                String name = cell[0].label + " × " + cell[1].label + " with jitter and 1 % loss, seed " + seed;
                lost += result.lostWhileConnecting();
                softly.assertThat(result.connected()).as(name + " connects").isTrue();
                softly.assertThat(List.of(typeName(result.controllingLocal()), typeName(result.controllingRemote())))
                        .as(name + " selected pair").containsExactly(
                                typeName(lossTolerant(predicted.controllingLocal(), result.controllingLocal())),
                                typeName(lossTolerant(predicted.controllingRemote(), result.controllingRemote())));
                // A lost check costs its retransmission timeout (500 ms, then doubling): a few of those at most.
                softly.assertThat(result.connectedNanos()).as(name + " time to connected")
                        .isLessThan(Duration.ofSeconds(5).toNanos());
                fastest = Math.min(fastest, result.connectedNanos());
                slowest = Math.max(slowest, result.connectedNanos());
            }
            lostOverall += lost;
            System.out.println(cell[0].label + " × " + cell[1].label + ", jitter 0–5 ms and 1 % loss per link, seeds"
                    + " 1–10: " + predicted.text() + ", connected in " + Math.round(fastest / 1e6) + "–"
                    + Math.round(slowest / 1e6) + " ms; " + lost + " packets lost before both were connected");
        }
        softly.assertThat(lostOverall).as("packets lost while connecting, over all runs").isPositive();
        softly.assertAll();
    }
}
