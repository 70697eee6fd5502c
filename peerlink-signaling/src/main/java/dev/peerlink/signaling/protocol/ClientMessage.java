package dev.peerlink.signaling.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** What a client sends (docs/signaling.md "Client to server"). */
public sealed interface ClientMessage {

    /**
     * Enter a room.
     *
     * @param room   the room's name
     * @param peer   the name to use in the room, or null to be given one
     * @param token  a room token, or null; required when the server has token secrets
     * @param resume the {@code sessionId} of an earlier welcome, to take back that place, or null
     */
    record Join(String room, String peer, String token, String resume) implements ClientMessage {
    }

    /** Leave the room now; the others see {@code peer-left} at once. */
    record Leave() implements ClientMessage {
    }

    /** Relay {@code payload} to the peer named {@code to} in the same room; payload may be null. */
    record Signal(String to, SignalKind kind, JsonNode payload) implements ClientMessage {
    }

    /** Ask for a {@code pong}; also keeps the connection alive. */
    record Ping() implements ClientMessage {
    }
}
