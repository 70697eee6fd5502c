package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 4787 §4.3: a mapping dies after its lifetime without outbound traffic; outbound traffic refreshes it. */
class NatLifetimeTest {
    private static final Duration LIFETIME = Duration.ofSeconds(30);

    private final VirtualNetwork network = new VirtualNetwork(17);
    private final Host serverA = network.internet().addHost("server-a");
    private final Host serverB = network.internet().addHost("server-b");
    private final VirtualSocket a = serverA.openUdpSocket(7000);
    private final VirtualSocket b = serverB.openUdpSocket(7000);

    private void at(long seconds, Runnable action) {
        network.schedule(Duration.ofSeconds(seconds).toNanos(), action);
    }

    @Test
    void outboundRefreshesAMappingAndIdlenessBeyondTheLifetimeEndsIt() {
        NatRouter nat = network.addNatRouter("nat",
                NatBehavior.PORT_RESTRICTED.withMappingLifetime(LIFETIME).withPortPreservation(false));
        VirtualSocket laptop = nat.lan().addHost("laptop").openUdpSocket(5000);
        laptop.send(a.localAddress(), bytes("to A"));
        laptop.send(b.localAddress(), bytes("to B"));
        network.runFor(Duration.ofMillis(1));
        InetSocketAddress firstMapping = a.poll().orElseThrow().source();

        at(29, () -> a.send(firstMapping, bytes("A at 29 s")));
        at(29, () -> laptop.send(a.localAddress(), bytes("refresh at 29 s")));
        at(58, () -> a.send(firstMapping, bytes("A at 58 s, alive thanks to the refresh")));
        at(88, () -> a.send(firstMapping, bytes("A at 88 s, 30 s idle")));
        network.runUntil(Duration.ofSeconds(89).toNanos());

        assertThat(NetsimTestSupport.drain(laptop)).extracting(NetsimTestSupport::text)
                .containsExactly("A at 29 s", "A at 58 s, alive thanks to the refresh");
        assertThat(nat.stats().mappingsExpired()).isEqualTo(1);
        assertThat(nat.stats().droppedNoMapping()).isEqualTo(1);
        assertThat(nat.mappings()).isEmpty();

        // The next outbound packet makes a new mapping whose filter knows only A, not B from before.
        laptop.send(a.localAddress(), bytes("again"));
        network.runFor(Duration.ofMillis(1));
        InetSocketAddress secondMapping = NetsimTestSupport.drain(a).getLast().source();
        b.send(secondMapping, bytes("B, contacted only by the old mapping"));
        a.send(secondMapping, bytes("A, contacted by the new one"));
        network.runFor(Duration.ofMillis(1));

        assertThat(nat.stats().mappingsCreated()).isEqualTo(2);
        assertThat(secondMapping).isNotEqualTo(firstMapping);
        assertThat(NetsimTestSupport.drain(laptop)).extracting(NetsimTestSupport::text)
                .containsExactly("A, contacted by the new one");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void inboundTrafficRefreshesOnlyWhenTheNatIsConfiguredTo(boolean inboundRefresh) {
        NatRouter nat = network.addNatRouter("nat",
                NatBehavior.FULL_CONE.withMappingLifetime(LIFETIME).withInboundRefresh(inboundRefresh));
        VirtualSocket laptop = nat.lan().addHost("laptop").openUdpSocket(5000);
        laptop.send(a.localAddress(), bytes("open"));
        network.runFor(Duration.ofMillis(1));
        InetSocketAddress mapped = a.poll().orElseThrow().source();
        for (long second : new long[] {10, 20, 29, 31, 50}) {
            at(second, () -> a.send(mapped, bytes(second + " s")));
        }
        network.runFor(Duration.ofMinutes(1));

        assertThat(NetsimTestSupport.drain(laptop)).extracting(NetsimTestSupport::text).containsExactlyElementsOf(
                inboundRefresh ? java.util.List.of("10 s", "20 s", "29 s", "31 s", "50 s")
                        : java.util.List.of("10 s", "20 s", "29 s"));
    }

    @Test
    void theDefaultLifetimeIsTwoMinutes() {
        NatRouter nat = network.addNatRouter("nat", NatBehavior.FULL_CONE);
        nat.lan().addHost("laptop").openUdpSocket(5000).send(a.localAddress(), bytes("open"));
        network.runFor(Duration.ofMillis(1));

        assertThat(nat.behavior().mappingLifetime()).isEqualTo(Duration.ofSeconds(120));
        assertThat(nat.mappings().getFirst().expiresAtNanos()).isEqualTo(Duration.ofSeconds(120).toNanos());
        network.runUntil(Duration.ofSeconds(120).toNanos() - 1);
        assertThat(nat.mappings()).hasSize(1);
        network.runFor(Duration.ofNanos(1));
        assertThat(nat.mappings()).isEmpty();
    }
}
