package dev.peerlink.datachannel;

/** A DCEP message that does not follow RFC 8832 §5. */
public class DcepFormatException extends RuntimeException {
    public DcepFormatException(String message) {
        super(message);
    }
}
