package dev.peerlink.sdp;

/**
 * A {@code b=} line (RFC 8866 §5.8): {@code <bwtype>:<bandwidth>}, e.g. {@code AS:2500} in kilobits per second or
 * {@code TIAS:2500000} in bits per second (RFC 3890).
 */
public record Bandwidth(String type, long value) {
    public Bandwidth {
        SdpText.requireField(type, "bandwidth type");
        if (type.indexOf(':') >= 0) {
            throw new IllegalArgumentException("bandwidth type must not contain ':': \"" + type + "\"");
        }
        SdpText.requireRange(value, 0, Long.MAX_VALUE, "bandwidth");
    }

    static Bandwidth parse(String value) throws MalformedValueException {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new MalformedValueException("bandwidth must be <bwtype>:<bandwidth>");
        }
        String type = value.substring(0, colon);
        if (type.indexOf(' ') >= 0) {
            throw new MalformedValueException("bandwidth type \"" + type + "\" contains a space");
        }
        return new Bandwidth(type, SdpText.parseUnsigned(value.substring(colon + 1), Long.MAX_VALUE, "bandwidth"));
    }

    /** The line without its {@code b=} prefix. */
    @Override
    public String toString() {
        return type + ":" + value;
    }
}
