package dev.peerlink.stun.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SocketAddressesTest {
    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 127.0.0.1",
        "::1, ::1",
        "::, ::",
        "2001:db8:0:0:0:0:2:1, 2001:db8::2:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "fe80:0:0:0:0:0:0:0, fe80::",
        "0:0:0:0:0:0:0:5, ::5",
        "2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:1, 2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"})
    void writesIpv6AsRfc5952Says(String in, String expected) throws UnknownHostException {
        assertThat(SocketAddresses.format(InetAddress.getByName(in))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1, 3478, 127.0.0.1:3478", "::1, 5349, [::1]:5349"})
    void bracketsIpv6BeforeAPort(String ip, int port, String expected) throws UnknownHostException {
        assertThat(SocketAddresses.format(new InetSocketAddress(InetAddress.getByName(ip), port))).isEqualTo(expected);
    }
}
