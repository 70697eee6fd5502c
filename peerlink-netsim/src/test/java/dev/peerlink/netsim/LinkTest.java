package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.MS;
import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Links: delay adds up per crossing, jitter stays in its bounds, loss follows its probability. */
class LinkTest {
    private final VirtualNetwork network = new VirtualNetwork(2024);

    @Test
    void arrivalIsTheSendTimePlusTheSendersAndReceiversDelays() {
        Host client = network.internet().addHost("client", Link.withDelay(Duration.ofMillis(30)));
        Host server = network.internet().addHost("server", Link.withDelay(Duration.ofMillis(5)));
        VirtualSocket from = client.openUdpSocket(1000);
        VirtualSocket to = server.openUdpSocket(2000);
        network.runFor(Duration.ofMillis(7));

        from.send(to.localAddress(), bytes("x"));
        network.runFor(Duration.ofMillis(34));
        assertThat(to.queued()).isZero();
        network.runFor(Duration.ofMillis(1));

        assertThat(to.poll()).hasValueSatisfying(d -> assertThat(d.arrivalNanos()).isEqualTo((7 + 30 + 5) * MS));
    }

    @Test
    void delayAcrossANatIsEveryCrossingAddedUp() {
        Host server = network.internet().addHost("server", Link.withDelay(Duration.ofMillis(20)));
        NatRouter nat = network.addNatRouter("nat", NatBehavior.FULL_CONE);
        nat.outsideInterface().setLink(Link.withDelay(Duration.ofMillis(8)));
        Host laptop = nat.lan().addHost("laptop", Link.withDelay(Duration.ofMillis(2)));
        VirtualSocket to = server.openUdpSocket(3478);

        laptop.openUdpSocket(5000).send(to.localAddress(), bytes("x"));
        network.runFor(Duration.ofSeconds(1));

        // laptop→LAN 2 ms, LAN→NAT 0 ms (ideal inside link), NAT→internet 8 ms, internet→server 20 ms.
        assertThat(to.poll()).hasValueSatisfying(d -> assertThat(d.arrivalNanos()).isEqualTo(30 * MS));
    }

    @Test
    void jitterAddsBetweenZeroAndItsBoundAndVariesFromPacketToPacket() {
        Link jittery = Link.withDelay(Duration.ofMillis(10)).withJitter(Duration.ofMillis(5));
        Host client = network.internet().addHost("client", jittery);
        Host server = network.internet().addHost("server");
        VirtualSocket from = client.openUdpSocket(1000);
        VirtualSocket to = server.openUdpSocket(2000);
        long[] sentAt = new long[1000];
        for (int i = 0; i < sentAt.length; i++) {
            int index = i;
            network.schedule(i * MS, () -> {
                sentAt[index] = network.nowNanos();
                from.send(to.localAddress(), bytes(Integer.toString(index)));
            });
        }
        network.runFor(Duration.ofSeconds(2));

        List<Long> delays = NetsimTestSupport.drain(to).stream()
                .map(d -> d.arrivalNanos() - sentAt[Integer.parseInt(NetsimTestSupport.text(d))]).toList();
        assertThat(delays).hasSize(1000).allMatch(d -> d >= 10 * MS && d <= 15 * MS);
        assertThat(delays.stream().distinct().count()).isGreaterThan(900);
        assertThat(delays.stream().mapToLong(Long::longValue).average().orElseThrow())
                .isBetween(12.0 * MS, 13.0 * MS);
    }

    @Test
    void lossOverTenThousandPacketsIsCloseToTheConfiguredProbability() {
        Host client = network.internet().addHost("client", Link.IDEAL.withLoss(0.1));
        Host server = network.internet().addHost("server");
        VirtualSocket from = client.openUdpSocket(1000);
        VirtualSocket to = server.openUdpSocket(2000);
        for (int i = 0; i < 10_000; i++) {
            from.send(to.localAddress(), bytes("p"));
        }
        network.runFor(Duration.ofMillis(1));

        long lost = 10_000 - to.receivedCount();
        // Binomial(10000, 0.1) has a standard deviation of 30: ±150 is five of them.
        assertThat(lost).isBetween(850L, 1150L);
        assertThat(network.lostPackets()).isEqualTo(lost);
    }

    @Test
    void aLinkSetToLoseEverythingCutsTheHostOffUntilItIsRestored() {
        Host client = network.internet().addHost("client");
        Host server = network.internet().addHost("server");
        VirtualSocket from = client.openUdpSocket(1000);
        VirtualSocket to = server.openUdpSocket(2000);

        client.interfaces().get(0).setLink(Link.IDEAL.withLoss(1));
        from.send(to.localAddress(), bytes("lost"));
        network.runFor(Duration.ofMillis(1));
        client.interfaces().get(0).setLink(Link.IDEAL);
        from.send(to.localAddress(), bytes("back"));
        network.runFor(Duration.ofMillis(1));

        assertThat(NetsimTestSupport.drain(to)).extracting(NetsimTestSupport::text).containsExactly("back");
    }
}
