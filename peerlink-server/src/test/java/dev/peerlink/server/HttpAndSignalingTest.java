package dev.peerlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.signaling.client.SignalingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** peerlink server's HTTP port: signaling and the health endpoint, in the same process as STUN. */
class HttpAndSignalingTest {
    private static ServerConfig onLoopback() {
        return new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true, "peerlink",
                0, false, List.of(), List.of());
    }

    @Test
    void servesHealthAndRelaysSignalsBetweenTwoPeers() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(onLoopback())) {
            URI signaling = server.signalingUri().orElseThrow();
            assertThat(signaling.toString()).startsWith("ws://127.0.0.1:").endsWith("/signaling/v1");

            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + signaling.getRawAuthority() + "/health")).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"ok\"").contains("udp 127.0.0.1:");

            HttpResponse<String> missing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + signaling.getRawAuthority() + "/nothing-here")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);

            try (SignalingClient alice = SignalingClient.connect(signaling, "room-1", "alice", null);
                 SignalingClient bob = SignalingClient.connect(signaling, "room-1", "bob", null)) {
                assertThat(bob.peersAtJoin()).contains("alice");
                alice.offer("bob", "v=0");
                var received = bob.poll(Duration.ofSeconds(10));
                assertThat(received).isNotNull();
                assertThat(received.toString()).contains("alice").contains("v=0");
            }
        }
    }

    @Test
    void httpCanBeTurnedOff() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null,
                false, false, true, true, "peerlink"))) {
            assertThat(server.signalingUri()).isEmpty();
            assertThat(server.httpAddress()).isEmpty();
        }
    }
}
