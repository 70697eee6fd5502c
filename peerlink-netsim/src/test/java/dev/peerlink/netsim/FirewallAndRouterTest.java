package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.at;
import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Routers without NAT: a public LAN is reachable at its own addresses; the UDP-blocking firewall passes no UDP. */
class FirewallAndRouterTest {
    private final VirtualNetwork network = new VirtualNetwork(31);
    private final Host server = network.internet().addHost("server");
    private final VirtualSocket serverSocket = server.openUdpSocket(3478);

    @Test
    void theUdpBlockingFirewallDropsEverythingInBothDirections() {
        ForwardingRouter firewall = network.addUdpBlockingFirewall("firewall");
        Host office = firewall.lan().addHost("office");
        VirtualSocket officeSocket = office.openUdpSocket(5000);
        network.setTracing(true);

        officeSocket.send(serverSocket.localAddress(), bytes("out"));
        serverSocket.send(officeSocket.localAddress(), bytes("in"));
        network.runFor(Duration.ofSeconds(1));

        assertThat(serverSocket.queued()).isZero();
        assertThat(officeSocket.queued()).isZero();
        assertThat(firewall.droppedByFirewall()).isEqualTo(2);
        assertThat(firewall.forwarded()).isZero();
        assertThat(firewall.blockedProtocols()).containsExactly(Protocol.UDP);
        assertThat(network.trace()).filteredOn(e -> e.action() == TraceAction.DROPPED_BY_FIREWALL)
                .extracting(TraceEntry::node).containsExactly("firewall", "firewall");
    }

    @Test
    void aPlainRouterForwardsBothWaysWithoutTranslating() {
        ForwardingRouter router = network.addRouter("router");
        VirtualSocket officeSocket = router.lan().addHost("office").openUdpSocket(5000);

        officeSocket.send(serverSocket.localAddress(), bytes("out"));
        network.runFor(Duration.ofMillis(1));
        serverSocket.send(officeSocket.localAddress(), bytes("in, unsolicited"));
        network.runFor(Duration.ofMillis(1));

        assertThat(serverSocket.poll()).hasValueSatisfying(
                d -> assertThat(d.source()).isEqualTo(officeSocket.localAddress()));
        assertThat(officeSocket.poll()).hasValueSatisfying(
                d -> assertThat(NetsimTestSupport.text(d)).isEqualTo("in, unsolicited"));
        assertThat(router.forwarded()).isEqualTo(2);
    }

    @Test
    void lansBehindNestedRoutersAreReachableFromTheInternet() {
        ForwardingRouter campus = network.addRouter("campus");
        ForwardingRouter lab = network.addRouter("lab", campus.lan());
        VirtualSocket bench = lab.lan().addHost("bench").openUdpSocket(9000);

        serverSocket.send(bench.localAddress(), bytes("deep"));
        network.runFor(Duration.ofMillis(1));
        bench.send(serverSocket.localAddress(), bytes("back"));
        network.runFor(Duration.ofMillis(1));

        assertThat(bench.poll()).isPresent();
        assertThat(serverSocket.poll()).hasValueSatisfying(d -> assertThat(d.source()).isEqualTo(bench.localAddress()));
        assertThat(campus.forwarded()).isEqualTo(2);
        assertThat(lab.forwarded()).isEqualTo(2);
    }

    @Test
    void packetsToAddressesNobodyHasAreDroppedAsUnroutable() {
        network.setTracing(true);

        serverSocket.send(at(Ipv4Subnet.parse("198.18.200.0/24").addressAt(7), 1), bytes("void"));
        network.runFor(Duration.ofMillis(1));

        assertThat(network.trace()).extracting(TraceEntry::action)
                .containsExactly(TraceAction.SENT, TraceAction.DROPPED_NO_ROUTE);
    }
}
