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
 * Two ICE agents, each on a host with no NAT or behind one NAT of each RFC 4787 kind, gather host and
 * server-reflexive candidates from a STUN server on the virtual internet, trickle them over a signaling channel
 * and run full ICE (RFC 8445) — for all 25 ordered pairs of {no NAT, full cone, address-restricted,
 * port-restricted, symmetric}. Ordered, not just the 15 unordered pairs: the prediction is symmetric in the two
 * NATs, but the agent is not — the controlling side nominates (RFC 8445 §8.1.1), and which side learns a
 * peer-reflexive candidate from a check and which one from a response depends on who sits behind which NAT, so
 * {@code A × B} and {@code B × A} run different code paths. Rows are the controlling agent, columns the controlled one.
 *
 * <p>Each cell must match {@link #predict}: whether it connects and the types of the selected pair's local and
 * remote candidates on both sides. The cells that cannot connect directly (symmetric × symmetric,
 * symmetric × port-restricted, in either order) need a TURN relay; the harness has no TURN server yet, so here they
 * must end FAILED once both sides' candidates are complete. A TURN server core and a TURN client core are being
 * written in parallel: when they land, the harness gets a TURN server on the internet segment and those cells switch
 * to expecting a relay candidate on the side(s) behind the symmetric NAT. The same holds for a host behind a
 * firewall that blocks UDP.
 *
 * <p>For every cell that connects, the virtual time until both agents are CONNECTED must be within
 * {@link #connectBoundNanos}: a few round trips of the path above the minimum. The matrix is printed to stdout
 * (it shows in the Maven test log) and recorded in docs/benchmarks.md, "ICE time to connected on the virtual
 * network". Times are virtual, computed from the configured delays, so they are the same on every machine.
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
            Access.PORT_RESTRICTED, Access.SYMMETRIC);

    // ------------------------------------------------------------------------------------------------ theory

    /**
     * What a cell should end with, as the controlling agent sees its selected pair; the controlled agent sees the
     * mirror image (its local type is the controlling side's remote type and the other way round).
     */
    record Prediction(boolean connects, Type controllingLocal, Type controllingRemote) {
        static Prediction connected(Type local, Type remote) {
            return new Prediction(true, local, remote);
        }

        static Prediction needsRelay() {
            return new Prediction(false, null, null);
        }

        String text() {
            return connects ? typeName(controllingLocal) + "/" + typeName(controllingRemote) : "FAILED (needs relay)";
        }
    }

    /**
     * The theory, per RFC 4787 and RFC 8445, for agents that gather host and server-reflexive candidates (no relay).
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
     *       everything sent to the srflx, which only ever talked to the STUN server. No direct path: needs a
     *       relay.</li>
     *   <li>Symmetric × symmetric: neither side can learn the port the other's NAT picks for it. Needs a relay.</li>
     * </ul>
     */
    static Prediction predict(Access controlling, Access controlled) {
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
            return Prediction.needsRelay();
        }
        Access cone = controllingSymmetric ? controlled : controlling;
        if (cone == Access.PORT_RESTRICTED) {
            return Prediction.needsRelay();
        }
        return controllingSymmetric ? Prediction.connected(Type.PRFLX, Type.SRFLX)
                : Prediction.connected(Type.SRFLX, Type.PRFLX);
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
     */
    static long minimumNanos(IceNetworkHarness harness, Access a, Access b) {
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
        return minimumNanos(harness, a, b) + pathRoundTripNanos(harness, a, b) + 4 * TA_NANOS;
    }

    static long pathRoundTripNanos(IceNetworkHarness harness, Access a, Access b) {
        return 2 * harness.oneWayNanos(a, b);
    }

    // ------------------------------------------------------------------------------------------------ running

    /** What one cell did. Times are virtual nanoseconds since the agents started. */
    record CellResult(Access controlling, Access controlled, boolean connected, long connectedNanos,
                      Type controllingLocal, Type controllingRemote, Type controlledLocal, Type controlledRemote,
                      IceConnectionState controllingEnd, IceConnectionState controlledEnd, long endNanos,
                      long minimumNanos, long boundNanos, long lostWhileConnecting, List<String> timeline) {
        String text() {
            if (!connected) {
                return "FAILED (needs relay)";
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

    /** The 25 cells, run once for every test here that needs them, and printed when first run. */
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

    @Test
    void behindAUdpBlockingFirewallNothingConnectsWithoutARelay() {
        for (Access other : List.of(Access.NO_NAT, Access.PORT_RESTRICTED)) {
            CellResult blockedControlling = runCell(SEED, Access.UDP_BLOCKING_FIREWALL, other, LAN, INTERNET_LEG);
            CellResult blockedControlled = runCell(SEED, other, Access.UDP_BLOCKING_FIREWALL, LAN, INTERNET_LEG);
            for (CellResult cell : List.of(blockedControlling, blockedControlled)) {
                System.out.println(cell.controlling().label + " × " + cell.controlled().label + ": " + cell.text()
                        + " at " + Math.round(cell.endNanos() / 1e6) + " ms");
                assertThat(cell.connected()).isFalse();
                assertThat(List.of(cell.controllingEnd(), cell.controlledEnd()))
                        .containsOnly(IceConnectionState.FAILED);
            }
        }
    }

    /**
     * 0–5 ms jitter and 1 % loss on every link (about 4 % per packet between two NATed hosts, which crosses four
     * links): lost checks and STUN requests are retransmitted (RFC 8445 §14.3, RFC 8489 §6.2.1) and ICE still
     * connects, with the pair theory predicts. Each cell runs with ten seeds; across them, packets are lost while
     * connecting, so the retransmissions are exercised.
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
                new Access[] {Access.PORT_RESTRICTED, Access.NO_NAT});
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
                        .as(name + " selected pair").containsExactly(typeName(predicted.controllingLocal()),
                                typeName(predicted.controllingRemote()));
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
