package dev.peerlink.bench;

/**
 * A fixed-size log-linear histogram of round-trip times in nanoseconds: 128 linear sub-buckets per power of two,
 * so a percentile is within 0.8% of the recorded value. Recording is an array increment; nothing is allocated.
 * Not thread-safe.
 */
final class RttHistogram {
    private static final int SUB_BITS = 7;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS) * SUB_COUNT;

    private final long[] counts = new long[BUCKETS];
    private long total;

    void record(long nanos) {
        counts[index(Math.max(0, nanos))]++;
        total++;
    }

    long count() {
        return total;
    }

    static int index(long value) {
        if (value < SUB_COUNT) {
            return (int) value;
        }
        int shift = 63 - Long.numberOfLeadingZeros(value) - SUB_BITS; // >= 0
        int sub = (int) (value >>> shift); // in [SUB_COUNT, 2 * SUB_COUNT)
        return (shift + 1) * SUB_COUNT + (sub - SUB_COUNT);
    }

    /** The middle of the values that land in bucket {@code index}. */
    static long representative(int index) {
        if (index < SUB_COUNT) {
            return index;
        }
        int shift = index / SUB_COUNT - 1;
        long lower = (long) (index % SUB_COUNT + SUB_COUNT) << shift;
        return lower + ((1L << shift) - 1) / 2;
    }

    /** The value at percentile {@code p} (0–100] in nanoseconds, or NaN when nothing was recorded. */
    double percentileNanos(double p) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return representative(i);
            }
        }
        return representative(BUCKETS - 1);
    }
}
