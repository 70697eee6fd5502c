package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.IceConnectionState;
import dev.peerlink.ice.IceEvent;
import dev.peerlink.ice.IceRole;
import dev.peerlink.ice.netty.HostAddressGatherer;
import dev.peerlink.ice.netty.IceSession;
import dev.peerlink.sdp.Attribute;
import dev.peerlink.sdp.Connection;
import dev.peerlink.sdp.Fingerprint;
import dev.peerlink.sdp.Group;
import dev.peerlink.sdp.IceCandidateLine;
import dev.peerlink.sdp.MediaDescription;
import dev.peerlink.sdp.Origin;
import dev.peerlink.sdp.SessionDescription;
import dev.peerlink.sdp.SetupRole;
import dev.peerlink.testkit.Chromium;
import dev.peerlink.testkit.ChromiumPeerScripts;
import dev.peerlink.testkit.NetworkNamespace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * DTLS between a {@link DtlsTransport} and a real Chromium (Debian's headless {@code chromium}), over an
 * {@link IceSession} on the test's own veth link into a network namespace (the pattern of peerlink-ice's
 * ChromiumIceInteropTest). Chromium's {@code pc.connectionState} reaches {@code connected} only once ICE and DTLS
 * are both up (W3C WebRTC §4.3.3), so it is the browser's own word that the handshake succeeded and our certificate
 * matched the fingerprint we signalled. Needs root and Chromium: skipped with the reason without them, failed in CI.
 */
class ChromiumDtlsInteropTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> RAW_IPS = List.of("--disable-features=WebRtcHideLocalIpsWithMdns");

    /** An ICE session whose DTLS datagrams (RFC 7983: 20–63) go to the DTLS transport once there is one. */
    private static final class Peer implements AutoCloseable {
        final IceSession session;
        final AtomicReference<DtlsTransport> dtls = new AtomicReference<>();

        Peer(NetworkNamespace namespace, IceRole role) throws IOException {
            this.session = IceSession.builder(IceAgentConfig.defaults(role))
                    .gatherer(HostAddressGatherer.only(namespace.hostAddress()))
                    .listener(Runnable::run, event -> {
                        DtlsTransport transport = dtls.get();
                        if (event instanceof IceEvent.DataReceived data && transport != null) {
                            transport.handleIncoming(ByteBuffer.wrap(data.data()));
                        }
                    }).open();
        }

        DtlsTransport dtls(DtlsRole role, DtlsCertificate certificate, List<Fingerprint> remote) {
            DtlsTransport transport = DtlsTransport.builder(role, certificate, remote)
                    .outbound(datagram -> {
                        byte[] bytes = new byte[datagram.remaining()];
                        datagram.get(bytes);
                        session.send(bytes); // hops onto the ICE event loop; never waits
                    }).build();
            dtls.set(transport);
            return transport;
        }

        void awaitIceConnected() {
            await().atMost(PATIENCE).until(() -> session.state() == IceConnectionState.CONNECTED
                    || session.state() == IceConnectionState.COMPLETED);
        }

        @Override
        public void close() {
            DtlsTransport transport = dtls.get();
            if (transport != null) {
                transport.close();
            }
            session.close();
        }
    }

    @Test
    void chromiumOffersJavaAnswersActiveAndIsTheDtlsClient() throws Exception {
        DtlsCertificate certificate = DtlsCertificate.generate();
        try (NetworkNamespace namespace = NetworkNamespace.create();
             Chromium chromium = Chromium.launchIn(namespace, RAW_IPS);
             Peer peer = new Peer(namespace, IceRole.CONTROLLED)) {
            Chromium.Page page = chromium.newPage("about:blank");
            SessionDescription offer = SessionDescription.parse(page.evaluate(ChromiumPeerScripts.OFFER).asText());
            MediaDescription offered = offer.mediaDescriptions().get(0);
            SetupRole offeredSetup = offered.setup().or(offer::setup).orElseThrow();
            assertThat(offeredSetup).isEqualTo(SetupRole.ACTPASS);
            DtlsRole role = DtlsRole.forAnswerer(offeredSetup);
            assertThat(role).isEqualTo(DtlsRole.CLIENT);
            DtlsTransport dtls = peer.dtls(role, certificate, fingerprints(offer, offered));
            Events events = new Events(dtls);

            addChromiumCandidates(peer.session, offer, offered, offered.candidates());
            String answer = answerTo(offered, peer.session, certificate.fingerprint(),
                    DtlsRole.answerSetup(offeredSetup)).toString();
            page.evaluate("pc.setRemoteDescription({type: 'answer', sdp: %s}).then(() => 'ok')"
                    .formatted(JSON.writeValueAsString(answer)));

            peer.awaitIceConnected();
            dtls.start(); // the client speaks first, once ICE has a pair to speak on
            DtlsEvent.Connected connected = events.next(DtlsEvent.Connected.class, PATIENCE);
            awaitConnectionState(page, "connected");
            System.out.println("Java DTLS client ↔ Chromium: connected, SRTP profile " + connected.srtpProfile()
                    + ", Chromium states " + page.evaluate("window.states"));
            assertThat(dtls.exportKeyingMaterial(SrtpKeyingMaterial.EXPORTER_LABEL, 60)).hasSize(60);

            dtls.close();
            assertThat(events.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isFalse();
        }
    }

    @Test
    void javaOffersActpassChromiumAnswersActiveAndJavaIsTheDtlsServer() throws Exception {
        DtlsCertificate certificate = DtlsCertificate.generate();
        try (NetworkNamespace namespace = NetworkNamespace.create();
             Chromium chromium = Chromium.launchIn(namespace, RAW_IPS);
             Peer peer = new Peer(namespace, IceRole.CONTROLLING)) {
            Chromium.Page page = chromium.newPage("about:blank");
            SessionDescription offer = SessionDescription.of(Origin.of(sessionId(), 2))
                    .withAttribute(Group.bundle(List.of("0")).toAttribute())
                    .withMediaDescription(applicationSection(peer.session, "0", certificate.fingerprint(),
                            SetupRole.ACTPASS, false));
            SessionDescription answer = SessionDescription.parse(page.evaluate(ChromiumPeerScripts.ANSWER.formatted(
                    JSON.writeValueAsString(offer.toString()))).asText());
            MediaDescription answered = answer.mediaDescriptions().get(0);
            SetupRole answeredSetup = answered.setup().or(answer::setup).orElseThrow();
            assertThat(answeredSetup).isEqualTo(SetupRole.ACTIVE);
            DtlsRole role = DtlsRole.forOfferer(answeredSetup);
            assertThat(role).isEqualTo(DtlsRole.SERVER);
            DtlsTransport dtls = peer.dtls(role, certificate, fingerprints(answer, answered));
            Events events = new Events(dtls);
            dtls.start(); // the server waits for Chromium's ClientHello, which may come with the first ICE data

            peer.session.setRemoteCredentials(iceUfrag(answer, answered), icePwd(answer, answered)).join();
            for (IceCandidate candidate : peer.session.localCandidates()) {
                page.evaluate("pc.addIceCandidate({candidate: %s, sdpMid: '0'}).then(() => 'ok')"
                        .formatted(JSON.writeValueAsString(candidate.toSdpLine().toString())));
            }
            page.evaluate("pc.addIceCandidate({candidate: '', sdpMid: '0'}).then(() => 'ok')");
            await().atMost(PATIENCE).until(() -> page.evaluate("window.gatheringDone").asBoolean());
            List<IceCandidateLine> trickled = new ArrayList<>();
            for (JsonNode line : page.evaluate("window.trickled")) {
                trickled.add(IceCandidateLine.parse(line.asText()));
            }
            addChromiumCandidates(peer.session, answer, answered, trickled);

            peer.awaitIceConnected();
            DtlsEvent.Connected connected = events.next(DtlsEvent.Connected.class, PATIENCE);
            awaitConnectionState(page, "connected");
            System.out.println("Java DTLS server ↔ Chromium: connected, SRTP profile " + connected.srtpProfile()
                    + ", Chromium states " + page.evaluate("window.states"));

            dtls.close();
            assertThat(events.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isFalse();
        }
    }

    @Test
    void aWrongFingerprintInOurAnswerFailsChromiumsConnection() throws Exception {
        DtlsCertificate certificate = DtlsCertificate.generate();
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Fingerprint wrong = Fingerprint.of("sha-256", random);
        try (NetworkNamespace namespace = NetworkNamespace.create();
             Chromium chromium = Chromium.launchIn(namespace, RAW_IPS);
             Peer peer = new Peer(namespace, IceRole.CONTROLLED)) {
            Chromium.Page page = chromium.newPage("about:blank");
            SessionDescription offer = SessionDescription.parse(page.evaluate(ChromiumPeerScripts.OFFER).asText());
            MediaDescription offered = offer.mediaDescriptions().get(0);
            DtlsTransport dtls = peer.dtls(DtlsRole.CLIENT, certificate, fingerprints(offer, offered));
            Events events = new Events(dtls);
            addChromiumCandidates(peer.session, offer, offered, offered.candidates());
            String answer = answerTo(offered, peer.session, wrong, SetupRole.ACTIVE).toString();
            page.evaluate("pc.setRemoteDescription({type: 'answer', sdp: %s}).then(() => 'ok')"
                    .formatted(JSON.writeValueAsString(answer)));

            peer.awaitIceConnected();
            dtls.start();
            awaitConnectionState(page, "failed");
            assertThat(page.evaluate("window.states").toString()).doesNotContain("\"connected\"");
            // Chromium refuses our certificate: the handshake does not complete on our side either.
            DtlsEvent.Failed failed = events.next(DtlsEvent.Failed.class, PATIENCE);
            System.out.println("wrong fingerprint in our answer: Chromium states " + page.evaluate("window.states")
                    + "; our side: " + failed.reason());
            assertThat(events.seen()).noneMatch(DtlsEvent.Connected.class::isInstance);
        }
    }

    private static void awaitConnectionState(Chromium.Page page, String state) {
        await().atMost(PATIENCE).until(() -> state.equals(page.evaluate("pc.connectionState").asText()));
    }

    private static void addChromiumCandidates(IceSession session, SessionDescription description,
                                              MediaDescription media, List<IceCandidateLine> lines) {
        session.setRemoteCredentials(iceUfrag(description, media), icePwd(description, media)).join();
        List<IceCandidateLine> udp = lines.stream()
                .filter(line -> line.transportProtocol() == IceCandidateLine.Transport.UDP).toList();
        assertThat(udp).isNotEmpty();
        for (IceCandidateLine line : udp) {
            session.addRemoteCandidate(IceCandidate.fromSdp(line)).join();
        }
        session.endOfRemoteCandidates().join();
    }

    /** Media-level {@code a=fingerprint}s, else the session-level ones (RFC 8122 §5). */
    private static List<Fingerprint> fingerprints(SessionDescription description, MediaDescription media) {
        List<Fingerprint> fingerprints = media.fingerprints();
        return fingerprints.isEmpty() ? description.fingerprints() : fingerprints;
    }

    private static String iceUfrag(SessionDescription description, MediaDescription media) {
        return media.iceUfrag().or(description::iceUfrag).orElseThrow();
    }

    private static String icePwd(SessionDescription description, MediaDescription media) {
        return media.icePwd().or(description::icePwd).orElseThrow();
    }

    private static String sessionId() {
        return Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE);
    }

    /** RFC 8829 §5.3: an answer with the offer's one data-channel section, its mid and BUNDLE group. */
    private static SessionDescription answerTo(MediaDescription offered, IceSession session, Fingerprint fingerprint,
                                               SetupRole setup) {
        String mid = offered.mid().orElseThrow();
        return SessionDescription.of(Origin.of(sessionId(), 2))
                .withAttribute(Group.bundle(List.of(mid)).toAttribute())
                .withMediaDescription(applicationSection(session, mid, fingerprint, setup, true)
                        .withFormats(offered.formats()).withProtocol(offered.protocol()));
    }

    /** An {@code m=application} data-channel section (RFC 8841) with our credentials and DTLS fingerprint. */
    private static MediaDescription applicationSection(IceSession session, String mid, Fingerprint fingerprint,
                                                       SetupRole setup, boolean withCandidates) {
        MediaDescription media = MediaDescription.of("application", 9, "UDP/DTLS/SCTP",
                List.of("webrtc-datachannel")).withConnection(Connection.ipv4("0.0.0.0"));
        if (withCandidates) {
            for (IceCandidate candidate : session.localCandidates()) {
                media = media.withCandidate(candidate.toSdpLine());
            }
            media = media.withAttribute(Attribute.flag("end-of-candidates"));
        }
        return media.withAttributeValue("ice-ufrag", session.localUfrag())
                .withAttributeValue("ice-pwd", session.localPassword())
                .withAttributeValue("ice-options", "trickle")
                .withAttribute(fingerprint.toAttribute())
                .withAttribute(setup.toAttribute())
                .withAttributeValue("mid", mid)
                .withAttributeValue("sctp-port", "5000")
                .withAttributeValue("max-message-size", "262144");
    }
}
