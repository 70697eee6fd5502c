package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.lab.LabIceMatrix.Outcome;
import dev.peerlink.lab.LabIceMatrix.Path;
import dev.peerlink.lab.LabIceMatrix.Peers;
import dev.peerlink.lab.LabIceMatrix.Scenario;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the matrix reads the peers' result lines and judges a scenario; no root. */
class LabIceMatrixTest {
    private static Scenario scenario(Path expected, Optional<String> knownGap) {
        return new Scenario("x × y", "x", "firewall-tcp-443", lab -> null, lab -> null, expected, knownGap);
    }

    @Test
    void thePathIsTheBestTypeOnTheSelectedPair() {
        assertThat(Path.ofPair("host", "host")).isEqualTo(Path.HOST);
        assertThat(Path.ofPair("host", "srflx")).isEqualTo(Path.SRFLX);
        assertThat(Path.ofPair("prflx", "host")).isEqualTo(Path.SRFLX);
        assertThat(Path.ofPair("prflx", "relay")).isEqualTo(Path.RELAY_UDP);
        assertThat(Path.ofPair("relay-udp", "relay")).isEqualTo(Path.RELAY_UDP);
        assertThat(Path.ofPair("host", "relay-tls")).isEqualTo(Path.RELAY_TLS);
        assertThat(Path.ofPair("relay-udp", "relay-tls")).isEqualTo(Path.RELAY_TLS);
        assertThat(Path.ofPair("relay-tcp", "srflx")).isEqualTo(Path.RELAY_TCP);
        assertThat(LabIceMatrix.path("connected=srflx/prflx ms=12 sha256=ok")).contains(Path.SRFLX);
        assertThat(LabIceMatrix.path("failed=timeout")).isEmpty();
        assertThat(LabIceMatrix.millis("connected=host/host ms=93 sha256=ok")).isEqualTo(93);
        assertThat(LabIceMatrix.millis("failed=timeout")).isEqualTo(-1);
    }

    @Test
    void bothSidesMustConnectOnThePredictedPathWithTheFileIntact() {
        Scenario relay = scenario(Path.RELAY_UDP, Optional.empty());
        LabIceMatrix.Result ok = LabIceMatrix.judge(relay, Peers.JAVA, "connected=relay/srflx ms=170 sha256=ok",
                "connected=srflx/relay ms=160 sha256=ok");
        assertThat(ok.outcome()).isEqualTo(Outcome.OK);
        assertThat(ok.transfer()).isEqualTo("ok");
        assertThat(ok.millis()).isEqualTo(170);
        assertThat(ok.pair()).isEqualTo("relay/srflx");
        assertThat(LabIceMatrix.judge(relay, Peers.JAVA, "connected=srflx/srflx ms=170 sha256=ok",
                "connected=srflx/srflx ms=160 sha256=ok").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(LabIceMatrix.judge(relay, Peers.JAVA, "connected=relay/srflx ms=170 sha256=ok", "failed=timeout")
                .outcome()).isEqualTo(Outcome.FAILED);
        // The right path with a damaged file is a failure.
        LabIceMatrix.Result damaged = LabIceMatrix.judge(relay, Peers.CHROMIUM,
                "connected=relay/srflx ms=170 sha256=ok", "connected=srflx/relay ms=170 sha256=failed:got 00");
        assertThat(damaged.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(damaged.transfer()).isEqualTo("failed");
        // Side A nominates. Chromium's controlled side may report a pair of its own: shown, not judged; Java's
        // controlled side uses the nominated pair, so there a disagreement fails.
        Scenario srflx = scenario(Path.SRFLX, Optional.empty());
        String nominated = "connected=srflx/prflx ms=69 sha256=ok";
        String own = "connected=prflx/relay ms=69 (its own selected pair, not the one A nominated) sha256=ok";
        assertThat(LabIceMatrix.judge(srflx, Peers.CHROMIUM, nominated, own).outcome()).isEqualTo(Outcome.OK);
        assertThat(LabIceMatrix.judge(srflx, Peers.JAVA, nominated, own).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(LabIceMatrix.judge(srflx, Peers.CHROMIUM, nominated, "failed=timeout").outcome())
                .isEqualTo(Outcome.FAILED);
        assertThat(LabIceMatrix.judge(srflx, Peers.CHROMIUM, "connected=relay-udp/prflx ms=9 sha256=ok",
                "connected=prflx/srflx ms=9 sha256=ok").outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void aKnownGapIsNeverAPassAndOnlyJavaHasOne() {
        Scenario gap = scenario(Path.RELAY_TLS, Optional.of("TURN over TLS not in ICE yet"));
        LabIceMatrix.Result failed = LabIceMatrix.judge(gap, Peers.JAVA, "failed=timeout", "failed=timeout");
        assertThat(failed.outcome()).isEqualTo(Outcome.KNOWN_GAP);
        assertThat(failed.outcomeLabel()).startsWith("KNOWN-GAP").doesNotContain("ok");
        assertThat(failed.transfer()).isEqualTo("—");
        assertThat(failed.pair()).isEqualTo("—");
        // Connecting over anything but the predicted path means the prediction is wrong: a failure.
        assertThat(LabIceMatrix.judge(gap, Peers.JAVA, "connected=relay/host ms=5 sha256=ok",
                "connected=host/relay ms=5 sha256=ok").outcome()).isEqualTo(Outcome.FAILED);
        // Chromium does TURN over TLS: the same row must pass, and not connecting fails it.
        assertThat(LabIceMatrix.judge(gap, Peers.CHROMIUM, "failed=timeout", "failed=timeout").outcome())
                .isEqualTo(Outcome.FAILED);
        assertThat(LabIceMatrix.judge(gap, Peers.CHROMIUM, "connected=relay-tls/host ms=5 sha256=ok",
                "connected=host/relay-tls ms=5 sha256=ok").outcome()).isEqualTo(Outcome.OK);
        assertThat(gap.behindFirewall()).isTrue();
    }

    @Test
    void chromiumStatsNameTheRelayProtocolOfEitherEnd() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var firewallSide = json.readTree("{\"local\":\"relay\",\"relayProtocol\":\"tls\",\"localAddress\":"
                + "\"198.18.0.4:50000\",\"remote\":\"host\",\"remoteAddress\":\"198.18.0.101:40000\"}");
        var publicSide = json.readTree("{\"local\":\"host\",\"relayProtocol\":\"\",\"localAddress\":"
                + "\"198.18.0.101:40000\",\"remote\":\"relay\",\"remoteAddress\":\"198.18.0.4:50000\"}");
        assertThat(LabChromium.line(firewallSide, publicSide, 80, "", "sha256=ok"))
                .isEqualTo("connected=relay-tls/host ms=80 sha256=ok");
        assertThat(LabChromium.line(publicSide, firewallSide, 80, "", "sha256=ok"))
                .isEqualTo("connected=host/relay-tls ms=80 sha256=ok");
        assertThat(LabChromium.samePair(firewallSide, publicSide)).isTrue();
        assertThat(LabChromium.samePair(firewallSide, firewallSide)).isFalse();
        assertThat(LabChromium.line(json.nullNode(), firewallSide, 80, "", "sha256=ok")).startsWith("failed=");
    }

    @Test
    void thePayloadIsTheSameFromTheSeedAndDiffersBetweenSeeds() {
        assertThat(LabPayload.bytes(7, 1000)).isEqualTo(LabPayload.bytes(7, 1000));
        assertThat(LabPayload.bytes(7, 1000)).isNotEqualTo(LabPayload.bytes(8, 1000));
        // xorshift32 from 1: the first state is 270369 (0x42021), so the first byte is 0x21.
        assertThat(LabPayload.bytes(1, 1)[0]).isEqualTo((byte) 0x21);
        assertThat(LabPayload.sha256(7, 1000)).hasSize(64).isEqualTo(LabPayload.sha256(7, 1000));
    }
}
