package dev.peerlink.netsim;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The cable between one {@link VirtualInterface} and its {@link Segment}. A packet crossing a segment travels down
 * the sender's link and up the receiver's, so its one-way delay is the sum of both links' samples and either link
 * may lose it. Each direction of each crossing is sampled independently from the network's seeded random source;
 * there is no bandwidth or queue model, so jitter larger than the gap between packets reorders them.
 *
 * @param delay           fixed one-way delay
 * @param jitter          extra delay drawn uniformly from [0, jitter] per packet
 * @param lossProbability chance, from 0 to 1, that a packet is lost on this link
 * @param maxPayload      the largest transport payload (UDP datagram or TCP segment) the link carries, 0 for no
 *                        limit: larger packets are dropped, as a router drops a don't-fragment datagram above the
 *                        path MTU (RFC 8899 §3; no ICMP is modelled, so the sender hears nothing)
 */
public record Link(Duration delay, Duration jitter, double lossProbability, int maxPayload) {
    /** No delay, no jitter, no loss. */
    public static final Link IDEAL = new Link(Duration.ZERO, Duration.ZERO, 0);

    /** A link without a size limit. */
    public Link(Duration delay, Duration jitter, double lossProbability) {
        this(delay, jitter, lossProbability, 0);
    }

    public Link {
        if (maxPayload < 0) {
            throw new IllegalArgumentException("a link's largest payload must be 0 (no limit) or more, not "
                    + maxPayload);
        }
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("a link's delay must be zero or more, not " + delay);
        }
        if (jitter == null || jitter.isNegative()) {
            throw new IllegalArgumentException("a link's jitter must be zero or more, not " + jitter);
        }
        if (!(lossProbability >= 0 && lossProbability <= 1)) {
            throw new IllegalArgumentException("a link's loss probability must be from 0 to 1, not " + lossProbability);
        }
    }

    /** A lossless link with a fixed delay. */
    public static Link withDelay(Duration delay) {
        return new Link(delay, Duration.ZERO, 0);
    }

    public Link withJitter(Duration newJitter) {
        return new Link(delay, newJitter, lossProbability, maxPayload);
    }

    public Link withLoss(double newLossProbability) {
        return new Link(delay, jitter, newLossProbability, maxPayload);
    }

    /** The same link, dropping every packet whose payload exceeds {@code bytes} (0: no limit). */
    public Link withMaxPayload(int bytes) {
        return new Link(delay, jitter, lossProbability, bytes);
    }

    boolean tooLarge(Packet packet) {
        return maxPayload > 0 && packet.payload().length > maxPayload;
    }

    boolean loses(RandomGenerator random) {
        // Drawn only when loss is configured, so adding a lossless link does not shift other links' samples.
        return lossProbability > 0 && random.nextDouble() < lossProbability;
    }

    long sampleDelayNanos(RandomGenerator random) {
        long fixed = delay.toNanos();
        long spread = jitter.toNanos();
        return spread == 0 ? fixed : fixed + random.nextLong(spread + 1);
    }
}
