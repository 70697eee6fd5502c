package dev.peerlink.turn.quota;

/**
 * A token bucket: holds at most {@code capacity} tokens, earns {@code perSecond} a second, and a consumer may take
 * tokens while there are enough. Used in bytes for a per-allocation bandwidth cap and in answers for rate limits.
 * Sans-IO and allocation-free: time is passed in as monotonic nanoseconds (System.nanoTime or a virtual clock).
 * Not thread-safe.
 *
 * <p>Tokens are counted in billionths so that refills of less than one token a nanosecond stay exact in integers.
 */
public final class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Keeps {@code capacity * 1e9} within a long. */
    public static final long MAX_CAPACITY = Long.MAX_VALUE / NANOS_PER_SECOND;

    private final long capacityNanoTokens;
    private final long perSecond;
    private final long nanosToFill;
    private long nanoTokens;
    private long lastNanos;
    private boolean started;

    /** A full bucket. */
    public TokenBucket(long capacity, long perSecond) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("a token bucket holds 1–" + MAX_CAPACITY + " tokens, not " + capacity);
        }
        if (perSecond < 1) {
            throw new IllegalArgumentException("a token bucket must refill at least 1 token a second, not "
                    + perSecond);
        }
        this.capacityNanoTokens = capacity * NANOS_PER_SECOND;
        this.perSecond = perSecond;
        this.nanosToFill = capacityNanoTokens / perSecond;
        this.nanoTokens = capacityNanoTokens;
    }

    /** Takes {@code amount} tokens if the bucket holds that many at {@code nowNanos}; otherwise takes none. */
    public boolean tryConsume(long amount, long nowNanos) {
        refill(nowNanos);
        if (amount < 0 || amount > MAX_CAPACITY) {
            return false;
        }
        long needed = amount * NANOS_PER_SECOND;
        if (needed > nanoTokens) {
            return false;
        }
        nanoTokens -= needed;
        return true;
    }

    /** Whole tokens available at {@code nowNanos}. */
    public long available(long nowNanos) {
        refill(nowNanos);
        return nanoTokens / NANOS_PER_SECOND;
    }

    private void refill(long nowNanos) {
        if (!started) {
            started = true;
            lastNanos = nowNanos;
            return;
        }
        long elapsed = nowNanos - lastNanos; // overflow-safe difference, as System.nanoTime requires
        if (elapsed <= 0) {
            return;
        }
        lastNanos = nowNanos;
        // Past the time to fill, the bucket is full; below it elapsed * perSecond < capacity * 1e9 cannot overflow.
        nanoTokens = elapsed >= nanosToFill ? capacityNanoTokens
                : Math.min(capacityNanoTokens, nanoTokens + elapsed * perSecond);
    }
}
