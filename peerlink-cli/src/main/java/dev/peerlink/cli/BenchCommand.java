package dev.peerlink.cli;

import dev.peerlink.bench.DataChannelBenchmark;
import dev.peerlink.bench.IdleSignalingMemory;
import dev.peerlink.bench.SignalingRelayLatency;
import dev.peerlink.bench.StunLoadGenerator;
import dev.peerlink.bench.TurnAllocationMemory;
import dev.peerlink.bench.TurnRelayLoadGenerator;
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
        subcommands = {BenchCommand.Stun.class, BenchCommand.Turn.class, BenchCommand.TurnAllocations.class,
            BenchCommand.Signaling.class, BenchCommand.DataChannels.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Progress lines for stderr, "... " first, flushed so that they show as they come. */
    static java.util.function.Consumer<String> progress(PrintWriter err) {
        return line -> {
            err.println("... " + line);
            err.flush();
        };
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
                StunLoadGenerator.Result result = StunLoadGenerator.run(runs.get(i), progress(err));
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

        static Duration seconds(double value, String flag) throws UserFacingException {
            if (Double.isNaN(value) || value < 0 || value > 86_400) {
                throw new UserFacingException(flag + " must be a number of seconds from 0 to 86400, not " + value);
            }
            return Duration.ofMillis(Math.round(value * 1000));
        }
    }

    @Command(name = "turn", mixinStandardHelpOptions = true,
            description = {"Measure a TURN relay over UDP on one allocation: ChannelData packets of each payload size "
                + "go client -> relay -> local echo peer -> relay -> client with a window in flight; report round "
                + "trips/s, payload Mbit/s each way, loss and round-trip times.",
                "The servers must allow loopback peers. Several targets run one after another; a table compares "
                + "them with the first. Only point this at servers you run, on loopback."},
            footer = {"", "Example:",
                "  peerlink bench turn peerlink=127.0.0.1:3478 coturn=127.0.0.1:3479 --user u:p --payload 100,1200"})
    static final class Turn implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "[NAME=]HOST:PORT", description = "TURN servers (UDP), optionally "
                + "labelled.")
        List<String> targets;

        @Option(names = "--user", required = true, paramLabel = "USER:PASSWORD", description = "Long-term "
                + "credentials.")
        String user;

        @Option(names = "--payload", split = ",", paramLabel = "BYTES", description = "Payload sizes (default "
                + "100,500,1200).")
        List<Integer> payloads = List.of(100, 500, 1200);

        @Option(names = "--window", paramLabel = "N", description = "Packets in flight (default ${DEFAULT-VALUE}).")
        int window = TurnRelayLoadGenerator.Options.DEFAULT_WINDOW;

        @Option(names = "--duration", paramLabel = "SECONDS", description = "Measured time per run (default "
                + "${DEFAULT-VALUE}).")
        double durationSeconds = TurnRelayLoadGenerator.Options.DEFAULT_DURATION.toSeconds();

        @Option(names = "--warmup", paramLabel = "SECONDS", description = "Uncounted warm-up per run (default "
                + "${DEFAULT-VALUE}).")
        double warmupSeconds = TurnRelayLoadGenerator.Options.DEFAULT_WARMUP.toSeconds();

        @Option(names = "--loss-timeout", paramLabel = "MS", description = "A packet not back this long is lost "
                + "(default ${DEFAULT-VALUE}).")
        long lossTimeoutMillis = TurnRelayLoadGenerator.Options.DEFAULT_LOSS_TIMEOUT.toMillis();

        @Override
        public Integer call() throws UserFacingException {
            int colon = user.indexOf(':');
            if (colon <= 0) {
                throw new UserFacingException("--user must be USER:PASSWORD, not a bare name");
            }
            String username = user.substring(0, colon);
            String password = user.substring(colon + 1);
            List<String> names = new ArrayList<>();
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (String target : targets) {
                int equals = target.indexOf('=');
                names.add(equals > 0 ? target.substring(0, equals) : target);
                addresses.add(HostPort.parse(equals > 0 ? target.substring(equals + 1) : target, 3478).resolve());
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<String[]> rows = new ArrayList<>();
            for (int payload : payloads) {
                double base = 0;
                for (int i = 0; i < addresses.size(); i++) {
                    TurnRelayLoadGenerator.Options options;
                    try {
                        options = new TurnRelayLoadGenerator.Options(addresses.get(i), username, password, payload,
                                window, Stun.seconds(durationSeconds, "--duration"),
                                Stun.seconds(warmupSeconds, "--warmup"), Duration.ofMillis(lossTimeoutMillis));
                    } catch (IllegalArgumentException e) {
                        throw new UserFacingException(e.getMessage());
                    }
                    err.println("... " + names.get(i) + ", payload " + payload + " B");
                    TurnRelayLoadGenerator.Result r;
                    try {
                        r = TurnRelayLoadGenerator.run(options, progress(err));
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        throw new UserFacingException(names.get(i) + ": " + e.getMessage());
                    }
                    out.println(names.get(i) + ": " + r.summary());
                    out.flush();
                    if (i == 0) {
                        base = r.packetsPerSecond();
                    }
                    rows.add(new String[] {names.get(i), Integer.toString(payload),
                        String.format(Locale.ROOT, "%,.0f", r.packetsPerSecond()),
                        String.format(Locale.ROOT, "%.1f", r.mbitPerSecond()),
                        String.format(Locale.ROOT, "%.3f%%", r.lossPercent()),
                        String.format(Locale.ROOT, "%.0f", r.p50RttMicros()),
                        String.format(Locale.ROOT, "%.0f", r.p99RttMicros()),
                        base == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", r.packetsPerSecond() / base)});
                }
            }
            out.println();
            out.println(String.format(Locale.ROOT, "%-16s %8s %14s %10s %9s %8s %8s %7s", "target", "payload",
                    "round trips/s", "Mbit/s", "loss", "p50 µs", "p99 µs", "ratio"));
            for (String[] row : rows) {
                out.println(String.format(Locale.ROOT, "%-16s %8s %14s %10s %9s %8s %8s %7s", (Object[]) row));
            }
            out.println("Mbit/s = payload bits one way; each round trip is relayed twice (client->peer, peer->client); "
                    + "ratio = this target's round trips/s / " + names.get(0) + "'s at the same payload");
            return 0;
        }
    }

    @Command(name = "turn-allocations", mixinStandardHelpOptions = true,
            description = {"Measure heap per TURN allocation on an in-process peerlink server: create N UDP "
                + "allocations (one client socket each, closed once allocated) and compare used heap after full "
                + "GCs before and after. Off-heap memory is not counted."})
    static final class TurnAllocations implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--count", paramLabel = "N", description = "Allocations (default ${DEFAULT-VALUE}).")
        int count = 10_000;

        @Option(names = "--server", paramLabel = "HOST:PORT", description = "Measure an external TURN server on "
                + "loopback instead (e.g. coturn): its process's resident set growth, given --pid and --user.")
        String server;

        @Option(names = "--pid", paramLabel = "PID", description = "The external server's process id.")
        long pid;

        @Option(names = "--user", paramLabel = "USER:PASSWORD", description = "The external server's long-term "
                + "credentials.")
        String user;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            if (server != null) {
                if (pid <= 0 || user == null || user.indexOf(':') <= 0) {
                    throw new UserFacingException("--server needs --pid PID and --user USER:PASSWORD");
                }
                int colon = user.indexOf(':');
                TurnAllocationMemory.ExternalResult external;
                try {
                    external = TurnAllocationMemory.runExternal(HostPort.parse(server, 3478).resolve(),
                            user.substring(0, colon), user.substring(colon + 1), pid, count, progress(err));
                } catch (IllegalArgumentException | IllegalStateException | java.io.IOException e) {
                    throw new UserFacingException(e.getMessage());
                }
                spec.commandLine().getOut().println(external.summary());
                return 0;
            }
            TurnAllocationMemory.Result result;
            try {
                result = TurnAllocationMemory.run(count, progress(err));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new UserFacingException(e.getMessage());
            }
            spec.commandLine().getOut().println(result.summary());
            return 0;
        }
    }

    @Command(name = "signaling", mixinStandardHelpOptions = true,
            description = {"Measure heap per idle signaling WebSocket peer on an in-process peerlink server: a child "
                + "JVM opens N peers joined to rooms of up to 16; compare the server JVM's used heap after full GCs "
                + "before and after. Off-heap memory is not counted.",
                "With --latency: relay latency (p50/p99) of candidate-sized signals between pairs of peers at a "
                + "stated rate, clients in the same JVM."})
    static final class Signaling implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--clients", paramLabel = "N", description = "Idle peers (default ${DEFAULT-VALUE}).")
        int clients = 10_000;

        @Option(names = "--latency", description = "Measure relay latency instead: --pairs sender/receiver pairs, "
                + "each sending --rate signals a second for --seconds; prints p50/p99/p99.9/max.")
        boolean latency;

        @Option(names = "--pairs", paramLabel = "N", description = "With --latency: sender/receiver pairs, one "
                + "room each (default ${DEFAULT-VALUE}).")
        int pairs = 100;

        @Option(names = "--rate", paramLabel = "PER_SECOND", description = "With --latency: signals a second per "
                + "pair, 1-40 (default ${DEFAULT-VALUE}).")
        int rate = 20;

        @Option(names = "--seconds", paramLabel = "S", description = "With --latency: how long to measure, after a "
                + "3 s warm-up (default ${DEFAULT-VALUE}).")
        int seconds = 20;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            if (latency) {
                try {
                    spec.commandLine().getOut().println(SignalingRelayLatency.run(pairs, rate, seconds, progress(err)).summary());
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new UserFacingException(e.getMessage());
                }
                return 0;
            }
            IdleSignalingMemory.Result result;
            try {
                result = IdleSignalingMemory.run(clients, progress(err));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new UserFacingException(e.getMessage());
            }
            spec.commandLine().getOut().println(result.summary());
            return 0;
        }
    }

    @Command(name = "datachannel", mixinStandardHelpOptions = true,
            description = {"Measure WebRTC data channels four ways in one run: Java<->Java (two peer connections in "
                + "this JVM on 127.0.0.1), Java->Chromium and Chromium->Java (headless chromium; the first named "
                + "offers and sends) and Chromium<->Chromium (both peers in one page). Connect time is offer created "
                + "-> offerer's channel open (median of --connects; the pairs take turns, one connect each per round); "
                + "throughput is --bytes in --message-size binary "
                + "messages on one reliable ordered channel with bufferedAmount flow control, timed at the receiver. "
                + "Prints a markdown table.",
                "The Chromium pairs need chromium and root (Chromium runs in a network namespace the benchmark "
                + "creates, so no packet leaves the machine)."},
            footer = {"", "Example:",
                "  peerlink bench datachannel --bytes 134217728 --connects 30"})
    static final class DataChannels implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bytes", paramLabel = "N", description = "Bytes to transfer per pair (default "
                + "${DEFAULT-VALUE}).")
        long bytes = DataChannelBenchmark.Options.DEFAULT_BYTES;

        @Option(names = "--message-size", paramLabel = "N", description = "Bytes per message (default "
                + "${DEFAULT-VALUE}).")
        int messageSize = DataChannelBenchmark.Options.DEFAULT_MESSAGE_SIZE;

        @Option(names = "--connects", paramLabel = "N", description = "Timed connects per pair (default "
                + "${DEFAULT-VALUE}).")
        int connects = DataChannelBenchmark.Options.DEFAULT_CONNECTS;

        @Option(names = "--warmup-connects", paramLabel = "N", description = "Uncounted connects per pair before the "
                + "timed ones, so the JIT has compiled that pair's handshake code (default ${DEFAULT-VALUE}; 0 times "
                + "a cold JVM).")
        int warmupConnects = DataChannelBenchmark.Options.DEFAULT_WARMUP_CONNECTS;

        @Option(names = "--warmup-seconds", paramLabel = "SECONDS", description = "Uncounted java-java connects for "
                + "this long before any pair is measured, to warm the JVM up as a long-running one is (default "
                + "${DEFAULT-VALUE}; 0 for none).")
        int warmupSeconds = DataChannelBenchmark.Options.DEFAULT_WARMUP_SECONDS;

        @Option(names = "--pairs", split = ",", paramLabel = "PAIR", description = "Any of java-java, java-chromium, "
                + "chromium-java, chromium-chromium (default: all four).")
        List<String> pairs = List.of("java-java", "java-chromium", "chromium-java", "chromium-chromium");

        @Override
        public Integer call() throws UserFacingException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            DataChannelBenchmark.Options options;
            try {
                options = new DataChannelBenchmark.Options(bytes, messageSize, connects, warmupConnects, warmupSeconds,
                        pairs.stream().map(DataChannelBenchmark.Pair::parse).toList());
            } catch (IllegalArgumentException e) {
                throw new UserFacingException(e.getMessage());
            }
            java.util.Optional<String> unavailable = DataChannelBenchmark.unavailableReason(options.pairs());
            if (unavailable.isPresent()) {
                throw new UserFacingException(unavailable.get());
            }
            List<DataChannelBenchmark.Result> results;
            try {
                results = DataChannelBenchmark.run(options, progress(err));
            } catch (java.io.IOException | IllegalStateException e) {
                throw new UserFacingException("the data-channel benchmark failed: " + e.getMessage());
            }
            out.print(DataChannelBenchmark.table(options, results));
            out.flush();
            boolean intact = results.stream().allMatch(r -> r.transfer().intact());
            return intact ? 0 : 1;
        }
    }
}
