package dev.peerlink.sdp;

/**
 * A field or attribute value that does not match its grammar. Internal: the parser turns it into an
 * {@link SdpParseException} that names the line, and typed accessors turn it into an {@link IllegalStateException}.
 */
final class MalformedValueException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedValueException(String reason) {
        super(reason, null, false, false);
    }
}
