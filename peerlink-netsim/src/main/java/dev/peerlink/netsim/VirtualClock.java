package dev.peerlink.netsim;

import java.time.Duration;

/**
 * Time on a {@link VirtualNetwork}: nanoseconds since the network was made, starting at 0. Only the network's event
 * loop moves it forward, so a test's notion of "now" never depends on how fast the machine is.
 */
public final class VirtualClock {
    private long nowNanos;

    VirtualClock() {
    }

    /** Nanoseconds since the network started; the value every sans-IO core gets as {@code nowNanos}. */
    public long nowNanos() {
        return nowNanos;
    }

    /** The same instant as a duration since the start, for readable assertions. */
    public Duration elapsed() {
        return Duration.ofNanos(nowNanos);
    }

    void advanceTo(long nanos) {
        if (nanos < nowNanos) {
            throw new IllegalStateException(
                    "the virtual clock cannot go back from " + nowNanos + " ns to " + nanos + " ns");
        }
        nowNanos = nanos;
    }
}
