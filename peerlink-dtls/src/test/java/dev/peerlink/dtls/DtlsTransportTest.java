package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peerlink.sdp.Fingerprint;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Java ↔ Java DTLS over an in-memory link: handshakes, loss, data, close_notify, fingerprints, threads. */
class DtlsTransportTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static DtlsCertificate alice;
    private static DtlsCertificate bob;

    @BeforeAll
    static void certificates() {
        alice = DtlsCertificate.generate();
        bob = DtlsCertificate.generate();
    }

    private static ByteBuffer text(String value) {
        return ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void handshakesCarriesDataBothWaysAndClosesWithCloseNotify() throws Exception {
        LossyLink link = LossyLink.lossless(alice, bob);
        Events client = new Events(link.client);
        Events server = new Events(link.server);
        link.start();

        DtlsEvent.Connected clientUp = client.next(DtlsEvent.Connected.class, PATIENCE);
        DtlsEvent.Connected serverUp = server.next(DtlsEvent.Connected.class, PATIENCE);
        assertThat(link.client.state()).isEqualTo(DtlsState.CONNECTED);
        assertThat(link.server.state()).isEqualTo(DtlsState.CONNECTED);
        assertThat(clientUp.srtpProfile()).contains(SrtpProfile.AEAD_AES_128_GCM);
        assertThat(serverUp.srtpProfile()).contains(SrtpProfile.AEAD_AES_128_GCM);
        // Bouncy Castle's client offers DTLS 1.2 only, so our server hands its ClientHello to the DTLS 1.2 server.
        assertThat(link.client.protocolVersion()).contains("DTLS 1.2");
        assertThat(link.server.protocolVersion()).contains("DTLS 1.2");

        assertThat(link.client.send(text("hello from the client"))).isTrue();
        assertThat(link.server.send(text("hello from the server"))).isTrue();
        server.awaitText("hello from the client", PATIENCE);
        client.awaitText("hello from the server", PATIENCE);

        link.client.close();
        assertThat(client.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isFalse();
        assertThat(server.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isTrue();
        assertThat(link.client.state()).isEqualTo(DtlsState.CLOSED);
        assertThat(link.server.state()).isEqualTo(DtlsState.CLOSED);
        assertThat(link.client.send(text("too late"))).isFalse();
        assertThat(client.drain()).noneMatch(DtlsEvent.Failed.class::isInstance);
        assertThat(server.drain()).noneMatch(DtlsEvent.Failed.class::isInstance);
    }

    @Test
    void theServerClosingIsSeenByTheClient() throws Exception {
        LossyLink link = LossyLink.lossless(alice, bob);
        Events client = new Events(link.client);
        Events server = new Events(link.server);
        link.start();
        client.next(DtlsEvent.Connected.class, PATIENCE);
        server.next(DtlsEvent.Connected.class, PATIENCE);

        link.server.close();
        assertThat(server.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isFalse();
        assertThat(client.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isTrue();
        link.client.close(); // already closed: nothing more
        assertThat(client.drain()).filteredOn(DtlsEvent.Closed.class::isInstance).hasSize(1);
    }

    @Test
    void completesThroughTenPercentLossByRetransmittingAndCarriesDataBothWays() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            LossyLink link = LossyLink.of(seed, 0.10, alice, bob, LossyLink::fastRetransmit,
                    LossyLink::fastRetransmit);
            Events client = new Events(link.client);
            Events server = new Events(link.server);
            link.start();
            client.next(DtlsEvent.Connected.class, PATIENCE);
            server.next(DtlsEvent.Connected.class, PATIENCE);

            // DTLS does not retransmit application data: keep sending until one copy gets through each way.
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
                link.client.send(text("up"));
                link.server.send(text("down"));
                return server.texts().contains("up") && client.texts().contains("down");
            });
            assertThat(server.texts()).containsOnly("up");
            assertThat(client.texts()).containsOnly("down");

            link.loss(0);
            link.server.close();
            assertThat(client.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isTrue();
            assertThat(link.dropped.get()).as("seed %d dropped datagrams", seed).isPositive();
        }
    }

    @Test
    void heavyLossStillCompletes() throws Exception {
        // A quarter of all datagrams disappear, handshake flights included: retransmission gets through anyway.
        for (long seed = 1; seed <= 5; seed++) {
            long started = System.nanoTime();
            LossyLink link = LossyLink.of(seed, 0.25, alice, bob, LossyLink::fastRetransmit,
                    LossyLink::fastRetransmit);
            Events client = new Events(link.client);
            Events server = new Events(link.server);
            link.start();
            client.next(DtlsEvent.Connected.class, Duration.ofSeconds(40));
            server.next(DtlsEvent.Connected.class, Duration.ofSeconds(40));
            System.out.printf("seed %d: connected through 25%% loss in %d ms, %d datagrams dropped%n", seed,
                    (System.nanoTime() - started) / 1_000_000, link.dropped.get());
            assertThat(link.dropped.get()).isPositive();
            link.client.close();
            link.server.close();
        }
    }

    @Test
    void aWrongRemoteFingerprintFailsNamingBothFingerprints() throws Exception {
        Fingerprint wrong = randomFingerprint();
        List<DtlsTransport> transports = new ArrayList<>();
        DtlsTransport[] pair = new DtlsTransport[2];
        pair[0] = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(wrong))
                .outbound(datagram -> pair[1].handleIncoming(datagram)).build();
        pair[1] = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint()))
                .outbound(datagram -> pair[0].handleIncoming(datagram)).build();
        transports.add(pair[0]);
        transports.add(pair[1]);
        Events client = new Events(pair[0]);
        Events server = new Events(pair[1]);
        pair[1].start();
        pair[0].start();

        DtlsEvent.Failed clientFailed = client.next(DtlsEvent.Failed.class, PATIENCE);
        assertThat(clientFailed.reason())
                .contains("fingerprint")
                .contains(bob.sdpFingerprint())
                .contains(wrong.toString());
        DtlsEvent.Failed serverFailed = server.next(DtlsEvent.Failed.class, PATIENCE);
        assertThat(serverFailed.reason()).contains("bad_certificate");
        assertThat(pair[0].state()).isEqualTo(DtlsState.FAILED);
        assertThat(client.seen()).noneMatch(DtlsEvent.Connected.class::isInstance);
        assertThat(server.seen()).noneMatch(DtlsEvent.Connected.class::isInstance);
        transports.forEach(DtlsTransport::close);
    }

    @Test
    void theServerChecksTheClientsFingerprintToo() throws Exception {
        Fingerprint wrong = randomFingerprint();
        DtlsTransport[] pair = new DtlsTransport[2];
        pair[0] = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(bob.fingerprint()))
                .outbound(datagram -> pair[1].handleIncoming(datagram)).build();
        pair[1] = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(wrong))
                .outbound(datagram -> pair[0].handleIncoming(datagram)).build();
        Events client = new Events(pair[0]);
        Events server = new Events(pair[1]);
        pair[1].start();
        pair[0].start();

        assertThat(server.next(DtlsEvent.Failed.class, PATIENCE).reason())
                .contains(alice.sdpFingerprint()).contains(wrong.toString());
        assertThat(client.next(DtlsEvent.Failed.class, PATIENCE).reason()).contains("bad_certificate");
    }

    @Test
    void acceptsTheStrongestOfSeveralFingerprints() throws Exception {
        Fingerprint[] serverFingerprints = {bob.fingerprint("sha-1"), bob.fingerprint("sha-512")};
        DtlsTransport[] pair = new DtlsTransport[2];
        pair[0] = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(serverFingerprints))
                .outbound(datagram -> pair[1].handleIncoming(datagram)).build();
        pair[1] = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint("sha-384")))
                .outbound(datagram -> pair[0].handleIncoming(datagram)).build();
        Events client = new Events(pair[0]);
        Events server = new Events(pair[1]);
        pair[1].start();
        pair[0].start();
        client.next(DtlsEvent.Connected.class, PATIENCE);
        server.next(DtlsEvent.Connected.class, PATIENCE);
        pair[0].close();
        pair[1].close();
    }

    @Test
    void exportedKeyingMaterialIsEqualOnBothSides() throws Exception {
        LossyLink link = LossyLink.lossless(alice, bob);
        Events client = new Events(link.client);
        Events server = new Events(link.server);
        assertThatThrownBy(() -> link.client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("connected");
        link.start();
        DtlsEvent.Connected clientUp = client.next(DtlsEvent.Connected.class, PATIENCE);
        DtlsEvent.Connected serverUp = server.next(DtlsEvent.Connected.class, PATIENCE);

        byte[] fromClient = link.client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 56);
        byte[] fromServer = link.server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 56);
        assertThat(fromClient).hasSize(56).isEqualTo(fromServer);
        assertThat(link.client.exportKeyingMaterial("EXPERIMENTAL-peerlink", 32))
                .isEqualTo(link.server.exportKeyingMaterial("EXPERIMENTAL-peerlink", 32))
                .isNotEqualTo(java.util.Arrays.copyOf(fromClient, 32));

        SrtpKeyingMaterial clientKeys = clientUp.srtpKeyingMaterial().orElseThrow();
        SrtpKeyingMaterial serverKeys = serverUp.srtpKeyingMaterial().orElseThrow();
        assertThat(clientKeys.profile()).isEqualTo(SrtpProfile.AEAD_AES_128_GCM);
        assertThat(clientKeys.localKey()).hasSize(16).isEqualTo(serverKeys.remoteKey());
        assertThat(clientKeys.localSalt()).hasSize(12).isEqualTo(serverKeys.remoteSalt());
        assertThat(serverKeys.localKey()).isEqualTo(clientKeys.remoteKey()).isNotEqualTo(clientKeys.localKey());
        // RFC 5764 §4.2 layout: client key, server key, client salt, server salt.
        byte[] material = link.client.exportKeyingMaterial(SrtpKeyingMaterial.EXPORTER_LABEL, 56);
        assertThat(java.util.Arrays.copyOfRange(material, 0, 16)).isEqualTo(clientKeys.clientKey());
        assertThat(java.util.Arrays.copyOfRange(material, 16, 32)).isEqualTo(clientKeys.serverKey());
        assertThat(java.util.Arrays.copyOfRange(material, 32, 44)).isEqualTo(clientKeys.clientSalt());
        assertThat(java.util.Arrays.copyOfRange(material, 44, 56)).isEqualTo(clientKeys.serverSalt());
        assertThat(clientKeys.toString()).doesNotContain(java.util.HexFormat.of().formatHex(clientKeys.clientKey()));
        link.client.close();
        link.server.close();
    }

    @Test
    void theServerPicksAnSrtpProfileTheClientOffered() throws Exception {
        LossyLink link = LossyLink.of(1, 0, alice, bob,
                builder -> builder.srtpProfiles(List.of(SrtpProfile.AES128_CM_HMAC_SHA1_80)), builder -> builder);
        Events client = new Events(link.client);
        Events server = new Events(link.server);
        link.start();
        DtlsEvent.Connected up = client.next(DtlsEvent.Connected.class, PATIENCE);
        assertThat(up.srtpProfile()).contains(SrtpProfile.AES128_CM_HMAC_SHA1_80);
        assertThat(up.srtpKeyingMaterial().orElseThrow().localSalt()).hasSize(14);
        assertThat(server.next(DtlsEvent.Connected.class, PATIENCE).srtpProfile())
                .contains(SrtpProfile.AES128_CM_HMAC_SHA1_80);
        assertThat(link.server.srtpProfile()).contains(SrtpProfile.AES128_CM_HMAC_SHA1_80);
        link.client.close();
        link.server.close();
    }

    @Test
    void withoutUseSrtpThereIsNoProfileAndNoKeys() throws Exception {
        LossyLink link = LossyLink.of(1, 0, alice, bob, builder -> builder.srtpProfiles(List.of()),
                builder -> builder);
        Events client = new Events(link.client);
        link.start();
        DtlsEvent.Connected up = client.next(DtlsEvent.Connected.class, PATIENCE);
        assertThat(up.srtpProfile()).isEmpty();
        assertThat(up.srtpKeyingMaterial()).isEmpty();
        link.client.close();
        link.server.close();
    }

    @Test
    void aSilentPeerFailsTheHandshakeAtItsTimeout() throws Exception {
        ConcurrentLinkedQueue<ByteBuffer> sent = new ConcurrentLinkedQueue<>();
        DtlsTransport lonely = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(bob.fingerprint()))
                .outbound(sent::add).initialRetransmitTimeout(Duration.ofMillis(50))
                .handshakeTimeout(Duration.ofMillis(700)).build();
        Events events = new Events(lonely);
        lonely.start();
        assertThat(events.next(DtlsEvent.Failed.class, PATIENCE).reason()).contains("handshake").contains("700 ms");
        // The ClientHello went out, then was retransmitted.
        assertThat(sent.size()).isGreaterThan(1);
        assertThat(sent.peek().get(0)).isEqualTo((byte) 22);
        lonely.close();
        assertThat(events.drain()).filteredOn(DtlsEvent.Closed.class::isInstance).isEmpty();
    }

    @Test
    void closingDuringTheHandshakeReportsClosed() throws Exception {
        DtlsTransport waiting = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint()))
                .outbound(datagram -> { }).build();
        Events events = new Events(waiting);
        waiting.start();
        assertThat(waiting.state()).isEqualTo(DtlsState.CONNECTING);
        waiting.close();
        assertThat(events.next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isFalse();
        Thread.sleep(100); // the virtual thread winds down; nothing else may be reported
        assertThat(events.drain()).hasSize(1);
        assertThat(waiting.state()).isEqualTo(DtlsState.CLOSED);
    }

    @Test
    void eventsGoToTheListenerInOrderOnItsExecutor() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            List<DtlsEvent> heard = new CopyOnWriteArrayList<>();
            DtlsTransport[] pair = new DtlsTransport[2];
            pair[0] = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(bob.fingerprint()))
                    .outbound(datagram -> pair[1].handleIncoming(datagram)).build();
            pair[1] = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint()))
                    .outbound(datagram -> pair[0].handleIncoming(datagram))
                    .listener(executor, heard::add).build();
            pair[1].start();
            pair[0].start();
            Events client = new Events(pair[0]);
            client.next(DtlsEvent.Connected.class, PATIENCE);
            for (int i = 0; i < 100; i++) {
                pair[0].send(text(Integer.toString(i)));
            }
            await().atMost(PATIENCE).until(() -> heard.size() == 101);
            assertThat(heard.get(0)).isInstanceOf(DtlsEvent.Connected.class);
            for (int i = 0; i < 100; i++) {
                ByteBuffer data = ((DtlsEvent.DataReceived) heard.get(i + 1)).data();
                assertThat(StandardCharsets.UTF_8.decode(data).toString()).isEqualTo(Integer.toString(i));
            }
            assertThat(pair[1].events()).isEmpty();
            // Connected, records are read on the listener's executor: the peer's close_notify is heard there too.
            pair[0].close();
            await().atMost(PATIENCE).until(() -> heard.size() == 102);
            assertThat(heard.get(101)).isEqualTo(new DtlsEvent.Closed(true));
            assertThat(pair[1].state()).isEqualTo(DtlsState.CLOSED);
            pair[1].close();
            assertThat(heard).hasSize(102);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void sendChecksTheRecordSizeAndNeedsAConnection() throws Exception {
        LossyLink link = LossyLink.lossless(alice, bob);
        assertThat(link.client.send(text("early"))).isFalse();
        link.start();
        Events client = new Events(link.client);
        Events server = new Events(link.server);
        client.next(DtlsEvent.Connected.class, PATIENCE);
        server.next(DtlsEvent.Connected.class, PATIENCE);
        int limit = link.client.maxApplicationDataSize();
        assertThat(limit).isBetween(1100, 1200);
        assertThatThrownBy(() -> link.client.send(ByteBuffer.allocate(limit + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Integer.toString(limit));
        ByteBuffer full = ByteBuffer.allocate(limit);
        new SecureRandom().nextBytes(full.array());
        assertThat(link.client.send(full)).isTrue();
        assertThat(full.remaining()).isEqualTo(limit); // the caller's buffer is left alone
        DtlsEvent.DataReceived received = server.next(DtlsEvent.DataReceived.class, PATIENCE);
        assertThat(received.data()).isEqualTo(full);
        link.client.close();
        link.server.close();
    }

    @Test
    void afterTheHandshakeARecordMayFillALargerDatagramWhileTheHandshakeStaysWithinTheMtu() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        DtlsTransport[] pair = new DtlsTransport[2];
        pair[0] = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(bob.fingerprint())).mtu(300)
                .outbound(datagram -> {
                    sizes.add(datagram.remaining());
                    pair[1].handleIncoming(datagram);
                }).build();
        pair[1] = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint())).mtu(300)
                .outbound(datagram -> {
                    sizes.add(datagram.remaining());
                    pair[0].handleIncoming(datagram);
                }).build();
        // A handshake MTU below the certificate flight's size (~320 bytes with these keys), so that fragmenting is
        // seen. Raised before the handshake on the client: that must not apply to the handshake's flights.
        pair[0].setMaxRecordDatagramSize(DtlsTransport.MAX_RECORD_DATAGRAM_SIZE);
        assertThat(pair[0].maxApplicationDataSize()).isEqualTo(300 - 13 - 8 - 16);
        pair[1].start();
        pair[0].start();
        Events client = new Events(pair[0]);
        Events server = new Events(pair[1]);
        client.next(DtlsEvent.Connected.class, PATIENCE);
        server.next(DtlsEvent.Connected.class, PATIENCE);
        List<Integer> handshake = List.copyOf(sizes);
        assertThat(handshake).isNotEmpty().allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(300));
        assertThat(handshake).filteredOn(size -> size > 250).hasSizeGreaterThanOrEqualTo(2); // fragmented flights

        // RFC 8449: each side said it takes full-size records.
        assertThat(pair[0].peerRecordSizeLimit()).hasValue(DtlsTransport.MAX_PLAINTEXT);
        assertThat(pair[1].peerRecordSizeLimit()).hasValue(DtlsTransport.MAX_PLAINTEXT);
        // RFC 6347 §4.1: plaintext is capped at 2^14 whatever the datagram size.
        assertThat(pair[0].maxApplicationDataSize()).isEqualTo(DtlsTransport.MAX_PLAINTEXT);
        // The server never raised its own limit: it still sends small records but takes the client's large one.
        assertThat(pair[1].maxApplicationDataSize()).isEqualTo(300 - 13 - 8 - 16);
        ByteBuffer large = ByteBuffer.allocate(16_000);
        new SecureRandom().nextBytes(large.array());
        assertThat(pair[0].send(large)).isTrue();
        assertThat(server.next(DtlsEvent.DataReceived.class, PATIENCE).data()).isEqualTo(large);
        assertThat(sizes.subList(handshake.size(), sizes.size())).containsExactly(16_000 + 13 + 8 + 16);

        assertThat(pair[1].maxApplicationDataSize(9000)).isEqualTo(9000 - 13 - 8 - 16);
        assertThat(pair[1].maxApplicationDataSize(DtlsTransport.MAX_RECORD_DATAGRAM_SIZE))
                .isEqualTo(DtlsTransport.MAX_PLAINTEXT);
        pair[1].setMaxRecordDatagramSize(9000);
        assertThat(pair[1].maxApplicationDataSize()).isEqualTo(9000 - 13 - 8 - 16);
        ByteBuffer reply = ByteBuffer.allocate(9000 - 13 - 8 - 16);
        new SecureRandom().nextBytes(reply.array());
        assertThat(pair[1].send(reply)).isTrue();
        assertThat(client.next(DtlsEvent.DataReceived.class, PATIENCE).data()).isEqualTo(reply);
        // Back down (a path with a smaller MTU): records shrink with it.
        pair[1].setMaxRecordDatagramSize(1200);
        assertThat(pair[1].maxApplicationDataSize()).isEqualTo(1200 - 13 - 8 - 16);
        assertThatThrownBy(() -> pair[1].send(ByteBuffer.allocate(2000)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pair[1].setMaxRecordDatagramSize(DtlsTransport.MAX_RECORD_DATAGRAM_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("18445");
        pair[0].close();
        pair[1].close();
    }

    @Test
    void everyDatagramFitsTheMtu() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        DtlsTransport[] pair = new DtlsTransport[2];
        pair[0] = DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(bob.fingerprint())).mtu(600)
                .outbound(datagram -> {
                    sizes.add(datagram.remaining());
                    pair[1].handleIncoming(datagram);
                }).build();
        pair[1] = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint())).mtu(600)
                .outbound(datagram -> {
                    sizes.add(datagram.remaining());
                    pair[0].handleIncoming(datagram);
                }).build();
        pair[1].start();
        pair[0].start();
        new Events(pair[0]).next(DtlsEvent.Connected.class, PATIENCE);
        assertThat(sizes).isNotEmpty().allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(600));
        pair[0].close();
        pair[1].close();
    }

    @Test
    void ignoresDatagramsThatAreNotDtls() throws Exception {
        LossyLink link = LossyLink.lossless(alice, bob);
        link.start();
        Events client = new Events(link.client);
        Events server = new Events(link.server);
        client.next(DtlsEvent.Connected.class, PATIENCE);
        server.next(DtlsEvent.Connected.class, PATIENCE);
        link.server.handleIncoming(ByteBuffer.wrap(new byte[] {0, 1, 0, 0})); // STUN
        link.server.handleIncoming(ByteBuffer.wrap(new byte[] {(byte) 0x80, 0, 0, 0})); // RTP
        link.server.handleIncoming(ByteBuffer.wrap(new byte[] {23, (byte) 0xFE, (byte) 0xFD, 0, 1, 2})); // garbage
        link.server.handleIncoming(ByteBuffer.allocate(0));
        assertThat(link.client.send(text("still fine"))).isTrue();
        server.awaitText("still fine", PATIENCE);
        assertThat(link.server.state()).isEqualTo(DtlsState.CONNECTED);
        link.client.close();
        link.server.close();
    }

    @Test
    void builderRejectsMissingPieces() {
        assertThatThrownBy(() -> DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of()).outbound(d -> { }).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a=fingerprint");
        assertThatThrownBy(() -> DtlsTransport.builder(DtlsRole.CLIENT, alice, List.of(bob.fingerprint())).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outbound");
        assertThatThrownBy(() -> DtlsTransport.builder(DtlsRole.CLIENT, alice,
                        List.of(new Fingerprint("md5", "AB:CD"))).outbound(d -> { }).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("md5");
        assertThatThrownBy(() -> DtlsTransport.builder(DtlsRole.CLIENT, alice,
                        List.of(new Fingerprint("sha-256", "AB:CD"))).outbound(d -> { }).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
        assertThatThrownBy(() -> DtlsTransport.builder(null, alice, List.of(bob.fingerprint())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("role");
    }

    /**
     * Idle connections cost virtual threads, not platform ones: 100 connected pairs (200 transports, each with a
     * virtual thread parked in its read loop) and 50 servers waiting for a ClientHello that never comes add at
     * most the virtual-thread scheduler's carriers (one per core) to the live platform threads.
     */
    @Test
    void idleConnectionsParkNoPlatformThread() throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        int before = threads.getThreadCount();
        List<LossyLink> links = new ArrayList<>();
        List<DtlsTransport> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                LossyLink link = LossyLink.lossless(alice, bob);
                links.add(link);
                link.start();
            }
            for (int i = 0; i < 50; i++) {
                DtlsTransport server = DtlsTransport.builder(DtlsRole.SERVER, bob, List.of(alice.fingerprint()))
                        .outbound(datagram -> { }).build();
                waiting.add(server);
                server.start();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> links.stream().allMatch(link ->
                    link.client.state() == DtlsState.CONNECTED && link.server.state() == DtlsState.CONNECTED));
            Thread.sleep(200); // every read loop is now parked in receive
            int during = threads.getThreadCount();
            int carriers = Runtime.getRuntime().availableProcessors();
            assertThat(during - before)
                    .as("platform threads added by 250 idle DTLS transports (%d cores)", carriers)
                    .isLessThanOrEqualTo(carriers + 8);
            long platformNamedDtls = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> !thread.isVirtual() && thread.getName().startsWith("peerlink-dtls")).count();
            assertThat(platformNamedDtls).isZero();
            // ... and they still work.
            LossyLink last = links.get(links.size() - 1);
            Events server = new Events(last.server);
            assertThat(last.client.send(text("still awake"))).isTrue();
            server.awaitText("still awake", PATIENCE);
        } finally {
            for (LossyLink link : links) {
                link.client.close();
                link.server.close();
            }
            waiting.forEach(DtlsTransport::close);
        }
    }

    private static Fingerprint randomFingerprint() {
        byte[] digest = new byte[32];
        new SecureRandom().nextBytes(digest);
        return Fingerprint.of("sha-256", digest);
    }

}
