package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code a=group:<semantics> *(SP <identification-tag>)} (RFC 5888 §5), e.g. {@code BUNDLE 0 1 2} (RFC 9143).
 *
 * @param mids the {@code a=mid} values of the grouped media sections, in order
 */
public record Group(String semantics, List<String> mids) {
    public static final String ATTRIBUTE_NAME = "group";
    public static final String BUNDLE = "BUNDLE";

    public Group {
        SdpText.requireField(semantics, "group semantics");
        mids = List.copyOf(mids);
        mids.forEach(mid -> SdpText.requireField(mid, "group mid"));
    }

    public static Group bundle(List<String> mids) {
        return new Group(BUNDLE, mids);
    }

    static Group parse(String attributeValue) throws MalformedValueException {
        List<String> fields = new ArrayList<>();
        for (String field : attributeValue.split(" ")) {
            if (!field.isEmpty()) {
                fields.add(field);
            }
        }
        if (fields.isEmpty()) {
            throw new MalformedValueException("group has no semantics");
        }
        return new Group(fields.get(0), fields.subList(1, fields.size()));
    }

    public boolean isBundle() {
        return BUNDLE.equalsIgnoreCase(semantics);
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, toString());
    }

    /** The attribute value, e.g. {@code BUNDLE 0 1 2}. */
    @Override
    public String toString() {
        return mids.isEmpty() ? semantics : semantics + " " + String.join(" ", mids);
    }
}
