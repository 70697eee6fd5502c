package dev.peerlink.cli;

import dev.peerlink.lab.Impairment;
import dev.peerlink.lab.LabException;
import dev.peerlink.lab.LabNode;
import dev.peerlink.lab.LabTopology;
import dev.peerlink.lab.NatKind;
import dev.peerlink.lab.NatTypeResult;
import dev.peerlink.stun.client.NatBehavior.Behavior;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "lab", mixinStandardHelpOptions = true,
        description = {"Build the NAT lab — Linux network namespaces on 198.18.0.0/15 with real kernel NATs in front of "
            + "LANs and a STUN server on a lab \"internet\" — and measure each NAT with RFC 5780 discovery. Needs root. "
            + "Everything is torn down at the end, also after a failure or Ctrl-C; nothing can reach another network.",
            "Prints a table and writes it as markdown and HTML. Exits non-zero when a NAT does not behave as built."},
        footer = {"", "Example:", "  sudo ./peerlink lab --report lab-report"})
final class LabCommand implements Callable<Integer> {
    private static final Duration MEASURE_TIMEOUT = Duration.ofSeconds(60);

    @Spec
    CommandSpec spec;

    @Option(names = "--report", paramLabel = "DIR", description = "Where to write lab-report.md and lab-report.html "
            + "(default: ${DEFAULT-VALUE}).")
    Path reportDirectory = Path.of("lab-report");

    /** One measured row: what was built, what theory expects, what discovery saw. */
    record Row(String where, String built, String expected, String measured, boolean passed) {
    }

    @Override
    public Integer call() throws LabException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Row> rows = new ArrayList<>();
        LabTopology.Builder builder = LabTopology.builder().publicHost("public");
        for (NatKind kind : NatKind.values()) {
            builder.lan(lanName(kind), kind, 1, Impairment.NONE);
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
        }
        printTable(out, rows);
        Files.createDirectories(reportDirectory);
        Path markdown = reportDirectory.resolve("lab-report.md");
        Path html = reportDirectory.resolve("lab-report.html");
        Files.writeString(markdown, markdown(rows));
        Files.writeString(html, html(rows));
        out.println("Report: " + markdown + " and " + html);
        long failed = rows.stream().filter(row -> !row.passed()).count();
        if (failed > 0) {
            err.println("peerlink lab: " + failed + " of " + rows.size() + " NATs did not behave as built");
            return 1;
        }
        return 0;
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

    static String markdown(List<Row> rows) {
        StringBuilder text = new StringBuilder("# peerlink NAT lab\n\n| where | built | expected | measured | result |\n"
                + "|---|---|---|---|---|\n");
        for (Row row : rows) {
            text.append("| ").append(row.where()).append(" | ").append(row.built()).append(" | ")
                    .append(row.expected()).append(" | ").append(row.measured()).append(" | ")
                    .append(row.passed() ? "ok" : "**FAILED**").append(" |\n");
        }
        return text.toString();
    }

    static String html(List<Row> rows) {
        StringBuilder text = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>peerlink NAT lab</title>
                <style>
                body { font-family: system-ui, sans-serif; margin: 2em; }
                table { border-collapse: collapse; }
                th, td { border: 1px solid #ccc; padding: .4em .8em; text-align: left; }
                tr.ok td.result { background: #d7f5d7; } tr.failed td.result { background: #f8d0d0; }
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
        return text.append("</table></body></html>\n").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
