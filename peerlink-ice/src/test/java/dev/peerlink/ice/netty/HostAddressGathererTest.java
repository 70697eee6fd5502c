package dev.peerlink.ice.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.ice.netty.HostAddressGatherer.HostAddress;
import dev.peerlink.ice.netty.HostAddressGatherer.LocalInterface;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostAddressGathererTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static List<LocalInterface> machine() throws Exception {
        return List.of(
                new LocalInterface("lo", 1, true, true, false, List.of(ip("127.0.0.1"), ip("::1"))),
                new LocalInterface("eth0", 2, true, false, false,
                        List.of(ip("198.18.0.10"), ip("fe80::1"), ip("2001:db8::10"))),
                new LocalInterface("tun0", 3, true, false, true, List.of(ip("198.18.9.1"))),
                new LocalInterface("eth1", 4, false, false, false, List.of(ip("198.18.1.10"))),
                new LocalInterface("plh1", 5, true, false, false, List.of(ip("198.19.0.1"))));
    }

    private static List<String> addresses(List<HostAddress> chosen) {
        return chosen.stream().map(address -> address.address().getHostAddress()).toList();
    }

    @Test
    void defaultsSkipLoopbackPointToPointDownInterfacesAndLinkLocalIpv6() throws Exception {
        List<HostAddress> chosen = HostAddressGatherer.defaults().select(machine());
        assertThat(addresses(chosen)).containsExactly("198.18.0.10", "2001:db8:0:0:0:0:0:10", "198.19.0.1");
        assertThat(chosen.get(0).interfaceName()).isEqualTo("eth0");
        assertThat(chosen.get(0).interfaceIndex()).isEqualTo(2);
    }

    @Test
    void allowancesBringBackWhatTheDefaultsSkip() throws Exception {
        HostAddressGatherer everything = HostAddressGatherer.builder().allowLoopback(true).allowPointToPoint(true)
                .allowLinkLocalIpv6(true).build();
        assertThat(addresses(everything.select(machine()))).containsExactly("127.0.0.1", "0:0:0:0:0:0:0:1",
                "198.18.0.10", "fe80:0:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:10", "198.18.9.1", "198.19.0.1");
    }

    @Test
    void restrictsToExactlyOneAddress() throws Exception {
        assertThat(addresses(HostAddressGatherer.only(ip("198.19.0.1")).select(machine())))
                .containsExactly("198.19.0.1");
        assertThat(addresses(HostAddressGatherer.builder().allowLoopback(true).includeAddress("127.0.0.1").build()
                .select(machine()))).containsExactly("127.0.0.1");
    }

    @Test
    void filtersByInterfaceNameAndAddressBlock() throws Exception {
        assertThat(addresses(HostAddressGatherer.builder().includeInterface("eth0").build().select(machine())))
                .containsExactly("198.18.0.10", "2001:db8:0:0:0:0:0:10");
        assertThat(addresses(HostAddressGatherer.builder().excludeInterface("eth0").build().select(machine())))
                .containsExactly("198.19.0.1");
        assertThat(addresses(HostAddressGatherer.builder().includeAddress("198.18.0.0/15").excludeAddress(
                "198.19.0.0/16").build().select(machine()))).containsExactly("198.18.0.10");
        assertThat(addresses(HostAddressGatherer.builder().ipv4(false).build().select(machine())))
                .containsExactly("2001:db8:0:0:0:0:0:10");
        // Loopback stays out unless allowed, even when a filter names it.
        assertThat(HostAddressGatherer.builder().includeAddress("127.0.0.1").build().select(machine())).isEmpty();
    }

    @Test
    void gathersLoopbackFromThisMachine() throws Exception {
        List<HostAddress> chosen = HostAddressGatherer.builder().allowLoopback(true).includeAddress("127.0.0.1")
                .build().gather();
        assertThat(addresses(chosen)).containsExactly("127.0.0.1");
        assertThat(chosen.get(0).networkInterface()).isNotNull();
    }

    @Test
    void addressBlocksParseAndMatch() throws Exception {
        AddressPrefix block = AddressPrefix.parse("198.19.3.7/16");
        assertThat(block).hasToString("198.19.0.0/16");
        assertThat(block.contains(ip("198.19.255.255"))).isTrue();
        assertThat(block.contains(ip("198.18.0.1"))).isFalse();
        assertThat(block.contains(ip("::1"))).isFalse();
        assertThat(AddressPrefix.parse("fe80::/10").contains(ip("febf::1"))).isTrue();
        assertThat(AddressPrefix.parse("fe80::/10").contains(ip("fec0::1"))).isFalse();
        assertThat(AddressPrefix.parse("198.19.0.1").length()).isEqualTo(32);
        assertThat(AddressPrefix.parse("0.0.0.0/0").contains(ip("203.0.113.1"))).isTrue();
        assertThatThrownBy(() -> AddressPrefix.parse("198.19.0.0/33")).hasMessageContaining("0–32, not 33");
        assertThatThrownBy(() -> AddressPrefix.parse("example.com/8")).hasMessageContaining("\"example.com/8\"");
        assertThatThrownBy(() -> AddressPrefix.parse("10.0.0.0/x")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> HostAddressGatherer.builder().ipv4(false).ipv6(false).build())
                .hasMessageContaining("neither IPv4 nor IPv6");
    }
}
