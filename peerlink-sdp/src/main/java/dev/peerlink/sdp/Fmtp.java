package dev.peerlink.sdp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code a=fmtp:<format> <format specific parameters>} (RFC 8866 §6.15), e.g. {@code 111 minptime=10;useinbandfec=1}.
 * The parameters are kept as written; {@link #parameterMap()} reads the common {@code key=value;...} form.
 */
public record Fmtp(String format, String parameters) {
    public static final String ATTRIBUTE_NAME = "fmtp";

    public Fmtp {
        SdpText.requireField(format, "fmtp format");
        SdpText.requireLineText(parameters, "fmtp parameters");
    }

    static Fmtp parse(String attributeValue) throws MalformedValueException {
        int space = attributeValue.indexOf(' ');
        if (space <= 0) {
            throw new MalformedValueException("fmtp must be <format> <format specific parameters>");
        }
        return new Fmtp(attributeValue.substring(0, space), attributeValue.substring(space + 1));
    }

    /**
     * The parameters split at ';' and then at the first '=', trimmed, in written order. A parameter without '='
     * (RED's {@code 111/111}) maps to "".
     */
    public Map<String, String> parameterMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String parameter : parameters.split(";")) {
            String trimmed = parameter.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            if (equals < 0) {
                map.put(trimmed, "");
            } else {
                map.put(trimmed.substring(0, equals).trim(), trimmed.substring(equals + 1).trim());
            }
        }
        return Collections.unmodifiableMap(map);
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, toString());
    }

    /** The attribute value, {@code <format> <parameters>}. */
    @Override
    public String toString() {
        return format + " " + parameters;
    }
}
