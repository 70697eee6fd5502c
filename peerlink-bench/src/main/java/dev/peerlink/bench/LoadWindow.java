package dev.peerlink.bench;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMessageType;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The transport-independent heart of the load generator: a window of request slots, the run's phases
 * (warm-up, measurement, drain) and the counters. A driver owns one instance and calls it from one thread.
 *
 * <p>Transaction ids (RFC 8489 §5): the first 8 bytes are a random 32-bit run tag followed by the low 32 bits of a
 * sequence number; the last 4 are the slot index. Matching a response is a bounds check and two array reads.
 * Outstanding slots form an intrusive doubly-linked list in send order; since every request has the same loss
 * timeout, the oldest is at the head and expiring is O(expired). Nothing on the per-packet path allocates.
 */
final class LoadWindow {
    static final int REQUEST_LENGTH = StunMessageReader.HEADER_LENGTH; // a Binding request with no attributes
    private static final int BINDING_REQUEST = StunMessageType.of(StunMethod.BINDING, StunClass.REQUEST);
    private static final int BINDING_SUCCESS = StunMessageType.of(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE);
    private static final long PROGRESS_INTERVAL_NANOS = 1_000_000_000L;

    private enum Phase { WARMUP, MEASURING, DRAINING, DONE }

    private final StunLoadGenerator.Options options;
    private final Consumer<String> progress;
    private final int window;
    private final long lossTimeoutNanos;
    private final int runTag = ThreadLocalRandom.current().nextInt();
    private final StunMessageWriter writer = new StunMessageWriter();
    private final StunMessageReader reader = new StunMessageReader();
    private final RttHistogram rtt = new RttHistogram();

    // Per slot.
    private final long[] sentAt;
    private final int[] sequence;
    private final boolean[] inFlight;
    private final boolean[] counted;
    private final int[] prev;
    private final int[] next;
    private int head = -1;
    private int tail = -1;
    private final int[] free;
    private int freeCount;

    private long nextSequence;
    private Phase phase = Phase.WARMUP;
    private final long warmupEnd;
    private final long measureEnd;
    private final long drainEnd;
    private long measureStartedAt;
    private long measuredNanos;

    // Measured counters: requests sent after warm-up, and what became of them.
    private long sent;
    private long received;
    private long lost;
    private long unmatched;
    private long invalid;
    private int countedInFlight;
    // All matched responses, warm-up included, for progress lines.
    private long answeredAll;
    private long lastProgressAt;
    private long lastProgressAnswered;
    private long nextProgressAt;
    private Phase lastProgressPhase = Phase.WARMUP;

    LoadWindow(StunLoadGenerator.Options options, Consumer<String> progress, long startNanos) {
        this.options = options;
        this.progress = progress;
        this.window = options.window();
        this.lossTimeoutNanos = options.lossTimeout().toNanos();
        this.sentAt = new long[window];
        this.sequence = new int[window];
        this.inFlight = new boolean[window];
        this.counted = new boolean[window];
        this.prev = new int[window];
        this.next = new int[window];
        this.free = new int[window];
        for (int slot = window - 1; slot >= 0; slot--) {
            free[freeCount++] = slot;
        }
        this.warmupEnd = startNanos + options.warmup().toNanos();
        this.measureEnd = warmupEnd + options.duration().toNanos();
        this.drainEnd = measureEnd + lossTimeoutNanos;
        this.lastProgressAt = startNanos;
        this.nextProgressAt = startNanos + PROGRESS_INTERVAL_NANOS;
    }

    // ---- sending ----

    /** Takes a free slot for the next request, or returns -1 when the window is full or sending is over. */
    int acquire() {
        if (freeCount == 0 || phase == Phase.DRAINING || phase == Phase.DONE) {
            return -1;
        }
        return free[--freeCount];
    }

    /**
     * Writes the request for {@code slot} at {@code dst}'s position ({@value #REQUEST_LENGTH} bytes). Follow with
     * {@link #commit} once the socket took it, or {@link #abandon} if it did not.
     */
    void encode(int slot, ByteBuffer dst) {
        long high = ((long) runTag << 32) | (nextSequence & 0xFFFF_FFFFL);
        writer.begin(dst, BINDING_REQUEST, high, slot);
        writer.finish();
    }

    void commit(int slot, long now) {
        sequence[slot] = (int) nextSequence++;
        sentAt[slot] = now;
        inFlight[slot] = true;
        boolean measured = phase == Phase.MEASURING;
        counted[slot] = measured;
        if (measured) {
            sent++;
            countedInFlight++;
        }
        prev[slot] = tail;
        next[slot] = -1;
        if (tail >= 0) {
            next[tail] = slot;
        } else {
            head = slot;
        }
        tail = slot;
    }

    /** The socket did not take the request prepared for {@code slot}. */
    void abandon(int slot) {
        free[freeCount++] = slot;
    }

    // ---- receiving ----

    /** Handles one datagram that fills {@code packet} from its position to its limit. */
    void onResponse(ByteBuffer packet, long now) {
        boolean measuring = phase != Phase.WARMUP;
        if (reader.wrap(packet) != StunParseStatus.OK) {
            if (measuring) {
                invalid++;
            }
            return;
        }
        long high = reader.transactionIdHigh();
        int slot = reader.transactionIdLow();
        if ((int) (high >>> 32) != runTag || slot < 0 || slot >= window || !inFlight[slot]
                || sequence[slot] != (int) high) {
            if (measuring) {
                unmatched++; // late (already counted lost), duplicated, or not ours
            }
            return;
        }
        // RFC 8489 §7.3.3: a Binding success response carries XOR-MAPPED-ADDRESS. Anything else (an error
        // response, a wrong method) leaves the request unanswered: it will count as lost.
        if (reader.messageType() != BINDING_SUCCESS || !reader.has(StunAttributeType.XOR_MAPPED_ADDRESS)) {
            if (measuring) {
                invalid++;
            }
            return;
        }
        answeredAll++;
        if (counted[slot]) {
            received++;
            countedInFlight--;
            rtt.record(now - sentAt[slot]);
        }
        release(slot);
    }

    private void release(int slot) {
        inFlight[slot] = false;
        int p = prev[slot];
        int n = next[slot];
        if (p >= 0) {
            next[p] = n;
        } else {
            head = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            tail = p;
        }
        free[freeCount++] = slot;
    }

    // ---- time ----

    /** Moves the phases on, expires lost requests and prints progress. Returns true once the run is over. */
    boolean tick(long now) {
        if (phase == Phase.WARMUP && now - warmupEnd >= 0) {
            phase = Phase.MEASURING;
            measureStartedAt = now;
        }
        if (phase == Phase.MEASURING && now - measureEnd >= 0) {
            phase = Phase.DRAINING;
            measuredNanos = now - measureStartedAt;
        }
        expire(now);
        if (phase == Phase.DRAINING && (countedInFlight == 0 || now - drainEnd >= 0)) {
            lost += countedInFlight; // unreachable unless the loop stalled past the drain deadline
            countedInFlight = 0;
            phase = Phase.DONE;
        }
        if (now - nextProgressAt >= 0 && phase != Phase.DONE) {
            reportProgress(now);
        }
        return phase == Phase.DONE;
    }

    void expire(long now) {
        while (head >= 0 && now - sentAt[head] >= lossTimeoutNanos) {
            int slot = head;
            if (counted[slot]) {
                lost++;
                countedInFlight--;
            }
            release(slot);
        }
    }

    /** When {@link #tick} next has something to do, for drivers that sleep. */
    long nextDeadline() {
        long deadline = nextProgressAt;
        deadline = earlier(deadline, switch (phase) {
            case WARMUP -> warmupEnd;
            case MEASURING -> measureEnd;
            default -> drainEnd;
        });
        if (head >= 0) {
            deadline = earlier(deadline, sentAt[head] + lossTimeoutNanos);
        }
        return deadline;
    }

    private static long earlier(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    boolean isDone() {
        return phase == Phase.DONE;
    }

    private void reportProgress(long now) {
        double seconds = (now - lastProgressAt) / 1e9;
        double rate = (answeredAll - lastProgressAnswered) / seconds;
        lastProgressAt = now;
        lastProgressAnswered = answeredAll;
        while (nextProgressAt - now <= 0) {
            nextProgressAt += PROGRESS_INTERVAL_NANOS;
        }
        // Label the interval by the phase it started in: the rate covers the last second.
        String label = switch (lastProgressPhase) {
            case WARMUP -> "warm-up";
            case MEASURING -> "measuring";
            default -> "draining";
        };
        lastProgressPhase = phase;
        progress.accept(String.format(Locale.ROOT, "%-9s %,12.0f responses/s   sent %,d  received %,d  lost %,d",
                label, rate, sent, received, lost));
    }

    StunLoadGenerator.Result result() {
        double seconds = measuredNanos / 1e9;
        return new StunLoadGenerator.Result(
                options.target(), sent, received, lost,
                seconds > 0 ? received / seconds : 0.0,
                sent == 0 ? 100.0 : 100.0 * lost / sent,
                rtt.percentileNanos(50) / 1000.0,
                rtt.percentileNanos(99) / 1000.0,
                Duration.ofNanos(measuredNanos),
                unmatched, invalid);
    }

}
