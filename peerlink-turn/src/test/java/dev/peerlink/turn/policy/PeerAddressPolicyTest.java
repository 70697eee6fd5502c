package dev.peerlink.turn.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerAddressPolicyTest {
    private final PeerAddressPolicy defaults = PeerAddressPolicy.defaults();

    @ParameterizedTest(name = "{0} is refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1              | loopback (127.0.0.0/8)
            127.1.2.3              | loopback (127.0.0.0/8)
            0.0.0.0                | unspecified (0.0.0.0/8)
            ::1                    | loopback (::1/128)
            ::                     | unspecified (::/128)
            ::ffff:127.0.0.1       | loopback (127.0.0.0/8) via IPv4-mapped ::ffff:0:0/96
            ::127.0.0.1            | loopback (127.0.0.0/8) via IPv4-compatible ::/96
            2002:7f00:1::          | loopback (127.0.0.0/8) via 6to4 2002::/16
            64:ff9b::7f00:1        | loopback (127.0.0.0/8) via NAT64 64:ff9b::/96
            169.254.169.254        | link-local (169.254.0.0/16)
            ::ffff:169.254.169.254 | link-local (169.254.0.0/16) via IPv4-mapped ::ffff:0:0/96
            ::169.254.169.254      | link-local (169.254.0.0/16) via IPv4-compatible ::/96
            2002:a9fe:a9fe::1      | link-local (169.254.0.0/16) via 6to4 2002::/16
            64:ff9b::a9fe:a9fe     | link-local (169.254.0.0/16) via NAT64 64:ff9b::/96
            64:ff9b:1::a9fe:a9fe   | NAT64 local-use prefix, embedded IPv4 address unknown (64:ff9b:1::/48)
            fe80::1                | link-local (fe80::/10)
            fd00::1                | unique local (fc00::/7)
            fc00::1                | unique local (fc00::/7)
            fec0::1                | site-local (fec0::/10)
            10.0.0.1               | private (10.0.0.0/8)
            172.16.0.1             | private (172.16.0.0/12)
            172.31.255.255         | private (172.16.0.0/12)
            192.168.1.1            | private (192.168.0.0/16)
            100.64.0.1             | shared address space (100.64.0.0/10)
            100.127.255.254        | shared address space (100.64.0.0/10)
            192.0.0.8              | IETF protocol assignments (192.0.0.0/24)
            192.0.2.1              | documentation (192.0.2.0/24)
            198.51.100.7           | documentation (198.51.100.0/24)
            203.0.113.9            | documentation (203.0.113.0/24)
            198.18.0.1             | benchmarking (198.18.0.0/15)
            198.19.255.255         | benchmarking (198.18.0.0/15)
            192.88.99.1            | 6to4 relay anycast (192.88.99.0/24)
            224.0.0.1              | multicast (224.0.0.0/4)
            239.255.255.250        | multicast (224.0.0.0/4)
            ff02::1                | multicast (ff00::/8)
            ff0e::1                | multicast (ff00::/8)
            255.255.255.255        | broadcast (255.255.255.255/32)
            240.0.0.1              | reserved (240.0.0.0/4)
            2001:db8::1            | documentation (2001:db8::/32)
            3fff::1                | documentation (3fff::/20)
            100::1                 | discard-only (100::/64)
            2001::1                | Teredo (2001::/32)
            2001:2::1              | benchmarking (2001:2::/48)
            2001:10::1             | IETF protocol assignments (2001::/23)
            ::ffff:0:7f00:1        | not global unicast (outside 2000::/3)
            1000::1                | not global unicast (outside 2000::/3)
            4000::1                | not global unicast (outside 2000::/3)
            """)
    void refusesNonGlobalAddressesWithTheExactReason(String address, String reason) throws Exception {
        PeerAddressPolicy.Verdict verdict = defaults.check(bytes(address), PeerAddressPolicy.ANY_PORT);
        assertThat(verdict).isEqualTo(new PeerAddressPolicy.Verdict(false, reason));
        assertThat(defaults.check(bytes(address), 5000)).isEqualTo(verdict);
        assertThat(defaults.isAllowed(bytes(address), 3478)).isFalse();
        // InetAddress turns ::ffff:a.b.c.d into an Inet4Address itself; the verdict is the same but for "via".
        assertThat(defaults.check(new InetSocketAddress(InetAddress.getByName(address), 5000)).reason())
                .isEqualTo(reason.replace(" via IPv4-mapped ::ffff:0:0/96", ""));
    }

    @ParameterizedTest(name = "{0} is allowed")
    @CsvSource({"1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:1.1.1.1", "2002:101:101::1",
        "64:ff9b::101:101", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "223.255.255.255",
        "2a00:1450:4001::1"})
    void allowsGloballyReachableUnicast(String address) throws Exception {
        assertThat(defaults.check(InetAddress.getByName(address))).isEqualTo(PeerAddressPolicy.Verdict.ALLOWED);
        assertThat(defaults.isAllowed(bytes(address), 443)).isTrue();
    }

    @Test
    void ipv4MappedAddressesStayIpv6InTheByteFormAndAreStillNormalised() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = 127;
        mapped[15] = 1;
        assertThat(defaults.check(mapped, 1234).reason())
                .isEqualTo("loopback (127.0.0.0/8) via IPv4-mapped ::ffff:0:0/96");
        assertThat(defaults.isAllowed(mapped, 1234)).isFalse();
    }

    @Test
    void allowLoopbackOpensLoopbackInEveryFormButNothingElse() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().allowLoopback(true).build();
        for (String loopback : new String[] {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "::127.0.0.1",
            "2002:7f00:1::", "64:ff9b::7f00:1"}) {
            assertThat(policy.check(InetAddress.getByName(loopback)).allowed()).as(loopback).isTrue();
        }
        assertThat(policy.check(InetAddress.getByName("10.0.0.1")).reason()).isEqualTo("private (10.0.0.0/8)");
        assertThat(policy.check(InetAddress.getByName("169.254.169.254")).allowed()).isFalse();
    }

    @Test
    void allowListOverridesDefaultsAndExplicitDenials() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .deny("10.0.0.0/8")
                .allow("10.1.2.3")
                .allow("192.168.1.10-192.168.1.20")
                .allow("fd00:1::/32")
                .build();
        assertThat(policy.check(InetAddress.getByName("10.1.2.3")).allowed()).isTrue();
        assertThat(policy.check(InetAddress.getByName("::ffff:10.1.2.3")).allowed()).isTrue();
        assertThat(policy.check(InetAddress.getByName("10.1.2.4")).reason()).isEqualTo("denied-peer-ip 10.0.0.0/8");
        assertThat(policy.check(InetAddress.getByName("192.168.1.10")).allowed()).isTrue();
        assertThat(policy.check(InetAddress.getByName("192.168.1.20")).allowed()).isTrue();
        assertThat(policy.check(InetAddress.getByName("192.168.1.21")).reason())
                .isEqualTo("private (192.168.0.0/16)");
        assertThat(policy.check(InetAddress.getByName("fd00:1::5")).allowed()).isTrue();
        assertThat(policy.check(InetAddress.getByName("fd00:2::5")).reason()).isEqualTo("unique local (fc00::/7)");
    }

    @Test
    void deniedPeerIpRefusesPublicAddressesInEveryForm() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.builder().deny("1.1.1.0-1.1.1.255").build();
        assertThat(policy.check(InetAddress.getByName("1.1.1.1")).reason())
                .isEqualTo("denied-peer-ip 1.1.1.0-1.1.1.255");
        assertThat(policy.check(InetAddress.getByName("64:ff9b::101:101")).reason())
                .isEqualTo("denied-peer-ip 1.1.1.0-1.1.1.255 via NAT64 64:ff9b::/96");
        assertThat(policy.isAllowed(bytes("2002:101:101::"), 9)).isFalse();
        assertThat(policy.check(InetAddress.getByName("1.1.2.1")).allowed()).isTrue();
    }

    @Test
    void theServersOwnTransportAddressesAreRefusedEvenWhenAllowed() throws Exception {
        InetSocketAddress listening = new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 3478);
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .ownAddress(listening)
                .allow("1.1.1.1")
                .build();
        assertThat(policy.check(listening)).isEqualTo(
                new PeerAddressPolicy.Verdict(false, "the server's own transport address"));
        assertThat(policy.check(bytes("::ffff:1.1.1.1"), 3478).reason())
                .isEqualTo("the server's own transport address via IPv4-mapped ::ffff:0:0/96");
        assertThat(policy.isAllowed(bytes("2002:101:101::"), 3478)).isFalse();
        assertThat(policy.isAllowed(bytes("1.1.1.1"), 3479)).isTrue(); // allow-listed: other ports open
    }

    @Test
    void theServersOwnIpIsOpenOnlyOnRelayPorts() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .ownAddress(new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 3478))
                .ownAddress(new InetSocketAddress(InetAddress.getByName("2606:4700:4700::1111"), 3478))
                .relayPorts(49152, 65535)
                .build();
        // Another client's relayed address on this server: relay to relay is legitimate.
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 50000)).allowed()).isTrue();
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 22)).reason())
                .isEqualTo("the server's own IP address outside its relay ports 49152–65535");
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 3478)).reason())
                .isEqualTo("the server's own transport address");
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("2606:4700:4700::1111"), 53)).reason())
                .isEqualTo("the server's own IP address outside its relay ports 49152–65535");
        assertThat(policy.isAllowed(bytes("2606:4700:4700::1111"), 49152)).isTrue();
        // CreatePermission names no port: the IP itself may get a permission, ports are checked per packet.
        assertThat(policy.check(InetAddress.getByName("1.1.1.1")).allowed()).isTrue();
    }

    @Test
    void loopbackTestServerRefusesOnlyItsOwnListeningPort() throws Exception {
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .allowLoopback(true)
                .ownAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 3478))
                .build();
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40000)).allowed()).isTrue();
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 3478)).reason())
                .isEqualTo("the server's own transport address");
    }

    @Test
    void ipRangesParseCoturnFormsAndCidr() {
        IpRange single = IpRange.parse("1.2.3.4");
        assertThat(single.containsIpv4(0x01020304L)).isTrue();
        assertThat(single.containsIpv4(0x01020305L)).isFalse();
        IpRange span = IpRange.parse("10.0.0.0-10.255.255.255");
        assertThat(span.containsIpv4(0x0AFFFFFFL)).isTrue();
        assertThat(span.containsIpv4(0x0B000000L)).isFalse();
        IpRange cidr = IpRange.parse("2001:db8::/126");
        assertThat(cidr.containsIpv6(0x20010db800000000L, 3)).isTrue();
        assertThat(cidr.containsIpv6(0x20010db800000000L, 4)).isFalse();
        assertThat(IpRange.parse("0.0.0.0/0").containsIpv4(0xFFFFFFFFL)).isTrue();
        assertThat(IpRange.parse("::/0").containsIpv6(-1L, -1L)).isTrue();
    }

    @Test
    void ipRangeErrorsNameTheText() {
        assertThatIllegalArgumentException().isThrownBy(() -> IpRange.parse("example.com"))
                .withMessage("\"example.com\" is not an IP address literal");
        assertThatIllegalArgumentException().isThrownBy(() -> IpRange.parse("10.0.0.9-10.0.0.1"))
                .withMessage("the IP range 10.0.0.9-10.0.0.1 ends before it starts");
        assertThatIllegalArgumentException().isThrownBy(() -> IpRange.parse("10.0.0.1-::1"))
                .withMessage("the IP range \"10.0.0.1-::1\" mixes IPv4 and IPv6");
        assertThatIllegalArgumentException().isThrownBy(() -> IpRange.parse("10.0.0.0/33"))
                .withMessage("the prefix length in 10.0.0.0/33 must be 0–32");
        assertThatIllegalArgumentException().isThrownBy(() -> IpRange.parse("10.0.0.0/x"))
                .withMessage("\"10.0.0.0/x\" is not an IP address, IP1-IP2 range or CIDR block");
    }

    @Test
    void isAllowedDoesNotAllocate() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] v4 = bytes("1.1.1.1");
        byte[] mapped = bytes("64:ff9b::a9fe:a9fe");
        for (int i = 0; i < 20_000; i++) { // warm up so the JIT's own allocations are done
            defaults.isAllowed(v4, 5000);
            defaults.isAllowed(mapped, 5000);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        boolean sink = false;
        for (int i = 0; i < 10_000; i++) {
            sink ^= defaults.isAllowed(v4, 5000) ^ defaults.isAllowed(mapped, 5000);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by 20000 checks (sink %s)", sink).isLessThan(1024);
    }

    private static byte[] bytes(String address) throws UnknownHostException {
        InetAddress inet = InetAddress.getByName(address);
        if (address.contains(":") && inet.getAddress().length == 4) { // keep ::ffff:a.b.c.d in its IPv6 form
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(inet.getAddress(), 0, mapped, 12, 4);
            return mapped;
        }
        return inet.getAddress();
    }
}
