package dev.peerlink.sdp;

/**
 * {@code a=extmap:<id>[/<direction>] <uri> [<extension attributes>]} (RFC 8285): an RTP header extension id.
 *
 * @param direction           null when absent
 * @param extensionAttributes the rest of the line after the URI, or null when absent
 */
public record ExtMap(int id, MediaDirection direction, String uri, String extensionAttributes) {
    public static final String ATTRIBUTE_NAME = "extmap";

    public ExtMap {
        SdpText.requireRange(id, 1, 4095, "extmap id");
        SdpText.requireField(uri, "extmap URI");
        SdpText.optionalLineText(extensionAttributes, "extmap extension attributes");
    }

    public ExtMap(int id, String uri) {
        this(id, null, uri, null);
    }

    static ExtMap parse(String attributeValue) throws MalformedValueException {
        String[] parts = attributeValue.split(" ", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new MalformedValueException("extmap must be <id>[/<direction>] <uri> [<extension attributes>]");
        }
        String entry = parts[0];
        int slash = entry.indexOf('/');
        MediaDirection direction = null;
        if (slash >= 0) {
            direction = MediaDirection.fromAttributeName(entry.substring(slash + 1));
            if (direction == null) {
                throw new MalformedValueException("extmap direction \"" + entry.substring(slash + 1)
                        + "\" is not one of sendrecv, sendonly, recvonly, inactive");
            }
            entry = entry.substring(0, slash);
        }
        int id = (int) SdpText.parseUnsigned(entry, 4095, "extmap id");
        if (id == 0) {
            throw new MalformedValueException("extmap id 0 is reserved");
        }
        return new ExtMap(id, direction, parts[1], parts.length == 3 ? parts[2] : null);
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, toString());
    }

    /** The attribute value. */
    @Override
    public String toString() {
        String entry = direction == null ? Integer.toString(id) : id + "/" + direction.token();
        return entry + " " + uri + (extensionAttributes == null ? "" : " " + extensionAttributes);
    }
}
