package dev.peerlink.testkit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/**
 * Two sans-IO endpoints (an SCTP association, a data-channel manager, ...) joined by a datagram link on a virtual
 * clock: seeded loss, duplication and delay jitter (which reorders). No threads, no sleeps; the same seed gives the
 * same run. Subclasses name the endpoint type and how to drive it ({@link Driver}).
 *
 * @param <E> the endpoint
 * @param <V> what it reports (its events)
 */
public class VirtualDatagramLink<E, V> {
    /** The sans-IO calls of an endpoint (DESIGN.md "Protocol cores"), for a type that has them by other names. */
    public interface Driver<E, V> {
        Optional<ByteBuffer> pollTransmit(E endpoint);

        Optional<V> pollEvent(E endpoint);

        void handleInput(E endpoint, ByteBuffer packet, long nowNanos);

        void handleTimeout(E endpoint, long nowNanos);

        long nextTimeoutNanos(E endpoint);

        /** A driver from the endpoint type's own methods, e.g. {@code Driver.of(Sctp::pollTransmit, ...)}. */
        static <E, V> Driver<E, V> of(Function<E, Optional<ByteBuffer>> pollTransmit, Function<E, Optional<V>> pollEvent,
                                      Input<E> handleInput, ObjLongConsumer<E> handleTimeout,
                                      ToLongFunction<E> nextTimeoutNanos) {
            return new Driver<>() {
                @Override
                public Optional<ByteBuffer> pollTransmit(E endpoint) {
                    return pollTransmit.apply(endpoint);
                }

                @Override
                public Optional<V> pollEvent(E endpoint) {
                    return pollEvent.apply(endpoint);
                }

                @Override
                public void handleInput(E endpoint, ByteBuffer packet, long nowNanos) {
                    handleInput.accept(endpoint, packet, nowNanos);
                }

                @Override
                public void handleTimeout(E endpoint, long nowNanos) {
                    handleTimeout.accept(endpoint, nowNanos);
                }

                @Override
                public long nextTimeoutNanos(E endpoint) {
                    return nextTimeoutNanos.applyAsLong(endpoint);
                }
            };
        }
    }

    /** {@code handleInput(packet, nowNanos)} of an endpoint. */
    @FunctionalInterface
    public interface Input<E> {
        void accept(E endpoint, ByteBuffer packet, long nowNanos);
    }

    /** A datagram as it left an endpoint (kept when {@link #recordSent}). */
    public record Sent(long at, boolean aToB, byte[] bytes) {
    }

    private record InFlight(long deliverAt, long seq, boolean toB, byte[] bytes) {
    }

    public final E a;
    public final E b;
    public final Random rnd;
    public long now;
    public double loss;
    public double duplicate;
    public long delayNanos = 10_000_000L;
    public long jitterNanos;
    /** Drops everything, both ways. */
    public boolean dead;
    /** Whether the events of a (b) are taken; false leaves them queued in the endpoint. */
    public boolean readA = true;
    public boolean readB = true;
    /** Drops a packet when it answers true (direction a-to-b, packet). */
    public BiPredicate<Boolean, ByteBuffer> dropIf = (aToB, packet) -> false;
    public final List<V> eventsA = new ArrayList<>();
    public final List<V> eventsB = new ArrayList<>();
    public final List<Sent> sent = new ArrayList<>();
    public boolean recordSent;
    public Runnable afterStep = () -> { };
    private final Driver<E, V> driver;
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>((x, y) -> x.deliverAt != y.deliverAt
            ? Long.compare(x.deliverAt, y.deliverAt) : Long.compare(x.seq, y.seq));
    private long seq;

    protected VirtualDatagramLink(E a, E b, Random rnd, Driver<E, V> driver) {
        this.a = a;
        this.b = b;
        this.rnd = rnd;
        this.driver = driver;
    }

    /** Sends what both endpoints have to send and takes their events, until neither has anything more. */
    public void flush() {
        boolean more = true;
        while (more) {
            more = false;
            Optional<ByteBuffer> fromA = driver.pollTransmit(a);
            if (fromA.isPresent()) {
                transmit(true, fromA.get());
                more = true;
            }
            Optional<ByteBuffer> fromB = driver.pollTransmit(b);
            if (fromB.isPresent()) {
                transmit(false, fromB.get());
                more = true;
            }
            more |= readA && takeEvents(a, eventsA);
            more |= readB && takeEvents(b, eventsB);
        }
    }

    private boolean takeEvents(E endpoint, List<V> into) {
        boolean any = false;
        for (Optional<V> event = driver.pollEvent(endpoint); event.isPresent(); event = driver.pollEvent(endpoint)) {
            into.add(event.get());
            any = true;
        }
        return any;
    }

    private void transmit(boolean aToB, ByteBuffer packet) {
        byte[] bytes = new byte[packet.remaining()];
        packet.get(bytes);
        if (recordSent) {
            sent.add(new Sent(now, aToB, bytes));
        }
        if (dead || dropIf.test(aToB, ByteBuffer.wrap(bytes)) || rnd.nextDouble() < loss) {
            return;
        }
        int copies = duplicate > 0 && rnd.nextDouble() < duplicate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = delayNanos + (jitterNanos > 0 ? (long) (rnd.nextDouble() * jitterNanos) : 0);
            queue.add(new InFlight(now + delay, seq++, aToB, bytes));
        }
    }

    /** Advances to the next delivery or timer; false when nothing is scheduled before {@code limit}. */
    public boolean step(long limit) {
        flush();
        long next = Math.min(Math.min(driver.nextTimeoutNanos(a), driver.nextTimeoutNanos(b)),
                queue.isEmpty() ? Long.MAX_VALUE : queue.peek().deliverAt);
        if (next > limit) {
            now = Math.max(now, limit);
            return false;
        }
        now = Math.max(now, next);
        while (!queue.isEmpty() && queue.peek().deliverAt <= now) {
            InFlight datagram = queue.poll();
            driver.handleInput(datagram.toB ? b : a, ByteBuffer.wrap(datagram.bytes), now);
        }
        if (driver.nextTimeoutNanos(a) <= now) {
            driver.handleTimeout(a, now);
        }
        if (driver.nextTimeoutNanos(b) <= now) {
            driver.handleTimeout(b, now);
        }
        flush();
        afterStep.run();
        return true;
    }

    /** Runs until {@code done} holds (true) or {@code maxNanos} of virtual time pass (then whether it holds). */
    public boolean runUntil(BooleanSupplier done, long maxNanos) {
        long limit = now + maxNanos;
        while (!done.getAsBoolean()) {
            if (!step(limit)) {
                return done.getAsBoolean();
            }
        }
        return true;
    }

    public void runFor(long nanos) {
        long limit = now + nanos;
        while (step(limit)) {
            // keep going
        }
    }
}
