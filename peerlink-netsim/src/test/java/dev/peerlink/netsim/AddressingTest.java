package dev.peerlink.netsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Addresses stay inside 198.18.0.0/15; ports come from the seed; mistakes are explained. */
class AddressingTest {
    private static final Ipv4Subnet BENCHMARKING = Ipv4Subnet.parse("198.18.0.0/15");

    @Test
    void everyAddressHandedOutIsInTheBenchmarkingRangeWithInternetAndLansApart() {
        VirtualNetwork network = new VirtualNetwork(3);
        Host server = network.internet().addHost("server");
        NatRouter nat = network.addNatRouter("nat", NatBehavior.PORT_RESTRICTED);
        Host alice = nat.lan().addHost("alice");
        ForwardingRouter firewall = network.addUdpBlockingFirewall("firewall");
        Host bob = firewall.lan().addHost("bob");
        NatRouter inner = network.addNatRouter("inner", NatBehavior.SYMMETRIC, nat.lan());
        Host carol = inner.lan().addHost("carol");

        List<InetAddress> all = new ArrayList<>(List.of(server.address(), alice.address(), bob.address(),
                carol.address(), nat.publicAddress(), nat.insideInterface().address(), firewall.outsideAddress(),
                firewall.insideInterface().address(), inner.outsideAddress(), inner.insideInterface().address()));
        assertThat(all).allMatch(BENCHMARKING::contains).doesNotHaveDuplicates();
        assertThat(List.of(server.address(), nat.publicAddress(), firewall.outsideAddress()))
                .allMatch(VirtualNetwork.INTERNET_SUBNET::contains);
        assertThat(nat.lan().subnet()).hasToString("198.19.1.0/24");
        assertThat(firewall.lan().subnet()).hasToString("198.19.2.0/24");
        assertThat(nat.insideInterface().address().getHostAddress()).isEqualTo("198.19.1.1");
        assertThat(alice.address().getHostAddress()).isEqualTo("198.19.1.2");
        assertThat(inner.outsideAddress().getHostAddress()).isEqualTo("198.19.1.3");
        assertThat(nat.lan().gateway()).contains(nat.insideInterface());
        assertThat(network.internet().gateway()).isEmpty();
    }

    @Test
    void ephemeralPortsAreDynamicPortsChosenByTheSeed() {
        List<Integer> first = ephemeralPorts(11);
        List<Integer> again = ephemeralPorts(11);
        List<Integer> other = ephemeralPorts(12);

        assertThat(first).allMatch(p -> p >= 49152 && p <= 65535).doesNotHaveDuplicates();
        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    private static List<Integer> ephemeralPorts(long seed) {
        Host host = new VirtualNetwork(seed).internet().addHost("h");
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ports.add(host.openUdpSocket().localAddress().getPort());
        }
        return ports;
    }

    @Test
    void mistakesAreRefusedWithSentencesNamingTheProblem() throws Exception {
        VirtualNetwork network = new VirtualNetwork(1);
        Host host = network.internet().addHost("h");
        host.openUdpSocket(4000);

        assertThatThrownBy(() -> host.openUdpSocket(4000))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already in use");
        assertThatThrownBy(() -> network.internet().addHost("h"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"h\" already exists");
        assertThatThrownBy(() -> network.internet().addHost("outside", InetAddress.getByName("10.0.0.1"), Link.IDEAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not inside internet");
        assertThatThrownBy(() -> host.openUdpSocket(InetAddress.getByName("198.18.9.9"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no interface");
        assertThatThrownBy(() -> host.openUdpSocket(4001).send(new java.net.InetSocketAddress(host.address(), 0),
                new byte[1])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> Ipv4Subnet.parse("198.18.0.1/16"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host bits");
        assertThatThrownBy(() -> new Link(java.time.Duration.ZERO, java.time.Duration.ZERO, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loss probability");
    }

    @Test
    void aChosenAddressIsUsedAndSkippedByLaterAllocations() throws Exception {
        VirtualNetwork network = new VirtualNetwork(1);
        InetAddress chosen = InetAddress.getByName("198.18.0.1");
        Host stun = network.internet().addHost("stun", chosen, Link.IDEAL);
        Host next = network.internet().addHost("next");

        assertThat(stun.address()).isEqualTo(chosen);
        assertThat(next.address().getHostAddress()).isEqualTo("198.18.0.2");
    }

    @Test
    void subnetsContainWhatTheirPrefixSays() {
        Ipv4Subnet lan = Ipv4Subnet.parse("198.19.7.0/24");

        assertThat(lan.size()).isEqualTo(256);
        assertThat(lan.addressAt(1).getHostAddress()).isEqualTo("198.19.7.1");
        assertThat(lan.contains(lan.addressAt(255))).isTrue();
        assertThat(lan.contains(Ipv4Subnet.parse("198.19.8.0/24").addressAt(0))).isFalse();
        assertThat(BENCHMARKING.contains(lan)).isTrue();
        assertThat(lan.contains(BENCHMARKING)).isFalse();
    }
}
