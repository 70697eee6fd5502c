package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** NAT behind NAT (a home router behind a carrier-grade NAT), and NAT rebinding. */
class NatChainTest {
    private final VirtualNetwork network = new VirtualNetwork(37);
    private final Host echo = network.internet().addHost("echo");
    private final Host other = network.internet().addHost("other");
    private final VirtualSocket echoSocket = NetsimTestSupport.startEcho(echo, 3478);
    private final VirtualSocket otherSocket = other.openUdpSocket(7000);
    private final NatRouter carrier = network.addNatRouter("cgn", NatBehavior.PORT_RESTRICTED);
    private final NatRouter home = network.addNatRouter("home", NatBehavior.FULL_CONE, carrier.lan());
    private final VirtualSocket phone = home.lan().addHost("phone").openUdpSocket(5000);

    private InetSocketAddress askEcho() {
        phone.send(echoSocket.localAddress(), bytes("where am I?"));
        network.runFor(Duration.ofMillis(1));
        return NetsimTestSupport.parseEndpoint(NetsimTestSupport.text(phone.poll().orElseThrow()));
    }

    @Test
    void aHostBehindTwoNatsIsSeenAtTheOuterNatsAddressAndGetsReplies() {
        InetSocketAddress mapped = askEcho();

        assertThat(mapped.getAddress()).isEqualTo(carrier.publicAddress());
        assertThat(home.outsideAddress()).isNotEqualTo(carrier.publicAddress());
        assertThat(carrier.lan().subnet().contains(home.outsideAddress())).isTrue();
        for (NatRouter nat : new NatRouter[] {carrier, home}) {
            assertThat(nat.stats().translatedOutbound()).as(nat.name()).isEqualTo(1);
            assertThat(nat.stats().translatedInbound()).as(nat.name()).isEqualTo(1);
        }
        // The carrier's mapping is for the home router's outside address, not the phone's.
        assertThat(carrier.mappings().getFirst().internal().getAddress()).isEqualTo(home.outsideAddress());
    }

    @Test
    void rebindGivesTheFlowANewPublicPortAndTheOldOneStopsWorking() {
        InetSocketAddress before = askEcho();

        carrier.rebind();
        InetSocketAddress after = askEcho();
        echoSocket.send(before, bytes("to the old mapping"));
        network.runFor(Duration.ofMillis(1));

        assertThat(after.getAddress()).isEqualTo(before.getAddress());
        assertThat(after.getPort()).isNotEqualTo(before.getPort());
        assertThat(phone.queued()).isZero();
        assertThat(carrier.stats().droppedNoMapping()).isEqualTo(1);
    }

    @Test
    void flushForgetsFilterStateEvenWhenPortPreservationGivesTheSamePortBack() {
        InetSocketAddress before = askEcho();
        phone.send(otherSocket.localAddress(), bytes("hello other"));
        network.runFor(Duration.ofMillis(1));

        carrier.flushMappings();
        InetSocketAddress after = askEcho();
        otherSocket.send(after, bytes("other, no longer contacted"));
        network.runFor(Duration.ofMillis(1));

        assertThat(after).isEqualTo(before);
        assertThat(phone.queued()).isZero();
        assertThat(carrier.stats().droppedByFilter()).isEqualTo(1);
        assertThat(carrier.mappings()).singleElement()
                .satisfies(m -> assertThat(m.contacted()).containsExactly(echoSocket.localAddress()));
    }

    @Test
    void traceFollowsOnePacketThroughBothNatsByItsId() {
        network.setTracing(true);
        askEcho();

        String trace = network.traceText();
        assertThat(trace.lines().filter(l -> l.contains(" #1 ")).map(l -> l.split(" ")[3]).toList())
                .containsExactly("SENT", "TRANSLATED", "TRANSLATED", "DELIVERED");
        assertThat(trace).contains("home TRANSLATED #1 UDP " + home.outsideAddress().getHostAddress() + ":5000 > "
                + echo.address().getHostAddress() + ":3478 (1");
    }
}
