package dev.peerlink.signaling.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.signaling.RoomTokens;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resuming a dropped peer's place, heartbeats, and shutdown, on a virtual clock. */
class HubResumeAndHeartbeatTest {
    private final HubHarness h = new HubHarness(); // 20 s heartbeats, 2 missed; 30 s resume window

    private void resume(long id, String room, String peer, String sessionId) {
        h.connect(id);
        h.send(id, "type", "join", "room", room, "peer", peer, "resume", sessionId);
    }

    @Test
    void aDroppedPeerResumesWithinTheWindowUnseenAndGetsWhatWasSentMeanwhile() {
        String session = h.join(1, "r", "alice").sessionId();
        h.join(2, "r", "bob");
        h.take(1);

        h.hub.disconnected(1, h.nowNanos);
        h.advance(Duration.ofSeconds(29));
        assertThat(h.take(2)).as("bob is not told alice dropped").isEmpty();
        h.signal(2, "alice", "offer", Map.of("sdp", "first"));
        h.signal(2, "alice", "candidate", Map.of("candidate", "second"));
        assertThat(h.take(2)).as("queued, no error").isEmpty();

        resume(3, "r", "alice", session);
        List<ServerMessage> got = h.take(3);
        assertThat(got).hasSize(3);
        ServerMessage.Welcome welcome = (ServerMessage.Welcome) got.get(0);
        assertThat(welcome.resumed()).isTrue();
        assertThat(welcome.peer()).isEqualTo("alice");
        assertThat(welcome.sessionId()).isEqualTo(session);
        assertThat(welcome.peers()).containsExactly("bob");
        assertThat(((ServerMessage.Signal) got.get(1)).kind()).isEqualTo(SignalKind.OFFER);
        assertThat(((ServerMessage.Signal) got.get(2)).payload().path("candidate").asText()).isEqualTo("second");
        assertThat(h.take(2)).as("nor that she came back").isEmpty();

        h.advance(Duration.ofSeconds(5)); // past the original window: nothing expires, she is back
        assertThat(h.take(2)).isEmpty();
        h.signal(2, "alice", "answer", Map.of());
        assertThat(h.takeOne(3)).isInstanceOf(ServerMessage.Signal.class);
    }

    @Test
    void afterTheWindowThePeerHasLeftAndResumingIsAFreshJoin() {
        String session = h.join(1, "r", "alice").sessionId();
        h.join(2, "r", "bob");
        h.take(1);

        h.hub.disconnected(1, h.nowNanos);
        h.advance(Duration.ofSeconds(30));
        assertThat(h.takeOne(2)).isEqualTo(new ServerMessage.PeerLeft("alice", "disconnected"));
        h.signal(2, "alice", "offer", Map.of());
        h.takeError(2, ErrorCode.UNKNOWN_PEER);

        resume(3, "r", "alice", session);
        ServerMessage.Welcome welcome = (ServerMessage.Welcome) h.takeOne(3);
        assertThat(welcome.resumed()).isFalse();
        assertThat(welcome.sessionId()).isNotEqualTo(session);
        assertThat(h.takeOne(2)).isEqualTo(new ServerMessage.PeerJoined("alice"));
    }

    @Test
    void aSessionIdOnlyResumesInItsOwnRoomAndName() {
        String session = h.join(1, "r", "alice").sessionId();
        h.hub.disconnected(1, h.nowNanos);

        resume(2, "r", "mallory", session);
        assertThat(((ServerMessage.Welcome) h.takeOne(2)).resumed()).as("fresh join as mallory").isFalse();
        resume(3, "other", "alice", session);
        assertThat(((ServerMessage.Welcome) h.takeOne(3)).resumed()).isFalse();
        resume(4, "r", "alice", "not-a-session");
        h.takeError(4, ErrorCode.NAME_TAKEN); // alice's place is still held for her
    }

    @Test
    void resumingWithoutANameTakesTheSessionsName() {
        String session = h.join(1, "r", "alice").sessionId();
        h.hub.disconnected(1, h.nowNanos);
        resume(2, "r", null, session);
        ServerMessage.Welcome welcome = (ServerMessage.Welcome) h.takeOne(2);
        assertThat(welcome.resumed()).isTrue();
        assertThat(welcome.peer()).isEqualTo("alice");
    }

    @Test
    void resumingWhileTheOldConnectionIsStillOpenReplacesIt() {
        String session = h.join(1, "r", "alice").sessionId();
        h.join(2, "r", "bob");
        h.take(1);

        resume(3, "r", "alice", session);
        assertThat(((ServerMessage.Welcome) h.takeOne(3)).resumed()).isTrue();
        h.takeError(1, ErrorCode.REPLACED);
        assertThat(h.closeCode(1)).isEqualTo(1000);
        h.hub.disconnected(1, h.nowNanos); // the old socket closing later changes nothing
        h.advance(Duration.ofSeconds(31));
        assertThat(h.take(2)).isEmpty();
        assertThat(h.hub.peersIn("r")).containsExactly("alice", "bob");
    }

    @Test
    void resumingNeedsNoTokenButAFreshJoinDoes() {
        String secret = "a-secret-of-sufficient-length";
        HubHarness t = new HubHarness(SignalingConfig.defaults().withTokenSecrets(List.of(secret)));
        t.connect(1);
        t.send(1, "type", "join", "room", "r", "peer", "alice", "token",
                new RoomTokens(List.of(secret)).issue("r", t.epochSecond + 10));
        String session = ((ServerMessage.Welcome) t.takeOne(1)).sessionId();
        t.hub.disconnected(1, t.nowNanos);
        t.advance(Duration.ofSeconds(20)); // the token has expired meanwhile

        t.connect(2);
        t.send(2, "type", "join", "room", "r", "resume", session);
        assertThat(((ServerMessage.Welcome) t.takeOne(2)).resumed()).isTrue();
        t.connect(3);
        t.send(3, "type", "join", "room", "r", "peer", "bob", "resume", "unknown");
        t.takeError(3, ErrorCode.TOKEN_REQUIRED);
    }

    @Test
    void signalsForAnAbsentPeerAreBoundedAndTheSenderIsTold() {
        HubHarness q = new HubHarness(SignalingConfig.defaults().withResume(Duration.ofSeconds(30), 2));
        String session = q.join(1, "r", "alice").sessionId();
        q.join(2, "r", "bob");
        q.hub.disconnected(1, q.nowNanos);

        for (int i = 0; i < 3; i++) {
            q.signal(2, "alice", "candidate", Map.of("n", i));
        }
        ServerMessage.Error error = q.takeError(2, ErrorCode.QUEUE_FULL);
        assertThat(error.to()).isEqualTo("alice");

        q.connect(3);
        q.send(3, "type", "join", "room", "r", "peer", "alice", "resume", session);
        assertThat(q.take(3)).hasSize(3); // welcome and the two that fitted
    }

    @Test
    void anExplicitLeaveIsNotResumable() {
        String session = h.join(1, "r", "alice").sessionId();
        h.join(2, "r", "bob");
        h.send(1, "type", "leave");
        resume(3, "r", "alice", session);
        assertThat(((ServerMessage.Welcome) h.takeOne(3)).resumed()).isFalse();
    }

    @Test
    void aZeroResumeWindowAnnouncesTheDropAtOnce() {
        HubHarness z = new HubHarness(SignalingConfig.defaults().withResume(Duration.ZERO, 0));
        z.join(1, "r", "alice");
        z.join(2, "r", "bob");
        z.hub.disconnected(2, z.nowNanos);
        assertThat(z.take(1)).containsExactly(new ServerMessage.PeerJoined("bob"),
                new ServerMessage.PeerLeft("bob", "disconnected"));
    }

    @Test
    void aSilentConnectionIsClosedAfterTwoMissedHeartbeatsAndOthersSeeItLeaveAfterTheWindow() {
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.take(1);

        h.advance(Duration.ofSeconds(30));
        h.send(1, "type", "ping"); // alice speaks; bob stays silent
        h.take(1);
        h.advance(Duration.ofSeconds(9));
        assertThat(h.closeCode(2)).isNull();
        h.advance(Duration.ofSeconds(1)); // 40 s of silence
        h.takeError(2, ErrorCode.HEARTBEAT_TIMEOUT);
        assertThat(h.closeCode(2)).isEqualTo(1001);
        assertThat(h.closeCode(1)).isNull();
        assertThat(h.take(1)).as("bob may still resume").isEmpty();

        h.advance(Duration.ofSeconds(20));
        h.hub.heard(1, h.nowNanos); // alice's pong keeps her connection
        h.advance(Duration.ofSeconds(10)); // bob's 30 s resume window is over
        assertThat(h.take(1)).containsExactly(new ServerMessage.PeerLeft("bob", "disconnected"));
        assertThat(h.closeCode(1)).isNull();
    }

    @Test
    void websocketPongsCountAsSignsOfLife() {
        h.join(1, "r", "alice");
        for (int i = 0; i < 10; i++) {
            h.advance(Duration.ofSeconds(20));
            h.hub.heard(1, h.nowNanos);
        }
        assertThat(h.closeCode(1)).isNull();
        assertThat(h.hub.connectionCount()).isEqualTo(1);
    }

    @Test
    void nextTimeoutIsTheEarliestHeartbeatOrResumeDeadline() {
        assertThat(h.hub.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
        long start = h.nowNanos;
        h.join(1, "r", "alice");
        assertThat(h.hub.nextTimeoutNanos()).isEqualTo(start + Duration.ofSeconds(40).toNanos());

        h.nowNanos += Duration.ofSeconds(5).toNanos();
        h.join(2, "r", "bob");
        h.hub.disconnected(1, h.nowNanos);
        assertThat(h.hub.nextTimeoutNanos()).as("alice's resume window (35 s) ends before bob's heartbeat deadline (45 s)")
                .isEqualTo(start + Duration.ofSeconds(35).toNanos());
    }

    @Test
    void shutdownTellsEveryConnectionAndRefusesNewOnes() {
        h.join(1, "r", "alice");
        h.connect(2);
        h.take(1);

        h.hub.shutdown();
        h.takeError(1, ErrorCode.SERVER_SHUTTING_DOWN);
        h.takeError(2, ErrorCode.SERVER_SHUTTING_DOWN);
        assertThat(h.closeCode(1)).isEqualTo(1001);
        assertThat(h.closeCode(2)).isEqualTo(1001);
        assertThat(h.hub.roomCount()).isZero();

        h.connect(3);
        h.takeError(3, ErrorCode.SERVER_SHUTTING_DOWN);
        assertThat(h.closeCode(3)).isEqualTo(1001);
    }
}
