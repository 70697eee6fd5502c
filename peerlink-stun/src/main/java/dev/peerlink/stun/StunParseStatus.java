package dev.peerlink.stun;

/** Why bytes were or were not accepted as a STUN message; the hot path reports these without allocating. */
public enum StunParseStatus {
    OK("a well-formed STUN message"),
    NOT_STUN("not a STUN message (first two bits or magic cookie wrong)"),
    TRUNCATED("truncated: shorter than the 20-byte header or than the length it declares"),
    TRAILING_BYTES("bytes follow the end of the STUN message the header declares"),
    MISALIGNED_LENGTH("the message length is not a multiple of 4"),
    ATTRIBUTE_OVERRUN("an attribute's length runs past the end of the message"),
    TOO_MANY_ATTRIBUTES("more than " + StunMessageReader.MAX_ATTRIBUTES + " attributes"),
    FINGERPRINT_NOT_LAST("FINGERPRINT is not the last attribute"),
    BAD_FINGERPRINT("FINGERPRINT does not match the message (RFC 8489 §14.7)"),
    OVERSIZED("longer than the largest STUN message accepted (" + StunMessageReader.MAX_MESSAGE_LENGTH + " bytes)");

    private final String description;

    StunParseStatus(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
