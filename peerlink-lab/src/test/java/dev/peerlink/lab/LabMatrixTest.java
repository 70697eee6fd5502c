package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.lab.LabIceMatrix.Outcome;
import dev.peerlink.lab.LabIceMatrix.Path;
import dev.peerlink.lab.LabIceMatrix.Result;
import dev.peerlink.lab.LabIceMatrix.Scenario;
import dev.peerlink.testkit.ExternalTools;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three rows of the matrix on a small lab, one per kind of path that needs a server: two public hosts (host), two
 * symmetric NATs (relay over UDP) and the firewall against a public host (relay over TLS on 443). Java and Chromium
 * peers each move a file and must report the predicted path with the SHA-256 intact.
 * Needs root and Chromium. The full matrix runs in LabCommandTest (peerlink-cli).
 */
class LabMatrixTest {
    @BeforeEach
    void needsRootAndChromium() {
        LabRequirements.requireRoot();
        ExternalTools.require("chromium", "chromium");
    }

    @Test
    void javaAndChromiumPeersTakeThePredictedPathsAndMoveTheFileIntact() throws Exception {
        try (LabTopology lab = LabTopology.builder().tagPrefix("plmtx").publicHost("pub").publicHost("pub2")
                .lan("sym", NatKind.SYMMETRIC).lan("sym2", NatKind.SYMMETRIC).lan("fw", NatKind.FIREWALL_TCP_443)
                .build()) {
            lab.startIceServer();
            List<Scenario> scenarios = List.of(
                    new Scenario("public × public", "public host", "public host", l -> l.publicHost("pub"),
                            l -> l.publicHost("pub2"), Path.HOST, Optional.empty()),
                    new Scenario("sym × sym", "symmetric", "symmetric", l -> l.lan("sym").host(),
                            l -> l.lan("sym2").host(), Path.RELAY_UDP, Optional.empty()),
                    new Scenario("firewall × public", NatKind.FIREWALL_TCP_443.label(), "public host",
                            l -> l.lan("fw").host(), l -> l.publicHost("pub"), Path.RELAY_TLS, Optional.empty()));
            List<Result> results = LabIceMatrix.run(lab, scenarios, new PrintWriter(System.out, true));
            results.forEach(result -> System.out.println(result.peers().label() + " " + result.scenario().name()
                    + ": " + result.takenLabel() + ", " + result.millis() + " ms, file " + result.transfer() + ", "
                    + result.outcomeLabel() + " — " + result.detail()));
            assertThat(results).hasSize(6);
            for (Result result : results) {
                assertThat(result.outcome()).as(result.peers().label() + " " + result.scenario().name() + ": "
                        + result.detail()).isEqualTo(Outcome.OK);
                assertThat(result.transfer()).isEqualTo("ok");
                assertThat(result.taken()).contains(result.scenario().expected());
            }
        }
    }
}
