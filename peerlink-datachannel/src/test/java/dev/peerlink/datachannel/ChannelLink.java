package dev.peerlink.datachannel;

import dev.peerlink.sctp.SctpAssociation;
import dev.peerlink.sctp.SctpConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;

/** Two data channel managers over a seeded lossy, reordering datagram link on a virtual clock. */
final class ChannelLink {

    private record InFlight(long deliverAt, long seq, boolean toB, byte[] bytes) {
    }

    final DataChannelManager a;
    final DataChannelManager b;
    final Random rnd;
    long now;
    double loss;
    long delayNanos = 10_000_000L;
    long jitterNanos;
    final List<DataChannelEvent> eventsA = new ArrayList<>();
    final List<DataChannelEvent> eventsB = new ArrayList<>();
    final List<byte[]> wireAToB = new ArrayList<>();
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>((x, y) -> x.deliverAt != y.deliverAt
            ? Long.compare(x.deliverAt, y.deliverAt) : Long.compare(x.seq, y.seq));
    private long seq;

    ChannelLink(long seed) {
        this.rnd = new Random(seed);
        SctpConfig config = SctpConfig.builder().peerMaxMessageSize(256 * 1024).build();
        a = new DataChannelManager(SctpAssociation.client(config, new Random(rnd.nextLong())), true);
        b = new DataChannelManager(SctpAssociation.server(config, new Random(rnd.nextLong())), false);
    }

    static ChannelLink connected(long seed) {
        ChannelLink link = new ChannelLink(seed);
        link.a.connect(0);
        if (!link.runUntil(() -> link.eventsA.contains(new DataChannelEvent.Connected())
                && link.eventsB.contains(new DataChannelEvent.Connected()), 60_000_000_000L)) {
            throw new AssertionError("the associations did not connect");
        }
        link.eventsA.clear();
        link.eventsB.clear();
        return link;
    }

    void flush() {
        boolean more = true;
        while (more) {
            more = false;
            var pa = a.pollTransmit();
            if (pa.isPresent()) {
                transmit(true, pa.get());
                more = true;
            }
            var pb = b.pollTransmit();
            if (pb.isPresent()) {
                transmit(false, pb.get());
                more = true;
            }
            for (var e = a.pollEvent(); e.isPresent(); e = a.pollEvent()) {
                eventsA.add(e.get());
                more = true;
            }
            for (var e = b.pollEvent(); e.isPresent(); e = b.pollEvent()) {
                eventsB.add(e.get());
                more = true;
            }
        }
    }

    private void transmit(boolean aToB, ByteBuffer p) {
        byte[] bytes = new byte[p.remaining()];
        p.get(bytes);
        if (aToB) {
            wireAToB.add(bytes);
        }
        if (rnd.nextDouble() < loss) {
            return;
        }
        long delay = delayNanos + (jitterNanos > 0 ? (long) (rnd.nextDouble() * jitterNanos) : 0);
        queue.add(new InFlight(now + delay, seq++, aToB, bytes));
    }

    boolean step(long limit) {
        flush();
        long next = Math.min(Math.min(a.nextTimeoutNanos(), b.nextTimeoutNanos()),
                queue.isEmpty() ? Long.MAX_VALUE : queue.peek().deliverAt);
        if (next > limit) {
            now = Math.max(now, limit);
            return false;
        }
        now = Math.max(now, next);
        while (!queue.isEmpty() && queue.peek().deliverAt <= now) {
            InFlight f = queue.poll();
            (f.toB ? b : a).handleInput(ByteBuffer.wrap(f.bytes), now);
        }
        if (a.nextTimeoutNanos() <= now) {
            a.handleTimeout(now);
        }
        if (b.nextTimeoutNanos() <= now) {
            b.handleTimeout(now);
        }
        flush();
        return true;
    }

    boolean runUntil(BooleanSupplier done, long maxNanos) {
        long limit = now + maxNanos;
        while (!done.getAsBoolean()) {
            if (!step(limit)) {
                return done.getAsBoolean();
            }
        }
        return true;
    }

    void runFor(long nanos) {
        long limit = now + nanos;
        while (step(limit)) {
            // keep going
        }
    }

    static <T> List<T> ofType(List<DataChannelEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
