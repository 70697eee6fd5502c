package dev.peerlink.sctp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SctpAssociationTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private static SctpConfig config() {
        return SctpConfig.builder().peerMaxMessageSize(256 * 1024).build();
    }

    private static byte[] message(int size, long seed) {
        byte[] m = new byte[size];
        new Random(seed).nextBytes(m);
        return m;
    }

    private static boolean hasChunk(ByteBuffer packet, int type) {
        return SctpPacket.decode(packet).chunks().stream().anyMatch(c -> c.type() == type);
    }

    // ------------------------------------------------------------------------------------------- handshake

    @Test
    void handshakeConnectsBothSides() {
        VirtualLink link = new VirtualLink(SctpAssociation.client(config(), new Random(1)),
                SctpAssociation.server(config(), new Random(2)), 1);
        link.a.connect(0);
        assertThat(link.runUntil(() -> link.eventsA.size() == 1 && link.eventsB.size() == 1, 10 * SECOND)).isTrue();
        assertThat(link.eventsA).containsExactly(new SctpEvent.Connected());
        assertThat(link.eventsB).containsExactly(new SctpEvent.Connected());
        assertThat(link.a.state()).isEqualTo(SctpState.ESTABLISHED);
        assertThat(link.a.outboundStreams()).isEqualTo(65535);
        assertThat(link.a.congestionWindow()).isEqualTo(4380); // RFC 9260 §7.2.1 with a 1200-byte MTU
    }

    @Test
    void handshakeSurvivesLostInitAndLostCookieEcho() {
        VirtualLink link = new VirtualLink(SctpAssociation.client(config(), new Random(1)),
                SctpAssociation.server(config(), new Random(2)), 1);
        boolean[] dropped = new boolean[2];
        link.dropIf = (aToB, p) -> {
            if (aToB && !dropped[0] && hasChunk(p, SctpPacket.INIT)) {
                return dropped[0] = true;
            }
            if (aToB && !dropped[1] && hasChunk(p, SctpPacket.COOKIE_ECHO)) {
                return dropped[1] = true;
            }
            return false;
        };
        link.a.connect(0);
        assertThat(link.runUntil(() -> link.a.state() == SctpState.ESTABLISHED
                && link.b.state() == SctpState.ESTABLISHED, 60 * SECOND)).isTrue();
        assertThat(dropped).containsExactly(true, true);
        // INIT retransmitted after RTO.Initial (1 s), COOKIE ECHO after another 1 s.
        assertThat(link.now).isGreaterThanOrEqualTo(2 * SECOND).isLessThan(3 * SECOND);
    }

    @Test
    void simultaneousInitFromBothSidesConnects() {
        VirtualLink link = new VirtualLink(SctpAssociation.client(config(), new Random(5)),
                SctpAssociation.server(config(), new Random(6)), 5);
        link.a.connect(0);
        link.b.connect(0);
        assertThat(link.runUntil(() -> link.a.state() == SctpState.ESTABLISHED
                && link.b.state() == SctpState.ESTABLISHED, 30 * SECOND)).isTrue();
        link.a.send(1, 51, ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)), SendOptions.RELIABLE_ORDERED, link.now);
        link.runUntil(() -> !VirtualLink.messages(link.eventsB).isEmpty(), 10 * SECOND);
        assertThat(VirtualLink.messages(link.eventsB)).hasSize(1);
    }

    @Test
    void packetWithBadChecksumIsDropped() {
        VirtualLink link = VirtualLink.connected(config(), config(), 3);
        link.a.send(1, 53, ByteBuffer.wrap(message(100, 1)), SendOptions.RELIABLE_ORDERED, link.now);
        byte[] packet = link.a.pollTransmit().orElseThrow().array().clone();
        assertThat(SctpPacket.checksumValid(ByteBuffer.wrap(packet))).isTrue();
        byte[] corrupt = packet.clone();
        corrupt[corrupt.length - 1] ^= 1;
        assertThat(SctpPacket.checksumValid(ByteBuffer.wrap(corrupt))).isFalse();
        link.b.handleInput(ByteBuffer.wrap(corrupt), link.now);
        assertThat(link.b.stats().checksumErrors()).isEqualTo(1);
        assertThat(link.b.pollEvent()).isEmpty();
        link.b.handleInput(ByteBuffer.wrap(packet), link.now);
        assertThat(link.b.pollEvent()).get().isInstanceOf(SctpEvent.MessageReceived.class);
    }

    @Test
    void crc32cMatchesTheRfc3720CheckValue() {
        // RFC 3720 §B.4: CRC32c of 32 zero bytes is 0x8A9136AA.
        CRC32C crc = new CRC32C();
        crc.update(new byte[32]);
        assertThat(crc.getValue()).isEqualTo(0x8A9136AAL);
    }

    /** Runs INIT and INIT ACK by hand and returns {client, server, cookie echo packet}. */
    private static Object[] handshakeToCookieEcho() {
        SctpAssociation client = SctpAssociation.client(config(), new Random(7));
        SctpAssociation server = SctpAssociation.server(config(), new Random(8));
        client.connect(0);
        ByteBuffer init = client.pollTransmit().orElseThrow();
        server.handleInput(init, 0);
        ByteBuffer initAck = server.pollTransmit().orElseThrow();
        assertThat(hasChunk(initAck, SctpPacket.INIT_ACK)).isTrue();
        client.handleInput(initAck, 10 * MS);
        byte[] echo = client.pollTransmit().orElseThrow().array().clone();
        assertThat(hasChunk(ByteBuffer.wrap(echo), SctpPacket.COOKIE_ECHO)).isTrue();
        return new Object[] {client, server, echo};
    }

    @Test
    void tamperedCookieIsRejected() {
        Object[] h = handshakeToCookieEcho();
        SctpAssociation server = (SctpAssociation) h[1];
        byte[] echo = (byte[]) h[2];
        byte[] tampered = echo.clone();
        tampered[12 + 4 + 20] ^= 0x40; // a byte inside the cookie body
        SctpPacket.sign(new CRC32C(), tampered, tampered.length);
        server.handleInput(ByteBuffer.wrap(tampered), 20 * MS);
        assertThat(server.pollTransmit()).isEmpty();
        assertThat(server.pollEvent()).isEmpty();
        assertThat(server.state()).isEqualTo(SctpState.CLOSED);
        server.handleInput(ByteBuffer.wrap(echo), 20 * MS);
        assertThat(server.pollEvent()).contains(new SctpEvent.Connected());
        assertThat(hasChunk(server.pollTransmit().orElseThrow(), SctpPacket.COOKIE_ACK)).isTrue();
    }

    @Test
    void expiredCookieGetsStaleCookieErrorAndTheClientStartsOver() {
        Object[] h = handshakeToCookieEcho();
        SctpAssociation client = (SctpAssociation) h[0];
        SctpAssociation server = (SctpAssociation) h[1];
        byte[] echo = (byte[]) h[2];
        long late = 61 * SECOND; // Valid.Cookie.Life is 60 s
        server.handleInput(ByteBuffer.wrap(echo), late);
        assertThat(server.pollEvent()).isEmpty();
        ByteBuffer error = server.pollTransmit().orElseThrow();
        var chunk = SctpPacket.decode(error).chunksOfType(SctpPacket.ERROR).getFirst();
        assertThat(chunk.value().getShort(0)).isEqualTo((short) SctpPacket.CAUSE_STALE_COOKIE);
        // RFC 9260 §5.2.6: the client answers with a new INIT and the handshake completes.
        client.handleInput(error, late);
        VirtualLink link = new VirtualLink(client, server, 9);
        link.now = late;
        assertThat(link.runUntil(() -> client.state() == SctpState.ESTABLISHED
                && server.state() == SctpState.ESTABLISHED, 10 * SECOND)).isTrue();
    }

    // ------------------------------------------------------------------------------------------- delivery

    private static final int[] SIZES = {1, 1199, 1200, 1201, 64 * 1024, 256 * 1024, 2, 1172, 1173, 5000};

    @Test
    void orderedDeliveryIsIntactUnderLossReorderingAndDuplication() {
        VirtualLink link = VirtualLink.connected(config(), config(), 11);
        link.loss = 0.05;
        link.duplicate = 0.02;
        link.jitterNanos = 30 * MS;
        List<byte[]> sent = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int size : SIZES) {
                byte[] m = message(size, sent.size());
                sent.add(m);
                link.a.send(3, 53, ByteBuffer.wrap(m), SendOptions.RELIABLE_ORDERED, link.now);
            }
        }
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == sent.size(), 600 * SECOND)).isTrue();
        List<SctpEvent.MessageReceived> got = VirtualLink.messages(link.eventsB);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(got.get(i).streamId()).isEqualTo(3);
            assertThat(got.get(i).ppid()).isEqualTo(53);
            assertThat(got.get(i).unordered()).isFalse();
            assertThat(got.get(i).data()).as("message %d", i).isEqualTo(sent.get(i));
        }
        assertThat(link.b.stats().duplicateTsnsReceived()).isPositive();
        assertThat(link.a.stats().retransmittedChunks()).isPositive();
        link.runFor(5 * SECOND);
        assertThat(link.b.receiveBuffered()).isZero();
        assertThat(link.a.flightSize()).isZero();
    }

    @Test
    void unorderedDeliveryIsIntactUnderLossAndReordering() {
        VirtualLink link = VirtualLink.connected(config(), config(), 12);
        link.loss = 0.05;
        link.jitterNanos = 40 * MS;
        Map<Integer, byte[]> sent = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            int size = i % 10 == 0 ? 20_000 : 1 + (i * 37) % 3000;
            byte[] m = message(size, i);
            m[0] = (byte) i;
            ByteBuffer tagged = ByteBuffer.allocate(size + 4).putInt(i).put(m).flip();
            sent.put(i, tagged.array());
            link.a.send(7, 53, tagged, SendOptions.RELIABLE_UNORDERED, link.now);
        }
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 200, 600 * SECOND)).isTrue();
        List<Integer> order = new ArrayList<>();
        for (var m : VirtualLink.messages(link.eventsB)) {
            int id = ByteBuffer.wrap(m.data()).getInt();
            order.add(id);
            assertThat(m.unordered()).isTrue();
            assertThat(m.data()).isEqualTo(sent.get(id));
        }
        assertThat(order).containsExactlyInAnyOrderElementsOf(sent.keySet());
        assertThat(order).isNotEqualTo(order.stream().sorted().toList()); // loss made some overtake others
    }

    @Test
    void fragmentsOfInterleavedStreamsReassemble() {
        VirtualLink link = VirtualLink.connected(config(), config(), 13);
        link.loss = 0.05;
        link.jitterNanos = 20 * MS;
        Map<Integer, List<byte[]>> perStream = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            int sid = 1 + i % 3;
            byte[] m = message(3000 + i * 1500, 100 + i);
            perStream.computeIfAbsent(sid, k -> new ArrayList<>()).add(m);
            link.a.send(sid, 53, ByteBuffer.wrap(m), i % 2 == 0 ? SendOptions.RELIABLE_ORDERED
                    : new SendOptions(true, -1, -1), link.now);
        }
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 30, 600 * SECOND)).isTrue();
        Map<Integer, List<byte[]>> got = new HashMap<>();
        for (var m : VirtualLink.messages(link.eventsB)) {
            got.computeIfAbsent(m.streamId(), k -> new ArrayList<>()).add(m.data());
        }
        for (int sid = 1; sid <= 3; sid++) {
            assertThat(got.get(sid)).hasSameSizeAs(perStream.get(sid));
            for (int i = 0; i < perStream.get(sid).size(); i++) {
                assertThat(got.get(sid).get(i)).isEqualTo(perStream.get(sid).get(i));
            }
        }
    }

    @Test
    void emptyMessagesAreRefusedWithAClearReason() {
        SctpAssociation a = SctpAssociation.client(config(), new Random(1));
        assertThatThrownBy(() -> a.send(0, 51, ByteBuffer.allocate(0), SendOptions.RELIABLE_ORDERED, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PPID 56 or 57");
        assertThatThrownBy(() -> a.send(0, 51, ByteBuffer.allocate(256 * 1024 + 1), SendOptions.RELIABLE_ORDERED, 0))
                .hasMessageContaining("max message size");
    }

    // ------------------------------------------------------------------------------------------- SACK

    @Test
    void sackReportsGapBlocksAndDuplicates() {
        VirtualLink link = VirtualLink.connected(config(), config(), 14);
        for (int i = 0; i < 4; i++) {
            link.a.send(1, 53, ByteBuffer.wrap(message(1000, i)), SendOptions.RELIABLE_ORDERED, link.now);
        }
        List<byte[]> packets = new ArrayList<>();
        for (var p = link.a.pollTransmit(); p.isPresent(); p = link.a.pollTransmit()) {
            packets.add(p.get().array().clone());
        }
        assertThat(packets).hasSize(4);
        int firstTsn = SctpPacket.decode(ByteBuffer.wrap(packets.get(0))).chunksOfType(SctpPacket.DATA)
                .getFirst().value().getInt(0);
        link.b.handleInput(ByteBuffer.wrap(packets.get(0)), link.now);
        link.b.handleInput(ByteBuffer.wrap(packets.get(2)), link.now);
        SctpPacket.Sack sack = lastSack(link.b);
        assertThat(sack.cumulativeTsnAck()).isEqualTo(firstTsn);
        assertThat(sack.gapBlocks()).hasSize(1);
        assertThat(sack.gapBlocks().getFirst()).containsExactly(2, 2);
        link.b.handleInput(ByteBuffer.wrap(packets.get(3)), link.now);
        link.b.handleInput(ByteBuffer.wrap(packets.get(2)), link.now); // a duplicate
        sack = lastSack(link.b);
        assertThat(sack.gapBlocks().getFirst()).containsExactly(2, 3);
        assertThat(sack.duplicateTsns()).containsExactly(firstTsn + 2);
        link.b.handleInput(ByteBuffer.wrap(packets.get(1)), link.now);
        sack = lastSack(link.b);
        assertThat(sack.cumulativeTsnAck()).isEqualTo(firstTsn + 3);
        assertThat(sack.gapBlocks()).isEmpty();
        assertThat(sack.advertisedWindow()).isEqualTo(1024 * 1024 - 4000);
    }

    private static SctpPacket.Sack lastSack(SctpAssociation assoc) {
        SctpPacket.Sack last = null;
        for (var p = assoc.pollTransmit(); p.isPresent(); p = assoc.pollTransmit()) {
            for (var c : SctpPacket.decode(p.get()).chunksOfType(SctpPacket.SACK)) {
                last = SctpPacket.Sack.parse(c);
            }
        }
        assertThat(last).as("a SACK was sent").isNotNull();
        return last;
    }

    @Test
    void delayedSackWaitsForASecondPacketOrTheTimer() {
        VirtualLink link = VirtualLink.connected(config(), config(), 15);
        link.a.send(1, 53, ByteBuffer.wrap(message(100, 1)), SendOptions.RELIABLE_ORDERED, link.now);
        ByteBuffer p = link.a.pollTransmit().orElseThrow();
        link.b.handleInput(p, link.now);
        assertThat(link.b.pollTransmit()).isEmpty();
        assertThat(link.b.nextTimeoutNanos()).isEqualTo(link.now + 200 * MS);
        link.b.handleTimeout(link.now + 200 * MS);
        assertThat(lastSack(link.b).cumulativeTsnAck()).isEqualTo(link.a.nextTsn() - 1);
    }

    @Test
    void fastRetransmitAfterThreeMissIndications() {
        VirtualLink link = VirtualLink.connected(config(), config(), 16);
        for (int i = 0; i < 4; i++) {
            link.a.send(1, 53, ByteBuffer.wrap(message(1000, i)), SendOptions.RELIABLE_ORDERED, link.now);
        }
        List<ByteBuffer> packets = new ArrayList<>();
        for (var p = link.a.pollTransmit(); p.isPresent(); p = link.a.pollTransmit()) {
            packets.add(p.get());
        }
        assertThat(packets).hasSize(4); // 4 x 1000 bytes fit the initial cwnd of 4380, a fifth would not
        for (int i = 1; i < 4; i++) {
            link.b.handleInput(packets.get(i), link.now);
            for (var s = link.b.pollTransmit(); s.isPresent(); s = link.b.pollTransmit()) {
                link.a.handleInput(s.get(), link.now);
            }
            assertThat(link.a.stats().fastRetransmits()).isEqualTo(i < 3 ? 0 : 1);
        }
        // The missing TSN goes out at once, long before T3-rtx (1 s) could fire.
        ByteBuffer retransmission = link.a.pollTransmit().orElseThrow();
        var data = SctpPacket.decode(retransmission).chunksOfType(SctpPacket.DATA);
        assertThat(data).hasSize(1);
        assertThat(data.getFirst().value().getInt(0)).isEqualTo(link.a.peerCumulativeTsnAck() + 1);
        assertThat(link.a.stats().retransmittedChunks()).isEqualTo(1);
        assertThat(link.a.slowStartThreshold()).isEqualTo(4800); // max(cwnd/2, 4*MTU)
        assertThat(link.a.congestionWindow()).isEqualTo(4800);
    }

    @Test
    void packetsHandledInOneBatchStillGetASackForEverySecondPacket() {
        VirtualLink link = VirtualLink.connected(config(), config(), 21);
        int firstTsn = link.a.nextTsn();
        for (int i = 0; i < 4; i++) {
            link.a.send(1, 53, ByteBuffer.wrap(message(1000, i)), SendOptions.RELIABLE_ORDERED, link.now);
        }
        List<ByteBuffer> packets = new ArrayList<>();
        for (var p = link.a.pollTransmit(); p.isPresent(); p = link.a.pollTransmit()) {
            packets.add(p.get());
        }
        assertThat(packets).hasSize(4);
        packets.forEach(p -> link.b.handleInput(p, link.now)); // a batch: no pollTransmit in between
        List<Integer> acked = new ArrayList<>();
        for (var p = link.b.pollTransmit(); p.isPresent(); p = link.b.pollTransmit()) {
            for (var c : SctpPacket.decode(p.get()).chunksOfType(SctpPacket.SACK)) {
                acked.add(SctpPacket.Sack.parse(c).cumulativeTsnAck());
            }
        }
        // RFC 9260 §6.2: one SACK per two packets, so losing the last one does not leave the sender waiting.
        assertThat(acked).containsExactly(firstTsn + 1, firstTsn + 3);
    }

    @Test
    void onePercentLossIsRepairedByFastRetransmitNotByT3() {
        SctpConfig config = SctpConfig.builder().peerMaxMessageSize(256 * 1024).rtoInitial(Duration.ofMillis(200))
                .rtoMin(Duration.ofMillis(200)).build();
        VirtualLink link = VirtualLink.connected(config, config, 22);
        link.delayNanos = MS; // a window's packets arrive together and are handled as one batch
        link.loss = 0.01;     // both ways: DATA and SACKs
        int count = 512;
        byte[] payload = message(16 * 1024, 22);
        int[] sent = {0};
        link.afterStep = () -> {
            while (sent[0] < count && link.a.bufferedAmount() < 1024 * 1024) {
                link.a.send(1, 53, ByteBuffer.wrap(payload), SendOptions.RELIABLE_ORDERED, link.now);
                sent[0]++;
            }
        };
        link.afterStep.run();
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == count, 600 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB)).allSatisfy(m -> assertThat(m.data()).isEqualTo(payload));
        SctpStats stats = link.a.stats();
        // Losses are repaired by fast retransmit (RFC 9260 §7.2.4); T3-rtx only for the few a SACK cannot reveal
        // (a lost retransmission, or a loss at the very end). Before every second packet got its SACK, a lost SACK
        // for a whole window stalled the sender until T3 several times a second.
        assertThat(stats.retransmittedChunks()).isPositive();
        assertThat(stats.fastRetransmits()).isGreaterThan(10 * stats.t3Expirations());
    }

    // ------------------------------------------------------------------------------------------- congestion

    @Test
    void congestionWindowGrowsInSlowStartThenHalvesOnLoss() {
        VirtualLink link = VirtualLink.connected(config(), config(), 17);
        link.delayNanos = 25 * MS;
        assertThat(link.a.congestionWindow()).isEqualTo(4380);
        for (int i = 0; i < 600; i++) {
            link.a.send(1, 53, ByteBuffer.wrap(message(1000, i)), SendOptions.RELIABLE_ORDERED, link.now);
        }
        List<long[]> history = new ArrayList<>(); // {cwnd, ssthresh, fast retransmits}
        link.afterStep = () -> history.add(new long[] {link.a.congestionWindow(), link.a.slowStartThreshold(),
                link.a.stats().fastRetransmits()});
        boolean[] armed = {false};
        boolean[] dropped = {false};
        link.dropIf = (aToB, p) -> {
            if (aToB && armed[0] && !dropped[0] && hasChunk(p, SctpPacket.DATA)) {
                return dropped[0] = true;
            }
            return false;
        };
        // Slow start: cwnd grows by at most one MTU per SACK that advances the cumulative ack.
        link.runUntil(() -> link.a.congestionWindow() >= 20_000, 30 * SECOND);
        long grown = link.a.congestionWindow();
        assertThat(grown).isGreaterThanOrEqualTo(20_000);
        for (int i = 1; i < history.size(); i++) {
            assertThat(history.get(i)[0] - history.get(i - 1)[0]).isLessThanOrEqualTo(2 * 1200);
        }
        armed[0] = true;
        link.runUntil(() -> link.a.stats().fastRetransmits() == 1, 30 * SECOND);
        assertThat(dropped[0]).isTrue();
        int at = history.size() - 1;
        long before = history.get(at - 1)[0];
        // Halved from the cwnd at the moment of detection: the step that detected the loss may first have grown it
        // by a SACK or two (at most 2 MTU per step, checked above), since the receiver SACKs every second packet.
        long expected = link.a.slowStartThreshold();
        assertThat(expected).isBetween(Math.max(before / 2, 4 * 1200), Math.max((before + 2 * 1200) / 2, 4 * 1200));
        assertThat(link.a.congestionWindow()).isEqualTo(expected);
        assertThat(link.a.stats().t3Expirations()).isZero();
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 600, 120 * SECOND)).isTrue();
        // Congestion avoidance after recovery: growth of at most one MTU per cwnd of data acknowledged.
        assertThat(link.a.congestionWindow()).isGreaterThanOrEqualTo(expected).isLessThan(expected + 12 * 1200);
    }

    @Test
    void t3RtxBacksOffOnADeadLinkAndTheAssociationFails() {
        VirtualLink link = VirtualLink.connected(config(), config(), 18);
        link.dead = true;
        link.recordSent = true;
        long start = link.now;
        link.a.send(1, 53, ByteBuffer.wrap(message(500, 1)), SendOptions.RELIABLE_ORDERED, link.now);
        link.runUntil(() -> link.a.isTerminated(), 1000 * SECOND);
        List<Long> dataTimes = link.sent.stream()
                .filter(s -> s.aToB() && hasChunk(ByteBuffer.wrap(s.bytes()), SctpPacket.DATA))
                .map(VirtualLink.Sent::at).toList();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < dataTimes.size(); i++) {
            gaps.add((dataTimes.get(i) - dataTimes.get(i - 1)) / SECOND);
        }
        assertThat(dataTimes.getFirst()).isEqualTo(start);
        assertThat(gaps).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L, 60L);
        assertThat(link.eventsA).last().isInstanceOf(SctpEvent.Aborted.class);
        assertThat(((SctpEvent.Aborted) link.eventsA.getLast()).reason()).contains("10 retransmission timeouts");
        assertThat(link.a.stats().t3Expirations()).isEqualTo(11);
    }

    @Test
    void receiverThatStopsReadingStallsTheSenderWithoutLosingData() {
        SctpConfig small = SctpConfig.builder().receiveWindow(64 * 1024).maxMessageSize(16 * 1024).build();
        VirtualLink link = VirtualLink.connected(config(), small, 19);
        link.readB = false;
        long[] maxBuffered = {0};
        link.afterStep = () -> maxBuffered[0] = Math.max(maxBuffered[0], link.b.receiveBuffered());
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] m = message(1000, i);
            sent.add(m);
            link.a.send(1, 53, ByteBuffer.wrap(m), SendOptions.RELIABLE_ORDERED, link.now);
        }
        link.runFor(120 * SECOND);
        assertThat(link.a.isTerminated()).isFalse();
        assertThat(link.a.bufferedAmount()).isGreaterThan(200_000); // stalled
        assertThat(maxBuffered[0]).isLessThanOrEqualTo(64 * 1024);
        assertThat(link.a.peerReceiveWindow()).isLessThan(1200);
        link.readB = true;
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 300, 120 * SECOND)).isTrue();
        List<SctpEvent.MessageReceived> got = VirtualLink.messages(link.eventsB);
        for (int i = 0; i < 300; i++) {
            assertThat(got.get(i).data()).isEqualTo(sent.get(i));
        }
        assertThat(maxBuffered[0]).isLessThanOrEqualTo(64 * 1024);
    }

    // ------------------------------------------------------------------------------------------- PR-SCTP

    @Test
    void abandonedMessageIsSkippedWithForwardTsnAndTheOrderedStreamContinues() {
        VirtualLink link = VirtualLink.connected(config(), config(), 20);
        link.dropIf = (aToB, p) -> aToB && SctpPacket.decode(p).chunksOfType(SctpPacket.DATA).stream()
                .anyMatch(c -> c.value().remaining() > 12 && c.value().get(c.value().position() + 12) == 'X');
        byte[] lost = message(1000, 1);
        lost[0] = 'X';
        byte[] second = message(1000, 2);
        second[0] = 'Y';
        link.a.send(1, 53, ByteBuffer.wrap(lost), new SendOptions(true, 0, -1), link.now);
        link.a.send(1, 53, ByteBuffer.wrap(second), SendOptions.RELIABLE_ORDERED, link.now);
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 1, 30 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).getFirst().data()).isEqualTo(second);
        assertThat(link.a.stats().abandonedMessages()).isEqualTo(1);
        assertThat(link.b.localCumulativeTsn()).isEqualTo(link.a.nextTsn() - 1);
        byte[] third = message(10, 3);
        link.a.send(1, 53, ByteBuffer.wrap(third), SendOptions.RELIABLE_ORDERED, link.now);
        link.runFor(10 * SECOND);
        assertThat(VirtualLink.messages(link.eventsB)).hasSize(2);
        assertThat(VirtualLink.messages(link.eventsB).get(1).data()).isEqualTo(third);
        assertThat(link.a.peerCumulativeTsnAck()).isEqualTo(link.a.nextTsn() - 1);
    }

    @Test
    void timedMessageIsAbandonedAfterItsLifetime() {
        VirtualLink link = VirtualLink.connected(config(), config(), 21);
        link.dropIf = (aToB, p) -> aToB && SctpPacket.decode(p).chunksOfType(SctpPacket.DATA).stream()
                .anyMatch(c -> c.value().get(c.value().position() + 12) == 'X');
        byte[] lost = message(3000, 1); // three fragments, all dropped
        lost[0] = 'X';
        link.a.send(2, 53, ByteBuffer.wrap(lost), new SendOptions(false, -1, 500), link.now);
        link.a.send(2, 53, ByteBuffer.wrap("after".getBytes(StandardCharsets.UTF_8)), SendOptions.RELIABLE_ORDERED, link.now);
        link.runFor(10 * SECOND);
        assertThat(VirtualLink.messages(link.eventsB)).extracting(m -> new String(m.data(), StandardCharsets.UTF_8))
                .containsExactly("after");
        assertThat(link.a.stats().abandonedMessages()).isEqualTo(1);
        assertThat(link.b.localCumulativeTsn()).isEqualTo(link.a.nextTsn() - 1);
        assertThat(link.b.receiveBuffered()).isZero();
    }

    @Test
    void partialReliabilityOnALossyLinkNeverDeliversOutOfOrderOrTwice() {
        VirtualLink link = VirtualLink.connected(config(), config(), 22);
        link.loss = 0.2;
        link.jitterNanos = 10 * MS;
        int n = 300;
        for (int i = 0; i < n; i++) {
            link.a.send(4, 53, ByteBuffer.allocate(800).putInt(0, i), new SendOptions(true, 0, -1), link.now);
            link.runFor(20 * MS);
        }
        link.a.send(4, 53, ByteBuffer.allocate(800).putInt(0, n), SendOptions.RELIABLE_ORDERED, link.now);
        boolean done = link.runUntil(() -> VirtualLink.messages(link.eventsB).stream()
                .anyMatch(m -> ByteBuffer.wrap(m.data()).getInt() == n), 300 * SECOND);
        assertThat(done).as("now=%d a: next=%d cum=%d flight=%d buffered=%d nextTimeout=%d state=%s; b: cum=%d buffered=%d msgs=%d",
                link.now, link.a.nextTsn(), link.a.peerCumulativeTsnAck(), link.a.flightSize(), link.a.bufferedAmount(),
                link.a.nextTimeoutNanos(), link.a.state(), link.b.localCumulativeTsn(), link.b.receiveBuffered(),
                VirtualLink.messages(link.eventsB).size()).isTrue();
        List<Integer> ids = VirtualLink.messages(link.eventsB).stream().map(m -> ByteBuffer.wrap(m.data()).getInt()).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(ids.size()).isLessThan(n + 1);
        assertThat(ids.size() - 1 + link.a.stats().abandonedMessages()).isGreaterThanOrEqualTo(n);
        link.loss = 0;
        link.runFor(10 * SECOND);
        assertThat(link.b.localCumulativeTsn()).isEqualTo(link.a.nextTsn() - 1);
    }

    // ------------------------------------------------------------------------------------------- reset, close

    @Test
    void streamResetRestartsSequenceNumbersBothWays() {
        VirtualLink link = VirtualLink.connected(config(), config(), 23);
        link.a.send(5, 51, ByteBuffer.wrap("one".getBytes(StandardCharsets.UTF_8)), SendOptions.RELIABLE_ORDERED, link.now);
        link.a.send(5, 51, ByteBuffer.wrap("two".getBytes(StandardCharsets.UTF_8)), SendOptions.RELIABLE_ORDERED, link.now);
        link.a.resetStreams(List.of(5), link.now);
        assertThatThrownBy(() -> link.a.send(5, 51, ByteBuffer.wrap(new byte[1]), SendOptions.RELIABLE_ORDERED, link.now))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("being reset");
        link.runUntil(() -> link.eventsA.contains(new SctpEvent.OutgoingStreamsReset(List.of(5))), 10 * SECOND);
        assertThat(link.eventsB).filteredOn(e -> e instanceof SctpEvent.IncomingStreamsReset)
                .containsExactly(new SctpEvent.IncomingStreamsReset(List.of(5)));
        assertThat(VirtualLink.messages(link.eventsB)).hasSize(2); // data queued before the reset arrived first
        link.b.resetStreams(List.of(5), link.now);
        link.runUntil(() -> link.eventsB.contains(new SctpEvent.OutgoingStreamsReset(List.of(5))), 10 * SECOND);
        assertThat(link.eventsA).contains(new SctpEvent.IncomingStreamsReset(List.of(5)));
        link.a.send(5, 51, ByteBuffer.wrap("three".getBytes(StandardCharsets.UTF_8)), SendOptions.RELIABLE_ORDERED, link.now);
        link.runFor(2 * SECOND);
        assertThat(VirtualLink.messages(link.eventsB)).hasSize(3); // SSN 0 again, delivered
    }

    @Test
    void shutdownDeliversQueuedDataThenCloses() {
        VirtualLink link = VirtualLink.connected(config(), config(), 24);
        link.loss = 0.05;
        link.jitterNanos = 10 * MS;
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] m = message(2000 + i, i);
            sent.add(m);
            link.a.send(1, 53, ByteBuffer.wrap(m), SendOptions.RELIABLE_ORDERED, link.now);
        }
        link.a.shutdown(link.now);
        assertThatThrownBy(() -> link.a.send(1, 53, ByteBuffer.wrap(new byte[1]), SendOptions.RELIABLE_ORDERED, link.now))
                .isInstanceOf(IllegalStateException.class);
        assertThat(link.runUntil(() -> link.a.isTerminated() && link.b.isTerminated(), 300 * SECOND)).isTrue();
        assertThat(link.eventsA).last().isEqualTo(new SctpEvent.Closed());
        assertThat(link.eventsB).last().isEqualTo(new SctpEvent.Closed());
        List<SctpEvent.MessageReceived> got = VirtualLink.messages(link.eventsB);
        assertThat(got).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(got.get(i).data()).isEqualTo(sent.get(i));
        }
        assertThat(link.a.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void abortEndsBothSidesWithTheReason() {
        VirtualLink link = VirtualLink.connected(config(), config(), 25);
        link.a.abort("going away");
        link.runFor(SECOND);
        assertThat(link.eventsA).containsExactly(new SctpEvent.Aborted("aborted locally: going away"));
        assertThat(link.eventsB).hasSize(1);
        assertThat(((SctpEvent.Aborted) link.eventsB.getFirst()).reason()).contains("going away");
        assertThat(link.b.isTerminated()).isTrue();
        // Anything the peer still sends is answered with ABORT (out of the blue, RFC 9260 §8.4).
        assertThatThrownBy(() -> link.b.send(1, 53, ByteBuffer.wrap(new byte[1]), SendOptions.RELIABLE_ORDERED, link.now))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void heartbeatsKeepAnIdleAssociationAliveAndDetectADeadPeer() {
        VirtualLink link = VirtualLink.connected(config(), config(), 26);
        link.recordSent = true;
        link.runFor(300 * SECOND);
        assertThat(link.sent.stream().filter(s -> hasChunk(ByteBuffer.wrap(s.bytes()), SctpPacket.HEARTBEAT))).hasSizeGreaterThan(4);
        assertThat(link.sent.stream().filter(s -> hasChunk(ByteBuffer.wrap(s.bytes()), SctpPacket.HEARTBEAT_ACK))).hasSizeGreaterThan(4);
        assertThat(link.a.isTerminated()).isFalse();
        link.dead = true;
        assertThat(link.runUntil(() -> link.a.isTerminated(), 3600 * SECOND)).isTrue();
        assertThat(((SctpEvent.Aborted) link.eventsA.getLast()).reason()).contains("heartbeat");
    }

    @Test
    void unknownChunkTypesFollowTheirUpperTwoBits() {
        VirtualLink link = VirtualLink.connected(config(), config(), 27);
        link.a.send(1, 53, ByteBuffer.wrap(message(100, 1)), SendOptions.RELIABLE_ORDERED, link.now);
        byte[] data = link.a.pollTransmit().orElseThrow().array().clone();
        // 0xBF (10xxxxxx): skip silently and go on; 0x7F (01xxxxxx): stop, discard the rest, report.
        byte[] skipThenData = withLeadingChunk(data, 0xBF);
        link.b.handleInput(ByteBuffer.wrap(skipThenData), link.now);
        assertThat(link.b.pollEvent()).get().isInstanceOf(SctpEvent.MessageReceived.class);
        link.a.send(1, 53, ByteBuffer.wrap(message(100, 2)), SendOptions.RELIABLE_ORDERED, link.now);
        byte[] data2 = link.a.pollTransmit().orElseThrow().array().clone();
        link.b.handleInput(ByteBuffer.wrap(withLeadingChunk(data2, 0x7F)), link.now);
        assertThat(link.b.pollEvent()).isEmpty();
        boolean reported = false;
        for (var p = link.b.pollTransmit(); p.isPresent(); p = link.b.pollTransmit()) {
            for (var c : SctpPacket.decode(p.get()).chunksOfType(SctpPacket.ERROR)) {
                reported |= c.value().getShort(0) == SctpPacket.CAUSE_UNRECOGNIZED_CHUNK;
            }
        }
        assertThat(reported).isTrue();
    }

    private static byte[] withLeadingChunk(byte[] packet, int type) {
        byte[] out = new byte[packet.length + 8];
        System.arraycopy(packet, 0, out, 0, 12);
        out[12] = (byte) type;
        out[15] = 8;
        System.arraycopy(packet, 12, out, 20, packet.length - 12);
        SctpPacket.sign(new CRC32C(), out, out.length);
        return out;
    }

    @Test
    void sameSeedSameOutcome() {
        long[] first = run(31);
        long[] second = run(31);
        assertThat(second).isEqualTo(first);
    }

    private static long[] run(long seed) {
        VirtualLink link = VirtualLink.connected(config(), config(), seed);
        link.loss = 0.1;
        link.jitterNanos = 20 * MS;
        for (int i = 0; i < 50; i++) {
            link.a.send(1, 53, ByteBuffer.wrap(message(5000, i)), SendOptions.RELIABLE_ORDERED, link.now);
        }
        link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 50, 600 * SECOND);
        SctpStats s = link.a.stats();
        return new long[] {link.now, s.packetsSent(), s.retransmittedChunks(), s.fastRetransmits(), s.t3Expirations(),
                link.a.congestionWindow()};
    }

    @Test
    void configRejectsNonsenseWithClearMessages() {
        assertThatThrownBy(() -> SctpConfig.builder().receiveWindow(1000).build())
                .hasMessageContaining("receive window");
        assertThatThrownBy(() -> SctpConfig.builder().localPort(0).build()).hasMessageContaining("local SCTP port");
        assertThatThrownBy(() -> new SendOptions(true, 1, 100)).hasMessageContaining("not both");
        assertThat(Arrays.asList(SctpState.values())).contains(SctpState.SHUTDOWN_ACK_SENT);
    }
}
