package dev.peerlink.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class SdpParseErrorTest {
    private static final String HEADER = """
            v=0
            o=- 4215775240449105457 2 IN IP4 127.0.0.1
            s=-
            t=0 0
            a=group:BUNDLE 0
            """;
    private static final String AUDIO_LINE = "m=audio 9 UDP/TLS/RTP/SAVPF 111\n";

    private static SdpParseException parseFailure(String text) {
        SdpParseException failure =
                catchThrowableOfType(SdpParseException.class, () -> SessionDescription.parse(text));
        assertThat(failure).as("expected a parse failure for:%n%s", text).isNotNull();
        return failure;
    }

    private static void assertFailure(SdpParseException failure, int lineNumber, String line, String reasonPart) {
        assertThat(failure.lineNumber()).isEqualTo(lineNumber);
        assertThat(failure.line()).isEqualTo(line);
        assertThat(failure.reason()).contains(reasonPart);
        assertThat(failure.getMessage())
                .startsWith("line " + lineNumber + " \"" + line + "\": ")
                .endsWith(failure.reason());
    }

    @Test
    void badPortMessageNamesLineNumberAndText() {
        String text = HEADER + "a=extmap-allow-mixed\nm=audio x UDP/TLS/RTP/SAVPF 111\n";

        SdpParseException failure = parseFailure(text);

        assertThat(failure).hasMessage("line 7 \"m=audio x UDP/TLS/RTP/SAVPF 111\": port \"x\" is not a number");
    }

    @Test
    void portOutOfRange() {
        assertFailure(parseFailure(HEADER + "m=audio 70000 UDP/TLS/RTP/SAVPF 111\n"), 6,
                "m=audio 70000 UDP/TLS/RTP/SAVPF 111", "port \"70000\" is out of range 0-65535");
    }

    @Test
    void missingVersionFirst() {
        assertFailure(parseFailure("o=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n"), 1, "o=- 1 2 IN IP4 127.0.0.1",
                "the first line must be \"v=\"");
    }

    @Test
    void emptyInput() {
        assertFailure(parseFailure(""), 1, "", "empty");
        assertFailure(parseFailure("\r\n"), 1, "", "empty");
    }

    @Test
    void unknownLineTypeLetter() {
        assertFailure(parseFailure(HEADER + "x=whatever\n"), 6, "x=whatever", "unknown line type 'x'");
    }

    @Test
    void upperCaseTypeLetterIsUnknown() {
        assertFailure(parseFailure(HEADER + "A=rtcp-mux\n"), 6, "A=rtcp-mux", "unknown line type 'A'");
    }

    @Test
    void lineWithoutEquals() {
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "rtcp-mux\n"), 7, "rtcp-mux", "has no '='");
    }

    @Test
    void multiLetterType() {
        assertFailure(parseFailure(HEADER + "ab=c\n"), 6, "ab=c", "single letter");
        assertFailure(parseFailure(HEADER + "a =rtcp-mux\n"), 6, "a =rtcp-mux", "single letter");
    }

    @Test
    void blankLineInsideTheDescription() {
        assertFailure(parseFailure("v=0\n\no=- 1 2 IN IP4 127.0.0.1\n"), 2, "", "empty line");
    }

    @Test
    void originWithTooFewFields() {
        assertFailure(parseFailure("v=0\no=- 4215775240449105457 2 IN IP4\ns=-\nt=0 0\n"), 2,
                "o=- 4215775240449105457 2 IN IP4", "origin has 5 fields, expected 6");
    }

    @Test
    void originWithTooManyFields() {
        assertFailure(parseFailure("v=0\no=- 1 2 IN IP4 127.0.0.1 extra\ns=-\nt=0 0\n"), 2,
                "o=- 1 2 IN IP4 127.0.0.1 extra", "origin has 7 fields, expected 6");
    }

    @Test
    void doubleSpaceIsAnEmptyField() {
        assertFailure(parseFailure("v=0\no=-  1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n"), 2,
                "o=-  1 2 IN IP4 127.0.0.1", "empty field");
    }

    @Test
    void missingOrigin() {
        assertFailure(parseFailure("v=0\ns=-\nt=0 0\n"), 2, "s=-", "expected the required \"o=\" line");
    }

    @Test
    void descriptionEndsEarly() {
        assertFailure(parseFailure("v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\n"), 3, "s=-",
                "ends before the required \"t=\" line");
    }

    @Test
    void missingTiming() {
        assertFailure(parseFailure("v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\na=ice-lite\n"), 4, "a=ice-lite",
                "expected the required \"t=\" line");
    }

    @Test
    void nonNumericVersion() {
        assertFailure(parseFailure("v=zero\n"), 1, "v=zero", "version \"zero\" is not a number");
    }

    @Test
    void sessionLineOutOfOrder() {
        assertFailure(parseFailure(HEADER + "c=IN IP4 0.0.0.0\n"), 6, "c=IN IP4 0.0.0.0", "out of order");
    }

    @Test
    void sessionLineAfterMediaSection() {
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "t=0 0\n"), 7, "t=0 0", "in a media section");
    }

    @Test
    void mediaAttributesAtSessionLevelAreAccepted() throws SdpParseException {
        String text = HEADER.replace("\n", "\r\n") + "a=rtcp-mux\r\na=mid:0\r\na=sctp-port:5000\r\n";

        SessionDescription description = SessionDescription.parse(text);

        assertThat(description.toString()).isEqualTo(text);
        assertThat(description.hasAttribute("rtcp-mux")).isTrue();
    }

    @Test
    void candidateWithTooFewFields() {
        String line = "a=candidate:2393089663 1 udp 2122260223 192.168.1.23 58731 typ";
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=mid:0\n" + line + "\n"), 8, line,
                "candidate has 7 fields, expected at least 8");
    }

    @Test
    void candidateWithNonNumericPriority() {
        String line = "a=candidate:2393089663 1 udp high 192.168.1.23 58731 typ host";
        assertFailure(parseFailure(HEADER + AUDIO_LINE + line + "\n"), 7, line, "priority \"high\" is not a number");
    }

    @Test
    void candidateWithBadType() {
        String line = "a=candidate:2393089663 1 udp 2122260223 192.168.1.23 58731 typ local";
        assertFailure(parseFailure(HEADER + AUDIO_LINE + line + "\n"), 7, line,
                "candidate type \"local\" is not one of host, srflx, prflx, relay");
    }

    @Test
    void candidateAtSessionLevelIsCheckedToo() {
        String line = "a=candidate:1 1 udp 1 192.168.1.23 x typ host";
        assertFailure(parseFailure(HEADER + line + "\n"), 6, line, "port \"x\" is not a number");
    }

    @Test
    void malformedKnownAttributes() {
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=setup:sometimes\n"), 7, "a=setup:sometimes",
                "setup \"sometimes\" is not one of");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=sctp-port:abc\n"), 7, "a=sctp-port:abc",
                "sctp-port \"abc\" is not a number");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=max-message-size:-1\n"), 7, "a=max-message-size:-1",
                "max-message-size \"-1\" is not a number");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=rtpmap:111 opus\n"), 7, "a=rtpmap:111 opus",
                "rtpmap encoding \"opus\"");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=rtpmap:200 opus/48000\n"), 7, "a=rtpmap:200 opus/48000",
                "payload type \"200\" is out of range 0-127");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=fingerprint:sha-256\n"), 7, "a=fingerprint:sha-256",
                "fingerprint has 1 fields, expected 2");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=fingerprint:sha-256 ZZ:01\n"), 7,
                "a=fingerprint:sha-256 ZZ:01", "is not hex");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=mid\n"), 7, "a=mid", "needs a value");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=extmap:0 urn:x\n"), 7, "a=extmap:0 urn:x",
                "extmap id 0 is reserved");
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "a=:value\n"), 7, "a=:value", "attribute name is empty");
    }

    @Test
    void mediaLineWithTooFewFields() {
        assertFailure(parseFailure(HEADER + "m=audio 9\n"), 6, "m=audio 9", "media line has 2 fields");
    }

    @Test
    void connectionWithWrongFieldCount() {
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "c=IN IP4\n"), 7, "c=IN IP4",
                "connection has 2 fields, expected 3");
    }

    @Test
    void bandwidthWithoutNumber() {
        assertFailure(parseFailure(HEADER + AUDIO_LINE + "b=AS:fast\n"), 7, "b=AS:fast",
                "bandwidth \"fast\" is not a number");
    }

    @Test
    void reportsTheFirstErrorInTheText() {
        String text = HEADER + "m=audio x UDP/TLS/RTP/SAVPF 111\nzz\n";

        assertThat(parseFailure(text).lineNumber()).isEqualTo(6);
    }

    @Test
    void lineNumbersCountCrlfAndLfAlike() {
        String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\ns=-\r\nt=0 0\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n";

        assertFailure(parseFailure(text), 6, "a=rtpmap:0 PCMU", "rtpmap encoding");
    }
}
