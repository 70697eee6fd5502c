package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads SDP text line by line following the grammar of RFC 8866 §5 and §9. The line order is enforced rather than
 * repaired: RFC 8866 §5 fixes it "to enable parser errors to be detected more easily", and accepting only ordered
 * input is what lets {@link SessionDescription#toString()} reproduce the text exactly.
 */
final class SdpParser {
    /** RFC 8866 §5: the only type letters defined; §5 lets a parser reject a description with any other. */
    private static final String KNOWN_TYPES = "vosiuepcbtrzkam";
    private static final char END = '\0';

    private final List<String> lines;
    private int next;

    private SdpParser(List<String> lines) {
        this.lines = lines;
    }

    @FunctionalInterface
    private interface ValueParser<T> {
        T parse(String value) throws MalformedValueException;
    }

    static SessionDescription parse(String text) throws SdpParseException {
        List<String> lines = splitLines(text);
        if (lines.isEmpty()) {
            throw new SdpParseException(1, "", "the session description is empty; it must start with \"v=\""
                    + " (RFC 8866 §5.1)");
        }
        return new SdpParser(lines).parseSession();
    }

    /** RFC 8866 §5 ends lines with CRLF; a bare LF is accepted too. Trailing blank lines are ignored. */
    private static List<String> splitLines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int newline = text.indexOf('\n', start);
            int end = newline < 0 ? text.length() : newline;
            int contentEnd = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(text.substring(start, contentEnd));
            start = end + 1;
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private SessionDescription parseSession() throws SdpParseException {
        if (peekType() != 'v') {
            throw errorAt(0, "the first line must be \"v=\" (RFC 8866 §5.1)");
        }
        int version = takeParsed(value -> (int) SdpText.parseUnsigned(value, Integer.MAX_VALUE, "version"));
        expect('o', "RFC 8866 §5.2");
        Origin origin = takeParsed(Origin::parse);
        expect('s', "RFC 8866 §5.3");
        String sessionName = take();
        String information = peekType() == 'i' ? take() : null;
        String uri = peekType() == 'u' ? take() : null;
        List<String> emails = takeAll('e');
        List<String> phones = takeAll('p');
        Connection connection = peekType() == 'c' ? takeParsed(Connection::parse) : null;
        List<Bandwidth> bandwidths = new ArrayList<>();
        while (peekType() == 'b') {
            bandwidths.add(takeParsed(Bandwidth::parse));
        }
        expect('t', "RFC 8866 §5.9");
        List<Timing> timings = new ArrayList<>();
        while (peekType() == 't') {
            Timing timing = takeParsed(Timing::parse);
            timings.add(timing.withRepeatTimes(takeAll('r')));
        }
        String timeZones = peekType() == 'z' ? take() : null;
        String encryptionKey = peekType() == 'k' ? take() : null;
        List<Attribute> attributes = takeAttributes();
        List<MediaDescription> mediaDescriptions = new ArrayList<>();
        while (peekType() == 'm') {
            mediaDescriptions.add(parseMediaDescription());
        }
        char leftover = peekType();
        if (leftover != END) {
            throw errorAt(next, mediaDescriptions.isEmpty()
                    ? "\"" + leftover + "=\" line is out of order or repeated; RFC 8866 §5 orders session lines"
                            + " v o s i u e p c b t r z k a, then the m= sections"
                    : "\"" + leftover + "=\" line is out of order or repeated in a media section; RFC 8866 §5"
                            + " allows only i c b k a lines, in that order, after m=");
        }
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    /** RFC 8866 §5: m= then i c b k a. */
    private MediaDescription parseMediaDescription() throws SdpParseException {
        MediaDescription mediaLine = takeParsed(MediaDescription::parseMediaLine);
        String information = peekType() == 'i' ? take() : null;
        List<Connection> connections = new ArrayList<>();
        while (peekType() == 'c') {
            connections.add(takeParsed(Connection::parse));
        }
        List<Bandwidth> bandwidths = new ArrayList<>();
        while (peekType() == 'b') {
            bandwidths.add(takeParsed(Bandwidth::parse));
        }
        String encryptionKey = peekType() == 'k' ? take() : null;
        List<Attribute> attributes = takeAttributes();
        return new MediaDescription(mediaLine.media(), mediaLine.port(), mediaLine.numberOfPorts(),
                mediaLine.protocol(), mediaLine.formats(), information, connections, bandwidths, encryptionKey,
                attributes);
    }

    private List<Attribute> takeAttributes() throws SdpParseException {
        List<Attribute> attributes = new ArrayList<>();
        while (peekType() == 'a') {
            attributes.add(takeParsed(value -> {
                Attribute attribute = Attribute.parse(value);
                KnownAttributes.check(attribute);
                return attribute;
            }));
        }
        return attributes;
    }

    /**
     * The type letter of the next line, or {@link #END}. Checking the line's shape here, as it is reached, makes the
     * first error reported the earliest one in the text.
     */
    private char peekType() throws SdpParseException {
        if (next >= lines.size()) {
            return END;
        }
        String line = lines.get(next);
        if (line.isEmpty()) {
            throw errorAt(next, "empty line; RFC 8866 §5 has no blank lines inside a description");
        }
        int equals = line.indexOf('=');
        if (equals < 0) {
            throw errorAt(next, "the line has no '='; every line is <type>=<value> (RFC 8866 §5)");
        }
        if (equals != 1) {
            throw errorAt(next, "the type before '=' must be a single letter, with no spaces (RFC 8866 §5)");
        }
        char type = line.charAt(0);
        if (KNOWN_TYPES.indexOf(type) < 0) {
            throw errorAt(next, "unknown line type '" + type + "'; RFC 8866 §5 defines v o s i u e p c b t r z k a m");
        }
        return type;
    }

    private void expect(char type, String section) throws SdpParseException {
        char found = peekType();
        if (found == END) {
            throw errorAt(lines.size() - 1, "the description ends before the required \"" + type + "=\" line ("
                    + section + ")");
        }
        if (found != type) {
            throw errorAt(next, "expected the required \"" + type + "=\" line (" + section + ") but found \"" + found
                    + "=\"");
        }
    }

    /** The value of the next line, after its {@code <type>=}. */
    private String take() {
        return lines.get(next++).substring(2);
    }

    private List<String> takeAll(char type) throws SdpParseException {
        List<String> values = new ArrayList<>();
        while (peekType() == type) {
            values.add(take());
        }
        return values;
    }

    private <T> T takeParsed(ValueParser<T> parser) throws SdpParseException {
        int lineIndex = next;
        String value = take();
        try {
            return parser.parse(value);
        } catch (MalformedValueException e) {
            throw errorAt(lineIndex, e.getMessage());
        } catch (IllegalArgumentException e) {
            // A model constructor refused a value the grammar check let through.
            throw errorAt(lineIndex, e.getMessage());
        }
    }

    private SdpParseException errorAt(int lineIndex, String reason) {
        return new SdpParseException(lineIndex + 1, lines.get(lineIndex), reason);
    }
}
