package dev.peerlink.stun.client;

/** A STUN request failed: no answer, no connection, or an answer that makes no sense. The message says which. */
public final class StunClientException extends Exception {
    public StunClientException(String message) {
        super(message);
    }

    public StunClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
