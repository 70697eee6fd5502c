package dev.peerlink.lab;

import java.time.Duration;

/**
 * Trouble added on a router's WAN link, in both directions: a fixed delay, jitter around it, and random loss.
 * Delay and jitter need the kernel's netem queueing discipline; loss alone works without it (an nftables
 * {@code numgen random} drop), so kernels built without netem can still run lossy scenarios.
 *
 * @param delay        one-way delay added to each direction; zero for none
 * @param jitter       random variation around {@code delay}; zero for none, at most {@code delay}
 * @param lossPercent  share of packets dropped in each direction, 0 to 100
 */
public record Impairment(Duration delay, Duration jitter, double lossPercent) {
    public static final Impairment NONE = new Impairment(Duration.ZERO, Duration.ZERO, 0);

    public Impairment {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("an impairment's delay must be zero or more, not " + delay);
        }
        if (jitter == null || jitter.isNegative() || jitter.compareTo(delay) > 0) {
            throw new IllegalArgumentException("an impairment's jitter must be between zero and its delay ("
                    + delay.toMillis() + " ms), not " + (jitter == null ? null : jitter.toMillis() + " ms"));
        }
        if (!(lossPercent >= 0 && lossPercent <= 100)) {
            throw new IllegalArgumentException("an impairment's loss must be between 0 and 100 percent, not "
                    + lossPercent);
        }
    }

    public static Impairment delay(Duration delay, Duration jitter) {
        return new Impairment(delay, jitter, 0);
    }

    public static Impairment loss(double percent) {
        return new Impairment(Duration.ZERO, Duration.ZERO, percent);
    }

    public Impairment withLoss(double percent) {
        return new Impairment(delay, jitter, percent);
    }

    public boolean isNone() {
        return delay.isZero() && jitter.isZero() && lossPercent == 0;
    }

    public boolean needsNetem() {
        return !delay.isZero() || !jitter.isZero();
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        if (!delay.isZero()) {
            text.append("delay ").append(delay.toMillis()).append(" ms");
            if (!jitter.isZero()) {
                text.append(" ± ").append(jitter.toMillis()).append(" ms");
            }
        }
        if (lossPercent > 0) {
            text.append(text.isEmpty() ? "" : ", ").append("loss ").append(lossPercent).append(" %");
        }
        return text.toString();
    }
}
