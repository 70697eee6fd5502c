package dev.peerlink.turn.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import org.junit.jupiter.api.Test;

class QuotasTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void userQuotaRefusesTheUsersNextAllocationUntilOneIsReleased() {
        AllocationQuotas quotas = new AllocationQuotas(2, 0);
        assertThat(quotas.tryAcquire("alice")).isTrue();
        assertThat(quotas.tryAcquire("alice")).isTrue();
        assertThat(quotas.tryAcquire("alice")).as("486 Allocation Quota Reached").isFalse();
        assertThat(quotas.tryAcquire("bob")).isTrue();
        quotas.release("alice");
        assertThat(quotas.allocations("alice")).isEqualTo(1);
        assertThat(quotas.tryAcquire("alice")).isTrue();
        assertThat(quotas.total()).isEqualTo(3);
    }

    @Test
    void totalQuotaRefusesEveryoneWhenFull() {
        AllocationQuotas quotas = new AllocationQuotas(0, 2);
        assertThat(quotas.tryAcquire("alice")).isTrue();
        assertThat(quotas.tryAcquire("bob")).isTrue();
        assertThat(quotas.tryAcquire("carol")).isFalse();
        assertThat(quotas.allocations("carol")).isZero();
        quotas.release("bob");
        assertThat(quotas.tryAcquire("carol")).isTrue();
    }

    @Test
    void releasingWhatWasNotAcquiredIsABug() {
        AllocationQuotas quotas = new AllocationQuotas(0, 0);
        assertThatIllegalStateException().isThrownBy(() -> quotas.release("alice"))
                .withMessage("no allocation of alice to release");
        assertThatIllegalArgumentException().isThrownBy(() -> new AllocationQuotas(-1, 0))
                .withMessage("allocation quotas are 0 (unlimited) or more, got user-quota -1 and total-quota 0");
    }

    @Test
    void permissionCap() {
        AllocationLimits limits = new AllocationLimits(2, 0, 0);
        assertThat(limits.mayAddPermission(1)).isTrue();
        assertThat(limits.mayAddPermission(2)).isFalse();
        assertThat(limits.newBandwidthBucket()).isNull();
    }

    @Test
    void bandwidthBucketPassesTheBurstThenTheRate() {
        TokenBucket bucket = new AllocationLimits(100, 100_000, 100_000).newBandwidthBucket();
        long now = 5 * SECOND;
        assertThat(bucket.tryConsume(60_000, now)).isTrue();
        assertThat(bucket.tryConsume(40_000, now)).isTrue();
        assertThat(bucket.tryConsume(1, now)).isFalse();
        assertThat(bucket.tryConsume(1_000, now + SECOND / 100)).isTrue(); // 10 ms earns 1000 bytes
        assertThat(bucket.tryConsume(1, now + SECOND / 100)).isFalse();
        assertThat(bucket.available(now + 10 * SECOND)).isEqualTo(100_000); // never above the burst
        assertThat(bucket.tryConsume(100_001, now + 10 * SECOND)).isFalse();
        assertThat(bucket.available(now + 10 * SECOND)).isEqualTo(100_000); // a refused packet takes nothing
    }

    @Test
    void burstIsNeverSmallerThanOneDatagram() {
        TokenBucket bucket = new AllocationLimits(1, 1000, 0).newBandwidthBucket();
        assertThat(bucket.tryConsume(65_535, 0)).isTrue();
    }

    @Test
    void bucketIsExactForSlowRatesAndSurvivesNanoTimeWrap() {
        TokenBucket bucket = new TokenBucket(1, 3);
        long start = Long.MAX_VALUE - SECOND / 2; // System.nanoTime may be anywhere, even about to wrap
        assertThat(bucket.tryConsume(1, start)).isTrue();
        assertThat(bucket.tryConsume(1, start + SECOND / 3 - 1)).isFalse();
        assertThat(bucket.tryConsume(1, start + SECOND / 3 + 1)).isTrue();
        assertThat(bucket.tryConsume(1, start + SECOND / 3 + 1 - SECOND)).as("time going back earns nothing")
                .isFalse();
    }

    @Test
    void tryConsumeDoesNotAllocate() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        TokenBucket bucket = new TokenBucket(1_000_000, 1_000_000);
        for (int i = 0; i < 20_000; i++) {
            bucket.tryConsume(100, i * 1000L);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int passed = 0;
        for (int i = 0; i < 10_000; i++) {
            passed += bucket.tryConsume(100, 20_000_000L + i * 1000L) ? 1 : 0;
        }
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("passed %d", passed).isLessThan(1024);
    }
}
