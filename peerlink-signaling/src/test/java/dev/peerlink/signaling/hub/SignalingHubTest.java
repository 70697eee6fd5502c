package dev.peerlink.signaling.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Rooms, presence, relaying and the protocol's error answers, on the hub alone. */
class SignalingHubTest {
    private final HubHarness h = new HubHarness();

    @Test
    void joinIsWelcomedWithVersionNameSessionAndHeartbeat() {
        ServerMessage.Welcome welcome = h.join(1, "room1", "alice");

        assertThat(welcome.protocol()).isEqualTo(1);
        assertThat(welcome.room()).isEqualTo("room1");
        assertThat(welcome.peer()).isEqualTo("alice");
        assertThat(welcome.peers()).isEmpty();
        assertThat(welcome.heartbeatSeconds()).isEqualTo(20);
        assertThat(welcome.resumed()).isFalse();
        assertThat(welcome.sessionId()).matches("[A-Za-z0-9_-]{22}");
        assertThat(welcome.toString()).doesNotContain(welcome.sessionId());
        assertThat(h.hub.peersIn("room1")).containsExactly("alice");
    }

    @Test
    void presenceListsEarlierPeersOldestFirstAndAnnouncesNewOnes() {
        h.join(1, "r", "alice");
        assertThat(h.join(2, "r", "bob").peers()).containsExactly("alice");
        assertThat(h.takeOne(1)).isEqualTo(new ServerMessage.PeerJoined("bob"));

        assertThat(h.join(3, "r", "carol").peers()).containsExactly("alice", "bob");
        assertThat(h.takeOne(1)).isEqualTo(new ServerMessage.PeerJoined("carol"));
        assertThat(h.takeOne(2)).isEqualTo(new ServerMessage.PeerJoined("carol"));

        h.send(2, "type", "leave");
        assertThat(h.take(2)).as("the leaver is not told about itself").isEmpty();
        assertThat(h.takeOne(1)).isEqualTo(new ServerMessage.PeerLeft("bob", "left"));
        assertThat(h.takeOne(3)).isEqualTo(new ServerMessage.PeerLeft("bob", "left"));
        assertThat(h.join(4, "r", "dave").peers()).containsExactly("alice", "carol");
    }

    @Test
    void joinWithoutANameIsGivenAFreeOne() {
        ServerMessage.Welcome first = h.join(1, "r", null);
        ServerMessage.Welcome second = h.join(2, "r", null);

        assertThat(first.peer()).matches("peer-[0-9a-f]{7}");
        assertThat(second.peer()).matches("peer-[0-9a-f]{7}").isNotEqualTo(first.peer());
        assertThat(second.peers()).containsExactly(first.peer());
    }

    @Test
    void leaveThenJoinAnotherRoomOnTheSameConnection() {
        h.join(1, "r1", "alice");
        h.send(1, "type", "leave");
        assertThat(h.hub.roomCount()).as("an empty room is dropped").isZero();

        h.send(1, "type", "join", "room", "r2", "peer", "alice");
        assertThat(h.takeOne(1)).isInstanceOf(ServerMessage.Welcome.class);
        assertThat(h.hub.peersIn("r2")).containsExactly("alice");
    }

    @Test
    void leaveOrSignalBeforeJoiningIsNotJoined() {
        h.connect(1);
        h.send(1, "type", "leave");
        assertThat(h.takeError(1, ErrorCode.NOT_JOINED).request()).isEqualTo("leave");
        h.signal(1, "bob", "offer", Map.of("sdp", "v=0"));
        assertThat(h.takeError(1, ErrorCode.NOT_JOINED).request()).isEqualTo("signal");
    }

    @Test
    void joiningTwiceIsAlreadyJoined() {
        h.join(1, "r", "alice");
        h.send(1, "type", "join", "room", "r2", "peer", "alice2");
        h.takeError(1, ErrorCode.ALREADY_JOINED);
        assertThat(h.hub.peersIn("r2")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(SignalKind.class)
    void everyKindIsRelayedWithItsPayloadUntouched(SignalKind kind) {
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.take(1);
        Map<String, Object> payload = Map.of("type", "offer", "sdp", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n",
                "nested", Map.of("list", List.of(1, "two", true)));

        h.signal(1, "bob", kind.wireName(), payload);

        ServerMessage.Signal got = (ServerMessage.Signal) h.takeOne(2);
        assertThat(got.from()).isEqualTo("alice");
        assertThat(got.kind()).isEqualTo(kind);
        assertThat(got.payload().path("sdp").asText()).isEqualTo(payload.get("sdp"));
        assertThat(got.payload().path("nested").path("list").get(1).asText()).isEqualTo("two");
        assertThat(h.take(1)).as("the sender hears nothing back").isEmpty();
    }

    @Test
    void aSignalWithoutPayloadIsRelayedWithout() {
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.send(1, "type", "signal", "to", "bob", "kind", "end-of-candidates");

        assertThat(h.takeOne(2)).isEqualTo(new ServerMessage.Signal("alice", SignalKind.END_OF_CANDIDATES, null));
    }

    @Test
    void aSignalToNobodyIsUnknownPeer() {
        h.join(1, "r", "alice");
        h.signal(1, "nobody", "offer", Map.of());

        ServerMessage.Error error = h.takeError(1, ErrorCode.UNKNOWN_PEER);
        assertThat(error.to()).isEqualTo("nobody");
        assertThat(error.request()).isEqualTo("signal");
        assertThat(error.message()).contains("\"nobody\"", "\"r\"");
    }

    @Test
    void aSignalToItselfIsRefused() {
        h.join(1, "r", "alice");
        h.signal(1, "alice", "offer", Map.of());
        h.takeError(1, ErrorCode.BAD_MESSAGE);
    }

    @Test
    void nothingCrossesRooms() {
        h.join(1, "red", "alice");
        h.join(2, "blue", "bob");
        h.join(3, "blue", "carol");
        assertThat(h.take(1)).as("presence in blue is not shown in red").isEmpty();
        h.take(2);

        h.signal(1, "bob", "offer", Map.of("sdp", "secret"));
        assertThat(h.takeError(1, ErrorCode.UNKNOWN_PEER).to()).isEqualTo("bob");
        assertThat(h.take(2)).isEmpty();
        assertThat(h.take(3)).isEmpty();

        h.send(1, "type", "leave");
        assertThat(h.take(2)).isEmpty();
        assertThat(h.take(3)).isEmpty();
    }

    @Test
    void theSameNameMayBeUsedInTwoRoomsAndSignalsStayInTheirOwn() {
        h.join(1, "red", "alice");
        h.join(2, "red", "bob");
        h.join(3, "blue", "alice");
        h.join(4, "blue", "bob");
        h.take(1);
        h.take(3);

        h.signal(1, "bob", "offer", Map.of("room", "red"));
        h.signal(3, "bob", "offer", Map.of("room", "blue"));

        assertThat(((ServerMessage.Signal) h.takeOne(2)).payload().path("room").asText()).isEqualTo("red");
        assertThat(((ServerMessage.Signal) h.takeOne(4)).payload().path("room").asText()).isEqualTo("blue");
    }

    @Test
    void aNameInUseInTheRoomIsTaken() {
        h.join(1, "r", "alice");
        h.connect(2);
        h.send(2, "type", "join", "room", "r", "peer", "alice");

        assertThat(h.takeError(2, ErrorCode.NAME_TAKEN).request()).isEqualTo("join");
        assertThat(h.take(1)).isEmpty();
        h.send(2, "type", "join", "room", "r", "peer", "alice2");
        assertThat(h.takeOne(2)).isInstanceOf(ServerMessage.Welcome.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "dot.ted", "slash/", "ünicode", "<script>",
            "a1234567890123456789012345678901234567890123456789012345678901234"})
    void badRoomAndPeerNamesAreRefused(String name) {
        h.connect(1);
        h.send(1, "type", "join", "room", name, "peer", "alice");
        h.takeError(1, ErrorCode.BAD_NAME);
        h.send(1, "type", "join", "room", "r", "peer", name);
        h.takeError(1, ErrorCode.BAD_NAME);
        assertThat(h.hub.roomCount()).isZero();
    }

    @Test
    void namesOfSixtyFourAllowedCharactersAreFine() {
        String name = "Az09_-".repeat(10) + "abcd";
        assertThat(h.join(1, name, name).peer()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1,2]", "\"join\"", "{}", "{\"type\":7}", "{\"type\":\"dance\"}",
            "{\"type\":\"join\"}", "{\"type\":\"join\",\"room\":5}", "{\"type\":\"signal\",\"kind\":\"offer\"}",
            "{\"type\":\"signal\",\"to\":\"bob\",\"kind\":\"smoke\"}", "{\"type\":\"ping\"} trailing",
            "{\"type\":\"ping\",\"type\":\"leave\"}"})
    void malformedMessagesAreBadMessageAndTheConnectionStays(String text) {
        h.join(1, "r", "alice");
        h.send(1, text);

        ServerMessage.Error error = h.takeError(1, ErrorCode.BAD_MESSAGE);
        assertThat(error.message()).doesNotContain("Exception");
        assertThat(h.closeCode(1)).isNull();
        h.send(1, "type", "ping");
        assertThat(h.takeOne(1)).isEqualTo(new ServerMessage.Pong());
    }

    @Test
    void aBadMessageNamesTheTypeItWasAbout() {
        h.connect(1);
        h.send(1, "{\"type\":\"join\",\"room\":5}");
        assertThat(h.takeError(1, ErrorCode.BAD_MESSAGE).request()).isEqualTo("join");
    }

    @Test
    void deeplyNestedPayloadsAreRefused() {
        h.join(1, "r", "alice");
        h.send(1, "{\"type\":\"signal\",\"to\":\"x\",\"kind\":\"offer\",\"payload\":" + "[".repeat(100)
                + "]".repeat(100) + "}");
        h.takeError(1, ErrorCode.BAD_MESSAGE);
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        h.connect(1);
        h.send(1, "{\"type\":\"join\",\"room\":\"r\",\"peer\":\"alice\",\"future\":{\"x\":1}}");
        assertThat(h.takeOne(1)).isInstanceOf(ServerMessage.Welcome.class);
    }

    @Test
    void binaryFramesAreBadMessage() {
        h.connect(1);
        h.hub.receivedBinary(1, h.nowNanos);
        assertThat(h.takeError(1, ErrorCode.BAD_MESSAGE).message()).contains("text");
    }

    @Test
    void pingIsAnsweredWithPong() {
        h.connect(1);
        h.send(1, "type", "ping");
        assertThat(h.takeOne(1)).isEqualTo(new ServerMessage.Pong());
    }

    @Test
    void eventsForUnknownConnectionsAreIgnored() {
        h.send(99, "type", "ping");
        h.hub.heard(99, h.nowNanos);
        h.hub.disconnected(99, h.nowNanos);
        h.hub.receivedBinary(99, h.nowNanos);
        assertThat(h.take(99)).isEmpty();
        assertThat(h.hub.connectionCount()).isZero();
    }

    @Test
    void payloadsAreRelayedAsJson() {
        h.join(1, "r", "alice");
        h.join(2, "r", "bob");
        h.send(1, "{\"type\":\"signal\",\"to\":\"bob\",\"kind\":\"candidate\",\"payload\":"
                + "{\"candidate\":\"candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host\",\"sdpMid\":\"0\","
                + "\"sdpMLineIndex\":0}}");
        JsonNode payload = ((ServerMessage.Signal) h.takeOne(2)).payload();
        assertThat(payload.path("sdpMLineIndex").asInt()).isZero();
        assertThat(payload.path("candidate").asText()).startsWith("candidate:1 ");
    }
}
