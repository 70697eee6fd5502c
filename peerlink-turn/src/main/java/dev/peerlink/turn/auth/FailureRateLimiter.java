package dev.peerlink.turn.auth;

import dev.peerlink.turn.quota.TokenBucket;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits how many 401 answers one source IP address gets: a token bucket per address, in a table of bounded size
 * where the least recently seen address is forgotten first. Every 401 costs the server a nonce MAC and sends a
 * packet larger than the request, so an unlimited stream of unauthenticated requests from one address (or a
 * spoofed victim's) is refused past a burst; a legitimate client needs one 401 per allocation and per stale
 * nonce.
 *
 * <p>The table's bound is what keeps memory fixed under a flood from many addresses; an address evicted and seen
 * again starts with a full bucket, so the bound should exceed the number of sources expected at once. Sans-IO:
 * the caller passes monotonic time. Not thread-safe: one per event loop, or guarded by the caller.
 */
public final class FailureRateLimiter {
    private final int maxSources;
    private final long burst;
    private final long perSecond;
    private final Map<InetAddress, TokenBucket> buckets;

    /**
     * @param burst      401 answers an address may get at once
     * @param perSecond  answers per second it earns back
     * @param maxSources addresses tracked at most
     */
    public FailureRateLimiter(int burst, int perSecond, int maxSources) {
        if (burst < 1 || perSecond < 1 || maxSources < 1) {
            throw new IllegalArgumentException("the 401 rate limit needs a burst, a rate and a table size of at"
                    + " least 1, got " + burst + ", " + perSecond + "/s, " + maxSources);
        }
        this.maxSources = maxSources;
        this.burst = burst;
        this.perSecond = perSecond;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, TokenBucket> eldest) {
                return size() > FailureRateLimiter.this.maxSources;
            }
        };
    }

    /** Whether a 401 may be sent to {@code source} now; if so, it is counted. Otherwise drop the request. */
    public boolean tryAcquire(InetAddress source, long nowNanos) {
        return buckets.computeIfAbsent(source, address -> new TokenBucket(burst, perSecond))
                .tryConsume(1, nowNanos);
    }

    /** How many addresses are tracked, at most {@code maxSources}. */
    public int trackedSources() {
        return buckets.size();
    }
}
