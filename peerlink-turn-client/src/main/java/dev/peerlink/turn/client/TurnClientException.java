package dev.peerlink.turn.client;

/** A TURN operation failed: refused, unanswered, or the connection broke. The message says which and names the server. */
public final class TurnClientException extends Exception {
    public TurnClientException(String message) {
        super(message);
    }

    public TurnClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
