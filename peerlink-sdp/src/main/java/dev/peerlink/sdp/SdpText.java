package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;

/** Small lexical helpers shared by the parser and the model's validation. */
final class SdpText {
    static final String CRLF = "\r\n";

    private SdpText() {
    }

    /**
     * Splits on single spaces. RFC 8866 §9 separates fields with exactly one SP, so an empty field (two spaces in a
     * row, or a leading or trailing space) is an error; this is what keeps every accepted line writable unchanged.
     */
    static List<String> splitFields(String value, String what) throws MalformedValueException {
        List<String> fields = new ArrayList<>();
        int start = 0;
        while (true) {
            int space = value.indexOf(' ', start);
            String field = space < 0 ? value.substring(start) : value.substring(start, space);
            if (field.isEmpty()) {
                throw new MalformedValueException(what + " has an empty field (fields are separated by one space)");
            }
            fields.add(field);
            if (space < 0) {
                return fields;
            }
            start = space + 1;
        }
    }

    /** Parses a decimal number made of ASCII digits only, no sign, at most {@code max}. */
    static long parseUnsigned(String token, long max, String what) throws MalformedValueException {
        if (token.isEmpty() || token.length() > 19) {
            throw new MalformedValueException(what + " \"" + token + "\" is not a number");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                throw new MalformedValueException(what + " \"" + token + "\" is not a number");
            }
        }
        long value = Long.parseLong(token);
        if (value > max) {
            throw new MalformedValueException(what + " \"" + token + "\" is out of range 0-" + max);
        }
        return value;
    }

    static int parsePort(String token, String what) throws MalformedValueException {
        return (int) parseUnsigned(token, 65_535, what);
    }

    /** Free text for one line: anything but a line break, which would split the line when written. */
    static String requireLineText(String value, String what) {
        if (value == null) {
            throw new NullPointerException(what + " is null");
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(what + " must not contain a line break: \"" + value + "\"");
        }
        return value;
    }

    /** Like {@link #requireLineText} but null stays null: the line is simply absent. */
    static String optionalLineText(String value, String what) {
        return value == null ? null : requireLineText(value, what);
    }

    /** One space-separated field: non-empty, no space, no line break. */
    static String requireField(String value, String what) {
        requireLineText(value, what);
        if (value.isEmpty() || value.indexOf(' ') >= 0) {
            throw new IllegalArgumentException(what + " must be non-empty and contain no space: \"" + value + "\"");
        }
        return value;
    }

    static void requireRange(long value, long min, long max, String what) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " " + value + " is out of range " + min + "-" + max);
        }
    }
}
