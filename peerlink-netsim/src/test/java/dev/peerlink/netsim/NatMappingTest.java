package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.at;
import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 4787 §4.1 mapping behaviour and §4.2 port assignment. A LAN host sends from one socket to A:7000, A:7001 and
 * B:7000; the source each server sees is the mapping the NAT chose.
 */
class NatMappingTest {
    private final VirtualNetwork network = new VirtualNetwork(5);
    private final Host serverA = network.internet().addHost("server-a");
    private final Host serverB = network.internet().addHost("server-b");
    private final VirtualSocket a7000 = serverA.openUdpSocket(7000);
    private final VirtualSocket a7001 = serverA.openUdpSocket(7001);
    private final VirtualSocket b7000 = serverB.openUdpSocket(7000);

    /** The sources A:7000, A:7001 and B:7000 saw, in that order. */
    private List<InetSocketAddress> observedSources(NatRouter nat) {
        VirtualSocket socket = nat.lan().addHost("laptop").openUdpSocket(5000);
        for (VirtualSocket server : List.of(a7000, a7001, b7000)) {
            socket.send(server.localAddress(), bytes("hello"));
        }
        network.runFor(Duration.ofMillis(10));
        List<InetSocketAddress> seen = new ArrayList<>();
        for (VirtualSocket server : List.of(a7000, a7001, b7000)) {
            seen.add(server.poll().orElseThrow().source());
        }
        return seen;
    }

    private NatRouter nat(MappingBehavior mapping) {
        return network.addNatRouter("nat", NatBehavior.of(mapping, FilteringBehavior.ENDPOINT_INDEPENDENT));
    }

    @Test
    void endpointIndependentMappingShowsEveryDestinationTheSameAddress() {
        NatRouter nat = nat(MappingBehavior.ENDPOINT_INDEPENDENT);

        List<InetSocketAddress> seen = observedSources(nat);

        assertThat(seen).containsOnly(at(nat.publicAddress(), 5000));
        assertThat(nat.mappings()).hasSize(1);
        assertThat(nat.stats().translatedOutbound()).isEqualTo(3);
    }

    @Test
    void addressDependentMappingKeepsOneMappingPerDestinationAddress() {
        NatRouter nat = nat(MappingBehavior.ADDRESS_DEPENDENT);

        List<InetSocketAddress> seen = observedSources(nat);

        assertThat(seen.get(0)).isEqualTo(seen.get(1));
        assertThat(seen.get(2)).isNotEqualTo(seen.get(0));
        assertThat(seen).allMatch(s -> s.getAddress().equals(nat.publicAddress()));
        assertThat(nat.mappings()).hasSize(2);
    }

    @Test
    void addressAndPortDependentMappingGivesEveryDestinationItsOwnPort() {
        NatRouter nat = nat(MappingBehavior.ADDRESS_AND_PORT_DEPENDENT);

        List<InetSocketAddress> seen = observedSources(nat);

        assertThat(seen).doesNotHaveDuplicates().allMatch(s -> s.getAddress().equals(nat.publicAddress()));
        // Port preservation gives the first mapping the internal port; the others must take random ones.
        assertThat(seen.get(0).getPort()).isEqualTo(5000);
        assertThat(nat.mappings()).extracting(NatMapping::external).containsExactlyElementsOf(seen);
    }

    @Test
    void portPreservationKeepsTheInternalPortOnlyWhileItIsFree() {
        NatRouter nat = network.addNatRouter("nat", NatBehavior.FULL_CONE);
        VirtualSocket first = nat.lan().addHost("first").openUdpSocket(5000);
        VirtualSocket second = nat.lan().addHost("second").openUdpSocket(5000);

        first.send(a7000.localAddress(), bytes("1"));
        second.send(a7000.localAddress(), bytes("2"));
        network.runFor(Duration.ofMillis(1));

        List<InetSocketAddress> seen = NetsimTestSupport.sources(a7000);
        assertThat(seen.get(0).getPort()).isEqualTo(5000);
        assertThat(seen.get(1).getPort()).isNotEqualTo(5000).isBetween(1024, 65535);
    }

    @Test
    void withoutPortPreservationPortsAreRandomAndParityCanBeKept() {
        NatRouter plain = network.addNatRouter("plain", NatBehavior.SYMMETRIC.withPortPreservation(false));
        NatRouter parity = network.addNatRouter("parity",
                NatBehavior.SYMMETRIC.withPortPreservation(false).withPortParity(true));
        VirtualSocket viaPlain = plain.lan().addHost("p").openUdpSocket(5001);
        VirtualSocket viaParity = parity.lan().addHost("q").openUdpSocket(5001);
        for (int port = 8000; port < 8040; port++) {
            viaPlain.send(at(serverA.address(), port), bytes("x"));
            viaParity.send(at(serverA.address(), port), bytes("x"));
        }
        network.runFor(Duration.ofMillis(1));

        List<Integer> plainPorts = plain.mappings().stream().map(m -> m.external().getPort()).toList();
        List<Integer> parityPorts = parity.mappings().stream().map(m -> m.external().getPort()).toList();
        assertThat(plainPorts).hasSize(40).doesNotContain(5001).anyMatch(p -> p % 2 == 0);
        assertThat(parityPorts).hasSize(40).allMatch(p -> p % 2 == 1);
    }
}
