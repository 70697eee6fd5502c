package dev.peerlink.signaling.hub;

/**
 * A token bucket for one connection, kept as a single number: the generic cell rate algorithm's "theoretical
 * arrival time". A message is allowed when it would not put that time more than {@code burst - 1} intervals
 * ahead of now; each allowed message moves it one interval on.
 */
final class MessageRate {
    private final long intervalNanos;
    private final long toleranceNanos;
    private long theoreticalArrivalNanos;

    MessageRate(int perSecond, int burst, long nowNanos) {
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.toleranceNanos = intervalNanos * (burst - 1L);
        this.theoreticalArrivalNanos = nowNanos;
    }

    boolean tryAcquire(long nowNanos) {
        long arrival = Math.max(theoreticalArrivalNanos, nowNanos);
        if (arrival - nowNanos > toleranceNanos) {
            return false;
        }
        theoreticalArrivalNanos = arrival + intervalNanos;
        return true;
    }
}
