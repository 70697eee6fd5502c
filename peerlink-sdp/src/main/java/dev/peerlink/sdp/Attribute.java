package dev.peerlink.sdp;

/**
 * One {@code a=} line (RFC 8866 §5.13): {@code a=<name>} for a property attribute, {@code a=<name>:<value>} for a
 * value attribute. The value is kept byte for byte, including any leading space (Chromium writes
 * {@code a=msid-semantic: WMS}), so unknown attributes survive a round trip unchanged.
 *
 * @param name  the attribute name, non-empty and without ':'
 * @param value the text after the first ':', or null for a property attribute; "" is kept distinct from null
 */
public record Attribute(String name, String value) {
    public Attribute {
        SdpText.requireLineText(name, "attribute name");
        if (name.isEmpty() || name.indexOf(':') >= 0) {
            throw new IllegalArgumentException("attribute name must be non-empty and contain no ':': \"" + name + "\"");
        }
        SdpText.optionalLineText(value, "value of attribute " + name);
    }

    public static Attribute of(String name, String value) {
        return new Attribute(name, value);
    }

    /** A property attribute such as {@code a=rtcp-mux}. */
    public static Attribute flag(String name) {
        return new Attribute(name, null);
    }

    /** The text after {@code a=}: RFC 8866 §5.13 splits name and value at the first ':'. */
    static Attribute parse(String afterEquals) throws MalformedValueException {
        int colon = afterEquals.indexOf(':');
        String name = colon < 0 ? afterEquals : afterEquals.substring(0, colon);
        if (name.isEmpty()) {
            throw new MalformedValueException("attribute name is empty");
        }
        return new Attribute(name, colon < 0 ? null : afterEquals.substring(colon + 1));
    }

    public boolean hasValue() {
        return value != null;
    }

    /** The line without its {@code a=} prefix, e.g. {@code rtpmap:111 opus/48000/2}. */
    @Override
    public String toString() {
        return value == null ? name : name + ":" + value;
    }
}
