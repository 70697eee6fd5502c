package dev.peerlink.cli;

import dev.peerlink.bench.StunLoadGenerator;
import dev.peerlink.stun.transport.SocketAddresses;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Load generators for measuring servers (figures belong in docs/benchmarks.md).",
        subcommands = BenchCommand.Stun.class)
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "stun", mixinStandardHelpOptions = true,
            description = {"Measure STUN Binding responses per second over UDP on one client flow, keeping a window "
                + "of requests in flight; report rate, loss and round-trip times.",
                "Several targets run one after another with the same settings, and a table compares them with the "
                + "first. Only point this at servers you run."},
            footer = {"", "Example (peerlink and coturn side by side):",
                "  peerlink bench stun peerlink=127.0.0.1:3478 coturn=127.0.0.1:3479 --duration 10"})
    static final class Stun implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "[NAME=]HOST:PORT", description = "STUN servers to measure, "
                + "optionally labelled.")
        List<String> targets;

        @Option(names = "--window", paramLabel = "N", description = "Requests in flight (default ${DEFAULT-VALUE}).")
        int window = StunLoadGenerator.Options.DEFAULT_WINDOW;

        @Option(names = "--duration", paramLabel = "SECONDS", description = "Measured time per target (default "
                + "${DEFAULT-VALUE}).")
        double durationSeconds = StunLoadGenerator.Options.DEFAULT_DURATION.toSeconds();

        @Option(names = "--warmup", paramLabel = "SECONDS", description = "Uncounted warm-up per target (default "
                + "${DEFAULT-VALUE}).")
        double warmupSeconds = StunLoadGenerator.Options.DEFAULT_WARMUP.toSeconds();

        @Option(names = "--loss-timeout", paramLabel = "MS", description = "A request unanswered this long is lost "
                + "(default ${DEFAULT-VALUE}).")
        long lossTimeoutMillis = StunLoadGenerator.Options.DEFAULT_LOSS_TIMEOUT.toMillis();

        @Override
        public Integer call() throws UserFacingException {
            List<String> names = new ArrayList<>();
            List<StunLoadGenerator.Options> runs = new ArrayList<>();
            for (String target : targets) {
                int equals = target.indexOf('=');
                String name = equals > 0 ? target.substring(0, equals) : target;
                InetSocketAddress address = HostPort.parse(equals > 0 ? target.substring(equals + 1) : target, 3478)
                        .resolve();
                names.add(name);
                runs.add(new StunLoadGenerator.Options(address, seconds(durationSeconds, "--duration"),
                        seconds(warmupSeconds, "--warmup"), window, Duration.ofMillis(lossTimeoutMillis)));
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<StunLoadGenerator.Result> results = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                err.println("... " + names.get(i));
                StunLoadGenerator.Result result = StunLoadGenerator.run(runs.get(i), line -> err.println("... " + line));
                results.add(result);
                out.println(names.get(i) + ": " + result.summary());
                out.flush();
            }
            if (results.size() > 1) {
                out.println();
                out.println(String.format(Locale.ROOT, "%-20s %14s %8s %10s %10s %8s", "target", "responses/s", "loss",
                        "p50 µs", "p99 µs", "ratio"));
                double base = results.get(0).responsesPerSecond();
                for (int i = 0; i < results.size(); i++) {
                    StunLoadGenerator.Result r = results.get(i);
                    out.println(String.format(Locale.ROOT, "%-20s %,14.0f %7.3f%% %10.0f %10.0f %8s", names.get(i),
                            r.responsesPerSecond(), r.lossPercent(), r.p50RttMicros(), r.p99RttMicros(),
                            base == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", r.responsesPerSecond() / base)));
                }
                out.println("ratio = this target's rate / " + names.get(0) + "'s rate");
            }
            return 0;
        }

        private static Duration seconds(double value, String flag) throws UserFacingException {
            if (Double.isNaN(value) || value < 0 || value > 86_400) {
                throw new UserFacingException(flag + " must be a number of seconds from 0 to 86400, not " + value);
            }
            return Duration.ofMillis(Math.round(value * 1000));
        }
    }
}
