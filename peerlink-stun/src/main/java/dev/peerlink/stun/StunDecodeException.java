package dev.peerlink.stun;

/** The one exception STUN decoding throws: the bytes are not a valid STUN message or attribute. */
public final class StunDecodeException extends Exception {
    private final StunParseStatus status;

    public StunDecodeException(StunParseStatus status) {
        super("malformed STUN message: " + status.description());
        this.status = status;
    }

    public StunDecodeException(String message) {
        super("malformed STUN message: " + message);
        this.status = null;
    }

    /** The framing-level reason, or null when an attribute's value was invalid. */
    public StunParseStatus status() {
        return status;
    }
}
