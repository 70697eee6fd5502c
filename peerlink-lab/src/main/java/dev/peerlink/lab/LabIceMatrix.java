package dev.peerlink.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The traversal matrix: for each scenario, two Java peers ({@link LabPeer}, through the lab's signaling server) and
 * then two Chromium pages ({@link LabChromium}, signaled by this harness), one in each host, connect with the lab's
 * STUN and TURN servers and move a {@link LabPayload} file over a data channel. The path ICE selected is compared with
 * the one RFC 4787 behaviour predicts (RFC 8445 prefers host over srflx/prflx over relay, so the prediction is the
 * best path the two NATs let through), and both sides must have the file with the right SHA-256. Scenarios run one
 * at a time on one lab, each bounded by {@link #PEER_LIMIT}.
 */
public final class LabIceMatrix {
    /** How long each peer may take to connect and transfer, before it gives up and says why. */
    public static final Duration PEER_LIMIT = Duration.ofSeconds(20);
    /** A known gap is expected to fail: it gets less time. */
    static final Duration KNOWN_GAP_LIMIT = Duration.ofSeconds(8);

    /** The path a connection takes, named by the best candidate type on its selected pair. */
    public enum Path {
        HOST("host"), SRFLX("srflx"), RELAY_UDP("relay over UDP"), RELAY_TCP("relay over TCP"),
        RELAY_TLS("relay over TLS");

        private final String label;

        Path(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /**
         * The path of a selected pair from its two candidate types (host, srflx, prflx, relay; a relayed end may say
         * how it reaches its TURN server: relay-udp, relay-tcp, relay-tls): relay when either end is relayed (over
         * TLS or TCP when either relayed end says so, UDP otherwise), srflx when either end is server- or
         * peer-reflexive (a NAT mapping is in the way), host otherwise.
         */
        public static Path ofPair(String localType, String remoteType) {
            if (localType.equals("relay-tls") || remoteType.equals("relay-tls")) {
                return RELAY_TLS;
            }
            if (localType.equals("relay-tcp") || remoteType.equals("relay-tcp")) {
                return RELAY_TCP;
            }
            if (localType.startsWith("relay") || remoteType.startsWith("relay")) {
                return RELAY_UDP;
            }
            if (localType.endsWith("flx") || remoteType.endsWith("flx")) {
                return SRFLX;
            }
            return HOST;
        }
    }

    /** Who the two peers of a row are. */
    public enum Peers {
        JAVA("Java"), CHROMIUM("Chromium");

        private final String label;

        Peers(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One pairing of two hosts.
     *
     * @param name        what the row is called, e.g. {@code port × sym}
     * @param sideA       the first side, described (e.g. {@code port-restricted})
     * @param sideB       the second side, described
     * @param hostA       picks side A's host from the lab
     * @param hostB       picks side B's host from the lab
     * @param expected    the path predicted
     * @param javaGap     why the scenario is expected to fail today for Java peers, or empty; it never counts as a
     *                    pass (Chromium rows have no known gaps)
     */
    public record Scenario(String name, String sideA, String sideB, Function<LabTopology, LabNode> hostA,
                           Function<LabTopology, LabNode> hostB, Path expected, Optional<String> javaGap) {

        /** A side is behind the TCP-443-only firewall: TURN over TLS is the only way out. */
        public boolean behindFirewall() {
            String firewall = NatKind.FIREWALL_TCP_443.label();
            return sideA.equals(firewall) || sideB.equals(firewall);
        }

        /** The known gap for these peers. */
        public Optional<String> knownGap(Peers peers) {
            return peers == Peers.JAVA ? javaGap : Optional.empty();
        }
    }

    /** What one scenario did. */
    public enum Outcome { OK, FAILED, KNOWN_GAP }

    /**
     * @param peers    Java or Chromium
     * @param taken    the path taken, empty when not connected
     * @param millis   side A's time from starting to connect to connected, or -1
     * @param transfer {@code ok} when both sides had the file with the right SHA-256, {@code failed}, or
     *                 {@code —} when not connected
     * @param detail   both sides' result lines
     */
    public record Result(Scenario scenario, Peers peers, Optional<Path> taken, long millis, String transfer,
                         String detail, Outcome outcome) {
        public String takenLabel() {
            return taken.map(Path::label).orElse("not connected");
        }

        /** Side A's selected pair as LOCAL/REMOTE candidate types (e.g. {@code srflx/prflx}), or {@code —}. */
        public String pair() {
            String lineA = detail.startsWith("A: ") ? detail.substring(3) : "";
            if (!lineA.startsWith(LabPeer.CONNECTED)) {
                return "—";
            }
            return lineA.substring(LabPeer.CONNECTED.length()).split("[ ;]")[0];
        }

        public String outcomeLabel() {
            return switch (outcome) {
                case OK -> "ok";
                case FAILED -> "FAILED";
                case KNOWN_GAP -> "KNOWN-GAP (expected failure: " + scenario.knownGap(peers).orElse("") + ")";
            };
        }
    }

    private LabIceMatrix() {
    }

    /**
     * Runs every scenario, one at a time, in {@code lab}, whose ICE servers must be running: Java peers, then
     * Chromium peers. Without Chromium the Chromium rows fail, saying so.
     */
    public static List<Result> run(LabTopology lab, List<Scenario> scenarios, java.io.PrintWriter progress)
            throws LabException {
        List<Result> results = new ArrayList<>();
        try {
            for (int i = 0; i < scenarios.size(); i++) {
                Scenario scenario = scenarios.get(i);
                int seed = i + 1;
                say(progress, "... Java peers: " + scenario.name());
                results.add(runJava(lab, scenario, "java" + i, seed));
                say(progress, "... Chromium peers: " + scenario.name());
                results.add(LabChromium.run(lab, scenario, seed));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running the matrix", e);
        }
        return results;
    }

    private static void say(java.io.PrintWriter progress, String line) {
        progress.println(line);
        progress.flush();
    }

    private static Result runJava(LabTopology lab, Scenario scenario, String room, int seed)
            throws LabException, InterruptedException {
        String uri = LabTopology.iceSignalingUri().toString();
        Duration limit = scenario.javaGap().isPresent() ? KNOWN_GAP_LIMIT : PEER_LIMIT;
        String seconds = String.valueOf(limit.toSeconds());
        String where = scenario.behindFirewall() ? "firewall" : "open";
        List<String> common = List.of(seconds, String.valueOf(seed), String.valueOf(LabPayload.SIZE), where);
        List<String> argsA = new ArrayList<>(List.of(uri, room, "a", "send"));
        argsA.addAll(common);
        List<String> argsB = new ArrayList<>(List.of(uri, room, "b", "receive"));
        argsB.addAll(common);
        LabProcess b = lab.startJava(scenario.hostB().apply(lab), "Java peer B of " + scenario.name(),
                LabPeer.class.getName(), argsB);
        LabProcess a = lab.startJava(scenario.hostA().apply(lab), "Java peer A of " + scenario.name(),
                LabPeer.class.getName(), argsA);
        // The receiver lingers up to 10 s for the sender's bye; JVM start adds a few seconds.
        Duration wait = limit.plusSeconds(30);
        a.waitFor(wait);
        b.waitFor(wait);
        String lineA = resultLine(a);
        String lineB = resultLine(b);
        a.close();
        b.close();
        return judge(scenario, Peers.JAVA, lineA, lineB);
    }

    private static String resultLine(LabProcess process) {
        return process.output().lines().map(String::strip)
                .filter(line -> line.startsWith(LabPeer.CONNECTED) || line.startsWith(LabPeer.FAILED))
                .reduce((first, second) -> second)
                .orElse(LabPeer.FAILED + "no result line (exit " + exitOf(process) + ")");
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

    /**
     * Compares both sides' result lines with the prediction: side A's selected pair (the nominated one) must be on
     * the predicted path, side B must be connected on the same path (Java) or at all (Chromium, see below), and both
     * must report {@code sha256=ok}. A known gap passes as such only when neither side connected.
     */
    static Result judge(Scenario scenario, Peers peers, String lineA, String lineB) {
        String detail = "A: " + lineA + "; B: " + lineB;
        Optional<Path> takenA = path(lineA);
        Optional<Path> takenB = path(lineB);
        boolean connected = takenA.isPresent() || takenB.isPresent();
        boolean intact = lineA.endsWith(LabPeer.SHA_OK) && lineB.endsWith(LabPeer.SHA_OK);
        String transfer = !connected ? "—" : intact ? "ok" : "failed";
        long millis = millis(lineA);
        Outcome outcome;
        if (scenario.knownGap(peers).isPresent()) {
            outcome = connected ? Outcome.FAILED : Outcome.KNOWN_GAP;
        } else {
            // Side A controls, and the pair it nominates is the connection's selected pair (RFC 8445 §8.1.1).
            // peerlink's controlled side always uses that pair, so both Java sides must name it. Chromium's
            // controlled side may keep sending on a pair of its own choosing for a while, which its getStats then
            // reports: for Chromium, side B must be connected but its path is shown, not judged.
            boolean sidesAgree = peers == Peers.CHROMIUM ? takenB.isPresent() : samePath(takenA, takenB);
            outcome = takenA.isPresent() && sidesAgree && takenA.get() == scenario.expected() && intact
                    ? Outcome.OK : Outcome.FAILED;
        }
        return new Result(scenario, peers, takenA.isPresent() ? takenA : takenB, millis, transfer, detail, outcome);
    }

    /**
     * Whether two sides' views name one path. Only the side whose candidate is relayed knows how it reaches the TURN
     * server, so its peer, which sees a relayed remote candidate, says relay over UDP: any two relay paths agree.
     */
    static boolean samePath(Optional<Path> a, Optional<Path> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return false;
        }
        return a.equals(b) || isRelay(a.get()) && isRelay(b.get());
    }

    private static boolean isRelay(Path path) {
        return path == Path.RELAY_UDP || path == Path.RELAY_TCP || path == Path.RELAY_TLS;
    }

    static Optional<Path> path(String line) {
        if (!line.startsWith(LabPeer.CONNECTED)) {
            return Optional.empty();
        }
        String pair = line.substring(LabPeer.CONNECTED.length()).split(" ")[0];
        String[] types = pair.split("/");
        if (types.length != 2) {
            return Optional.empty();
        }
        return Optional.of(Path.ofPair(types[0].toLowerCase(Locale.ROOT), types[1].toLowerCase(Locale.ROOT)));
    }

    static long millis(String line) {
        int at = line.indexOf(" ms=");
        if (!line.startsWith(LabPeer.CONNECTED) || at < 0) {
            return -1;
        }
        try {
            return Long.parseLong(line.substring(at + 4).split(" ")[0].strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
