package dev.peerlink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.peerlink.lab.LabIceMatrix.Path;
import dev.peerlink.lab.LabIceMatrix.Scenario;
import dev.peerlink.lab.LabTopology;
import dev.peerlink.testkit.ExternalTools;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code peerlink lab}: real kernel NATs measured, the traversal matrix run with Java and Chromium peers (each row
 * moving a file, SHA-256 checked), both tables printed, the reports written. Needs root and Chromium.
 */
class LabCommandTest {
    @TempDir
    java.nio.file.Path reports;

    @Test
    void theMatrixCoversEveryPairThatMatters() {
        List<String> names = LabCommand.scenarios().stream().map(Scenario::name).toList();
        assertThat(names).contains("same LAN", "public × public", "public × full", "public × addr", "public × port",
                "public × sym", "full × full", "addr × addr", "port × port", "sym × sym", "firewall × firewall",
                "full × sym", "port × sym", "firewall × public", "firewall × sym").doesNotHaveDuplicates();
        for (Scenario scenario : LabCommand.scenarios()) {
            // Only rows behind the firewall need TURN over TLS; no row is a known gap any more.
            assertThat(scenario.expected() == Path.RELAY_TLS).as(scenario.name()).isEqualTo(scenario.behindFirewall());
            assertThat(scenario.javaGap()).as(scenario.name()).isEmpty();
        }
    }

    @Test
    void measuresEveryNatKindAsBuiltRunsTheMatrixAndWritesTheReports() throws Exception {
        var missing = LabTopology.missingPrivilege();
        if (missing.isPresent()) {
            CliRunner refused = CliRunner.run("lab", "--report", reports.toString());
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.err().strip()).startsWith("peerlink lab: ").doesNotContain("\n");
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("the NAT lab needs root, and CI runs as root: " + missing.get());
            }
            System.out.println("SKIPPED: " + missing.get());
            Assumptions.abort(missing.get());
        }
        ExternalTools.require("chromium", "chromium");
        CliRunner result = CliRunner.run("lab", "--report", reports.toString());
        System.out.println(result.out());
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out())
                .containsPattern("LAN full-cone +full-cone +mapping endpoint-independent, filtering endpoint-independent +ok")
                .containsPattern("LAN address-restricted .* filtering address-dependent +ok")
                .containsPattern("LAN port-restricted .* filtering address-and-port-dependent +ok")
                .containsPattern("LAN symmetric .*mapping address-and-port-dependent, filtering address-and-port-dependent +ok")
                .containsPattern("LAN firewall-tcp-443 .* no UDP +ok")
                .containsPattern("public host .* no NAT +ok");
        // Every row on its predicted path with the file intact, for Java and for Chromium.
        for (Scenario scenario : LabCommand.scenarios()) {
            String sides = Pattern.quote(scenario.sideA()) + " +" + Pattern.quote(scenario.sideB()) + " +"
                    + Pattern.quote(scenario.expected().label()) + " +";
            String path = Pattern.quote(scenario.expected().label()) + " +[a-z-]+/[a-z-]+ +\\d+ +ok +ok";
            assertThat(result.out()).containsPattern(Pattern.quote(scenario.name()) + " +Chromium +" + sides + path)
                    .containsPattern(Pattern.quote(scenario.name()) + " +Java +" + sides + path);
        }
        assertThat(result.out()).containsPattern("firewall × public +Chromium +firewall-tcp-443 +public host +"
                        + "relay over TLS +relay over TLS +relay-tls/[a-z]+ +\\d+ +ok +ok")
                .containsPattern("firewall × public +Java +firewall-tcp-443 +public host +"
                        + "relay over TLS +relay over TLS +relay-tls/[a-z]+ +\\d+ +ok +ok")
                .containsPattern("sym × sym +Java +symmetric +symmetric +relay over UDP +relay over UDP +"
                        + "(relay/[a-z]+|[a-z]+/relay) +\\d+ +ok +ok")
                .doesNotContain("FAILED");
        String markdown = Files.readString(reports.resolve("lab-report.md"));
        assertThat(markdown).contains("| LAN symmetric | symmetric |")
                .contains("## Traversal matrix (Java and Chromium peers)")
                .containsPattern("\\| sym × sym \\| Chromium \\| symmetric \\| symmetric \\| relay over UDP \\| "
                        + "relay over UDP \\| [a-z-]+/[a-z-]+ \\| \\d+ \\| ok \\| ok \\|")
                .containsPattern("\\| firewall × public \\| Java \\| firewall-tcp-443 \\| public host \\| relay over TLS \\| "
                        + "relay over TLS \\| relay-tls/[a-z]+ \\| \\d+ \\| ok \\| ok \\|");
        assertThat(Files.readString(reports.resolve("lab-report.html"))).contains("<tr class=\"ok\">")
                .contains("<h2>Traversal matrix (Java and Chromium peers)</h2>")
                .contains("<tr class=\"ok\"><td>firewall × public</td><td>Java</td>")
                .contains("<tr class=\"ok\"><td>firewall × public</td><td>Chromium</td>")
                .doesNotContain("<tr class=\"failed\">");
        assertThat(LabTopology.listNamespaces()).noneMatch(name -> name.startsWith(LabTopology.DEFAULT_TAG_PREFIX + "-"
                + Long.toString(ProcessHandle.current().pid(), 36) + "-"));
    }
}
