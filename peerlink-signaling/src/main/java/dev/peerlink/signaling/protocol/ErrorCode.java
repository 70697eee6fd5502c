package dev.peerlink.signaling.protocol;

import java.util.Optional;

/**
 * The {@code code} of an {@code error} message (docs/signaling.md "Errors"). Codes are stable within a protocol
 * version; clients branch on them, and show {@code message} to people.
 */
public enum ErrorCode {
    /** Not JSON, not an object, an unknown {@code type}, or a field missing or of the wrong type. */
    BAD_MESSAGE("bad-message", false),
    /** A room or peer name outside 1–64 characters of {@code [A-Za-z0-9_-]}. */
    BAD_NAME("bad-name", false),
    /** A message longer than the size limit; the server closes the connection after saying so. */
    MESSAGE_TOO_LARGE("message-too-large", true),
    /** More messages than the rate limit allows; the message was dropped. */
    RATE_LIMITED("rate-limited", false),
    /** The room already holds the most peers a room may hold. */
    ROOM_FULL("room-full", false),
    /** The server already holds the most rooms it may hold, and the join would open another. */
    TOO_MANY_ROOMS("too-many-rooms", false),
    /** Another peer in the room already uses that name. */
    NAME_TAKEN("name-taken", false),
    /** The server requires room tokens and the join carried none. */
    TOKEN_REQUIRED("token-required", false),
    /** The token is malformed, not signed by this server, or for another room. */
    BAD_TOKEN("bad-token", false),
    /** The token was valid once and has expired. */
    TOKEN_EXPIRED("token-expired", false),
    /** A {@code join} on a connection that is already in a room. */
    ALREADY_JOINED("already-joined", false),
    /** A {@code leave} or {@code signal} before {@code join}. */
    NOT_JOINED("not-joined", false),
    /** A {@code signal} to a name that is not a peer of the sender's room. */
    UNKNOWN_PEER("unknown-peer", false),
    /** A {@code signal} to a disconnected peer whose queue of waiting signals is full. */
    QUEUE_FULL("queue-full", false),
    /** The WebSocket upgrade came from a browser page whose origin is not allowed (HTTP 403). */
    ORIGIN_NOT_ALLOWED("origin-not-allowed", true),
    /** Nothing arrived for too many heartbeat intervals; the server closes the connection. */
    HEARTBEAT_TIMEOUT("heartbeat-timeout", true),
    /** The peer resumed its session on a newer connection; this older one is closed. */
    REPLACED("replaced", true),
    /** The server is stopping; the connection closes right after. */
    SERVER_SHUTTING_DOWN("server-shutting-down", true),
    /** The server failed to handle the message; the connection closes. */
    INTERNAL_ERROR("internal-error", true);

    private final String wireName;
    private final boolean closesConnection;

    ErrorCode(String wireName, boolean closesConnection) {
        this.wireName = wireName;
        this.closesConnection = closesConnection;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether the server closes the connection after sending this error. */
    public boolean closesConnection() {
        return closesConnection;
    }

    public static Optional<ErrorCode> fromWire(String name) {
        for (ErrorCode code : values()) {
            if (code.wireName.equals(name)) {
                return Optional.of(code);
            }
        }
        return Optional.empty();
    }
}
