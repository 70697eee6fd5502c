package dev.peerlink.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SdpWriterTest {
    private static final byte[] DIGEST = HexFormat.of().parseHex(
            "5a1f3c88d2479b0e6af122c57d934eb801af663dc958e4127ba09f35d6482ce7");

    @Test
    void writesADataChannelOfferBuiltInCode() throws SdpParseException {
        MediaDescription application = MediaDescription.of("application", 9, "UDP/DTLS/SCTP",
                        List.of("webrtc-datachannel"))
                .withConnection(Connection.ipv4("0.0.0.0"))
                .withCandidate(IceCandidateLine.of("1", 1, IceCandidateLine.Transport.UDP, 2122260223L,
                        "192.168.1.23", 58731, IceCandidateLine.Type.HOST))
                .withAttribute(Attribute.flag("end-of-candidates"))
                .withAttributeValue("ice-ufrag", "Qx7v")
                .withAttributeValue("ice-pwd", "m3Kq9ZbT1uYvL0pWcX8rNd5e")
                .withAttributeValue("ice-options", "trickle")
                .withAttribute(Fingerprint.of("sha-256", DIGEST).toAttribute())
                .withAttribute(SetupRole.ACTPASS.toAttribute())
                .withAttributeValue("mid", "0")
                .withAttributeValue("sctp-port", "5000")
                .withAttributeValue("max-message-size", "262144");
        SessionDescription offer = SessionDescription.of(Origin.of("4215775240449105457", 2))
                .withAttribute(Group.bundle(List.of("0")).toAttribute())
                .withAttribute(Attribute.of("msid-semantic", " WMS"))
                .withMediaDescription(application);

        String text = offer.toString();

        assertThat(text).isEqualTo("""
                v=0\r
                o=- 4215775240449105457 2 IN IP4 127.0.0.1\r
                s=-\r
                t=0 0\r
                a=group:BUNDLE 0\r
                a=msid-semantic: WMS\r
                m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
                c=IN IP4 0.0.0.0\r
                a=candidate:1 1 udp 2122260223 192.168.1.23 58731 typ host\r
                a=end-of-candidates\r
                a=ice-ufrag:Qx7v\r
                a=ice-pwd:m3Kq9ZbT1uYvL0pWcX8rNd5e\r
                a=ice-options:trickle\r
                a=fingerprint:sha-256 \
                5A:1F:3C:88:D2:47:9B:0E:6A:F1:22:C5:7D:93:4E:B8:01:AF:66:3D:C9:58:E4:12:7B:A0:9F:35:D6:48:2C:E7\r
                a=setup:actpass\r
                a=mid:0\r
                a=sctp-port:5000\r
                a=max-message-size:262144\r
                """);
        SessionDescription reparsed = SessionDescription.parse(text);
        assertThat(reparsed).isEqualTo(offer);
        assertThat(reparsed.mediaDescriptions().get(0).fingerprints().get(0).digest()).isEqualTo(DIGEST);
        assertThat(reparsed.mediaDescriptions().get(0).sctpPort()).hasValue(5000);
    }

    @Test
    void writesEveryLineTypeInRfc8866Order() throws SdpParseException {
        // Set the fields in scrambled order: the output order must come from RFC 8866 §5, not from the calls.
        MediaDescription media = MediaDescription.of("audio", 49170, "RTP/AVP", List.of("0", "8"))
                .withAttribute(new RtpMap(0, "PCMU", 8000).toAttribute())
                .withBandwidths(List.of(new Bandwidth("AS", 64)))
                .withConnections(List.of(Connection.ipv4("233.252.0.1/127"), Connection.ipv4("233.252.0.2/127")))
                .withInformation("the audio")
                .withAttribute(MediaDirection.RECVONLY.toAttribute());
        media = new MediaDescription(media.media(), media.port(), 2, media.protocol(), media.formats(),
                media.information(), media.connections(), media.bandwidths(), "prompt", media.attributes());
        SessionDescription description = SessionDescription.of(new Origin("jdoe", "3724394400", "3724394405", "IN",
                        "IP4", "198.51.100.1"))
                .withMediaDescription(media)
                .withAttribute(Attribute.flag("recvonly"))
                .withTimeZones("3730928400 -1h 3749680800 0")
                .withTimings(List.of(new Timing(3724394400L, 3724398000L, List.of("604800 3600 0 90000")),
                        new Timing(0, 0)))
                .withBandwidths(List.of(new Bandwidth("CT", 128)))
                .withConnection(Connection.ipv4("233.252.0.1/127"))
                .withPhones(List.of("+1 617 555-6011"))
                .withEmails(List.of("j.doe@example.com (Jane Doe)"))
                .withUri("https://www.example.com/seminars/sdp.pdf")
                .withInformation("A Seminar on the session description protocol")
                .withSessionName("SDP Seminar");
        description = new SessionDescription(0, description.origin(), description.sessionName(),
                description.information(), description.uri(), description.emails(), description.phones(),
                description.connection(), description.bandwidths(), description.timings(), description.timeZones(),
                "clear:secret", description.attributes(), description.mediaDescriptions());

        String text = description.toString();

        assertThat(text.lines().map(line -> line.substring(0, 1)).toList())
                .containsExactly("v", "o", "s", "i", "u", "e", "p", "c", "b", "t", "r", "t", "z", "k", "a",
                        "m", "i", "c", "c", "b", "k", "a", "a");
        assertThat(text).contains("m=audio 49170/2 RTP/AVP 0 8\r\n");
        assertThat(SessionDescription.parse(text)).isEqualTo(description);
        assertThat(SessionDescription.parse(text).toString()).isEqualTo(text);
        assertThat(SessionDescription.parse(text).direction()).contains(MediaDirection.RECVONLY);
    }

    @Test
    void mediaSectionWithoutFormatsHasNoTrailingSpace() {
        assertThat(MediaDescription.of("audio", 0, "RTP/AVP", List.of()).toString())
                .isEqualTo("m=audio 0 RTP/AVP\r\n");
    }

    @Test
    void attributeEditing() {
        MediaDescription media = MediaDescription.of("audio", 9, "UDP/TLS/RTP/SAVPF", List.of("111"))
                .withAttributeValue("ice-ufrag", "old1")
                .withAttribute(Attribute.flag("rtcp-mux"))
                .withAttribute(Attribute.of("ice-ufrag", "old2"));

        MediaDescription replaced = media.withAttributeValue("ice-ufrag", "new");

        assertThat(replaced.attributes())
                .containsExactly(Attribute.of("ice-ufrag", "new"), Attribute.flag("rtcp-mux"));
        assertThat(replaced.withoutAttributes("rtcp-mux").attributes())
                .containsExactly(Attribute.of("ice-ufrag", "new"));
        assertThat(media.iceUfrag()).contains("old1");
    }

    @Test
    void modelRefusesValuesThatWouldBreakTheText() {
        assertThatThrownBy(() -> Attribute.of("mid", "0\r\na=injected")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Attribute.of("na:me", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Attribute.flag("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Connection.ipv4("10.0.0.1 extra")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MediaDescription.of("audio", 70000, "RTP/AVP", List.of("0")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionDescription.of(Origin.of("1", 1)).withTimings(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionDescription.of(Origin.of("1", 1)).withSessionName("a\nb"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedAttributesBuiltInCodeFailOnlyWhenRead() {
        MediaDescription media = MediaDescription.of("application", 9, "UDP/DTLS/SCTP", List.of("webrtc-datachannel"))
                .withAttributeValue("sctp-port", "many")
                .withAttributeValue("setup", "eventually");

        assertThat(media.toString()).contains("a=sctp-port:many\r\n");
        assertThatThrownBy(media::sctpPort).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a=sctp-port:many is malformed");
        assertThatThrownBy(media::setup).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nextSessionVersion() {
        assertThat(Origin.of("42", 2).withNextSessionVersion().sessionVersion()).isEqualTo("3");
        assertThat(Origin.of("42", 2).withNextSessionVersion().toString()).isEqualTo("- 42 3 IN IP4 127.0.0.1");
    }
}
