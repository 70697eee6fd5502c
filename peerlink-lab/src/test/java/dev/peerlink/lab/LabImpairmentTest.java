package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Impairments on a router's WAN link, checked without timing: total loss is deterministic. */
class LabImpairmentTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final InetSocketAddress STUN = new InetSocketAddress(LabTopology.SERVER_PRIMARY, LabStunServer.PORT);

    @BeforeEach
    void needsRoot() {
        LabRequirements.requireRoot();
    }

    @Test
    void totalLossOnOneLanCutsItOffAndLeavesTheOthersAlone() throws Exception {
        try (LabTopology lab = LabTopology.builder().tagPrefix("plimp")
                .lan("lossy", NatKind.PORT_RESTRICTED, 1, Impairment.loss(100))
                .lan("clean", NatKind.PORT_RESTRICTED)
                .build()) {
            lab.startStunServer();
            NatTypeResult clean = lab.binding(lab.lan("clean").host(), "udp", STUN, TIMEOUT);
            assertThat(clean.error()).as(clean.output()).isEmpty();
            NatTypeResult lossy = lab.binding(lab.lan("lossy").host(), "udp", STUN, TIMEOUT);
            assertThat(lossy.error()).hasValueSatisfying(error -> assertThat(error).contains("no STUN response"));
        }
    }

    @Test
    void delayNeedsNetemAndSaysSoWhenTheKernelHasNone() throws Exception {
        Impairment delay = Impairment.delay(Duration.ofMillis(40), Duration.ofMillis(10));
        LabTopology.Builder builder = LabTopology.builder().tagPrefix("plimp").lan("slow", NatKind.SYMMETRIC, 1, delay);
        if (kernelHasNetem()) {
            try (LabTopology lab = builder.build()) {
                String qdisc = lab.exec(lab.lan("slow").router(), TIMEOUT, "tc", "qdisc", "show", "dev", "wan").output();
                assertThat(qdisc).contains("netem").contains("delay 40ms");
            }
        } else {
            assertThatThrownBy(builder::build).isInstanceOf(LabException.class)
                    .hasMessage("this kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM), so the lab "
                            + "cannot add delay or jitter to LAN \"slow\"; loss alone works without it");
        }
        assertThat(LabTopology.listNamespaces()).noneMatch(name -> name.startsWith("plimp-"));
    }

    /** Asks the kernel in a scratch lab: can a netem qdisc be added? */
    private static boolean kernelHasNetem() throws Exception {
        try (LabTopology lab = LabTopology.builder().tagPrefix("plprobe").publicHost("p").build()) {
            return lab.exec(lab.publicHost("p"), TIMEOUT, "tc", "qdisc", "add", "dev", "eth0", "root", "netem",
                    "delay", "1ms").succeeded();
        }
    }
}
