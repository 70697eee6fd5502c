package dev.peerlink.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.dtls.DtlsCertificate;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.netty.HostAddressGatherer;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two Java peer connections on 127.0.0.1: JSEP, ICE, DTLS, SCTP and data channels end to end. */
class PeerConnectionLoopbackTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final Recorder aEvents = new Recorder();
    private final Recorder bEvents = new Recorder();
    private PeerConnection a;
    private PeerConnection b;

    private static PeerConnectionConfig loopback() {
        return PeerConnectionConfig.builder()
                .gatherer(HostAddressGatherer.builder().allowLoopback(true).includeAddress("127.0.0.1/32").build())
                .mdns(false)
                .build();
    }

    @AfterEach
    void closeBoth() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    /** a offers, b answers; candidates trickle both ways, held back until the remote description is set. */
    private void connect(PeerConnectionConfig aConfig, PeerConnectionConfig bConfig) {
        a = PeerConnection.create(aConfig, aEvents);
        b = PeerConnection.create(bConfig, bEvents);
        Trickle.offerAndAnswer(a, aEvents, b, bEvents);
    }

    private void awaitConnected() {
        await().atMost(PATIENCE).until(() -> a.connectionState() == PeerConnectionState.CONNECTED
                && b.connectionState() == PeerConnectionState.CONNECTED);
    }

    /**
     * {@code iceTransportPolicy: "relay"} with a {@code turns:} URL: both peers allocate over TLS connections to
     * coturn (its self-signed certificate accepted with insecureTurnTls) and the data channel runs relay to relay;
     * getStats names the relay protocol as the W3C stats do.
     */
    @Test
    void relayOnlyThroughTurnOverTls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path temp) throws Exception {
        try (dev.peerlink.testkit.CoturnServer coturn = dev.peerlink.testkit.CoturnServer.start(temp,
                java.util.List.of("--user", "alice:secret"))) {
            IceServer turns = IceServer.turn("turns:127.0.0.1:" + coturn.tlsAddress().getPort(), "alice", "secret");
            PeerConnectionConfig relayOnly = PeerConnectionConfig.builder()
                    .gatherer(HostAddressGatherer.builder().allowLoopback(true).includeAddress("127.0.0.1/32").build())
                    .mdns(false).iceServer(turns).iceTransportPolicy(dev.peerlink.ice.IceTransportPolicy.RELAY)
                    .insecureTurnTls(true).build();
            connect(relayOnly, relayOnly);
            Inbox aInbox = Inbox.of(a.createDataChannel("over-turns", DataChannelOptions.DEFAULT));
            awaitConnected();
            aInbox.awaitOpen(PATIENCE);
            DataChannel bChannel = bEvents.remoteChannels.poll(PATIENCE.toSeconds(),
                    java.util.concurrent.TimeUnit.SECONDS);
            assertThat(bChannel).isNotNull();
            Inbox bInbox = Inbox.of(bChannel);
            a.createDataChannel("unused", DataChannelOptions.DEFAULT); // channels still open over the relay

            bChannel.send("through coturn over TLS");
            assertThat(aInbox.next(PATIENCE).text()).isEqualTo("through coturn over TLS");

            for (PeerConnection peer : java.util.List.of(a, b)) {
                PeerConnectionStats stats = peer.getStats().join();
                assertThat(stats.localCandidateType()).isEqualTo(IceCandidate.Type.RELAY);
                assertThat(stats.remoteCandidateType()).isEqualTo(IceCandidate.Type.RELAY);
                assertThat(stats.relayProtocol()).isEqualTo("tls");
                assertThat(stats.localAddress().getPort()).isBetween(coturn.minRelayPort(), coturn.maxRelayPort());
            }
            assertThat(bInbox.messages).isEmpty();

            // RFC 8899 is not run over a relay: the packets stay at the base size, and large messages still go.
            byte[] large = new byte[256 * 1024];
            new Random(3).nextBytes(large);
            bChannel.send(large);
            assertThat(aInbox.next(PATIENCE).data()).isEqualTo(large);
            for (PeerConnection peer : java.util.List.of(a, b)) {
                assertThat(peer.getStats().join().sctpPathMtu()).isBetween(1100, 1200);
            }
        }
    }

    /**
     * Path MTU discovery over loopback (MTU 65,536): the host sockets set don't-fragment, the SCTP association
     * probes 1,400, 4,096, 8,192 and then the DTLS cap (2^14 bytes of plaintext in a record) and uses it; a 256 KiB
     * message and a stream of messages arrive intact. Without native epoll there is no DF, so no probing.
     */
    @Test
    void thePathMtuGrowsOnLoopbackAndLargeMessagesAndStreamsArriveIntact() throws Exception {
        connect(loopback(), loopback());
        DataChannel channel = a.createDataChannel("large", DataChannelOptions.DEFAULT);
        Inbox aInbox = Inbox.of(channel);
        awaitConnected();
        aInbox.awaitOpen(PATIENCE);
        DataChannel bChannel = bEvents.remoteChannels.poll(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(bChannel).isNotNull();
        Inbox bInbox = Inbox.of(bChannel);
        boolean dontFragment = dev.peerlink.stun.transport.NettyTransport.best()
                == dev.peerlink.stun.transport.NettyTransport.EPOLL;
        int expected = dontFragment ? dev.peerlink.dtls.DtlsTransport.MAX_PLAINTEXT : 0;
        if (dontFragment) {
            await().atMost(PATIENCE).until(() -> a.getStats().join().sctpPathMtu() == expected
                    && b.getStats().join().sctpPathMtu() == expected);
        }

        Random random = new Random(11);
        byte[] large = new byte[256 * 1024];
        random.nextBytes(large);
        channel.send(large);
        assertThat(bInbox.next(PATIENCE).data()).isEqualTo(large);
        bChannel.send(large);
        assertThat(aInbox.next(PATIENCE).data()).isEqualTo(large);
        java.util.List<byte[]> stream = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] message = new byte[random.nextInt(40_000)];
            random.nextBytes(message);
            stream.add(message);
            channel.send(message);
        }
        for (byte[] message : stream) {
            assertThat(bInbox.next(PATIENCE).data()).isEqualTo(message);
        }
        for (PeerConnection peer : java.util.List.of(a, b)) {
            int pathMtu = peer.getStats().join().sctpPathMtu();
            if (dontFragment) {
                assertThat(pathMtu).isEqualTo(expected);
            } else {
                assertThat(pathMtu).isBetween(1100, 1200);
            }
        }
    }

    @Test
    void offerAndAnswerCarryTheJsepAttributes() {
        a = PeerConnection.create(loopback(), aEvents);
        String offer = a.createOffer();
        assertThat(offer).contains("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "a=group:BUNDLE 0",
                "a=ice-ufrag:", "a=ice-pwd:", "a=ice-options:trickle", "a=fingerprint:sha-256 ", "a=setup:actpass",
                "a=mid:0", "a=sctp-port:5000", "a=max-message-size:262144");
        b = PeerConnection.create(loopback(), bEvents);
        b.setRemoteDescription(offer);
        assertThat(b.createAnswer()).contains("a=setup:passive", "a=mid:0", "a=group:BUNDLE 0");
    }

    @Test
    void anAnswererConfiguredAsTheDtlsClientAnswersActiveLikeABrowserAndConnects() throws Exception {
        PeerConnectionConfig browserLike = PeerConnectionConfig.builder()
                .gatherer(HostAddressGatherer.builder().allowLoopback(true).includeAddress("127.0.0.1/32").build())
                .mdns(false).answeringDtlsRole(dev.peerlink.dtls.DtlsRole.CLIENT).build();
        connect(loopback(), browserLike);
        assertThat(b.localDescription()).hasValueSatisfying(answer -> assertThat(answer).contains("a=setup:active"));
        Inbox aInbox = Inbox.of(a.createDataChannel("c", DataChannelOptions.DEFAULT));
        awaitConnected();
        aInbox.awaitOpen(PATIENCE);
        DataChannel late = b.createDataChannel("late", DataChannelOptions.DEFAULT);
        Inbox.of(late).awaitOpen(PATIENCE);
        assertThat(late.id() % 2).as("the DTLS client (the answerer, a=setup:active) picks even ids").isZero();
    }

    @Test
    void badDescriptionsAndCandidatesAreRejectedClearly() {
        a = PeerConnection.create(loopback(), aEvents);
        assertThatThrownBy(() -> a.setRemoteDescription("hello")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid SDP");
        assertThatThrownBy(() -> a.createAnswer()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("remote offer");
        String noFingerprint = PeerConnection.create(loopback()).createOffer().replaceAll("a=fingerprint:[^\r\n]*\r\n", "");
        assertThatThrownBy(() -> a.setRemoteDescription(noFingerprint)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fingerprint");
        assertThatThrownBy(() -> a.addIceCandidate("candidate:nonsense")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IceServer.stun("http://example.org")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scheme");
        assertThatThrownBy(() -> IceServer.turn("turn:127.0.0.1:3478", null, null))
                .hasMessageContaining("username");
    }

    @Test
    void iceServerUrlsAreParsed() {
        IceServer.Url turn = IceServer.Url.parse("turn:[::1]:3479?transport=tcp");
        assertThat(turn.turn()).isTrue();
        assertThat(turn.host()).isEqualTo("::1");
        assertThat(turn.port()).isEqualTo(3479);
        assertThat(turn.transport().name()).isEqualTo("TCP");
        IceServer.Url stun = IceServer.Url.parse("stun:127.0.0.1");
        assertThat(stun.turn()).isFalse();
        assertThat(stun.port()).isEqualTo(3478);
        assertThat(IceServer.Url.parse("turns:127.0.0.1").port()).isEqualTo(5349);
    }

    @Test
    void textAndBinaryOfEverySizeBothWaysOnOrderedAndUnorderedChannels() throws Exception {
        connect(loopback(), loopback());
        DataChannel ordered = a.createDataChannel("ordered", DataChannelOptions.DEFAULT);
        DataChannel unordered = a.createDataChannel("unordered", DataChannelOptions.unordered());
        Inbox aOrdered = Inbox.of(ordered);
        Inbox aUnordered = Inbox.of(unordered);
        awaitConnected();
        aOrdered.awaitOpen(PATIENCE);
        aUnordered.awaitOpen(PATIENCE);
        DataChannel bOrdered = bEvents.remoteChannels.poll(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        DataChannel bUnordered = bEvents.remoteChannels.poll(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(bOrdered).isNotNull();
        assertThat(bUnordered).isNotNull();
        if (bOrdered.label().equals("unordered")) {
            DataChannel swap = bOrdered;
            bOrdered = bUnordered;
            bUnordered = swap;
        }
        assertThat(bOrdered.label()).isEqualTo("ordered");
        assertThat(bUnordered.ordered()).isFalse();
        Inbox bOrderedInbox = Inbox.of(bOrdered);
        Inbox bUnorderedInbox = Inbox.of(bUnordered);

        Random random = new Random(7);
        for (int size : new int[] {0, 1, 64 * 1024, 256 * 1024}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            String text = "x".repeat(size);
            // a -> b
            ordered.send(payload);
            assertThat(bOrderedInbox.next(PATIENCE).data()).isEqualTo(payload);
            ordered.send(text);
            assertThat(bOrderedInbox.next(PATIENCE).text()).isEqualTo(text);
            unordered.send(payload);
            assertThat(bUnorderedInbox.next(PATIENCE).data()).isEqualTo(payload);
            // b -> a
            bOrdered.send(payload);
            assertThat(aOrdered.next(PATIENCE).data()).isEqualTo(payload);
            bUnordered.send(text);
            assertThat(aUnordered.next(PATIENCE).text()).isEqualTo(text);
        }
        // ordered delivery of a burst
        for (int i = 0; i < 200; i++) {
            ordered.send("m" + i);
        }
        for (int i = 0; i < 200; i++) {
            assertThat(bOrderedInbox.next(PATIENCE).text()).isEqualTo("m" + i);
        }
        assertThatThrownBy(() -> ordered.send(new byte[256 * 1024 + 1])).isInstanceOf(IllegalArgumentException.class);

        PeerConnectionStats stats = a.getStats().get();
        assertThat(stats.localCandidateType()).isEqualTo(IceCandidate.Type.HOST);
        assertThat(stats.bytesSent()).isGreaterThan(256 * 1024);
        assertThat(stats.messagesReceived()).isGreaterThan(0);

        // close from either side
        ordered.close();
        bOrderedInbox.awaitClosed(PATIENCE);
        aOrdered.awaitClosed(PATIENCE);
        bUnordered.close();
        aUnordered.awaitClosed(PATIENCE);
        bUnorderedInbox.awaitClosed(PATIENCE);
        assertThatThrownBy(() -> ordered.send("late")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void negotiatedChannelsAndChannelsCreatedAfterConnecting() throws Exception {
        connect(loopback(), loopback());
        awaitConnected();
        DataChannel aSide = a.createDataChannel("n", DataChannelOptions.negotiated(7));
        DataChannel bSide = b.createDataChannel("n", DataChannelOptions.negotiated(7));
        Inbox aInbox = Inbox.of(aSide);
        Inbox bInbox = Inbox.of(bSide);
        aInbox.awaitOpen(PATIENCE);
        bInbox.awaitOpen(PATIENCE);
        assertThat(aSide.id()).isEqualTo(7);
        aSide.send("to b");
        bSide.send("to a");
        assertThat(bInbox.next(PATIENCE).text()).isEqualTo("to b");
        assertThat(aInbox.next(PATIENCE).text()).isEqualTo("to a");

        DataChannel late = b.createDataChannel("late", DataChannelOptions.DEFAULT.withMaxRetransmits(0));
        Inbox lateInbox = Inbox.of(late);
        lateInbox.awaitOpen(PATIENCE);
        DataChannel remote = aEvents.remoteChannels.poll(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(remote).isNotNull();
        assertThat(remote.label()).isEqualTo("late");
        assertThat(late.id() % 2).as("the DTLS server (the answerer, a=setup:passive) picks odd ids").isOne();
        Inbox remoteInbox = Inbox.of(remote);
        late.send("unreliable");
        assertThat(remoteInbox.next(PATIENCE).text()).isEqualTo("unreliable");
    }

    @Test
    void closingThePeerConnectionClosesChannelsOnBothSides() throws Exception {
        connect(loopback(), loopback());
        DataChannel channel = a.createDataChannel("c", null);
        Inbox inbox = Inbox.of(channel);
        inbox.awaitOpen(PATIENCE);
        DataChannel remote = bEvents.remoteChannels.poll(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        Inbox remoteInbox = Inbox.of(remote);
        b.close();
        remoteInbox.awaitClosed(PATIENCE);
        inbox.awaitClosed(PATIENCE);
        assertThat(bEvents.states).endsWith(PeerConnectionState.CLOSED);
        await().atMost(PATIENCE).until(() -> a.connectionState() == PeerConnectionState.CLOSED
                || a.connectionState() == PeerConnectionState.FAILED);
    }

    @Test
    void aFingerprintMismatchFailsTheConnection() {
        a = PeerConnection.create(loopback(), aEvents);
        b = PeerConnection.create(loopback(), bEvents);
        String otherFingerprint = DtlsCertificate.generate().fingerprint().toAttribute().toString();
        Trickle.offerAndAnswer(a, aEvents, b, bEvents,
                offer -> offer.replaceAll("a=fingerprint:[^\r\n]*", "a=" + otherFingerprint));
        await().atMost(PATIENCE).until(() -> b.connectionState() == PeerConnectionState.FAILED);
        await().atMost(PATIENCE).until(() -> a.connectionState() == PeerConnectionState.FAILED);
        assertThat(bEvents.states).doesNotContain(PeerConnectionState.CONNECTED);
    }

    /**
     * DESIGN.md: no platform thread parked per idle connection. Sixteen connected pairs share the JVM's few peer
     * loops and ICE loops; their listeners run on virtual threads. (Each used to hold two platform threads.)
     */
    @Test
    void connectedPeerConnectionsHoldNoPlatformThreadsOfTheirOwn() throws Exception {
        connect(loopback(), loopback()); // the shared loops exist from here on
        awaitConnected();
        long before = platformThreads();
        java.util.List<PeerConnection> all = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                Recorder offererEvents = new Recorder();
                Recorder answererEvents = new Recorder();
                PeerConnection offerer = PeerConnection.create(loopback(), offererEvents);
                PeerConnection answerer = PeerConnection.create(loopback(), answererEvents);
                all.add(offerer);
                all.add(answerer);
                Trickle.offerAndAnswer(offerer, offererEvents, answerer, answererEvents);
            }
            await().atMost(PATIENCE).until(() -> all.stream()
                    .allMatch(pc -> pc.connectionState() == PeerConnectionState.CONNECTED));
            assertThat(platformThreads() - before).as("platform threads added by 32 connected peer connections")
                    .isLessThan(4);
        } finally {
            all.forEach(PeerConnection::close);
        }
    }

    private static long platformThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> !thread.isVirtual()).count();
    }
}
