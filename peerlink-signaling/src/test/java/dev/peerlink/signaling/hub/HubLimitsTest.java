package dev.peerlink.signaling.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Message rate, message size, room size and room count: each refused with its own error. */
class HubLimitsTest {

    @Test
    void aBurstPassesThenMessagesAreRefusedOnceAndRecoverAsTimePasses() {
        HubHarness h = new HubHarness(); // 50/s, bursts of 100
        h.connect(1);
        for (int i = 0; i < 100; i++) {
            h.send(1, "type", "ping");
        }
        assertThat(h.take(1)).hasSize(100).containsOnly(new ServerMessage.Pong());

        h.send(1, "type", "ping");
        assertThat(h.takeError(1, ErrorCode.RATE_LIMITED).message()).contains("50", "100");
        for (int i = 0; i < 10; i++) {
            h.send(1, "type", "ping");
        }
        assertThat(h.take(1)).as("one error per episode, then silence").isEmpty();
        assertThat(h.closeCode(1)).as("rate limiting drops messages, not the connection").isNull();

        h.nowNanos += Duration.ofMillis(20).toNanos(); // one interval at 50/s
        h.send(1, "type", "ping");
        assertThat(h.takeOne(1)).isEqualTo(new ServerMessage.Pong());
        h.send(1, "type", "ping");
        h.takeError(1, ErrorCode.RATE_LIMITED);

        h.nowNanos += Duration.ofSeconds(1).toNanos(); // 50 more
        for (int i = 0; i < 50; i++) {
            h.send(1, "type", "ping");
        }
        assertThat(h.take(1)).hasSize(50).containsOnly(new ServerMessage.Pong());
        h.send(1, "type", "ping");
        h.takeError(1, ErrorCode.RATE_LIMITED);
    }

    @Test
    void theRateLimitIsPerConnection() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withRateLimit(1, 2));
        h.connect(1);
        h.connect(2);
        h.send(1, "type", "ping");
        h.send(1, "type", "ping");
        h.send(1, "type", "ping");
        h.send(2, "type", "ping");
        assertThat(h.take(1)).hasSize(3).last().isInstanceOf(ServerMessage.Error.class);
        assertThat(h.takeOne(2)).isEqualTo(new ServerMessage.Pong());
    }

    @Test
    void refusedSignalsAreNotRelayed() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withRateLimit(1, 3));
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.take(1);
        for (int i = 0; i < 5; i++) {
            h.signal(1, "bob", "candidate", Map.of("n", i));
        }
        assertThat(h.take(2)).hasSize(2); // the join used one of the three
        h.takeError(1, ErrorCode.RATE_LIMITED);
    }

    @Test
    void aMessageOverTheSizeLimitIsRefusedAndClosesTheConnection() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withMaxMessageBytes(1024));
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.take(1);
        String padding = "x".repeat(1024);
        h.signal(1, "bob", "offer", Map.of("sdp", padding));

        assertThat(h.takeError(1, ErrorCode.MESSAGE_TOO_LARGE).message()).contains("1024");
        assertThat(h.closeCode(1)).isEqualTo(1009);
        assertThat(h.take(2)).as("dropped like any connection: bob sees nothing yet").isEmpty();
    }

    @Test
    void theSizeLimitCountsBytesOfUtf8() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withMaxMessageBytes(1024));
        h.connect(1);
        String envelope = HubHarness.json("type", "ping", "pad", "");
        int room = 1024 - envelope.length();
        h.send(1, HubHarness.json("type", "ping", "pad", "x".repeat(room)));
        assertThat(h.takeOne(1)).as("exactly at the limit").isEqualTo(new ServerMessage.Pong());

        h.send(1, HubHarness.json("type", "ping", "pad", "é".repeat(room / 2 + 1))); // 2 bytes each
        h.takeError(1, ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(h.closeCode(1)).isEqualTo(1009);
    }

    @Test
    void theDriverReportingAnOversizedFrameClosesTheSameWay() {
        HubHarness h = new HubHarness();
        h.connect(1);
        h.hub.tooLarge(1, h.nowNanos);
        h.takeError(1, ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(h.closeCode(1)).isEqualTo(1009);
        assertThat(h.hub.connectionCount()).isZero();
    }

    @Test
    void aFullRoomRefusesTheNextPeerUntilSomeoneLeaves() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withMaxPeersPerRoom(2));
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.connect(3);
        h.send(3, "type", "join", "room", "r", "peer", "carol");
        assertThat(h.takeError(3, ErrorCode.ROOM_FULL).message()).contains("\"r\"", "2");
        h.take(1);
        assertThat(h.take(1)).isEmpty();

        h.send(2, "type", "leave");
        h.send(3, "type", "join", "room", "r", "peer", "carol");
        assertThat(h.takeOne(3)).isInstanceOf(ServerMessage.Welcome.class);
    }

    @Test
    void aPeerWaitingToResumeStillTakesItsSeat() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withMaxPeersPerRoom(2));
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.hub.disconnected(2, h.nowNanos);
        h.connect(3);
        h.send(3, "type", "join", "room", "r", "peer", "carol");
        h.takeError(3, ErrorCode.ROOM_FULL);
    }

    @Test
    void theRoomCountLimitRefusesNewRoomsButNotExistingOnes() {
        HubHarness h = new HubHarness(SignalingConfig.defaults().withMaxRooms(2));
        h.join(1, "a", "p");
        h.join(2, "b", "p");
        h.connect(3);
        h.send(3, "type", "join", "room", "c", "peer", "p");
        assertThat(h.takeError(3, ErrorCode.TOO_MANY_ROOMS).message()).contains("2 rooms");
        h.send(3, "type", "join", "room", "a", "peer", "q");
        assertThat(h.takeOne(3)).isInstanceOf(ServerMessage.Welcome.class);

        h.send(2, "type", "leave"); // room b empties and is dropped
        h.connect(4);
        h.send(4, "type", "join", "room", "c", "peer", "p");
        assertThat(h.takeOne(4)).isInstanceOf(ServerMessage.Welcome.class);
        assertThat(h.hub.roomCount()).isEqualTo(2);
    }

    @Test
    void theLimitsInTheConfigurationAreTheDocumentedDefaults() {
        SignalingConfig defaults = SignalingConfig.defaults();
        assertThat(List.of(defaults.maxMessageBytes(), defaults.messagesPerSecond(), defaults.messageBurst(),
                defaults.maxPeersPerRoom(), defaults.maxRooms(), defaults.missedHeartbeats()))
                .containsExactly(65536, 50, 100, 16, 10_000, 2);
        assertThat(defaults.heartbeatInterval()).hasSeconds(20);
        assertThat(defaults.resumeWindow()).hasSeconds(30);
        assertThat(defaults.allowedOrigins()).isEmpty();
        assertThat(defaults.tokensRequired()).isFalse();
    }
}
