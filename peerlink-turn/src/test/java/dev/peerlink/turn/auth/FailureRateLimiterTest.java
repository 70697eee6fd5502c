package dev.peerlink.turn.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class FailureRateLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void blocksAfterTheBurstAndRecoversAsTimePasses() throws Exception {
        FailureRateLimiter limiter = new FailureRateLimiter(5, 1, 100);
        InetAddress source = InetAddress.getByName("1.1.1.1");
        long now = 123 * SECOND;
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire(source, now)).as("answer %d", i).isTrue();
        }
        assertThat(limiter.tryAcquire(source, now)).isFalse();
        assertThat(limiter.tryAcquire(source, now + SECOND - 1)).isFalse();
        assertThat(limiter.tryAcquire(source, now + SECOND)).isTrue();
        assertThat(limiter.tryAcquire(source, now + SECOND)).isFalse();
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire(source, now + 100 * SECOND)).isTrue(); // refilled, but only to the burst
        }
        assertThat(limiter.tryAcquire(source, now + 100 * SECOND)).isFalse();
    }

    @Test
    void sourcesAreLimitedIndependently() throws Exception {
        FailureRateLimiter limiter = new FailureRateLimiter(1, 1, 100);
        assertThat(limiter.tryAcquire(InetAddress.getByName("1.1.1.1"), 0)).isTrue();
        assertThat(limiter.tryAcquire(InetAddress.getByName("1.1.1.1"), 0)).isFalse();
        assertThat(limiter.tryAcquire(InetAddress.getByName("1.0.0.1"), 0)).isTrue();
    }

    @Test
    void tableStaysBoundedAndForgetsTheLeastRecentlySeen() throws Exception {
        FailureRateLimiter limiter = new FailureRateLimiter(1, 1, 3);
        InetAddress first = InetAddress.getByName("1.1.1.1");
        assertThat(limiter.tryAcquire(first, 0)).isTrue();
        for (int i = 0; i < 1000; i++) {
            limiter.tryAcquire(InetAddress.getByAddress(new byte[] {2, 0, (byte) (i >> 8), (byte) i}), 0);
            assertThat(limiter.trackedSources()).isLessThanOrEqualTo(3);
        }
        assertThat(limiter.tryAcquire(first, 0)).as("evicted, so it starts again with a full bucket").isTrue();
    }

    @Test
    void recentlySeenSourcesAreKeptOverOlderOnes() throws Exception {
        FailureRateLimiter limiter = new FailureRateLimiter(1, 1, 2);
        InetAddress busy = InetAddress.getByName("1.1.1.1");
        assertThat(limiter.tryAcquire(busy, 0)).isTrue();
        limiter.tryAcquire(InetAddress.getByName("2.2.2.2"), 0);
        assertThat(limiter.tryAcquire(busy, 0)).isFalse(); // touched: now the most recent
        limiter.tryAcquire(InetAddress.getByName("3.3.3.3"), 0); // evicts 2.2.2.2, not the busy one
        assertThat(limiter.tryAcquire(busy, 0)).isFalse();
    }

    @Test
    void refusesNonsenseSettings() {
        assertThatIllegalArgumentException().isThrownBy(() -> new FailureRateLimiter(0, 1, 1))
                .withMessage("the 401 rate limit needs a burst, a rate and a table size of at least 1, got 0, 1/s, 1");
    }
}
