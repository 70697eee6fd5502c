package dev.peerlink.sctp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;

/**
 * Two associations joined by a datagram link on a virtual clock: seeded loss, duplication and delay jitter
 * (which reorders). No threads, no sleeps.
 */
final class VirtualLink {

    record Sent(long at, boolean aToB, byte[] bytes) {
    }

    private record InFlight(long deliverAt, long seq, boolean toB, byte[] bytes) {
    }

    final SctpAssociation a;
    final SctpAssociation b;
    final Random rnd;
    long now;
    double loss;
    double duplicate;
    long delayNanos = 10_000_000L;
    long jitterNanos;
    boolean dead;
    boolean readA = true;
    boolean readB = true;
    /** Drops a packet when it answers true (direction a-to-b, packet). */
    BiPredicate<Boolean, ByteBuffer> dropIf = (aToB, p) -> false;
    final List<SctpEvent> eventsA = new ArrayList<>();
    final List<SctpEvent> eventsB = new ArrayList<>();
    final List<Sent> sent = new ArrayList<>();
    boolean recordSent;
    Runnable afterStep = () -> { };
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>((x, y) -> x.deliverAt != y.deliverAt
            ? Long.compare(x.deliverAt, y.deliverAt) : Long.compare(x.seq, y.seq));
    private long seq;

    VirtualLink(SctpAssociation a, SctpAssociation b, long seed) {
        this.a = a;
        this.b = b;
        this.rnd = new Random(seed);
    }

    static VirtualLink connected(SctpConfig ca, SctpConfig cb, long seed) {
        Random r = new Random(seed);
        VirtualLink link = new VirtualLink(SctpAssociation.client(ca, new Random(r.nextLong())),
                SctpAssociation.server(cb, new Random(r.nextLong())), seed);
        link.a.connect(0);
        if (!link.runUntil(() -> link.a.state() == SctpState.ESTABLISHED && link.b.state() == SctpState.ESTABLISHED,
                60_000_000_000L)) {
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
            if (readA) {
                for (var e = a.pollEvent(); e.isPresent(); e = a.pollEvent()) {
                    eventsA.add(e.get());
                    more = true;
                }
            }
            if (readB) {
                for (var e = b.pollEvent(); e.isPresent(); e = b.pollEvent()) {
                    eventsB.add(e.get());
                    more = true;
                }
            }
        }
    }

    private void transmit(boolean aToB, ByteBuffer p) {
        byte[] bytes = new byte[p.remaining()];
        p.get(bytes);
        if (recordSent) {
            sent.add(new Sent(now, aToB, bytes));
        }
        if (dead || dropIf.test(aToB, ByteBuffer.wrap(bytes)) || rnd.nextDouble() < loss) {
            return;
        }
        int copies = rnd.nextDouble() < duplicate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = delayNanos + (jitterNanos > 0 ? (long) (rnd.nextDouble() * jitterNanos) : 0);
            queue.add(new InFlight(now + delay, seq++, aToB, bytes));
        }
    }

    /** Advances to the next event; false when nothing is scheduled before {@code limit}. */
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
        afterStep.run();
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

    static List<SctpEvent.MessageReceived> messages(List<SctpEvent> events) {
        return events.stream().filter(e -> e instanceof SctpEvent.MessageReceived)
                .map(e -> (SctpEvent.MessageReceived) e).toList();
    }
}
