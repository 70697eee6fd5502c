package dev.peerlink.sdp;

/**
 * The one exception SDP parsing throws: the text is not a session description this parser accepts.
 *
 * <p>It is checked because SDP arrives from the remote peer, so a malformed one is an expected outcome the caller must
 * answer (reject the offer), not a programming error. The message names the 1-based line number and the line text,
 * for example {@code line 7 "m=audio x UDP/TLS/RTP/SAVPF 111": port "x" is not a number}.
 */
public final class SdpParseException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;
    private final String line;
    private final String reason;

    public SdpParseException(int lineNumber, String line, String reason) {
        super("line " + lineNumber + " \"" + line + "\": " + reason);
        this.lineNumber = lineNumber;
        this.line = line;
        this.reason = reason;
    }

    /** The 1-based number of the offending line; a lone candidate string counts as line 1. */
    public int lineNumber() {
        return lineNumber;
    }

    /** The offending line without its line terminator. */
    public String line() {
        return line;
    }

    /** What is wrong with the line, without the line number and text. */
    public String reason() {
        return reason;
    }
}
