package dev.peerlink.signaling.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** What the server sends (docs/signaling.md "Server to client"). */
public sealed interface ServerMessage {

    /**
     * The answer to a successful {@code join}.
     *
     * @param protocol         the protocol version, {@link SignalingCodec#PROTOCOL_VERSION}
     * @param room             the room joined
     * @param peer             this connection's name in the room
     * @param sessionId        the secret that resumes this place after a dropped connection
     * @param peers            the other peers in the room, oldest first
     * @param heartbeatSeconds how often the client should show it is alive when it has nothing else to send
     * @param resumed          true when this join took back an earlier place (queued signals follow)
     */
    record Welcome(int protocol, String room, String peer, String sessionId, List<String> peers,
                   int heartbeatSeconds, boolean resumed) implements ServerMessage {
        public Welcome {
            peers = List.copyOf(peers);
        }

        @Override
        public String toString() { // the session id resumes this place: it stays out of logs
            return "Welcome[protocol=" + protocol + ", room=" + room + ", peer=" + peer + ", peers=" + peers
                    + ", heartbeatSeconds=" + heartbeatSeconds + ", resumed=" + resumed + "]";
        }
    }

    /** Another peer entered the room. */
    record PeerJoined(String peer) implements ServerMessage {
    }

    /** Another peer is gone: {@code reason} is {@link #LEFT} or {@link #DISCONNECTED}. */
    record PeerLeft(String peer, String reason) implements ServerMessage {
        public static final String LEFT = "left";
        public static final String DISCONNECTED = "disconnected";
    }

    /** A signal relayed from the peer named {@code from}; payload may be null. */
    record Signal(String from, SignalKind kind, JsonNode payload) implements ServerMessage {
    }

    /** The answer to {@code ping}. */
    record Pong() implements ServerMessage {
    }

    /**
     * Something the client asked for was refused, or the connection is about to close.
     *
     * @param code    what went wrong, for programs
     * @param message what went wrong, for people
     * @param request the {@code type} of the message that was refused, or null when none was
     * @param to      for {@code unknown-peer} and {@code queue-full}: the peer name the signal was for; else null
     */
    record Error(ErrorCode code, String message, String request, String to) implements ServerMessage {
        public static Error of(ErrorCode code, String message) {
            return new Error(code, message, null, null);
        }
    }
}
