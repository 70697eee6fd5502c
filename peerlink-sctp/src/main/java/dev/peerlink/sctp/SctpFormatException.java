package dev.peerlink.sctp;

/** A packet or chunk that does not follow RFC 9260 §3; thrown only by {@link SctpPacket#decode} helpers. */
public class SctpFormatException extends RuntimeException {
    public SctpFormatException(String message) {
        super(message);
    }
}
