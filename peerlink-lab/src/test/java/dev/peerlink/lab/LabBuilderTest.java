package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the builder refuses, in one sentence each, and the small value types; no root needed. */
class LabBuilderTest {
    @Test
    void namesAreShortLowercaseAndUnique() {
        assertThatThrownBy(() -> LabTopology.builder().lan("Bad-Name", NatKind.SYMMETRIC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a lab name is 1 to 10 lowercase letters and digits, starting with a letter; "
                        + "\"Bad-Name\" is not");
        assertThatThrownBy(() -> LabTopology.builder().lan("a", NatKind.SYMMETRIC).publicHost("a"))
                .hasMessage("the lab already has something called \"a\"");
        assertThatThrownBy(() -> LabTopology.builder().tagPrefix("way-too-long-prefix"))
                .hasMessageStartingWith("a lab tag prefix is 1 to 10 lowercase letters");
    }

    @Test
    void fullConeLansHaveOneHost() {
        assertThatThrownBy(() -> LabTopology.builder().lan("fc", NatKind.FULL_CONE, 2, Impairment.NONE))
                .hasMessage("LAN \"fc\" is full-cone and so has one host: its router forwards all unsolicited "
                        + "inbound UDP to that host");
        assertThatThrownBy(() -> LabTopology.builder().lan("x", NatKind.PORT_RESTRICTED, 0, Impairment.NONE))
                .hasMessage("LAN \"x\" needs 1 to 50 hosts, not 0");
    }

    @Test
    void natKindsHaveLabels() {
        for (NatKind kind : NatKind.values()) {
            assertThat(NatKind.fromLabel(kind.label())).isEqualTo(kind);
        }
        assertThatThrownBy(() -> NatKind.fromLabel("cone"))
                .hasMessage("unknown NAT kind \"cone\"; known kinds: full-cone, address-restricted, "
                        + "port-restricted, symmetric, firewall-tcp-443");
    }

    @Test
    void impairmentsAreChecked() {
        assertThatThrownBy(() -> new Impairment(Duration.ofMillis(10), Duration.ofMillis(20), 0))
                .hasMessage("an impairment's jitter must be between zero and its delay (10 ms), not 20 ms");
        assertThatThrownBy(() -> Impairment.loss(101))
                .hasMessage("an impairment's loss must be between 0 and 100 percent, not 101.0");
        assertThat(Impairment.delay(Duration.ofMillis(30), Duration.ofMillis(5)).withLoss(1))
                .hasToString("delay 30 ms ± 5 ms, loss 1.0 %");
        assertThat(Impairment.NONE).hasToString("none");
        assertThat(Impairment.loss(5).needsNetem()).isFalse();
    }

    @Test
    void probeOutputIsReadBack() {
        NatTypeResult ok = NatTypeResult.parse("""
                # test I: Binding to 198.18.0.2:3478
                local=198.18.12.2:40000
                mapped=198.18.0.12:40000
                mapping=ENDPOINT_INDEPENDENT
                filtering=ADDRESS_DEPENDENT
                type=address-restricted-cone NAT
                """);
        assertThat(ok.succeeded()).isTrue();
        assertThat(ok.behindNat()).isTrue();
        assertThat(ok.summary()).isEqualTo("EIM/ADF (address-restricted-cone NAT)");
        NatTypeResult failed = NatTypeResult.parse("error=no STUN response from 198.18.0.2:3478\n");
        assertThat(failed.error()).contains("no STUN response from 198.18.0.2:3478");
        assertThat(NatTypeResult.parse("Exception in thread main\n").error())
                .contains("the probe printed no result: Exception in thread main");
    }
}
