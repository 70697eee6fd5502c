package dev.peerlink.lab;

import static dev.peerlink.stun.client.NatBehavior.Behavior.ADDRESS_AND_PORT_DEPENDENT;
import static dev.peerlink.stun.client.NatBehavior.Behavior.ADDRESS_DEPENDENT;
import static dev.peerlink.stun.client.NatBehavior.Behavior.ENDPOINT_INDEPENDENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real kernel NATs in network namespaces, measured with RFC 5780 discovery against peerlink server on the lab's
 * internet: each NAT kind must show the RFC 4787 behaviour it was built for.
 */
class LabNatBehaviourTest {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(90);

    private static LabTopology lab;
    private static List<String> namespaces;
    private static final Map<String, NatTypeResult> measured = new LinkedHashMap<>();

    @BeforeAll
    static void buildLabAndMeasure() throws Exception {
        LabRequirements.requireRoot();
        lab = LabTopology.builder()
                .lan("full", NatKind.FULL_CONE)
                .lan("addr", NatKind.ADDRESS_RESTRICTED)
                .lan("port", NatKind.PORT_RESTRICTED)
                .lan("sym", NatKind.SYMMETRIC)
                .lan("fw", NatKind.FIREWALL_TCP_443)
                .lan("same", NatKind.PORT_RESTRICTED, 2, Impairment.NONE)
                .publicHost("pub")
                .build();
        namespaces = lab.namespaces();
        lab.startStunServer();
        Map<String, LabNode> from = new LinkedHashMap<>();
        for (Lan lan : lab.lans()) {
            from.put(lan.name(), lan.host());
        }
        from.put("pub", lab.publicHost("pub"));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<NatTypeResult>> running = new LinkedHashMap<>();
            from.forEach((name, host) -> running.put(name, pool.submit(() -> lab.discoverNat(host, PROBE_TIMEOUT))));
            for (Map.Entry<String, Future<NatTypeResult>> entry : running.entrySet()) {
                measured.put(entry.getKey(), entry.getValue().get());
            }
        }
        measured.forEach((name, result) -> System.out.println("nat-type behind " + name + ": " + result.summary()
                + " [" + result.local().orElse("-") + " -> " + result.mapped().orElse("-") + "]"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lab == null) {
            return;
        }
        lab.close();
        lab.close(); // twice is fine
        assertThat(LabTopology.listNamespaces()).doesNotContainAnyElementsOf(namespaces);
    }

    private static NatTypeResult measuredBehind(String name) {
        NatTypeResult result = measured.get(name);
        assertThat(result.error()).as(result.output()).isEmpty();
        return result;
    }

    @Test
    void fullConeIsEndpointIndependentMappingAndFiltering() {
        NatTypeResult result = measuredBehind("full");
        assertThat(result.mapping()).contains(ENDPOINT_INDEPENDENT);
        assertThat(result.filtering()).contains(ENDPOINT_INDEPENDENT);
        assertThat(result.mapped()).hasValueSatisfying(mapped -> assertThat(mapped)
                .startsWith(lab.lan("full").wanAddress().getHostAddress() + ":"));
    }

    @Test
    void addressRestrictedIsEndpointIndependentMappingWithAddressDependentFiltering() {
        NatTypeResult result = measuredBehind("addr");
        assertThat(result.mapping()).contains(ENDPOINT_INDEPENDENT);
        assertThat(result.filtering()).contains(ADDRESS_DEPENDENT);
        assertThat(result.behindNat()).isTrue();
    }

    @Test
    void portRestrictedIsLinuxConntrackDefault() {
        NatTypeResult result = measuredBehind("port");
        assertThat(result.mapping()).contains(ENDPOINT_INDEPENDENT);
        assertThat(result.filtering()).contains(ADDRESS_AND_PORT_DEPENDENT);
        assertThat(result.behindNat()).isTrue();
    }

    @Test
    void symmetricGivesEachDestinationItsOwnPort() {
        NatTypeResult result = measuredBehind("sym");
        assertThat(result.mapping()).contains(ADDRESS_AND_PORT_DEPENDENT);
        assertThat(result.filtering()).contains(ADDRESS_AND_PORT_DEPENDENT);
        assertThat(result.behindNat()).isTrue();
    }

    @Test
    void aHostOnTheInternetHasNoNat() {
        NatTypeResult result = measuredBehind("pub");
        assertThat(result.behindNat()).isFalse();
        assertThat(result.mapped()).contains(lab.publicHost("pub").address().getHostAddress() + ":"
                + result.local().orElseThrow().split(":")[1]);
        assertThat(result.mapping()).contains(ENDPOINT_INDEPENDENT);
        assertThat(result.filtering()).contains(ENDPOINT_INDEPENDENT);
    }

    @Test
    void theFirewallLetsOnlyTcpTo443Out() throws Exception {
        NatTypeResult natType = measured.get("fw");
        assertThat(natType.error()).as("UDP is blocked, so discovery cannot even start").isPresent();
        LabNode host = lab.lan("fw").host();
        InetSocketAddress udp = new InetSocketAddress(LabTopology.SERVER_PRIMARY, LabStunServer.PORT);
        InetSocketAddress tcp3478 = new InetSocketAddress(LabTopology.SERVER_PRIMARY, LabStunServer.PORT);
        InetSocketAddress tcp443 = new InetSocketAddress(LabTopology.SERVER_PRIMARY, LabStunServer.TCP_443);
        NatTypeResult over443 = lab.binding(host, "tcp", tcp443, PROBE_TIMEOUT);
        assertThat(over443.error()).as(over443.output()).isEmpty();
        assertThat(over443.mapped()).hasValueSatisfying(mapped -> assertThat(mapped)
                .startsWith(lab.lan("fw").wanAddress().getHostAddress() + ":"));
        assertThat(lab.binding(host, "tcp", tcp3478, PROBE_TIMEOUT).error()).isPresent();
        assertThat(lab.binding(host, "udp", udp, PROBE_TIMEOUT).error()).isPresent();
    }

    @Test
    void hostsOnTheSameLanReachEachOtherDirectlyAndShareOnePublicAddress() throws Exception {
        Lan same = lab.lan("same");
        NatTypeResult first = measuredBehind("same");
        assertThat(first.mapped()).hasValueSatisfying(mapped -> assertThat(mapped)
                .startsWith(same.wanAddress().getHostAddress() + ":"));
        LabNode host1 = same.hosts().get(0);
        LabNode host2 = same.hosts().get(1);
        try (LabProcess neighbour = lab.startStunServer(host1)) {
            NatTypeResult direct = lab.binding(host2, "udp",
                    new InetSocketAddress(host1.address(), LabStunServer.PORT), PROBE_TIMEOUT);
            assertThat(direct.error()).as(direct.output()).isEmpty();
            assertThat(direct.behindNat()).as("no NAT between neighbours").isFalse();
            assertThat(direct.mapped()).hasValueSatisfying(mapped -> assertThat(mapped)
                    .startsWith(host2.address().getHostAddress() + ":"));
        }
    }

    @Test
    void noTrafficCanLeaveTheLab() throws Exception {
        for (LabNode node : lab.nodes()) {
            String addresses = lab.exec(node, Duration.ofSeconds(10), "ip", "-4", "-o", "addr", "show").output();
            for (String line : addresses.strip().lines().toList()) {
                String cidr = line.trim().split("\\s+")[3];
                assertThat(cidr).as(node.role() + ": " + line).matches("(198\\.1[89]\\.\\d+\\.\\d+|127\\.0\\.0\\.1)/\\d+");
                if (cidr.startsWith("198.")) {
                    assertThat(cidr).startsWith("198.18.");
                }
            }
            String routes = lab.exec(node, Duration.ofSeconds(10), "ip", "-4", "route", "show").output();
            for (String route : routes.strip().lines().toList()) {
                assertThat(route).as(node.role()).matches("(198\\.18\\.\\d+\\.0/24 dev .*|default via 198\\.18\\.\\d+\\.\\d+ dev .*)");
            }
            boolean host = node.gateway().isPresent();
            // A route lookup only, nothing is sent: 192.0.2.1 (TEST-NET-1) stands for anywhere outside the lab.
            ExecResult outside = lab.exec(node, Duration.ofSeconds(10), "ip", "route", "get", "192.0.2.1");
            if (host) {
                assertThat(routes).as(node.role()).contains("default via " + node.gateway().get().getHostAddress());
            } else {
                assertThat(routes).as(node.role() + " has no default route").doesNotContain("default");
                assertThat(outside.succeeded()).as(node.role() + ": " + outside.output()).isFalse();
                assertThat(outside.output()).contains("unreachable");
            }
        }
        // The gateways never forward beyond the lab: the internet namespace has no route out and forwards nothing,
        // and routers have no default route.
        assertThat(lab.exec(lab.internet(), Duration.ofSeconds(10), "sysctl", "-n", "net.ipv4.ip_forward").output().strip())
                .isEqualTo("0");
        // Nothing of the lab is in this (the caller's) namespace: every veth was made inside the lab.
        String here = String.join("\n", new ProcessBuilder("ip", "-o", "link", "show").redirectErrorStream(true)
                .start().inputReader().lines().toList());
        assertThat(here).doesNotContain(lab.tag());
    }
}
