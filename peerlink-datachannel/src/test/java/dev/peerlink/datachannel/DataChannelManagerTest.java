package dev.peerlink.datachannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.datachannel.DataChannelEvent.BinaryMessage;
import dev.peerlink.datachannel.DataChannelEvent.ChannelClosed;
import dev.peerlink.datachannel.DataChannelEvent.ChannelOpened;
import dev.peerlink.datachannel.DataChannelEvent.TextMessage;
import dev.peerlink.sctp.SctpPacket;
import dev.peerlink.sctp.SendOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DataChannelManagerTest {

    private static final long SECOND = 1_000_000_000L;

    private static DataChannel remoteChannel(ChannelLink link, List<DataChannelEvent> events, String label) {
        link.runUntil(() -> ChannelLink.ofType(events, ChannelOpened.class).stream()
                .anyMatch(o -> o.remote() && o.channel().label().equals(label)), 30 * SECOND);
        return ChannelLink.ofType(events, ChannelOpened.class).stream()
                .filter(o -> o.remote() && o.channel().label().equals(label)).findFirst().orElseThrow().channel();
    }

    @Test
    void dcepOpenAndAckOpenTheChannelOnBothSides() {
        ChannelLink link = ChannelLink.connected(1);
        DataChannel local = link.a.createChannel("chat", DataChannelOptions.DEFAULT.withProtocol("json"), link.now);
        // RFC 8832 §6: the opener may send right after the OPEN, so the channel is open at once, like a browser's.
        assertThat(local.state()).isEqualTo(DataChannelState.OPEN);
        assertThat(link.a.pollEvent()).contains(new ChannelOpened(local, false));
        DataChannel remote = remoteChannel(link, link.eventsB, "chat");
        assertThat(remote.id()).isEqualTo(local.id());
        assertThat(remote.protocol()).isEqualTo("json");
        assertThat(remote.state()).isEqualTo(DataChannelState.OPEN);
        // On the wire: PPID 50 carrying DATA_CHANNEL_OPEN (type 3).
        var open = link.wireAToB().stream().flatMap(p -> SctpPacket.decode(ByteBuffer.wrap(p))
                .chunksOfType(SctpPacket.DATA).stream()).findFirst().orElseThrow();
        assertThat(open.value().getInt(8)).isEqualTo(DataChannelManager.PPID_DCEP);
        assertThat(open.value().get(12)).isEqualTo((byte) DcepMessage.DATA_CHANNEL_OPEN);
        local.send("hello", link.now);
        link.runUntil(() -> !ChannelLink.ofType(link.eventsB, TextMessage.class).isEmpty(), 10 * SECOND);
        assertThat(ChannelLink.ofType(link.eventsB, TextMessage.class)).containsExactly(new TextMessage(remote, "hello"));
    }

    @Test
    void messagesSentBeforeTheAckGoOrderedBehindTheOpenAndUnorderedAfterIt() {
        ChannelLink link = ChannelLink.connected(12);
        DataChannel local = link.a.createChannel("fast", DataChannelOptions.unordered(), link.now);
        local.send("first", link.now);
        local.send(new byte[] {7}, link.now);
        DataChannel remote = remoteChannel(link, link.eventsB, "fast");
        link.runUntil(() -> ChannelLink.ofType(link.eventsB, BinaryMessage.class).size() == 1, 10 * SECOND);
        assertThat(ChannelLink.ofType(link.eventsB, TextMessage.class)).containsExactly(new TextMessage(remote, "first"));
        link.runFor(SECOND); // the ACK arrives
        local.send("later", link.now);
        link.runUntil(() -> ChannelLink.ofType(link.eventsB, TextMessage.class).size() == 2, 10 * SECOND);
        // RFC 8832 §6: the OPEN, then the two messages sent before the ACK, ordered (U bit clear); after it, unordered.
        List<SctpPacket.Chunk> data = link.wireAToB().stream().flatMap(p -> SctpPacket.decode(ByteBuffer.wrap(p))
                .chunksOfType(SctpPacket.DATA).stream()).distinct().toList();
        assertThat(data).extracting(chunk -> chunk.value().getInt(8)).containsExactly(DataChannelManager.PPID_DCEP,
                DataChannelManager.PPID_STRING, DataChannelManager.PPID_BINARY, DataChannelManager.PPID_STRING);
        assertThat(data).extracting(chunk -> (chunk.flags() & SctpPacket.FLAG_UNORDERED) != 0)
                .containsExactly(false, false, false, true);
        // Sending the OPEN alone does not lower the user's buffered amount, so no event says it did.
        DataChannel quiet = link.a.createChannel("quiet", DataChannelOptions.DEFAULT, link.now);
        link.runFor(SECOND);
        assertThat(link.eventsA).doesNotContain(new DataChannelEvent.BufferedAmountLow(quiet));
    }

    @Test
    void dcepOpenRoundTripsEveryChannelTypeAndUtf8Labels() {
        for (int type : new int[] {0x00, 0x80, 0x01, 0x81, 0x02, 0x82}) {
            var open = new DcepMessage.Open(type, 512, 1234, "канал 💬 ü", "proto/π");
            assertThat(DcepMessage.decode(open.encode())).isEqualTo(open);
        }
        assertThat(DcepMessage.decode(new byte[] {2})).isEqualTo(new DcepMessage.Ack());
        byte[] truncated = new DcepMessage.Open(0, 0, 0, "label", "").encode();
        assertThatThrownBy(() -> DcepMessage.decode(java.util.Arrays.copyOf(truncated, truncated.length - 1)))
                .isInstanceOf(DcepFormatException.class).hasMessageContaining("run past");
        byte[] badType = truncated.clone();
        badType[1] = 0x05;
        assertThatThrownBy(() -> DcepMessage.decode(badType)).hasMessageContaining("channel type");
        byte[] badUtf8 = new DcepMessage.Open(0, 0, 0, "ab", "").encode();
        badUtf8[12] = (byte) 0xC3;
        badUtf8[13] = (byte) 0x28;
        assertThatThrownBy(() -> DcepMessage.decode(badUtf8)).hasMessageContaining("UTF-8");
    }

    @Test
    void utf8LabelsAndOptionsArriveAtThePeer() {
        ChannelLink link = ChannelLink.connected(2);
        String label = "données-😀-数据";
        link.a.createChannel(label, DataChannelOptions.unordered().withMaxRetransmits(3), link.now);
        DataChannel remote = remoteChannel(link, link.eventsB, label);
        assertThat(remote.label()).isEqualTo(label);
        assertThat(remote.ordered()).isFalse();
        assertThat(remote.options().maxRetransmits()).isEqualTo(3);
        assertThat(remote.options().maxPacketLifeTime()).isEqualTo(-1);
    }

    @Test
    void negotiatedChannelsNeedNoDcep() {
        ChannelLink link = ChannelLink.connected(3);
        DataChannel a = link.a.createChannel("n", DataChannelOptions.negotiated(7), link.now);
        DataChannel b = link.b.createChannel("n", DataChannelOptions.negotiated(7), link.now);
        assertThat(a.state()).isEqualTo(DataChannelState.OPEN);
        assertThat(b.state()).isEqualTo(DataChannelState.OPEN);
        a.send("via negotiated", link.now);
        b.send(new byte[] {1, 2, 3}, link.now);
        link.runUntil(() -> !ChannelLink.ofType(link.eventsB, TextMessage.class).isEmpty()
                && !ChannelLink.ofType(link.eventsA, BinaryMessage.class).isEmpty(), 10 * SECOND);
        assertThat(ChannelLink.ofType(link.eventsB, TextMessage.class).getFirst().text()).isEqualTo("via negotiated");
        assertThat(ChannelLink.ofType(link.eventsA, BinaryMessage.class).getFirst().data()).containsExactly(1, 2, 3);
        boolean anyDcep = link.wireAToB().stream().flatMap(p -> SctpPacket.decode(ByteBuffer.wrap(p))
                .chunksOfType(SctpPacket.DATA).stream()).anyMatch(c -> c.value().getInt(8) == DataChannelManager.PPID_DCEP);
        assertThat(anyDcep).isFalse();
        assertThatThrownBy(() -> link.a.createChannel("again", DataChannelOptions.negotiated(7), link.now))
                .hasMessageContaining("already used");
    }

    @Test
    void negotiatedChannelCreatedBeforeConnectingOpensWithTheAssociation() {
        ChannelLink link = new ChannelLink(4);
        DataChannel a = link.a.createChannel("early", DataChannelOptions.negotiated(0), 0);
        assertThat(a.state()).isEqualTo(DataChannelState.CONNECTING);
        link.a.connect(0);
        link.runUntil(() -> a.state() == DataChannelState.OPEN, 10 * SECOND);
        assertThat(link.eventsA).contains(new ChannelOpened(a, false));
    }

    @Test
    void streamIdsFollowTheDtlsRole() {
        ChannelLink link = ChannelLink.connected(5);
        List<Integer> clientIds = List.of(link.a.createChannel("c0", DataChannelOptions.DEFAULT, link.now).id(),
                link.a.createChannel("c1", DataChannelOptions.DEFAULT, link.now).id(),
                link.a.createChannel("c2", DataChannelOptions.DEFAULT, link.now).id());
        List<Integer> serverIds = List.of(link.b.createChannel("s0", DataChannelOptions.DEFAULT, link.now).id(),
                link.b.createChannel("s1", DataChannelOptions.DEFAULT, link.now).id(),
                link.b.createChannel("s2", DataChannelOptions.DEFAULT, link.now).id());
        assertThat(clientIds).containsExactly(0, 2, 4);
        assertThat(serverIds).containsExactly(1, 3, 5);
        link.runFor(5 * SECOND);
        assertThat(link.a.channels()).hasSize(6);
        assertThat(link.b.channels()).hasSize(6);
        assertThat(link.a.channels().values()).allMatch(c -> c.state() == DataChannelState.OPEN);
    }

    @Test
    void stringBinaryAndEmptyMessages() {
        ChannelLink link = ChannelLink.connected(6);
        DataChannel local = link.a.createChannel("m", DataChannelOptions.DEFAULT, link.now);
        DataChannel remote = remoteChannel(link, link.eventsB, "m");
        link.runUntil(() -> local.state() == DataChannelState.OPEN, 10 * SECOND);
        byte[] big = new byte[100_000];
        new Random(1).nextBytes(big);
        local.send("", link.now);
        local.send(new byte[0], link.now);
        local.send("héllo wörld ✓", link.now);
        local.send(big, link.now);
        local.send(new byte[] {42}, link.now);
        link.runUntil(() -> link.eventsB.stream().filter(e -> e instanceof TextMessage || e instanceof BinaryMessage)
                .count() == 5, 30 * SECOND);
        List<DataChannelEvent> msgs = link.eventsB.stream()
                .filter(e -> e instanceof TextMessage || e instanceof BinaryMessage).toList();
        assertThat(msgs.get(0)).isEqualTo(new TextMessage(remote, ""));
        assertThat(((BinaryMessage) msgs.get(1)).data()).isEmpty();
        assertThat(msgs.get(2)).isEqualTo(new TextMessage(remote, "héllo wörld ✓"));
        assertThat(((BinaryMessage) msgs.get(3)).data()).isEqualTo(big);
        assertThat(((BinaryMessage) msgs.get(4)).data()).containsExactly(42);
        // The wire carries PPIDs 56 and 57 with a single byte for the empty ones (RFC 8831 §6.6).
        List<Integer> ppids = link.wireAToB().stream().flatMap(p -> SctpPacket.decode(ByteBuffer.wrap(p))
                .chunksOfType(SctpPacket.DATA).stream()).map(c -> c.value().getInt(8)).distinct().toList();
        assertThat(ppids).contains(50, 51, 53, 56, 57);
    }

    @Test
    void deprecatedPartialPpidsAreAccepted() {
        ChannelLink link = ChannelLink.connected(7);
        DataChannel local = link.a.createChannel("legacy", DataChannelOptions.DEFAULT, link.now);
        DataChannel remote = remoteChannel(link, link.eventsB, "legacy");
        link.runUntil(() -> local.state() == DataChannelState.OPEN, 10 * SECOND);
        var sctp = link.a.association();
        sctp.send(local.id(), DataChannelManager.PPID_STRING_PARTIAL, utf8("hel"), SendOptions.RELIABLE_ORDERED, link.now);
        sctp.send(local.id(), DataChannelManager.PPID_STRING, utf8("lo"), SendOptions.RELIABLE_ORDERED, link.now);
        sctp.send(local.id(), DataChannelManager.PPID_BINARY_PARTIAL, ByteBuffer.wrap(new byte[] {1}), SendOptions.RELIABLE_ORDERED, link.now);
        sctp.send(local.id(), DataChannelManager.PPID_BINARY, ByteBuffer.wrap(new byte[] {2}), SendOptions.RELIABLE_ORDERED, link.now);
        link.runFor(2 * SECOND);
        assertThat(ChannelLink.ofType(link.eventsB, TextMessage.class)).containsExactly(new TextMessage(remote, "hello"));
        assertThat(ChannelLink.ofType(link.eventsB, BinaryMessage.class).getFirst().data()).containsExactly(1, 2);
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void threeChannelsAtOnceOnALossyLink() {
        ChannelLink link = ChannelLink.connected(8);
        link.loss = 0.03;
        link.jitterNanos = 20_000_000L;
        DataChannel reliable = link.a.createChannel("reliable", DataChannelOptions.DEFAULT, link.now);
        DataChannel unordered = link.a.createChannel("unordered", DataChannelOptions.unordered(), link.now);
        DataChannel lossy = link.a.createChannel("lossy", DataChannelOptions.unordered().withMaxRetransmits(0), link.now);
        link.runUntil(() -> reliable.state() == DataChannelState.OPEN && unordered.state() == DataChannelState.OPEN
                && lossy.state() == DataChannelState.OPEN, 60 * SECOND);
        for (int i = 0; i < 100; i++) {
            reliable.send("r" + i, link.now);
            unordered.send(("u" + i).getBytes(StandardCharsets.UTF_8), link.now);
            lossy.send("l" + i, link.now);
            link.runFor(5_000_000L);
        }
        link.runFor(120 * SECOND);
        var byLabel = new java.util.HashMap<String, List<String>>();
        for (DataChannelEvent e : link.eventsB) {
            if (e instanceof TextMessage t) {
                byLabel.computeIfAbsent(t.channel().label(), k -> new java.util.ArrayList<>()).add(t.text());
            } else if (e instanceof BinaryMessage bm) {
                byLabel.computeIfAbsent(bm.channel().label(), k -> new java.util.ArrayList<>())
                        .add(new String(bm.data(), StandardCharsets.UTF_8));
            }
        }
        assertThat(byLabel.get("reliable")).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 100).mapToObj(i -> "r" + i).toList());
        assertThat(byLabel.get("unordered")).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.range(0, 100).mapToObj(i -> "u" + i).toList());
        assertThat(byLabel.get("lossy")).doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(100).isNotEmpty();
    }

    @Test
    void closingFromEitherSideClosesBothEnds() {
        ChannelLink link = ChannelLink.connected(9);
        DataChannel one = link.a.createChannel("one", DataChannelOptions.DEFAULT, link.now);
        DataChannel two = link.a.createChannel("two", DataChannelOptions.DEFAULT, link.now);
        DataChannel oneRemote = remoteChannel(link, link.eventsB, "one");
        DataChannel twoRemote = remoteChannel(link, link.eventsB, "two");
        link.runUntil(() -> one.state() == DataChannelState.OPEN && two.state() == DataChannelState.OPEN, 10 * SECOND);
        one.send("last words", link.now);
        one.close(link.now);
        assertThat(one.state()).isEqualTo(DataChannelState.CLOSING);
        link.runUntil(() -> one.state() == DataChannelState.CLOSED && oneRemote.state() == DataChannelState.CLOSED, 10 * SECOND);
        assertThat(link.eventsA).contains(new ChannelClosed(one));
        assertThat(link.eventsB).contains(new ChannelClosed(oneRemote));
        assertThat(ChannelLink.ofType(link.eventsB, TextMessage.class)).containsExactly(new TextMessage(oneRemote, "last words"));
        twoRemote.close(link.now); // now from the other side
        link.runUntil(() -> two.state() == DataChannelState.CLOSED && twoRemote.state() == DataChannelState.CLOSED, 10 * SECOND);
        assertThat(link.eventsA).contains(new ChannelClosed(two));
        assertThat(link.a.channels()).isEmpty();
        assertThat(link.b.channels()).isEmpty();
        // The freed stream id can carry a new channel, whose SSNs start at 0 again.
        DataChannel again = link.a.createChannel("again", DataChannelOptions.negotiated(one.id()), link.now);
        DataChannel againRemote = link.b.createChannel("again", DataChannelOptions.negotiated(one.id()), link.now);
        again.send("fresh", link.now);
        link.runFor(2 * SECOND);
        assertThat(link.eventsB).contains(new TextMessage(againRemote, "fresh"));
    }

    @Test
    void bufferedAmountAndLowThreshold() {
        ChannelLink link = ChannelLink.connected(10);
        DataChannel ch = link.a.createChannel("bulk", DataChannelOptions.DEFAULT, link.now);
        link.runUntil(() -> ch.state() == DataChannelState.OPEN, 10 * SECOND);
        link.runFor(SECOND);
        link.eventsA.clear();
        ch.setBufferedAmountLowThreshold(10_000);
        for (int i = 0; i < 50; i++) {
            ch.send(new byte[4000], link.now);
        }
        assertThat(ch.bufferedAmount()).isEqualTo(200_000);
        boolean low = link.runUntil(() -> link.eventsA.contains(new DataChannelEvent.BufferedAmountLow(ch)), 30 * SECOND);
        assertThat(low).isTrue();
        assertThat(ch.bufferedAmount()).isLessThanOrEqualTo(10_000);
        link.runFor(10 * SECOND);
        assertThat(ch.bufferedAmount()).isZero();
        assertThat(ChannelLink.ofType(link.eventsB, BinaryMessage.class)).hasSize(50);
    }

    @Test
    void associationShutdownClosesEveryChannel() {
        ChannelLink link = ChannelLink.connected(11);
        DataChannel ch = link.a.createChannel("x", DataChannelOptions.DEFAULT, link.now);
        DataChannel remote = remoteChannel(link, link.eventsB, "x");
        link.a.shutdown(link.now);
        link.runFor(10 * SECOND);
        assertThat(link.eventsA).contains(new ChannelClosed(ch), new DataChannelEvent.AssociationClosed(true, "closed"));
        assertThat(link.eventsB).contains(new ChannelClosed(remote));
        assertThat(ch.state()).isEqualTo(DataChannelState.CLOSED);
    }
}
