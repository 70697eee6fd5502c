package dev.peerlink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.peerlink.lab.LabTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peerlink lab}: real kernel NATs measured, the table printed, the reports written. Needs root. */
class LabCommandTest {
    @TempDir
    Path reports;

    @Test
    void measuresEveryNatKindAsBuiltAndWritesTheReports() throws Exception {
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
        CliRunner result = CliRunner.run("lab", "--report", reports.toString());
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out())
                .containsPattern("LAN full-cone +full-cone +mapping endpoint-independent, filtering endpoint-independent +ok")
                .containsPattern("LAN address-restricted .* filtering address-dependent +ok")
                .containsPattern("LAN port-restricted .* filtering address-and-port-dependent +ok")
                .containsPattern("LAN symmetric .*mapping address-and-port-dependent, filtering address-and-port-dependent +ok")
                .containsPattern("LAN firewall-tcp-443 .* no UDP +ok")
                .containsPattern("public host .* no NAT +ok");
        assertThat(Files.readString(reports.resolve("lab-report.md"))).contains("| LAN symmetric | symmetric |");
        assertThat(Files.readString(reports.resolve("lab-report.html"))).contains("<tr class=\"ok\">")
                .doesNotContain("<tr class=\"failed\">");
        assertThat(LabTopology.listNamespaces()).noneMatch(name -> name.startsWith(LabTopology.DEFAULT_TAG_PREFIX + "-"
                + ProcessHandle.current().pid() + "-"));
    }
}
