package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static dev.peerlink.netsim.NetsimTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The network is fit for ICE tests: a STUN-like echo on the internet tells each host its server-reflexive address
 * (RFC 8445 §5.1.1.2), and two hosts then try to reach each other there, answering every probe where it came from
 * (as ICE's triggered checks do, RFC 8445 §7.3.1.4). Which NAT pairs connect is the well-known matrix.
 */
class HolePunchingTest {
    private final VirtualNetwork network = new VirtualNetwork(41);
    private final Host echo = network.internet().addHost("echo", Link.withDelay(Duration.ofMillis(15)));
    private final VirtualSocket echoSocket = NetsimTestSupport.startEcho(echo, 3478);

    /** A host's socket that learns its mapped address from the echo and answers probes. */
    private final class Peer {
        final VirtualSocket socket;
        final NatRouter nat;
        InetSocketAddress reflexive;
        final List<InetSocketAddress> heardFrom = new ArrayList<>();

        Peer(VirtualSocket socket, NatRouter nat) {
            this.socket = socket;
            this.nat = nat;
            socket.onReceive(in -> {
                if (in.source().equals(echoSocket.localAddress())) {
                    reflexive = NetsimTestSupport.parseEndpoint(text(in));
                    return;
                }
                heardFrom.add(in.source());
                if (text(in).equals("probe")) {
                    socket.send(in.source(), bytes("answer"));
                }
            });
        }

        void learnReflexiveAddress() {
            socket.send(echoSocket.localAddress(), bytes("binding request"));
        }
    }

    private enum Side {
        NO_NAT(null),
        FULL_CONE(NatBehavior.FULL_CONE),
        ADDRESS_RESTRICTED(NatBehavior.ADDRESS_RESTRICTED),
        PORT_RESTRICTED(NatBehavior.PORT_RESTRICTED),
        SYMMETRIC(NatBehavior.SYMMETRIC);

        final NatBehavior nat;

        Side(NatBehavior nat) {
            this.nat = nat;
        }
    }

    private int hosts;

    /** A peer on the internet itself, or behind a new NAT of the given kind on a 10 ms access link. */
    private Peer peer(Side side) {
        String name = "peer" + ++hosts;
        if (side.nat == null) {
            return new Peer(network.internet().addHost(name, Link.withDelay(Duration.ofMillis(10))).openUdpSocket(),
                    null);
        }
        NatRouter nat = network.addNatRouter(name + "-nat", side.nat);
        nat.outsideInterface().setLink(Link.withDelay(Duration.ofMillis(10)).withJitter(Duration.ofMillis(3)));
        return new Peer(nat.lan().addHost(name).openUdpSocket(), nat);
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aHostLearnsTheAddressItsNatMapsItTo(Side side) {
        Peer peer = peer(side);

        peer.learnReflexiveAddress();
        assertThat(network.runUntil(() -> peer.reflexive != null, Duration.ofSeconds(1))).isTrue();

        // Two crossings each way, 15 + 10 ms (+ up to 3 ms jitter behind a NAT) per direction.
        assertThat(network.nowNanos()).isBetween(50_000_000L, 56_000_000L);
        if (side.nat == null) {
            assertThat(peer.reflexive).isEqualTo(peer.socket.localAddress());
        } else {
            assertThat(peer.reflexive).isNotEqualTo(peer.socket.localAddress());
            assertThat(peer.reflexive.getAddress()).isEqualTo(peer.nat.publicAddress());
            assertThat(peer.nat.mappings()).extracting(NatMapping::external).containsExactly(peer.reflexive);
        }
    }

    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of(Side.FULL_CONE, Side.FULL_CONE, true),
                Arguments.of(Side.PORT_RESTRICTED, Side.PORT_RESTRICTED, true),
                Arguments.of(Side.ADDRESS_RESTRICTED, Side.SYMMETRIC, true),
                Arguments.of(Side.SYMMETRIC, Side.FULL_CONE, true),
                Arguments.of(Side.SYMMETRIC, Side.NO_NAT, true),
                Arguments.of(Side.PORT_RESTRICTED, Side.SYMMETRIC, false),
                Arguments.of(Side.SYMMETRIC, Side.SYMMETRIC, false));
    }

    @ParameterizedTest(name = "{0} with {1}: connects = {2}")
    @MethodSource("pairs")
    void holePunchingWorksExactlyWhereTheNatsAllowIt(Side left, Side right, boolean connects) {
        Peer a = peer(left);
        Peer b = peer(right);
        a.learnReflexiveAddress();
        b.learnReflexiveAddress();
        assertThat(network.runUntil(() -> a.reflexive != null && b.reflexive != null, Duration.ofSeconds(1))).isTrue();

        // Both probe the other's reflexive address five times, 50 ms apart, as ICE's paced checks would.
        for (int round = 0; round < 5; round++) {
            network.scheduleAfter(Duration.ofMillis(50L * round), () -> {
                a.socket.send(b.reflexive, bytes("probe"));
                b.socket.send(a.reflexive, bytes("probe"));
            });
        }
        boolean bothHeard = network.runUntil(() -> !a.heardFrom.isEmpty() && !b.heardFrom.isEmpty(),
                Duration.ofSeconds(2));

        assertThat(bothHeard).isEqualTo(connects);
        if (!connects) {
            assertThat(a.heardFrom).isEmpty();
            assertThat(b.heardFrom).isEmpty();
        }
    }

    @Test
    void twoFullConeHostsTalkDirectlyAtTheirReflexiveAddresses() {
        Peer a = peer(Side.FULL_CONE);
        Peer b = peer(Side.FULL_CONE);
        a.learnReflexiveAddress();
        b.learnReflexiveAddress();
        network.runFor(Duration.ofMillis(100));

        a.socket.send(b.reflexive, bytes("probe"));
        network.runFor(Duration.ofMillis(100));

        // Full cone: no need for B to open anything first, and B's answer comes back from A's own mapping.
        assertThat(b.heardFrom).containsExactly(a.reflexive);
        assertThat(a.heardFrom).containsExactly(b.reflexive);
    }
}
