package dev.peerlink.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.testkit.ExternalTools;
import dev.peerlink.testkit.NetworkNamespace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The data-channel benchmark with tiny sizes, all four pair kinds in one run: every message must arrive in order
 * and intact at the receiver, and the figures must be positive and finite. Needs Chromium and root (skipped with
 * the reason without them, failed in CI).
 */
class DataChannelBenchmarkTest {

    @Test
    void allFourPairsDeliverEveryByteAndReportFigures() throws Exception {
        ExternalTools.require("chromium", "chromium");
        NetworkNamespace.requireRoot();
        // 1 MiB plus a short last message, so the odd-length tail is checked too.
        long bytes = 1024 * 1024 + 1000;
        int messageSize = 64 * 1024;
        DataChannelBenchmark.Options options = new DataChannelBenchmark.Options(bytes, messageSize, 2, 1,
                List.of(DataChannelBenchmark.Pair.JAVA_JAVA, DataChannelBenchmark.Pair.JAVA_CHROMIUM,
                        DataChannelBenchmark.Pair.CHROMIUM_JAVA, DataChannelBenchmark.Pair.CHROMIUM_CHROMIUM));
        List<String> progress = new ArrayList<>();
        List<DataChannelBenchmark.Result> results = DataChannelBenchmark.run(options, progress::add);

        assertThat(results).extracting(DataChannelBenchmark.Result::pair).containsExactlyElementsOf(options.pairs());
        for (DataChannelBenchmark.Result result : results) {
            DataChannelBenchmark.Transfer transfer = result.transfer();
            assertThat(transfer.problem()).as(result.pair().label()).isNull();
            assertThat(transfer.intact()).isTrue();
            assertThat(transfer.bytes()).as(result.pair().label()).isEqualTo(bytes);
            assertThat(transfer.messages()).isEqualTo(17); // 16 full messages and 1000 bytes
            assertThat(result.connectMillis()).hasSize(2);
            for (double ms : result.connectMillis()) {
                assertThat(ms).as(result.pair().label()).isPositive().isFinite();
            }
            assertThat(result.megabytesPerSecond()).as(result.pair().label()).isPositive().isFinite();
            assertThat(result.cpuSeconds()).as(result.pair().label()).isPositive();
        }
        String table = DataChannelBenchmark.table(options, results);
        System.out.println(table);
        assertThat(table).contains("| java-java |", "| java-chromium |", "| chromium-java |", "| chromium-chromium |",
                "1,049,576 B in 17 messages, in order, intact");
        // The pairs take turns: every pair's first timed connect comes before any pair's second.
        List<Integer> firsts = new java.util.ArrayList<>();
        List<Integer> seconds = new java.util.ArrayList<>();
        for (DataChannelBenchmark.Pair pair : options.pairs()) {
            firsts.add(indexOfLineStarting(progress, pair.label() + " connect 1:"));
            seconds.add(indexOfLineStarting(progress, pair.label() + " connect 2:"));
        }
        assertThat(firsts).doesNotContain(-1);
        assertThat(seconds).doesNotContain(-1);
        assertThat(java.util.Collections.max(firsts)).isLessThan(java.util.Collections.min(seconds));
        // Chromium offers DTLS 1.3 and 1.2; the Java peer is the DTLS server either way (Chromium answers active,
        // Java answers passive), and our server answers DTLS 1.3.
        assertThat(progress).contains("java-chromium: DTLS 1.3 (the page's getStats)",
                "chromium-java: DTLS 1.3 (the page's getStats)");
        assertThat(progress).anyMatch(line -> line.startsWith("chromium-chromium: DTLS "));
        for (String pair : List.of("java-java", "java-chromium", "chromium-java")) {
            assertThat(progress).anyMatch(line -> line.matches(
                    pair + ": the Java peer's SCTP path MTU after the transfer: \\d{4,5} bytes"));
        }
    }

    private static int indexOfLineStarting(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void optionsOutsideTheirRangesAreRefusedWithTheReason() {
        List<DataChannelBenchmark.Pair> all = List.of(DataChannelBenchmark.Pair.JAVA_JAVA);
        assertThatThrownBy(() -> new DataChannelBenchmark.Options(1 << 20, 512 * 1024, 2, 1, all))
                .hasMessageContaining("message size must be from 8 to 262144");
        assertThatThrownBy(() -> new DataChannelBenchmark.Options(100, 1024, 2, 1, all))
                .hasMessageContaining("at least one message");
        assertThatThrownBy(() -> new DataChannelBenchmark.Options(1 << 20, 1024, 0, 1, all))
                .hasMessageContaining("connects must be from 1 to 1000");
        assertThatThrownBy(() -> new DataChannelBenchmark.Options(1 << 20, 1024, 2, -1, all))
                .hasMessageContaining("warm-up connects must be from 0 to 1000");
        assertThatThrownBy(() -> DataChannelBenchmark.Pair.parse("java-firefox"))
                .hasMessageContaining("unknown pair 'java-firefox'");
    }
}
