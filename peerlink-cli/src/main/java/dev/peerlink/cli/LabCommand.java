package dev.peerlink.cli;

import dev.peerlink.lab.Impairment;
import dev.peerlink.lab.LabException;
import dev.peerlink.lab.LabIceMatrix;
import dev.peerlink.lab.LabIceMatrix.Outcome;
import dev.peerlink.lab.LabIceMatrix.Path;
import dev.peerlink.lab.LabIceMatrix.Scenario;
import dev.peerlink.lab.LabNode;
import dev.peerlink.lab.LabTopology;
import dev.peerlink.lab.NatKind;
import dev.peerlink.lab.NatTypeResult;
import dev.peerlink.stun.client.NatBehavior.Behavior;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Build the NAT lab — Linux network namespaces on 198.18.0.0/15 with real kernel NATs in front of "
            + "LANs and a STUN server on a lab \"internet\" — and measure each NAT with RFC 5780 discovery. Needs root. "
            + "Everything is torn down at the end, also after a failure or Ctrl-C; nothing can reach another network.",
            "Then runs the traversal matrix: for each pair of NAT kinds, two Java peers (PeerConnection, meeting through "
            + "the lab's signaling server) and then two headless Chromium pages (launched inside the LAN namespaces) "
            + "connect with the lab's STUN and TURN servers (UDP; TLS on 443 where a side is behind the firewall) and "
            + "move a 1 MiB file over a data channel; the path taken is compared with the one RFC 4787/8445 predict "
            + "and the file's SHA-256 is checked on both sides.",
            "Prints both tables and writes them as markdown and HTML. Exits non-zero when a NAT does not behave as "
            + "built, or a scenario fails, takes another path than predicted or damages the file (known gaps excepted; "
            + "without Chromium its rows fail)."},
        footer = {"", "Example:", "  sudo ./peerlink lab --report lab-report"})
final class LabCommand implements Callable<Integer> {
    private static final Duration MEASURE_TIMEOUT = Duration.ofSeconds(60);

    @Spec
    CommandSpec spec;

    @Option(names = "--report", paramLabel = "DIR", description = "Where to write lab-report.md and lab-report.html "
            + "(default: ${DEFAULT-VALUE}).")
    java.nio.file.Path reportDirectory = java.nio.file.Path.of("lab-report");

    @Option(names = "--quick", description = "Measure the NATs only; skip the traversal matrix.")
    boolean quick;

    /** One measured row: what was built, what theory expects, what discovery saw. */
    record Row(String where, String built, String expected, String measured, boolean passed) {
    }

    @Override
    public Integer call() throws LabException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Row> rows = new ArrayList<>();
        List<LabIceMatrix.Result> ice = List.of();
        LabTopology.Builder builder = LabTopology.builder().publicHost("public");
        for (NatKind kind : NatKind.values()) {
            builder.lan(lanName(kind), kind, 1, Impairment.NONE);
        }
        if (!quick) {
            // Second LANs of the kinds paired with themselves (a full-cone LAN has one host), a LAN with two
            // hosts, and a second public host.
            builder.lan(SECOND_FULL, NatKind.FULL_CONE, 1, Impairment.NONE)
                    .lan(SECOND_ADDR, NatKind.ADDRESS_RESTRICTED, 1, Impairment.NONE)
                    .lan(SECOND_PORT, NatKind.PORT_RESTRICTED, 1, Impairment.NONE)
                    .lan(SECOND_SYM, NatKind.SYMMETRIC, 1, Impairment.NONE)
                    .lan(SECOND_FIREWALL, NatKind.FIREWALL_TCP_443, 1, Impairment.NONE)
                    .lan(SAME_LAN, NatKind.PORT_RESTRICTED, 2, Impairment.NONE)
                    .publicHost("public2");
        }
        err.println("... building the lab (namespaces, veths, kernel NAT rules)");
        try (LabTopology lab = builder.build()) {
            err.println("... starting the lab STUN server (RFC 5780) on 198.18.0.2/198.18.0.3");
            lab.startStunServer();
            rows.add(measure(lab, "public host", lab.publicHost("public"), "none", "no NAT", err));
            for (NatKind kind : NatKind.values()) {
                rows.add(measure(lab, "LAN " + kind.label(), lab.lan(lanName(kind)).host(), kind.label(),
                        expected(kind), err));
            }
            if (!quick) {
                err.println("... starting the lab ICE servers (STUN, TURN over UDP, signaling) on 198.18.0.3 and "
                        + "TURN over TLS on 198.18.0.4:443");
                lab.startIceServer();
                ice = LabIceMatrix.run(lab, scenarios(), err);
            }
        }
        printTable(out, rows);
        if (!quick) {
            out.println();
            printIceTable(out, ice);
        }
        Files.createDirectories(reportDirectory);
        java.nio.file.Path markdown = reportDirectory.resolve("lab-report.md");
        java.nio.file.Path html = reportDirectory.resolve("lab-report.html");
        Files.writeString(markdown, markdown(rows, ice));
        Files.writeString(html, html(rows, ice));
        out.println("Report: " + markdown + " and " + html);
        long failed = rows.stream().filter(row -> !row.passed()).count();
        long iceFailed = ice.stream().filter(result -> result.outcome() == Outcome.FAILED).count();
        if (failed > 0) {
            err.println("peerlink lab: " + failed + " of " + rows.size() + " NATs did not behave as built");
        }
        if (iceFailed > 0) {
            err.println("peerlink lab: " + iceFailed + " of " + ice.size() + " matrix rows failed to connect, took "
                    + "another path than predicted or did not move the file intact");
        }
        return failed > 0 || iceFailed > 0 ? 1 : 0;
    }

    private static final String SECOND_FULL = "full2";
    private static final String SECOND_ADDR = "addr2";
    private static final String SECOND_PORT = "port2";
    private static final String SECOND_FIREWALL = "fw2";
    private static final String SECOND_SYM = "sym2";
    private static final String SAME_LAN = "same";

    /**
     * The matrix: both peers on one LAN, a public host against every kind, every kind against itself, and the
     * pairs where a symmetric NAT or the firewall meets something else. Predictions (RFC 4787, RFC 8445): one LAN or
     * two public hosts reach each other's host candidates; a symmetric NAT (new port per destination) against a
     * filter that wants the exact port it sent to (port-restricted, symmetric) leaves only the relay; every other
     * pair punches through with server- or peer-reflexive candidates. The firewall lets only TCP 443 out, so its
     * side must relay over TURN over TLS on 443, as Chromium and peerlink's ICE both do.
     */
    static List<Scenario> scenarios() {
        Function<LabTopology, LabNode> pub = lab -> lab.publicHost("public");
        Function<LabTopology, LabNode> pub2 = lab -> lab.publicHost("public2");
        Function<LabTopology, LabNode> full = lab -> lab.lan(lanName(NatKind.FULL_CONE)).host();
        Function<LabTopology, LabNode> full2 = lab -> lab.lan(SECOND_FULL).host();
        Function<LabTopology, LabNode> addr = lab -> lab.lan(lanName(NatKind.ADDRESS_RESTRICTED)).host();
        Function<LabTopology, LabNode> addr2 = lab -> lab.lan(SECOND_ADDR).host();
        Function<LabTopology, LabNode> port = lab -> lab.lan(lanName(NatKind.PORT_RESTRICTED)).host();
        Function<LabTopology, LabNode> port2 = lab -> lab.lan(SECOND_PORT).host();
        Function<LabTopology, LabNode> sym = lab -> lab.lan(lanName(NatKind.SYMMETRIC)).host();
        Function<LabTopology, LabNode> sym2 = lab -> lab.lan(SECOND_SYM).host();
        Function<LabTopology, LabNode> fw = lab -> lab.lan(lanName(NatKind.FIREWALL_TCP_443)).host();
        Function<LabTopology, LabNode> fw2 = lab -> lab.lan(SECOND_FIREWALL).host();
        Function<LabTopology, LabNode> same1 = lab -> lab.lan(SAME_LAN).hosts().get(0);
        Function<LabTopology, LabNode> same2 = lab -> lab.lan(SAME_LAN).hosts().get(1);
        Optional<String> none = Optional.empty();
        String firewall = NatKind.FIREWALL_TCP_443.label();
        return List.of(
                new Scenario("public × public", "public host", "public host", pub, pub2, Path.HOST, none),
                new Scenario("same LAN", "port-restricted", "same LAN", same1, same2, Path.HOST, none),
                new Scenario("public × full", "public host", "full-cone", pub, full, Path.SRFLX, none),
                new Scenario("public × addr", "public host", "address-restricted", pub, addr, Path.SRFLX, none),
                new Scenario("public × port", "public host", "port-restricted", pub, port, Path.SRFLX, none),
                new Scenario("public × sym", "public host", "symmetric", pub, sym, Path.SRFLX, none),
                new Scenario("full × full", "full-cone", "full-cone", full, full2, Path.SRFLX, none),
                new Scenario("addr × addr", "address-restricted", "address-restricted", addr, addr2, Path.SRFLX,
                        none),
                new Scenario("port × port", "port-restricted", "port-restricted", port, port2, Path.SRFLX, none),
                new Scenario("addr × port", "address-restricted", "port-restricted", addr, port, Path.SRFLX, none),
                new Scenario("full × sym", "full-cone", "symmetric", full, sym, Path.SRFLX, none),
                new Scenario("addr × sym", "address-restricted", "symmetric", addr, sym, Path.SRFLX, none),
                new Scenario("port × sym", "port-restricted", "symmetric", port, sym, Path.RELAY_UDP, none),
                new Scenario("sym × sym", "symmetric", "symmetric", sym, sym2, Path.RELAY_UDP, none),
                new Scenario("firewall × public", firewall, "public host", fw, pub, Path.RELAY_TLS, none),
                new Scenario("firewall × sym", firewall, "symmetric", fw, sym, Path.RELAY_TLS, none),
                new Scenario("firewall × firewall", firewall, firewall, fw, fw2, Path.RELAY_TLS, none));
    }

    /** Lab names are short (they become parts of interface names). */
    private static String lanName(NatKind kind) {
        return "lan" + kind.ordinal();
    }

    /** RFC 4787 terms for what each kind is built to do; the firewall lets no UDP through at all. */
    static String expected(NatKind kind) {
        return switch (kind) {
            case FULL_CONE -> describe(Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT);
            case ADDRESS_RESTRICTED -> describe(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_DEPENDENT);
            case PORT_RESTRICTED -> describe(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT);
            case SYMMETRIC -> describe(Behavior.ADDRESS_AND_PORT_DEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT);
            case FIREWALL_TCP_443 -> "no UDP";
        };
    }

    private static String describe(Behavior mapping, Behavior filtering) {
        return "mapping " + mapping.rfcName() + ", filtering " + filtering.rfcName();
    }

    private static Row measure(LabTopology lab, String where, LabNode host, String built, String expected,
                               PrintWriter err) throws LabException {
        err.println("... measuring " + where);
        NatTypeResult result = lab.discoverNat(host, MEASURE_TIMEOUT);
        String measured;
        if (!result.succeeded()) {
            measured = "no UDP";
        } else if (!result.behindNat()) {
            measured = "no NAT";
        } else {
            measured = describe(result.mapping().orElseThrow(), result.filtering().orElseThrow());
        }
        return new Row(where, built, expected, measured, measured.equals(expected));
    }

    private static void printTable(PrintWriter out, List<Row> rows) {
        String format = "%-28s %-20s %-72s %s%n";
        out.printf(Locale.ROOT, format, "where", "built", "measured (RFC 4787)", "result");
        for (Row row : rows) {
            out.printf(Locale.ROOT, format, row.where(), row.built(), row.measured(),
                    row.passed() ? "ok" : "FAILED (expected " + row.expected() + ")");
        }
    }

    private static void printIceTable(PrintWriter out, List<LabIceMatrix.Result> results) {
        String format = "%-20s %-9s %-19s %-19s %-15s %-15s %-19s %6s  %-12s %s%n";
        out.printf(Locale.ROOT, format, "scenario", "peers", "side A", "side B", "expected path", "path taken",
                "selected pair", "ms", "file SHA-256", "result");
        for (LabIceMatrix.Result result : results) {
            Scenario scenario = result.scenario();
            out.printf(Locale.ROOT, format, scenario.name(), result.peers().label(), scenario.sideA(),
                    scenario.sideB(), scenario.expected().label(), result.takenLabel(), result.pair(),
                    millis(result), result.transfer(), result.outcomeLabel());
        }
        results.stream().filter(result -> result.outcome() != Outcome.OK)
                .forEach(result -> out.println("  " + result.peers().label() + " " + result.scenario().name() + ": "
                        + result.detail()));
    }

    private static String millis(LabIceMatrix.Result result) {
        return result.millis() < 0 ? "—" : String.valueOf(result.millis());
    }

    static String markdown(List<Row> rows, List<LabIceMatrix.Result> ice) {
        StringBuilder text = new StringBuilder("# peerlink NAT lab\n\n| where | built | expected | measured | result |\n"
                + "|---|---|---|---|---|\n");
        for (Row row : rows) {
            text.append("| ").append(row.where()).append(" | ").append(row.built()).append(" | ")
                    .append(row.expected()).append(" | ").append(row.measured()).append(" | ")
                    .append(row.passed() ? "ok" : "**FAILED**").append(" |\n");
        }
        if (!ice.isEmpty()) {
            text.append("\n## Traversal matrix (Java and Chromium peers)\n\n| scenario | peers | side A | side B "
                    + "| expected path | path taken | selected pair (A) | ms to connected | file SHA-256 | result |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|\n");
            for (LabIceMatrix.Result result : ice) {
                Scenario scenario = result.scenario();
                text.append("| ").append(scenario.name()).append(" | ").append(result.peers().label()).append(" | ")
                        .append(scenario.sideA()).append(" | ")
                        .append(scenario.sideB()).append(" | ").append(scenario.expected().label()).append(" | ")
                        .append(result.takenLabel()).append(" | ").append(result.pair()).append(" | ")
                        .append(millis(result)).append(" | ").append(result.transfer()).append(" | ")
                        .append(result.outcome() == Outcome.FAILED ? "**FAILED** (" + result.detail() + ")"
                                : result.outcomeLabel()).append(" |\n");
            }
        }
        return text.toString();
    }

    static String html(List<Row> rows, List<LabIceMatrix.Result> ice) {
        StringBuilder text = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>peerlink NAT lab</title>
                <style>
                body { font-family: system-ui, sans-serif; margin: 2em; }
                table { border-collapse: collapse; margin-bottom: 2em; }
                th, td { border: 1px solid #ccc; padding: .4em .8em; text-align: left; }
                tr.ok td.result { background: #d7f5d7; } tr.failed td.result { background: #f8d0d0; }
                tr.known-gap td.result { background: #fbeec0; }
                </style></head><body>
                <h1>peerlink NAT lab</h1>
                <table><tr><th>where</th><th>built</th><th>expected</th><th>measured</th><th>result</th></tr>
                """);
        for (Row row : rows) {
            text.append("<tr class=\"").append(row.passed() ? "ok" : "failed").append("\"><td>")
                    .append(escape(row.where())).append("</td><td>").append(escape(row.built())).append("</td><td>")
                    .append(escape(row.expected())).append("</td><td>").append(escape(row.measured()))
                    .append("</td><td class=\"result\">").append(row.passed() ? "ok" : "FAILED").append("</td></tr>\n");
        }
        text.append("</table>\n");
        if (!ice.isEmpty()) {
            text.append("<h2>Traversal matrix (Java and Chromium peers)</h2>\n<table><tr><th>scenario</th>"
                    + "<th>peers</th><th>side A</th><th>side B</th><th>expected path</th><th>path taken</th>"
                    + "<th>selected pair (A)</th><th>ms to connected</th><th>file SHA-256</th><th>result</th></tr>\n");
            for (LabIceMatrix.Result result : ice) {
                Scenario scenario = result.scenario();
                String css = switch (result.outcome()) {
                    case OK -> "ok";
                    case FAILED -> "failed";
                    case KNOWN_GAP -> "known-gap";
                };
                text.append("<tr class=\"").append(css).append("\"><td>").append(escape(scenario.name()))
                        .append("</td><td>").append(result.peers().label())
                        .append("</td><td>").append(escape(scenario.sideA())).append("</td><td>")
                        .append(escape(scenario.sideB())).append("</td><td>").append(escape(scenario.expected().label()))
                        .append("</td><td>").append(escape(result.takenLabel())).append("</td><td>")
                        .append(escape(result.pair())).append("</td><td>")
                        .append(millis(result)).append("</td><td>").append(escape(result.transfer()))
                        .append("</td><td class=\"result\" title=\"")
                        .append(escape(result.detail())).append("\">").append(escape(result.outcomeLabel()))
                        .append("</td></tr>\n");
            }
            text.append("</table>\n");
        }
        return text.append("</body></html>\n").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
