package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.at;
import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RFC 4787 §5 filtering. The LAN host sends to A:pa; then A:pa, A:pb and B:pa send to its mapping. Endpoint-
 * independent filtering admits all three, address-dependent the two from A, address-and-port-dependent only A:pa.
 */
class NatFilteringTest {
    private final VirtualNetwork network = new VirtualNetwork(9);
    private final Host serverA = network.internet().addHost("server-a");
    private final Host serverB = network.internet().addHost("server-b");
    private final VirtualSocket aPa = serverA.openUdpSocket(7000);
    private final VirtualSocket aPb = serverA.openUdpSocket(7001);
    private final VirtualSocket bPa = serverB.openUdpSocket(7000);

    @ParameterizedTest
    @EnumSource(FilteringBehavior.class)
    void inboundPacketsPassExactlyAsTheFilteringBehaviourSays(FilteringBehavior filtering) {
        NatRouter nat = network.addNatRouter("nat", NatBehavior.of(MappingBehavior.ENDPOINT_INDEPENDENT, filtering));
        VirtualSocket laptop = nat.lan().addHost("laptop").openUdpSocket(5000);
        laptop.send(aPa.localAddress(), bytes("open"));
        network.runFor(Duration.ofMillis(1));
        InetSocketAddress mapped = aPa.poll().orElseThrow().source();

        aPa.send(mapped, bytes("A:pa"));
        aPb.send(mapped, bytes("A:pb"));
        bPa.send(mapped, bytes("B:pa"));
        network.runFor(Duration.ofMillis(1));

        List<String> delivered = NetsimTestSupport.drain(laptop).stream().map(NetsimTestSupport::text).toList();
        List<String> expected = switch (filtering) {
            case ENDPOINT_INDEPENDENT -> List.of("A:pa", "A:pb", "B:pa");
            case ADDRESS_DEPENDENT -> List.of("A:pa", "A:pb");
            case ADDRESS_AND_PORT_DEPENDENT -> List.of("A:pa");
        };
        assertThat(delivered).containsExactlyElementsOf(expected);
        assertThat(nat.stats().droppedByFilter()).isEqualTo(3 - expected.size());
        assertThat(nat.stats().translatedInbound()).isEqualTo(expected.size());
    }

    @ParameterizedTest
    @EnumSource(FilteringBehavior.class)
    void unsolicitedInboundWithoutAMappingIsAlwaysDropped(FilteringBehavior filtering) {
        NatRouter nat = network.addNatRouter("nat", NatBehavior.of(MappingBehavior.ENDPOINT_INDEPENDENT, filtering));
        VirtualSocket laptop = nat.lan().addHost("laptop").openUdpSocket(5000);
        network.setTracing(true);

        // Even endpoint-independent filtering needs a mapping: nothing on the LAN has sent yet.
        bPa.send(at(nat.publicAddress(), 5000), bytes("knock"));
        bPa.send(at(nat.insideInterface().address(), 5000), bytes("straight to the LAN"));
        network.runFor(Duration.ofMillis(1));

        assertThat(laptop.queued()).isZero();
        assertThat(nat.stats().droppedNoMapping()).isEqualTo(1);
        assertThat(network.trace()).extracting(TraceEntry::action).containsExactly(
                TraceAction.SENT, TraceAction.SENT, TraceAction.DROPPED_NO_ROUTE, TraceAction.DROPPED_NO_MAPPING);
    }
}
