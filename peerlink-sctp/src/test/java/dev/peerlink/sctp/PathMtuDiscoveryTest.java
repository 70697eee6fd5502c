package dev.peerlink.sctp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.testkit.VirtualDatagramLink.Sent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Datagram PLPMTUD (RFC 8899 §6.2.1) in {@link SctpAssociation}, on the virtual link with size-dependent loss. */
class PathMtuDiscoveryTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final int BASE = 1200;

    private static SctpConfig probing(int maxMtu) {
        return SctpConfig.builder().peerMaxMessageSize(256 * 1024).maxMtu(maxMtu).build();
    }

    /** A link whose traffic is recorded from the first packet, dropping datagrams above {@code pathLimit}. */
    private static VirtualLink link(SctpConfig ca, SctpConfig cb, int pathLimit, long seed) {
        Random r = new Random(seed);
        VirtualLink link = new VirtualLink(SctpAssociation.client(ca, new Random(r.nextLong())),
                SctpAssociation.server(cb, new Random(r.nextLong())), seed);
        link.recordSent = true;
        link.dropIf = (aToB, p) -> p.remaining() > pathLimit;
        link.a.connect(0);
        assertThat(link.runUntil(() -> link.a.state() == SctpState.ESTABLISHED
                && link.b.state() == SctpState.ESTABLISHED, 10 * SECOND)).isTrue();
        return link;
    }

    private static byte[] message(int size, long seed) {
        byte[] m = new byte[size];
        new Random(seed).nextBytes(m);
        return m;
    }

    private static boolean has(byte[] packet, int type) {
        return SctpPacket.decode(ByteBuffer.wrap(packet)).chunks().stream().anyMatch(c -> c.type() == type);
    }

    private static List<Sent> sentSince(VirtualLink link, int from, boolean aToB, int chunkType) {
        return link.sent.subList(from, link.sent.size()).stream()
                .filter(s -> s.aToB() == aToB && has(s.bytes(), chunkType)).toList();
    }

    @Test
    void convergesToTheLargestProbedSizeThePathCarriesAndSendsDataThatLarge() {
        VirtualLink link = link(probing(16384), probing(16384), 9000, 41);
        assertThat(link.runUntil(() -> link.a.pathMtuSearchComplete() && link.b.pathMtuSearchComplete(),
                300 * SECOND)).isTrue();
        // Candidates 1400, 4096, 8192 confirmed; 16384 lost MAX_PROBES (3) times, then the search ends.
        assertThat(link.a.pathMtu()).isEqualTo(8192);
        assertThat(link.b.pathMtu()).isEqualTo(8192);
        List<Integer> probeSizes = sentSince(link, 0, true, SctpPacket.PAD).stream().map(s -> s.bytes().length).toList();
        assertThat(probeSizes).containsExactly(1400, 4096, 8192, 16384, 16384, 16384);
        // PROBE_TIMER (15 s by default, RFC 8899 §5.1.1) between the lost probes; nothing else waits on it.
        assertThat(link.now).isGreaterThanOrEqualTo(45 * SECOND);
        // A probe's HEARTBEAT ACK echoes only the Heartbeat Info, never the PAD: it stays small.
        assertThat(sentSince(link, 0, false, SctpPacket.HEARTBEAT_ACK))
                .isNotEmpty().allSatisfy(s -> assertThat(s.bytes().length).isLessThan(100));
        assertThat(link.a.stats().retransmittedChunks()).isZero(); // probes are not DATA and are not retransmitted
        // RFC 9260 §7.2.1's initial window at 8192 bytes: min(4 * 8192, max(2 * 8192, 4380)).
        assertThat(link.a.congestionWindow()).isEqualTo(2L * 8192);

        int mark = link.sent.size();
        byte[] big = message(100_000, 1);
        link.a.send(1, 53, ByteBuffer.wrap(big), SendOptions.RELIABLE_ORDERED, link.now);
        assertThat(link.runUntil(() -> !VirtualLink.messages(link.eventsB).isEmpty(), 60 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).getFirst().data()).isEqualTo(big);
        List<Integer> dataSizes = sentSince(link, mark, true, SctpPacket.DATA).stream()
                .map(s -> s.bytes().length).toList();
        assertThat(dataSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(8192));
        assertThat(dataSizes.stream().filter(size -> size > BASE).count()).isGreaterThanOrEqualTo(100_000 / 8192);
    }

    @Test
    void aPathChangeFallsBackToTheBaseAndSearchesAgainUpToTheNewPathsCap() {
        VirtualLink link = link(probing(16384), probing(16384), 9000, 71);
        assertThat(link.runUntil(() -> link.a.pathMtuSearchComplete(), 300 * SECOND)).isTrue();
        assertThat(link.a.pathMtu()).isEqualTo(8192);

        // RFC 8899 §4.6: a new path (another ICE pair) carrying at most 4,500 bytes, capped at 5,000 locally.
        link.dropIf = (aToB, p) -> p.remaining() > 4500;
        int mark = link.sent.size();
        link.a.pathChanged(5000, link.now);
        assertThat(link.a.pathMtu()).isEqualTo(BASE);
        assertThat(link.a.maxPathMtu()).isEqualTo(5000);
        assertThat(link.a.pathMtuSearchComplete()).isFalse();
        byte[] during = message(60_000, 5);
        link.a.send(1, 53, ByteBuffer.wrap(during), SendOptions.RELIABLE_ORDERED, link.now);
        assertThat(link.runUntil(() -> link.a.pathMtuSearchComplete()
                && VirtualLink.messages(link.eventsB).size() == 1, 300 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).getFirst().data()).isEqualTo(during);
        assertThat(link.a.pathMtu()).isEqualTo(4096);
        assertThat(sentSince(link, mark, true, SctpPacket.PAD).stream().map(s -> s.bytes().length).toList())
                .containsExactly(1400, 4096, 5000, 5000, 5000);
        assertThat(link.a.stats().t3Expirations()).isZero(); // nothing sent above what the new path carries

        // A relayed pair: back to the base, and no probing at all.
        mark = link.sent.size();
        link.a.pathChanged(BASE, link.now);
        byte[] relayed = message(40_000, 6);
        link.a.send(1, 53, ByteBuffer.wrap(relayed), SendOptions.RELIABLE_ORDERED, link.now);
        link.runFor(700 * SECOND); // past PMTU_RAISE_TIMER: still nothing probed
        assertThat(VirtualLink.messages(link.eventsB)).hasSize(2);
        assertThat(VirtualLink.messages(link.eventsB).get(1).data()).isEqualTo(relayed);
        assertThat(link.sent.subList(mark, link.sent.size())).filteredOn(s -> s.aToB())
                .allSatisfy(s -> assertThat(s.bytes().length).isLessThanOrEqualTo(BASE));
        assertThat(link.a.pathMtu()).isEqualTo(BASE);
        assertThatThrownBy(() -> link.a.pathChanged(BASE - 1, link.now)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPathChangeMayRaiseTheCapAboveTheConfiguredOne() {
        SctpConfig base = SctpConfig.builder().peerMaxMessageSize(256 * 1024).build(); // no probing at first
        VirtualLink link = link(base, base, 9000, 73);
        link.a.pathChanged(16384, link.now);
        byte[] big = message(100_000, 7);
        link.a.send(1, 53, ByteBuffer.wrap(big), SendOptions.RELIABLE_ORDERED, link.now);
        assertThat(link.runUntil(() -> link.a.pathMtuSearchComplete()
                && !VirtualLink.messages(link.eventsB).isEmpty(), 300 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).getFirst().data()).isEqualTo(big);
        assertThat(link.a.pathMtu()).isEqualTo(8192); // the peer, not probing itself, still takes larger packets
        int mark = link.sent.size();
        byte[] next = message(100_000, 8);
        link.a.send(1, 53, ByteBuffer.wrap(next), SendOptions.RELIABLE_ORDERED, link.now);
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 2, 60 * SECOND)).isTrue();
        assertThat(sentSince(link, mark, true, SctpPacket.DATA).stream().filter(s -> s.bytes().length > 4096))
                .hasSizeGreaterThanOrEqualTo(100_000 / 8192);
    }

    @Test
    void theDefaultConfigNeverProbes() {
        SctpConfig config = SctpConfig.builder().peerMaxMessageSize(256 * 1024).build();
        assertThat(config.maxMtu()).isEqualTo(config.mtu());
        VirtualLink link = link(config, config, 65535, 43);
        byte[] big = message(50_000, 2);
        link.a.send(1, 53, ByteBuffer.wrap(big), SendOptions.RELIABLE_ORDERED, link.now);
        link.runFor(120 * SECOND); // past several heartbeat intervals
        assertThat(VirtualLink.messages(link.eventsB)).hasSize(1);
        assertThat(link.sent).noneMatch(s -> has(s.bytes(), SctpPacket.PAD));
        assertThat(link.sent).allSatisfy(s -> assertThat(s.bytes().length).isLessThanOrEqualTo(BASE));
        assertThat(link.a.pathMtu()).isEqualTo(BASE);
        assertThat(link.a.pathMtuSearchComplete()).isFalse();
    }

    @Test
    void aBlackHoleFallsBackToTheBaseSizeAndTheTransferInProgressCompletes() {
        VirtualLink link = link(probing(16384), probing(16384), 9000, 47);
        assertThat(link.runUntil(() -> link.a.pathMtuSearchComplete(), 300 * SECOND)).isTrue();
        assertThat(link.a.pathMtu()).isEqualTo(8192);

        byte[] big = message(200_000, 3);
        link.a.send(1, 53, ByteBuffer.wrap(big), SendOptions.RELIABLE_ORDERED, link.now);
        int tsnBefore = link.b.localCumulativeTsn();
        assertThat(link.runUntil(() -> link.b.localCumulativeTsn() - tsnBefore >= 3, 10 * SECOND)).isTrue();
        // The path now carries no more than the base size (RFC 8899 §4.3 black hole). Packets the association
        // flags as larger than its PLPMTU are sent by the carrier with fragmentation allowed (RFC 8261 §5), which
        // this link models by letting them through; every other larger packet (data and probes) is lost.
        long start = link.now;
        int[] fragmentable = new int[1];
        link.dropIf = (aToB, p) -> {
            boolean mayFragment = (aToB ? link.a : link.b).lastTransmitExceedsPathMtu();
            if (mayFragment) {
                fragmentable[0]++;
            }
            return p.remaining() > BASE && !mayFragment;
        };
        assertThat(link.runUntil(() -> !VirtualLink.messages(link.eventsB).isEmpty(), 120 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).getFirst().data()).isEqualTo(big);
        assertThat(link.a.pathMtu()).isEqualTo(BASE);
        assertThat(link.a.isTerminated()).isFalse();
        assertThat(link.a.stats().t3Expirations()).isGreaterThanOrEqualTo(2);
        assertThat(fragmentable[0]).isPositive(); // the chunks cut at 8192 before the fallback
        assertThat(link.now - start).isLessThan(120 * SECOND);

        // New messages are cut at the base size again.
        int mark = link.sent.size();
        byte[] next = message(30_000, 4);
        link.a.send(1, 53, ByteBuffer.wrap(next), SendOptions.RELIABLE_ORDERED, link.now);
        assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 2, 60 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).get(1).data()).isEqualTo(next);
        assertThat(sentSince(link, mark, true, SctpPacket.DATA))
                .allSatisfy(s -> assertThat(s.bytes().length).isLessThanOrEqualTo(BASE));
    }

    @Test
    void probingUnderRandomLossStillDeliversEverythingInOrder() {
        for (long seed = 60; seed < 66; seed++) {
            VirtualLink link = link(probing(16384), probing(16384), 65535, seed);
            link.loss = 0.05;
            link.jitterNanos = 5 * MS;
            List<byte[]> sent = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                byte[] m = message(20_000 + i, seed * 100 + i);
                sent.add(m);
                link.a.send(1, 53, ByteBuffer.wrap(m), SendOptions.RELIABLE_ORDERED, link.now);
            }
            assertThat(link.runUntil(() -> VirtualLink.messages(link.eventsB).size() == 20, 600 * SECOND))
                    .as("seed %d", seed).isTrue();
            assertThat(VirtualLink.messages(link.eventsB).stream().map(SctpEvent.MessageReceived::data).toList())
                    .as("seed %d", seed).containsExactlyElementsOf(sent);
            assertThat(link.a.pathMtu()).as("seed %d", seed).isBetween(BASE, 16384);
        }
    }

    @Test
    void packetsLargerThanOurPathMtuAreAccepted() {
        // a probes up to 65532 (65535 rounded to whole PAD words); b keeps BASE for what it sends.
        VirtualLink link = link(probing(65535), SctpConfig.builder().peerMaxMessageSize(256 * 1024).build(), 65535, 53);
        assertThat(link.runUntil(() -> link.a.pathMtuSearchComplete(), 60 * SECOND)).isTrue();
        assertThat(link.a.pathMtu()).isEqualTo(65532);
        assertThat(link.b.pathMtu()).isEqualTo(BASE);
        int mark = link.sent.size();
        byte[] big = message(65_000, 5);
        link.a.send(1, 53, ByteBuffer.wrap(big), SendOptions.RELIABLE_UNORDERED, link.now);
        assertThat(link.runUntil(() -> !VirtualLink.messages(link.eventsB).isEmpty(), 10 * SECOND)).isTrue();
        assertThat(VirtualLink.messages(link.eventsB).getFirst().data()).isEqualTo(big);
        assertThat(sentSince(link, mark, true, SctpPacket.DATA).stream().mapToInt(s -> s.bytes().length).max())
                .hasValue(65_000 + 16 + 12);
        assertThat(link.sent).filteredOn(s -> !s.aToB()).allSatisfy(s -> assertThat(s.bytes().length).isLessThanOrEqualTo(BASE));
    }

    @Test
    void aPadChunkIsSkippedSilently() {
        SctpConfig config = SctpConfig.builder().build();
        VirtualLink link = link(config, config, 65535, 59);
        link.a.send(1, 53, ByteBuffer.wrap(message(100, 6)), SendOptions.RELIABLE_ORDERED, link.now);
        byte[] data = link.a.pollTransmit().orElseThrow().array().clone();
        // RFC 4820 §3: PAD (0x84, upper bits 10: skip, do not report) with 100 bytes of padding before the DATA.
        int padLength = 104;
        byte[] padded = new byte[data.length + padLength];
        System.arraycopy(data, 0, padded, 0, 12);
        padded[12] = (byte) SctpPacket.PAD;
        padded[15] = (byte) padLength;
        System.arraycopy(data, 12, padded, 12 + padLength, data.length - 12);
        SctpPacket.sign(new CRC32C(), padded, padded.length);
        link.b.handleInput(ByteBuffer.wrap(padded), link.now);
        assertThat(link.b.pollEvent()).get().isInstanceOf(SctpEvent.MessageReceived.class);
        for (var p = link.b.pollTransmit(); p.isPresent(); p = link.b.pollTransmit()) {
            assertThat(SctpPacket.decode(p.get()).chunksOfType(SctpPacket.ERROR)).isEmpty();
            assertThat(SctpPacket.decode(p.get()).chunksOfType(SctpPacket.ABORT)).isEmpty();
        }
        assertThat(link.b.state()).isEqualTo(SctpState.ESTABLISHED);
    }

    @Test
    void configValidatesTheProbingRange() {
        assertThatThrownBy(() -> SctpConfig.builder().mtu(1400).maxMtu(1300).build()).hasMessageContaining("maxMtu");
        assertThatThrownBy(() -> SctpConfig.builder().maxMtu(65536).build()).hasMessageContaining("maxMtu");
        assertThatThrownBy(() -> SctpConfig.builder().maxMtu(9000).probeTimeout(Duration.ofMillis(500)).build())
                .hasMessageContaining("RFC 8899");
        // Unset, maxMtu follows mtu (probing off), also through toBuilder.
        assertThat(SctpConfig.defaults().toBuilder().mtu(1400).build().maxMtu()).isEqualTo(1400);
        assertThat(SctpConfig.builder().maxMtu(9000).build().toBuilder().build().maxMtu()).isEqualTo(9000);
        SctpConfig d = SctpConfig.defaults();
        SctpConfig legacy = new SctpConfig(d.localPort(), d.remotePort(), d.mtu(), d.rtoInitial(), d.rtoMin(),
                d.rtoMax(), d.maxRetransmissions(), d.maxInitRetransmissions(), d.receiveWindow(), d.maxMessageSize(),
                d.peerMaxMessageSize(), d.maxSendBuffer(), d.streams(), d.cookieLifetime(), d.heartbeatInterval(),
                d.delayedAckTimeout());
        assertThat(legacy).isEqualTo(d);
    }
}
