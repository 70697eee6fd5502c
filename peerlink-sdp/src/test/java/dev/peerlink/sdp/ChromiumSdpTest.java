package dev.peerlink.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChromiumSdpTest {

    @ParameterizedTest
    @ValueSource(strings = {TestSdp.CHROMIUM_OFFER, TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER})
    void fixturesAreCrlfTerminatedSoTheRoundTripIsMeaningful(String name) {
        String text = TestSdp.load(name);
        assertThat(text).endsWith("\r\n");
        assertThat(text.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSdp.CHROMIUM_OFFER, TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER})
    void roundTripsByteForByte(String name) throws SdpParseException {
        String text = TestSdp.load(name);

        assertThat(SessionDescription.parse(text).toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSdp.CHROMIUM_OFFER, TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER})
    void keepsEveryLineInOrder(String name) throws SdpParseException {
        String text = TestSdp.load(name);

        List<String> written = SessionDescription.parse(text).toString().lines().toList();

        assertThat(written).containsExactlyElementsOf(text.lines().toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSdp.CHROMIUM_OFFER, TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER})
    void acceptsLfOnlyInputAndWritesCrlf(String name) throws SdpParseException {
        String crlf = TestSdp.load(name);
        String lfOnly = crlf.replace("\r\n", "\n");

        assertThat(SessionDescription.parse(lfOnly).toString()).isEqualTo(crlf);
        assertThat(SessionDescription.parse(lfOnly)).isEqualTo(SessionDescription.parse(crlf));
    }

    @Test
    void acceptsAMissingFinalLineBreakAndTrailingBlankLines() throws SdpParseException {
        String crlf = TestSdp.load(TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER);
        String withoutFinalBreak = crlf.substring(0, crlf.length() - 2);

        assertThat(SessionDescription.parse(withoutFinalBreak).toString()).isEqualTo(crlf);
        assertThat(SessionDescription.parse(crlf + "\r\n\n").toString()).isEqualTo(crlf);
    }

    @Test
    void offerSessionLevel() throws SdpParseException {
        SessionDescription offer = SessionDescription.parse(TestSdp.load(TestSdp.CHROMIUM_OFFER));

        assertThat(offer.version()).isZero();
        assertThat(offer.origin()).isEqualTo(
                new Origin("-", "4215775240449105457", "2", "IN", "IP4", "127.0.0.1"));
        assertThat(offer.sessionName()).isEqualTo("-");
        assertThat(offer.timings()).containsExactly(Timing.PERMANENT);
        assertThat(offer.bundleGroups()).containsExactly(Group.bundle(List.of("0", "1", "2")));
        assertThat(offer.hasAttribute("extmap-allow-mixed")).isTrue();
        // The space after the colon is Chromium's and must survive.
        assertThat(offer.attributeValue("msid-semantic")).contains(" WMS 7d3f2b9e-5c41-4b8a-9e0f-1a2b3c4d5e6f");
        assertThat(offer.iceUfrag()).isEmpty();
        assertThat(offer.mediaDescriptions()).extracting(MediaDescription::media)
                .containsExactly("audio", "video", "application");
        assertThat(offer.mediaByMid("2")).get().extracting(MediaDescription::media).isEqualTo("application");
        assertThat(offer.mediaByMid("7")).isEmpty();
    }

    @Test
    void offerAudioSection() throws SdpParseException {
        MediaDescription audio = SessionDescription.parse(TestSdp.load(TestSdp.CHROMIUM_OFFER)).mediaDescriptions()
                .get(0);

        assertThat(audio.port()).isEqualTo(58731);
        assertThat(audio.protocol()).isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(audio.formats()).containsExactly("111", "63", "9", "0", "8", "13", "110", "126");
        assertThat(audio.payloadTypes()).containsExactly(111, 63, 9, 0, 8, 13, 110, 126);
        assertThat(audio.connection()).contains(Connection.ipv4("203.0.113.45"));
        assertThat(audio.mid()).contains("0");
        assertThat(audio.iceUfrag()).contains("Qx7v");
        assertThat(audio.icePwd()).contains("m3Kq9ZbT1uYvL0pWcX8rNd5e");
        assertThat(audio.iceOptions()).containsExactly("trickle");
        assertThat(audio.setup()).contains(SetupRole.ACTPASS);
        assertThat(audio.direction()).contains(MediaDirection.SENDRECV);
        assertThat(audio.rtcpMux()).isTrue();
        assertThat(audio.endOfCandidates()).isTrue();
        assertThat(audio.fingerprints()).singleElement().satisfies(fingerprint -> {
            assertThat(fingerprint.algorithm()).isEqualTo("sha-256");
            assertThat(fingerprint.value()).startsWith("5A:1F:3C:88");
            assertThat(fingerprint.digest()).hasSize(32).startsWith((byte) 0x5A, (byte) 0x1F);
        });
        assertThat(audio.rtpMap(111)).contains(new RtpMap(111, "opus", 48000, "2"));
        assertThat(audio.rtpMap(0)).contains(new RtpMap(0, "PCMU", 8000));
        assertThat(audio.rtpMap(42)).isEmpty();
        assertThat(audio.fmtp(111)).get().satisfies(fmtp -> {
            assertThat(fmtp.parameters()).isEqualTo("minptime=10;useinbandfec=1");
            assertThat(fmtp.parameterMap()).containsExactly(entry("minptime", "10"), entry("useinbandfec", "1"));
        });
        assertThat(audio.fmtp(63).orElseThrow().parameterMap()).containsOnlyKeys("111/111");
        assertThat(audio.rtcpFeedback(111)).containsExactly("transport-cc");
        assertThat(audio.extMaps()).first().isEqualTo(new ExtMap(1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
        assertThat(audio.attributes("ssrc")).extracting(Attribute::value).containsExactly(
                "1817205624 cname:w3Fj8kQp2LzR7tYb",
                "1817205624 msid:7d3f2b9e-5c41-4b8a-9e0f-1a2b3c4d5e6f 0c9e4d2a-8b71-4f3e-a5d6-2e1f0a9b8c7d");
        assertThat(audio.attributeValue("msid"))
                .contains("7d3f2b9e-5c41-4b8a-9e0f-1a2b3c4d5e6f 0c9e4d2a-8b71-4f3e-a5d6-2e1f0a9b8c7d");
    }

    @Test
    void offerCandidates() throws SdpParseException {
        List<IceCandidateLine> candidates = SessionDescription.parse(TestSdp.load(TestSdp.CHROMIUM_OFFER))
                .mediaDescriptions().get(0).candidates();

        assertThat(candidates).hasSize(7);
        assertThat(candidates).extracting(IceCandidateLine::type).containsExactly(
                IceCandidateLine.Type.HOST, IceCandidateLine.Type.HOST, IceCandidateLine.Type.HOST,
                IceCandidateLine.Type.HOST, IceCandidateLine.Type.HOST, IceCandidateLine.Type.SRFLX,
                IceCandidateLine.Type.RELAY);

        IceCandidateLine ipv6 = candidates.get(1);
        assertThat(ipv6.address()).isEqualTo("2001:db8:85a3::8a2e:370:7334");

        IceCandidateLine mdns = candidates.get(2);
        assertThat(mdns.address()).isEqualTo("9b36c1c4-7d3e-4a1f-8b2c-5e6f7a8b9c0d.local");
        assertThat(mdns.hasMdnsAddress()).isTrue();
        assertThat(mdns.networkCost()).isEmpty();

        IceCandidateLine passiveTcp = candidates.get(4);
        assertThat(passiveTcp.transportProtocol()).isEqualTo(IceCandidateLine.Transport.TCP);
        assertThat(passiveTcp.tcpType()).contains(IceCandidateLine.TcpType.PASSIVE);
        assertThat(passiveTcp.port()).isEqualTo(50316);

        IceCandidateLine srflx = candidates.get(5);
        assertThat(srflx.priority()).isEqualTo(1686052607L);
        assertThat(srflx.relatedAddress()).isEqualTo("192.168.1.23");
        assertThat(srflx.relatedPort()).isEqualTo(58731);
        assertThat(srflx.generation()).hasValue(0);
        assertThat(srflx.networkId()).hasValue(1);
        assertThat(srflx.networkCost()).hasValue(10);

        IceCandidateLine relay = candidates.get(6);
        assertThat(relay.address()).isEqualTo("198.51.100.77");
        assertThat(relay.priority()).isEqualTo(41885439L);
    }

    @Test
    void offerVideoSection() throws SdpParseException {
        MediaDescription video = SessionDescription.parse(TestSdp.load(TestSdp.CHROMIUM_OFFER)).mediaDescriptions()
                .get(1);

        assertThat(video.isVideo()).isTrue();
        assertThat(video.port()).isEqualTo(9);
        assertThat(video.candidates()).isEmpty();
        assertThat(video.endOfCandidates()).isFalse();
        assertThat(video.rtpMap(96)).contains(new RtpMap(96, "VP8", 90000));
        assertThat(video.rtpMap(98).orElseThrow().encodingName()).isEqualTo("VP9");
        assertThat(video.rtpMap(100).orElseThrow().encodingName()).isEqualTo("H264");
        assertThat(video.fmtp(97).orElseThrow().parameterMap()).containsEntry("apt", "96");
        assertThat(video.fmtp(101).orElseThrow().parameterMap()).containsEntry("apt", "100");
        assertThat(video.fmtp(100).orElseThrow().parameterMap())
                .containsEntry("profile-level-id", "42e01f")
                .containsEntry("packetization-mode", "1");
        assertThat(video.rtcpFeedback(96)).containsExactly("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli");
        assertThat(video.attributeValue("ssrc-group")).contains("FID 2968541537 3410262941");
        assertThat(video.extMaps()).hasSize(11);
    }

    @Test
    void offerDataChannelSection() throws SdpParseException {
        MediaDescription application = SessionDescription.parse(TestSdp.load(TestSdp.CHROMIUM_OFFER))
                .mediaDescriptions().get(2);

        assertThat(application.isApplication()).isTrue();
        assertThat(application.protocol()).isEqualTo("UDP/DTLS/SCTP");
        assertThat(application.formats()).containsExactly("webrtc-datachannel");
        assertThat(application.payloadTypes()).isEmpty();
        assertThat(application.sctpPort()).hasValue(5000);
        assertThat(application.maxMessageSize()).hasValue(262144L);
        assertThat(application.mid()).contains("2");
        assertThat(application.rtpMaps()).isEmpty();
        assertThat(application.direction()).isEmpty();
    }

    @Test
    void dataChannelAnswer() throws SdpParseException {
        SessionDescription answer = SessionDescription.parse(TestSdp.load(TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER));

        assertThat(answer.bundleGroups()).containsExactly(Group.bundle(List.of("0")));
        assertThat(answer.attributeValue("msid-semantic")).contains(" WMS");
        MediaDescription application = answer.mediaDescriptions().get(0);
        assertThat(answer.mediaDescriptions()).hasSize(1);
        assertThat(application.setup()).contains(SetupRole.ACTIVE);
        assertThat(application.iceUfrag()).contains("kP3z");
        assertThat(application.icePwd()).contains("Yt8sVq2NcW4mRa7LxE1bJu6H");
        assertThat(application.sctpPort()).hasValue(5000);
        assertThat(application.maxMessageSize()).hasValue(262144L);
        assertThat(application.candidates()).extracting(IceCandidateLine::address).containsExactly(
                "c3e1a0f2-6b4d-4e8a-b1c9-0d2e3f4a5b6c.local", "198.51.100.9");
        assertThat(application.candidates().get(1).relatedAddress()).isEqualTo("0.0.0.0");
        assertThat(application.candidates().get(1).relatedPort()).isZero();
        assertThat(application.candidates().get(0).networkCost()).hasValue(999);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSdp.CHROMIUM_OFFER, TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER})
    void everyCandidateLineRoundTripsOnItsOwn(String name) throws SdpParseException {
        List<String> candidateLines = TestSdp.load(name).lines().filter(line -> line.startsWith("a=candidate:"))
                .toList();

        assertThat(candidateLines).isNotEmpty();
        for (String line : candidateLines) {
            assertThat(IceCandidateLine.parse(line).toAttribute().toString()).isEqualTo(line.substring(2));
            assertThat(IceCandidateLine.parse(line.substring(2)).toString()).isEqualTo(line.substring(2));
        }
    }

    @Test
    void editingWithWithMethodsChangesOnlyWhatWasAsked() throws SdpParseException {
        String text = TestSdp.load(TestSdp.CHROMIUM_DATA_CHANNEL_ANSWER);
        SessionDescription answer = SessionDescription.parse(text);
        MediaDescription application = answer.mediaDescriptions().get(0);

        SessionDescription edited = answer
                .withOrigin(answer.origin().withNextSessionVersion())
                .withMediaDescription(0, application.withAttributeValue("setup", SetupRole.PASSIVE.token()));

        assertThat(edited.toString()).isEqualTo(text
                .replace("o=- 7150262885263481376 2 ", "o=- 7150262885263481376 3 ")
                .replace("a=setup:active", "a=setup:passive"));
        assertThat(answer.toString()).isEqualTo(text);
    }
}
