package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.lab.LabIceMatrix.Outcome;
import dev.peerlink.lab.LabIceMatrix.Path;
import dev.peerlink.lab.LabIceMatrix.Scenario;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the ICE matrix reads the peers' result lines and judges a scenario; no root. */
class LabIceMatrixTest {
    private static Scenario scenario(Path expected, Optional<String> knownGap) {
        return new Scenario("x × y", "x", "y", lab -> null, lab -> null, expected, knownGap);
    }

    @Test
    void thePathIsTheBestTypeOnTheSelectedPair() {
        assertThat(Path.ofPair("host", "host")).isEqualTo(Path.HOST);
        assertThat(Path.ofPair("host", "srflx")).isEqualTo(Path.SRFLX);
        assertThat(Path.ofPair("prflx", "host")).isEqualTo(Path.SRFLX);
        assertThat(Path.ofPair("prflx", "relay")).isEqualTo(Path.RELAY_UDP);
        assertThat(LabIceMatrix.path("connected=srflx/prflx ms=12")).contains(Path.SRFLX);
        assertThat(LabIceMatrix.path("failed=timeout")).isEmpty();
        assertThat(LabIceMatrix.millis("connected=host/host ms=93")).isEqualTo(93);
        assertThat(LabIceMatrix.millis("failed=timeout")).isEqualTo(-1);
    }

    @Test
    void bothSidesMustConnectOnThePredictedPath() {
        Scenario relay = scenario(Path.RELAY_UDP, Optional.empty());
        assertThat(LabIceMatrix.judge(relay, "connected=relay/srflx ms=170", "connected=srflx/relay ms=160").outcome())
                .isEqualTo(Outcome.OK);
        assertThat(LabIceMatrix.judge(relay, "connected=srflx/srflx ms=170", "connected=srflx/srflx ms=160")
                .outcome()).isEqualTo(Outcome.FAILED);
        assertThat(LabIceMatrix.judge(relay, "connected=relay/srflx ms=170", "failed=timeout").outcome())
                .isEqualTo(Outcome.FAILED);
    }

    @Test
    void aKnownGapIsNeverAPass() {
        Scenario gap = scenario(Path.RELAY_TLS, Optional.of("TURN over TLS not in ICE yet"));
        LabIceMatrix.Result failed = LabIceMatrix.judge(gap, "failed=timeout", "failed=timeout");
        assertThat(failed.outcome()).isEqualTo(Outcome.KNOWN_GAP);
        assertThat(failed.outcomeLabel()).startsWith("KNOWN-GAP").doesNotContain("ok");
        // Connecting over anything but the predicted path means the prediction is wrong: a failure.
        assertThat(LabIceMatrix.judge(gap, "connected=relay/host ms=5", "connected=host/relay ms=5").outcome())
                .isEqualTo(Outcome.FAILED);
    }
}
