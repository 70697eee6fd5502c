package dev.peerlink.signaling.hub;

import dev.peerlink.signaling.protocol.ServerMessage;

/** What the hub asks its driver to do on one connection, in order. */
public sealed interface Outbound {
    long connectionId();

    /** Send {@code message} as one text frame. */
    record Send(long connectionId, ServerMessage message) implements Outbound {
    }

    /**
     * Close the connection with a WebSocket close frame (RFC 6455 §7.4.1 {@code statusCode}) after what was sent
     * before; the hub has already forgotten it.
     */
    record Close(long connectionId, int statusCode, String reason) implements Outbound {
    }
}
