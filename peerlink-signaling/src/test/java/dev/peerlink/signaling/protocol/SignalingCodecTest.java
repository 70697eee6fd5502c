package dev.peerlink.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every message survives encode then decode; the wire field names are the documented ones. */
class SignalingCodecTest {

    @Test
    void serverMessagesRoundTrip() throws Exception {
        List<ServerMessage> messages = List.of(
                new ServerMessage.Welcome(1, "r", "alice", "c2Vzc2lvbg", List.of("bob", "carol"), 20, true),
                new ServerMessage.PeerJoined("bob"),
                new ServerMessage.PeerLeft("bob", "left"),
                new ServerMessage.Signal("bob", SignalKind.OFFER, SignalingCodec.parsePayload(
                        "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}")),
                new ServerMessage.Signal("bob", SignalKind.BYE, null),
                new ServerMessage.Pong(),
                new ServerMessage.Error(ErrorCode.UNKNOWN_PEER, "no such peer", "signal", "dave"),
                ServerMessage.Error.of(ErrorCode.SERVER_SHUTTING_DOWN, "bye"));
        for (ServerMessage message : messages) {
            assertThat(SignalingCodec.decodeServer(SignalingCodec.encode(message))).isEqualTo(message);
        }
    }

    @Test
    void clientMessagesRoundTrip() throws Exception {
        List<ClientMessage> messages = List.of(
                new ClientMessage.Join("r", "alice", "tok.en", "sess"),
                new ClientMessage.Join("r", null, null, null),
                new ClientMessage.Leave(),
                new ClientMessage.Signal("bob", SignalKind.END_OF_CANDIDATES, null),
                new ClientMessage.Signal("bob", SignalKind.CANDIDATE, SignalingCodec.parsePayload(
                        "{\"candidate\":\"candidate:1 1 udp 1 192.0.2.1 1 typ host\",\"sdpMLineIndex\":0}")),
                new ClientMessage.Ping());
        for (ClientMessage message : messages) {
            assertThat(SignalingCodec.decodeClient(SignalingCodec.encode(message))).isEqualTo(message);
        }
    }

    @Test
    void wireNamesAreTheDocumentedOnes() {
        assertThat(SignalingCodec.encode(new ServerMessage.Welcome(1, "r", "a", "s", List.of(), 20, false)))
                .isEqualTo("{\"type\":\"welcome\",\"protocol\":1,\"room\":\"r\",\"peer\":\"a\",\"sessionId\":\"s\","
                        + "\"peers\":[],\"heartbeatSeconds\":20,\"resumed\":false}");
        assertThat(SignalingCodec.encode(new ClientMessage.Signal("b", SignalKind.END_OF_CANDIDATES, null)))
                .isEqualTo("{\"type\":\"signal\",\"to\":\"b\",\"kind\":\"end-of-candidates\"}");
        assertThat(SignalingCodec.encode(ServerMessage.Error.of(ErrorCode.MESSAGE_TOO_LARGE, "m")))
                .isEqualTo("{\"type\":\"error\",\"code\":\"message-too-large\",\"message\":\"m\"}");
    }

    @Test
    void decodeErrorsAreSentencesNamingTheField() {
        assertThatThrownBy(() -> SignalingCodec.decodeClient("{\"type\":\"signal\",\"to\":1,\"kind\":\"offer\"}"))
                .isInstanceOf(SignalingProtocolException.class).hasMessage("the \"to\" field must be a string");
        assertThatThrownBy(() -> SignalingCodec.decodeClient("{\"type\":\"" + "x".repeat(500) + "\"}"))
                .hasMessageStartingWith("unknown message type").hasMessageContaining("…")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }
}
