package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The attributes this package reads into types. The parser checks them up front, so a malformed one is reported
 * with its line number instead of surfacing later from an accessor. Everything else is kept opaque.
 */
final class KnownAttributes {
    private KnownAttributes() {
    }

    @FunctionalInterface
    interface ValueParser<T> {
        T parse(String value) throws MalformedValueException;
    }

    static void check(Attribute attribute) throws MalformedValueException {
        switch (attribute.name()) {
            case IceCandidateLine.ATTRIBUTE_NAME -> IceCandidateLine.parseValue(requireValue(attribute));
            case SetupRole.ATTRIBUTE_NAME -> SetupRole.parse(requireValue(attribute));
            case Fingerprint.ATTRIBUTE_NAME -> Fingerprint.parse(requireValue(attribute));
            case RtpMap.ATTRIBUTE_NAME -> RtpMap.parse(requireValue(attribute));
            case Fmtp.ATTRIBUTE_NAME -> Fmtp.parse(requireValue(attribute));
            case Group.ATTRIBUTE_NAME -> Group.parse(requireValue(attribute));
            case ExtMap.ATTRIBUTE_NAME -> ExtMap.parse(requireValue(attribute));
            case MediaDescription.SCTP_PORT -> parseSctpPort(requireValue(attribute));
            case MediaDescription.MAX_MESSAGE_SIZE -> parseMaxMessageSize(requireValue(attribute));
            case "ice-ufrag", "ice-pwd", "mid" -> requireNonEmptyValue(attribute);
            default -> {
                // Opaque: RFC 8866 §5.13 has receivers ignore attributes they do not understand.
            }
        }
    }

    /** RFC 8841: the SCTP port inside the DTLS association, not a UDP port. */
    static int parseSctpPort(String value) throws MalformedValueException {
        return SdpText.parsePort(value, "sctp-port");
    }

    /** RFC 8841: the largest message the receiver accepts; 0 means no limit. */
    static long parseMaxMessageSize(String value) throws MalformedValueException {
        return SdpText.parseUnsigned(value, Long.MAX_VALUE, "max-message-size");
    }

    private static String requireValue(Attribute attribute) throws MalformedValueException {
        if (attribute.value() == null) {
            throw new MalformedValueException("a=" + attribute.name() + " needs a value after ':'");
        }
        return attribute.value();
    }

    private static void requireNonEmptyValue(Attribute attribute) throws MalformedValueException {
        if (requireValue(attribute).isEmpty()) {
            throw new MalformedValueException("a=" + attribute.name() + " has an empty value");
        }
    }

    static <T> List<T> typedAll(List<Attribute> attributes, ValueParser<T> parser) {
        List<T> typed = new ArrayList<>(attributes.size());
        for (Attribute attribute : attributes) {
            typed.add(typed(attribute, parser));
        }
        return List.copyOf(typed);
    }

    static <T> Optional<T> typedFirst(List<Attribute> attributes, ValueParser<T> parser) {
        return attributes.isEmpty() ? Optional.empty() : Optional.of(typed(attributes.get(0), parser));
    }

    static <T> T typed(Attribute attribute, ValueParser<T> parser) {
        try {
            if (attribute.value() == null) {
                throw new MalformedValueException("it has no value");
            }
            return parser.parse(attribute.value());
        } catch (MalformedValueException e) {
            throw new IllegalStateException("a=" + attribute + " is malformed: " + e.getMessage(), e);
        }
    }

    /** Replaces the first attribute called {@code name} in place, drops later ones, or appends when absent. */
    static List<Attribute> withValue(List<Attribute> attributes, String name, String value) {
        List<Attribute> result = new ArrayList<>(attributes.size() + 1);
        boolean placed = false;
        for (Attribute attribute : attributes) {
            if (!attribute.name().equals(name)) {
                result.add(attribute);
            } else if (!placed) {
                result.add(new Attribute(name, value));
                placed = true;
            }
        }
        if (!placed) {
            result.add(new Attribute(name, value));
        }
        return result;
    }

    static List<Attribute> appended(List<Attribute> attributes, Attribute extra) {
        List<Attribute> result = new ArrayList<>(attributes);
        result.add(extra);
        return result;
    }

    static List<Attribute> without(List<Attribute> attributes, String name) {
        return attributes.stream().filter(attribute -> !attribute.name().equals(name)).toList();
    }
}
