package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The same seed and scenario give the same run; another seed gives another. */
class DeterminismTest {
    private record Run(String trace, List<Long> arrivals) {
    }

    /** Two NATed hosts talk to an echo server across jittery, lossy links, with ephemeral ports. */
    private static Run scenario(long seed) {
        VirtualNetwork network = new VirtualNetwork(seed);
        network.setTracing(true);
        Link lossyJittery = Link.withDelay(Duration.ofMillis(15)).withJitter(Duration.ofMillis(10)).withLoss(0.05);
        Host server = network.internet().addHost("echo", lossyJittery);
        NetsimTestSupport.startEcho(server, 3478);
        NatRouter natA = network.addNatRouter("nat-a", NatBehavior.SYMMETRIC.withPortPreservation(false));
        NatRouter natB = network.addNatRouter("nat-b", NatBehavior.PORT_RESTRICTED);
        natA.outsideInterface().setLink(lossyJittery);
        VirtualSocket a = natA.lan().addHost("a").openUdpSocket();
        VirtualSocket b = natB.lan().addHost("b").openUdpSocket();
        for (int i = 0; i < 50; i++) {
            int n = i;
            network.schedule(n * 3_000_000L, () -> {
                a.send(new java.net.InetSocketAddress(server.address(), 3478), bytes("a" + n));
                b.send(new java.net.InetSocketAddress(server.address(), 3478), bytes("b" + n));
            });
        }
        network.runFor(Duration.ofSeconds(1));
        List<Long> arrivals = new java.util.ArrayList<>();
        NetsimTestSupport.drain(a).forEach(d -> arrivals.add(d.arrivalNanos()));
        NetsimTestSupport.drain(b).forEach(d -> arrivals.add(d.arrivalNanos()));
        return new Run(network.traceText(), arrivals);
    }

    @Test
    void theSameSeedGivesTheIdenticalTraceAndArrivalTimes() {
        Run first = scenario(42);
        Run second = scenario(42);

        assertThat(first.arrivals()).hasSizeGreaterThan(80);
        assertThat(second.trace()).isEqualTo(first.trace());
        assertThat(second.arrivals()).isEqualTo(first.arrivals());
        assertThat(first.trace()).contains("TRANSLATED", "LOST", "DELIVERED");
    }

    @Test
    void anotherSeedChangesTheJitteredArrivalTimes() {
        assertThat(scenario(43).arrivals()).isNotEqualTo(scenario(42).arrivals());
    }
}
