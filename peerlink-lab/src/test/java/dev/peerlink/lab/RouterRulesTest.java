package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exact rules behind each NAT kind (docs/lab.md quotes them); no root needed. */
class RouterRulesTest {
    private static final InetAddress WAN = LabTopology.ipv4(198, 18, 0, 11);
    private static final InetAddress HOST = LabTopology.ipv4(198, 18, 11, 2);

    private static List<String> lines(NatKind kind) {
        return RouterRules.forKind(kind, WAN, HOST).stream().map(RouterRules.RuleCommand::toString).toList();
    }

    @Test
    void portRestrictedIsPlainMasquerade() {
        assertThat(lines(NatKind.PORT_RESTRICTED))
                .containsExactly("iptables -t nat -A POSTROUTING -o wan -j MASQUERADE",
                        "iptables -A INPUT -i wan -m conntrack --ctstate NEW -j DROP");
    }

    @Test
    void symmetricIsMasqueradeWithRandomPorts() {
        assertThat(lines(NatKind.SYMMETRIC))
                .containsExactly("iptables -t nat -A POSTROUTING -o wan -j MASQUERADE --random-fully",
                        "iptables -A INPUT -i wan -m conntrack --ctstate NEW -j DROP");
    }

    @Test
    void fullConeIsSnatPlusDnatOfAllInboundUdp() {
        assertThat(lines(NatKind.FULL_CONE)).containsExactly(
                "iptables -t nat -A POSTROUTING -o wan -j SNAT --to-source 198.18.0.11",
                "iptables -t nat -A PREROUTING -i wan -p udp -j DNAT --to-destination 198.18.11.2");
    }

    @Test
    void addressRestrictedAddsAPerMappingAddressFilter() {
        List<RouterRules.RuleCommand> rules = RouterRules.forKind(NatKind.ADDRESS_RESTRICTED, WAN, HOST);
        assertThat(rules).hasSize(3);
        assertThat(rules.subList(0, 2)).isEqualTo(RouterRules.forKind(NatKind.FULL_CONE, WAN, HOST));
        RouterRules.RuleCommand filter = rules.get(2);
        assertThat(filter.argv()).containsExactly("nft", "-f", "-");
        assertThat(filter.stdin())
                .contains("type ipv4_addr . inet_service")
                .contains("iifname \"br\" oifname \"wan\" meta l4proto udp update @contacted { ip daddr . udp sport }")
                .contains("iifname \"wan\" oifname \"br\" meta l4proto udp ip saddr . udp dport != @contacted drop");
    }

    @Test
    void theFirewallDropsUdpAndLetsOnlyTcp443Out() {
        assertThat(lines(NatKind.FIREWALL_TCP_443)).containsExactly(
                "iptables -t nat -A POSTROUTING -o wan -j MASQUERADE",
                "iptables -P FORWARD DROP",
                "iptables -A FORWARD -i wan -o br -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
                "iptables -A FORWARD -i br -o wan -p tcp --dport 443 -j ACCEPT",
                "iptables -A FORWARD -i br -o wan -p udp -j DROP");
    }

    @Test
    void netemCarriesDelayJitterAndLoss() {
        Impairment impairment = Impairment.delay(Duration.ofMillis(50), Duration.ofMillis(10)).withLoss(2.5);
        assertThat(RouterRules.netem("wan", impairment).argv()).containsExactly(
                "tc", "qdisc", "add", "dev", "wan", "root", "netem", "delay", "50ms", "10ms", "loss", "2.5000%");
    }

    @Test
    void lossWithoutNetemDropsInBothDirections() {
        String script = RouterRules.nftLoss(Impairment.loss(12.5)).stdin();
        assertThat(script).contains("iifname \"wan\" numgen random mod 10000 < 1250 drop")
                .contains("oifname \"wan\" numgen random mod 10000 < 1250 drop");
        assertThat(RouterRules.nftLoss(Impairment.loss(100)).stdin()).contains("iifname \"wan\" drop")
                .contains("oifname \"wan\" drop");
    }
}
