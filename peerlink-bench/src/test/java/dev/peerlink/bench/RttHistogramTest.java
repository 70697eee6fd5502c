package dev.peerlink.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RttHistogramTest {
    @Test
    void bucketsAreContiguousAndRepresentativesStayInTheirBucket() {
        for (long value : new long[] {0, 1, 127, 128, 129, 255, 256, 1_000, 123_456, 1_000_000_000L, Long.MAX_VALUE}) {
            int index = RttHistogram.index(value);
            assertThat(RttHistogram.index(RttHistogram.representative(index))).isEqualTo(index);
            assertThat((double) RttHistogram.representative(index)).isCloseTo(value, within(value / 100.0 + 1));
        }
        for (long value = 0; value < 100_000; value++) {
            assertThat(RttHistogram.index(value + 1) - RttHistogram.index(value)).isBetween(0, 1);
        }
    }

    @Test
    void percentilesAreWithinOnePercent() {
        RttHistogram histogram = new RttHistogram();
        assertThat(histogram.percentileNanos(50)).isNaN();
        for (long micros = 1; micros <= 1000; micros++) {
            histogram.record(micros * 1000);
        }
        assertThat(histogram.count()).isEqualTo(1000);
        assertThat(histogram.percentileNanos(50)).isCloseTo(500_000, within(5_000.0));
        assertThat(histogram.percentileNanos(99)).isCloseTo(990_000, within(9_900.0));
        assertThat(histogram.percentileNanos(100)).isCloseTo(1_000_000, within(10_000.0));
    }
}
