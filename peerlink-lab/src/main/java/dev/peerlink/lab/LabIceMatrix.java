package dev.peerlink.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The ICE traversal matrix for Java peers: for each scenario, one {@link LabIcePeer} on each side (controlling on
 * side A, controlled on side B) meets the other through the lab's signaling server ({@link LabIceServer}), and the
 * path ICE selected is compared with the one RFC 4787 behaviour predicts (RFC 8445 prefers host over srflx/prflx
 * over relay, so the prediction is the best path the two NATs let through).
 */
public final class LabIceMatrix {
    /** How long each peer may take to connect, before it gives up and says why. */
    public static final Duration PEER_LIMIT = Duration.ofSeconds(20);
    private static final int PARALLEL = 2;

    /** The path a connection takes, named by the best candidate type on its selected pair. */
    public enum Path {
        HOST("host"), SRFLX("srflx"), RELAY_UDP("relay over UDP"), RELAY_TLS("relay over TLS");

        private final String label;

        Path(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /**
         * The path of a selected pair from its two candidate types (host, srflx, prflx, relay): relay when either
         * end is relayed (the lab's ICE uses TURN over UDP only), srflx when either end is server- or
         * peer-reflexive (a NAT mapping is in the way), host otherwise.
         */
        public static Path ofPair(String localType, String remoteType) {
            if (localType.equals("relay") || remoteType.equals("relay")) {
                return RELAY_UDP;
            }
            if (localType.endsWith("flx") || remoteType.endsWith("flx")) {
                return SRFLX;
            }
            return HOST;
        }
    }

    /**
     * One pairing of two hosts.
     *
     * @param name     what the row is called, e.g. {@code port × sym}
     * @param sideA    the first side, described (e.g. {@code port-restricted})
     * @param sideB    the second side, described
     * @param hostA    picks side A's host from the lab
     * @param hostB    picks side B's host from the lab
     * @param expected the path predicted
     * @param knownGap why the scenario is expected to fail today, or empty; it never counts as a pass
     */
    public record Scenario(String name, String sideA, String sideB, Function<LabTopology, LabNode> hostA,
                           Function<LabTopology, LabNode> hostB, Path expected, Optional<String> knownGap) {
    }

    /** What one scenario did. */
    public enum Outcome { OK, FAILED, KNOWN_GAP }

    /**
     * @param taken  the path taken, empty when not connected
     * @param millis side A's time from applying side B's candidates to connected, or -1
     * @param detail both peers' result lines
     */
    public record Result(Scenario scenario, Optional<Path> taken, long millis, String detail, Outcome outcome) {
        public String takenLabel() {
            return taken.map(Path::label).orElse("not connected");
        }

        public String outcomeLabel() {
            return switch (outcome) {
                case OK -> "ok";
                case FAILED -> "FAILED";
                case KNOWN_GAP -> "KNOWN-GAP (expected failure: " + scenario.knownGap().orElse("") + ")";
            };
        }
    }

    private LabIceMatrix() {
    }

    /** Runs every scenario (a few at a time) in {@code lab}, whose ICE server must be running. */
    public static List<Result> run(LabTopology lab, List<Scenario> scenarios, java.io.PrintWriter progress)
            throws LabException {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (int i = 0; i < scenarios.size(); i++) {
                Scenario scenario = scenarios.get(i);
                String room = "ice" + i;
                futures.add(pool.submit(() -> {
                    synchronized (progress) {
                        progress.println("... ICE " + scenario.name());
                        progress.flush();
                    }
                    return runOne(lab, scenario, room);
                }));
            }
            List<Result> results = new ArrayList<>();
            for (Future<Result> future : futures) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof LabException lab1) {
                        throw lab1;
                    }
                    throw new LabException("an ICE scenario failed to run: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LabException("interrupted while running the ICE matrix", e);
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Result runOne(LabTopology lab, Scenario scenario, String room)
            throws LabException, InterruptedException {
        String server = LabTopology.iceServerAddress().getAddress().getHostAddress();
        String port = String.valueOf(LabTopology.iceServerAddress().getPort());
        String seconds = String.valueOf(PEER_LIMIT.toSeconds());
        String uri = LabTopology.iceSignalingUri().toString();
        LabProcess a = lab.startJava(scenario.hostA().apply(lab), "ICE peer A of " + scenario.name(),
                LabIcePeer.class.getName(), List.of(uri, room, "a", "b", "controlling", server, port, seconds));
        LabProcess b = lab.startJava(scenario.hostB().apply(lab), "ICE peer B of " + scenario.name(),
                LabIcePeer.class.getName(), List.of(uri, room, "b", "a", "controlled", server, port, seconds));
        Duration wait = PEER_LIMIT.plusSeconds(30);
        a.waitFor(wait);
        b.waitFor(wait);
        String lineA = resultLine(a);
        String lineB = resultLine(b);
        a.close();
        b.close();
        return judge(scenario, lineA, lineB);
    }

    private static String resultLine(LabProcess process) {
        return process.output().lines().map(String::strip)
                .filter(line -> line.startsWith(LabIcePeer.CONNECTED) || line.startsWith(LabIcePeer.FAILED))
                .reduce((first, second) -> second)
                .orElse(LabIcePeer.FAILED + "no result line (exit " + exitOf(process) + ")");
    }

    private static String exitOf(LabProcess process) {
        try {
            int code = process.waitFor(Duration.ZERO);
            return code < 0 ? "still running" : String.valueOf(code);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Compares both peers' result lines with the prediction; both must connect on the predicted path. */
    static Result judge(Scenario scenario, String lineA, String lineB) {
        String detail = "A: " + lineA + "; B: " + lineB;
        Optional<Path> takenA = path(lineA);
        Optional<Path> takenB = path(lineB);
        long millis = millis(lineA);
        Outcome outcome;
        if (scenario.knownGap().isPresent()) {
            outcome = takenA.isEmpty() && takenB.isEmpty() ? Outcome.KNOWN_GAP : Outcome.FAILED;
        } else {
            outcome = takenA.isPresent() && takenA.equals(takenB) && takenA.get() == scenario.expected()
                    ? Outcome.OK : Outcome.FAILED;
        }
        return new Result(scenario, takenA.isPresent() ? takenA : takenB, millis, detail, outcome);
    }

    static Optional<Path> path(String line) {
        if (!line.startsWith(LabIcePeer.CONNECTED)) {
            return Optional.empty();
        }
        String pair = line.substring(LabIcePeer.CONNECTED.length()).split(" ")[0];
        String[] types = pair.split("/");
        if (types.length != 2) {
            return Optional.empty();
        }
        return Optional.of(Path.ofPair(types[0].toLowerCase(Locale.ROOT), types[1].toLowerCase(Locale.ROOT)));
    }

    static long millis(String line) {
        int at = line.indexOf(" ms=");
        if (!line.startsWith(LabIcePeer.CONNECTED) || at < 0) {
            return -1;
        }
        try {
            return Long.parseLong(line.substring(at + 4).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
