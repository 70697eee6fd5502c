package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.turn.quota.AllocationLimits;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ChannelData relay path: bandwidth cap, and no allocation in either direction. */
class RelayPathTest extends TurnCoreFixture {

    @Test
    void overCapPacketsAreDroppedAndCountedAndTheCapRefills() {
        build(builder -> builder.limits(new AllocationLimits(10, 100_000, 100_000)));
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        byte[] payload = new byte[1000];
        int relayed = 0;
        for (int i = 0; i < 150; i++) {
            relayed += fromClient(CLIENT, channelData(0x4000, payload, false)).size();
        }
        assertThat(relayed).isEqualTo(100); // a burst of 100 000 bytes
        assertThat(core.counters().droppedOverBandwidth()).isEqualTo(50);
        // The other direction has its own bucket.
        assertThat(fromPeer(relays.last(), PEER, payload)).hasSize(1);
        advance(Duration.ofMillis(100)); // 10 000 bytes earned
        relayed = 0;
        for (int i = 0; i < 20; i++) {
            relayed += fromClient(CLIENT, channelData(0x4000, payload, false)).size();
        }
        assertThat(relayed).isEqualTo(10);
        // Send indications count against the same cap.
        createPermission(CLIENT, PEER);
        assertThat(fromClient(CLIENT, sendIndication(PEER, payload, false))).isEmpty();
    }

    @Test
    void largestDatagramsAreRelayedBothWays() {
        allocate(CLIENT);
        createPermission(CLIENT, PEER2);
        channelBind(CLIENT, 0x4000, PEER);
        byte[] big = new byte[65_507]; // the largest UDP payload over IPv4
        big[big.length - 1] = 7;
        List<Sent> data = fromPeer(relays.last(), PEER2, big);
        assertThat(data).hasSize(1);
        assertThat(data.get(0).decode().attribute(dev.peerlink.stun.StunAttributeType.DATA,
                dev.peerlink.stun.attribute.BytesAttribute.class).orElseThrow().value()).isEqualTo(big);
        byte[] channel = fromPeer(relays.last(), PEER, big).get(0).data();
        assertThat(channel).hasSize(4 + big.length);
        assertThat(channel[channel.length - 1]).isEqualTo((byte) 7);
        byte[] maximal = new byte[65_535];
        assertThat(fromClient(CLIENT, channelData(0x4000, maximal, false)).get(0).data()).hasSize(65_535);
        assertThat(core.counters().internalErrors()).isZero();
    }

    /**
     * DESIGN.md: no per-packet allocation on the TURN ChannelData path. The driver-side objects (5-tuple, peer
     * address, buffers) are made once, as a driver that caches them would; after warm-up only the measuring may
     * allocate.
     */
    @Test
    void channelDataPathDoesNotAllocateInEitherDirection() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);

        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        drain();
        FakeRelays.Handle relay = relays.last();
        ByteBuffer fromClient = ByteBuffer.wrap(channelData(0x4000, new byte[160], false));
        ByteBuffer fromPeer = ByteBuffer.wrap(new byte[160]);
        java.time.Instant wall = wall();
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm-up: let C2 compile the path
            sink += roundTrip(fromClient, fromPeer, relay, wall);
        }
        int iterations = 100_000;
        long threadId = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < iterations; i++) {
            sink += roundTrip(fromClient, fromPeer, relay, wall);
        }
        long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        assertThat(sink).isEqualTo(2L * 160 * (200_000 + iterations));
        assertThat((double) allocated / iterations).as("bytes allocated per round trip (%d in all)", allocated)
                .isLessThan(16.0);
        assertThat(core.counters().packetsToPeer()).isEqualTo(200_000 + iterations);
        assertThat(core.counters().packetsToClient()).isEqualTo(200_000 + iterations);
    }

    private long roundTrip(ByteBuffer fromClient, ByteBuffer fromPeer, RelayHandle relay, java.time.Instant wall) {
        long bytes = 0;
        core.handleClientPacket(CLIENT, fromClient, now, wall);
        for (Transmit t = core.pollTransmit(); t != null; t = core.pollTransmit()) {
            bytes += t.data().remaining();
        }
        core.handlePeerPacket(relay, PEER, fromPeer, now);
        for (Transmit t = core.pollTransmit(); t != null; t = core.pollTransmit()) {
            bytes += t.data().remaining() - 4;
        }
        return bytes;
    }
}
