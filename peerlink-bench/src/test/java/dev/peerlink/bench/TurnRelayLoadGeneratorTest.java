package dev.peerlink.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import dev.peerlink.server.stun.StunServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Runs the generators briefly against an in-test server: they work; no throughput is asserted. */
class TurnRelayLoadGeneratorTest {
    private static ServerConfig config() {
        TurnSettings turn = TurnSettings.off().withUsers(List.of("bench:secret")).withAllowLoopbackPeers(true)
                .withRelayPorts(51000, 51999);
        return new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true, "peerlink")
                .withTurn(turn);
    }

    @Test
    void relaysRoundTripsThroughAnInProcessServer() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        try (PeerlinkServer server = PeerlinkServer.start(config())) {
            InetSocketAddress address = server.listeners().stream().filter(l -> l.protocol().equals("udp"))
                    .map(StunServer.Listener::address).findFirst().orElseThrow();
            var options = new TurnRelayLoadGenerator.Options(address, "bench", "secret", 100, 16,
                    Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(500));

            TurnRelayLoadGenerator.Result result = TurnRelayLoadGenerator.run(options, progress::add);

            assertThat(result.received()).isPositive();
            assertThat(result.sent()).isEqualTo(result.received() + result.lost());
            assertThat(result.mbitPerSecond()).isPositive();
            assertThat(result.summary()).contains("round trips/s");
            assertThat(progress).anyMatch(line -> line.startsWith("allocated"));
        }
    }

    @Test
    void wrongPasswordFailsWithASentence() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config())) {
            InetSocketAddress address = server.listeners().stream().filter(l -> l.protocol().equals("udp"))
                    .map(StunServer.Listener::address).findFirst().orElseThrow();
            var options = new TurnRelayLoadGenerator.Options(address, "bench", "wrong", 100, 16,
                    Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(500));
            assertThatThrownBy(() -> TurnRelayLoadGenerator.run(options, null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("refused");
        }
    }

    @Test
    void rejectsPayloadsTooSmallForItsHeader() {
        var server = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
        assertThatThrownBy(() -> TurnRelayLoadGenerator.Options.of(server, "u", "p", 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payload");
    }

    @Test
    void measuresHeapPerAllocation() throws Exception {
        TurnAllocationMemory.Result result = TurnAllocationMemory.run(50, null);
        assertThat(result.allocationsOnServer()).isGreaterThanOrEqualTo(50);
        assertThat(result.summary()).contains("bytes per allocation");
    }

    @Test
    void measuresHeapPerIdleSignalingPeer() throws Exception {
        IdleSignalingMemory.Result result = IdleSignalingMemory.run(20, null);
        assertThat(result.count()).isEqualTo(20);
        assertThat(result.summary()).contains("bytes per connection");
    }
}
