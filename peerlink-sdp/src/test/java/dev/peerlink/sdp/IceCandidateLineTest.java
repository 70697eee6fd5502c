package dev.peerlink.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IceCandidateLineTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "candidate:2393089663 1 udp 2122260223 192.168.1.23 58731 typ host generation 0 network-id 1 network-cost 10",
        "candidate:1457921734 1 udp 2122197247 2001:db8:85a3::8a2e:370:7334 49203 typ host generation 0",
        "candidate:3471623853 1 udp 2122131711 9b36c1c4-7d3e-4a1f-8b2c-5e6f7a8b9c0d.local 61544 typ host generation 0",
        "candidate:1259433395 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0 network-id 1",
        "candidate:2862401817 2 TCP 1518214911 192.168.1.23 50316 typ host tcptype passive",
        "candidate:4 1 tcp 1518214911 10.0.0.4 50316 typ host tcptype so",
        "candidate:842163049 1 udp 1686052607 203.0.113.45 58731 typ srflx raddr 192.168.1.23 rport 58731",
        "candidate:7 1 UDP 1862270847 203.0.113.45 58731 typ prflx raddr 192.168.1.23 rport 58731 ufrag Qx7v",
        "candidate:3805134563 1 udp 41885439 198.51.100.77 63112 typ relay raddr 203.0.113.45 rport 58731",
        "candidate:1 1 udp 1 198.51.100.77 63112 typ relay raddr 0.0.0.0",
        "candidate:1 1 udp 4294967295 198.51.100.77 0 typ relay rport 0 x-custom some-value",
        "candidate:a+b/C 65535 udp 0 host.example.com 65535 typ host",
    })
    void roundTripsExactly(String text) throws SdpParseException {
        IceCandidateLine candidate = IceCandidateLine.parse(text);

        assertThat(candidate.toString()).isEqualTo(text);
        assertThat(IceCandidateLine.parse("a=" + text)).isEqualTo(candidate);
        assertThat(IceCandidateLine.parse(text + "\r\n")).isEqualTo(candidate);
        assertThat(candidate.toAttribute().toString()).isEqualTo(text);
    }

    @Test
    void readsEveryField() throws SdpParseException {
        IceCandidateLine candidate = IceCandidateLine.parse("a=candidate:842163049 1 udp 1686052607 203.0.113.45"
                + " 58731 typ srflx raddr 192.168.1.23 rport 58731 generation 2 ufrag Qx7v network-id 3"
                + " network-cost 50");

        assertThat(candidate.foundation()).isEqualTo("842163049");
        assertThat(candidate.componentId()).isEqualTo(1);
        assertThat(candidate.transport()).isEqualTo("udp");
        assertThat(candidate.transportProtocol()).isEqualTo(IceCandidateLine.Transport.UDP);
        assertThat(candidate.priority()).isEqualTo(1686052607L);
        assertThat(candidate.address()).isEqualTo("203.0.113.45");
        assertThat(candidate.port()).isEqualTo(58731);
        assertThat(candidate.type()).isEqualTo(IceCandidateLine.Type.SRFLX);
        assertThat(candidate.relatedAddress()).isEqualTo("192.168.1.23");
        assertThat(candidate.relatedPort()).isEqualTo(58731);
        assertThat(candidate.generation()).hasValue(2);
        assertThat(candidate.ufrag()).contains("Qx7v");
        assertThat(candidate.networkId()).hasValue(3);
        assertThat(candidate.networkCost()).hasValue(50);
        assertThat(candidate.tcpType()).isEmpty();
        assertThat(candidate.hasMdnsAddress()).isFalse();
        assertThat(candidate.extensions()).extracting(IceCandidateLine.Extension::name)
                .containsExactly("generation", "ufrag", "network-id", "network-cost");
    }

    @Test
    void priorityAboveSignedIntRangeIsKept() throws SdpParseException {
        IceCandidateLine candidate = IceCandidateLine.parse("candidate:1 1 udp 4294967295 10.0.0.1 5000 typ host");

        assertThat(candidate.priority()).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void transportAndTypeAreCaseInsensitive() throws SdpParseException {
        IceCandidateLine candidate =
                IceCandidateLine.parse("candidate:1 1 Tcp 5 10.0.0.1 5000 typ HOST tcptype Passive");

        assertThat(candidate.transportProtocol()).isEqualTo(IceCandidateLine.Transport.TCP);
        assertThat(candidate.type()).isEqualTo(IceCandidateLine.Type.HOST);
        assertThat(candidate.tcpType()).contains(IceCandidateLine.TcpType.PASSIVE);
        // The transport keeps its spelling; the type is written in its canonical lower case.
        assertThat(candidate.toString()).isEqualTo("candidate:1 1 Tcp 5 10.0.0.1 5000 typ host tcptype Passive");
    }

    @Test
    void buildsInCode() {
        IceCandidateLine candidate = IceCandidateLine.of("1", 1, IceCandidateLine.Transport.UDP, 2122260223L,
                        "192.168.1.23", 58731, IceCandidateLine.Type.HOST)
                .withExtension("generation", "0");

        assertThat(candidate.toString()).isEqualTo("candidate:1 1 udp 2122260223 192.168.1.23 58731 typ host"
                + " generation 0");
        assertThat(candidate.withAddress("x.local").hasMdnsAddress()).isTrue();
        assertThat(candidate.withRelated("10.0.0.1", 4000).value())
                .isEqualTo("1 1 udp 2122260223 192.168.1.23 58731 typ host raddr 10.0.0.1 rport 4000 generation 0");
    }

    @Test
    void constructorRejectsWhatCouldNotBeWritten() {
        assertThatThrownBy(() -> new IceCandidateLine("1", 1, "sctp", 1, "10.0.0.1", 1, IceCandidateLine.Type.HOST,
                null, null, List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sctp");
        assertThatThrownBy(() -> new IceCandidateLine("1", 1, "udp", 1L << 32, "10.0.0.1", 1,
                IceCandidateLine.Type.HOST, null, null, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IceCandidateLine.Extension("generation", "two"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IceCandidateLine.Extension("ufrag", "has space"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static SdpParseException failure(String text) {
        SdpParseException failure = catchThrowableOfType(SdpParseException.class, () -> IceCandidateLine.parse(text));
        assertThat(failure).as("expected %s to fail", text).isNotNull();
        assertThat(failure.lineNumber()).isEqualTo(1);
        assertThat(failure.getMessage()).startsWith("line 1 \"");
        return failure;
    }

    @Test
    void rejectsMalformedCandidates() {
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ").reason())
                .contains("candidate has 7 fields, expected at least 8");
        assertThat(failure("candidate:1 1 udp five 10.0.0.1 5000 typ host").reason())
                .isEqualTo("priority \"five\" is not a number");
        assertThat(failure("candidate:1 1 udp 4294967296 10.0.0.1 5000 typ host").reason())
                .isEqualTo("priority \"4294967296\" is out of range 0-4294967295");
        assertThat(failure("candidate:1 1 udp -5 10.0.0.1 5000 typ host").reason())
                .isEqualTo("priority \"-5\" is not a number");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ stun").reason())
                .isEqualTo("candidate type \"stun\" is not one of host, srflx, prflx, relay");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 type host").reason())
                .contains("expected \"typ\"");
        assertThat(failure("candidate:1 1 sctp 5 10.0.0.1 5000 typ host").reason())
                .contains("transport \"sctp\" is not udp or tcp");
        assertThat(failure("candidate:1 0 udp 5 10.0.0.1 5000 typ host").reason()).contains("component id 0");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 99999 typ host").reason())
                .isEqualTo("port \"99999\" is out of range 0-65535");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ srflx raddr").reason())
                .contains("\"raddr\" has no address");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ srflx raddr 10.0.0.2 rport x").reason())
                .isEqualTo("rport \"x\" is not a number");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ host generation").reason())
                .isEqualTo("extension attribute \"generation\" has no value");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ host generation x").reason())
                .isEqualTo("generation \"x\" is not a number");
        assertThat(failure("candidate:1 1 tcp 5 10.0.0.1 5000 typ host tcptype both").reason())
                .contains("tcptype \"both\"");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1 5000 typ srflx generation 0 raddr 10.0.0.2").reason())
                .contains("\"raddr\" is out of place");
        assertThat(failure("candidate:1 1 udp 5 10.0.0.1  5000 typ host").reason()).contains("empty field");
        assertThat(failure("1 1 udp 5 10.0.0.1 5000 typ host").reason())
                .contains("expected \"candidate:\" or \"a=candidate:\"");
    }
}
