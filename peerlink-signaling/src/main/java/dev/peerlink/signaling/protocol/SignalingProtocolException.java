package dev.peerlink.signaling.protocol;

/** A message that does not follow the protocol; the message says what was wrong in one sentence. */
public final class SignalingProtocolException extends Exception {
    public SignalingProtocolException(String message) {
        super(message);
    }
}
