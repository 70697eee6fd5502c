package dev.peerlink.cli;

import dev.peerlink.testkit.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line: what users see when things work, and one clear line when they don't. */
class CliTest {
    private static final InetAddress LOOPBACK = TestPorts.loopback("127.0.0.1");

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"", "server", "stun", "nat-type", "bench", "bench stun", "bench turn",
        "bench turn-allocations", "bench signaling"})
    void everyCommandHasHelp(String command) {
        List<String> args = new java.util.ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--help");
        CliRunner result = CliRunner.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: peerlink" + (command.isEmpty() ? "" : " " + command));
    }

    @Test
    void benchStunComparesTargetsInOneTable() throws Exception {
        int port = TestPorts.free(LOOPBACK);
        try (PeerlinkServer server = PeerlinkServer.start(new ServerConfig(List.of("127.0.0.1"), port, 0, 0, null,
                null, false, false, true, true, "peerlink"))) {
            CliRunner result = CliRunner.run("bench", "stun", "first=127.0.0.1:" + port, "again=127.0.0.1:" + port,
                    "--duration", "0.3", "--warmup", "0.1", "--window", "8");
            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out()).containsPattern("first: 127\\.0\\.0\\.1:" + port + ": [\\d,]+ responses/s")
                    .containsPattern("\\nfirst +[\\d,]+ +0\\.000% .* 1\\.00\\R")
                    .contains("ratio = this target's rate / first's rate");
            assertThat(result.out().lines().filter(line -> line.startsWith("again: "))).hasSize(1);
        }
        assertOneLineError(CliRunner.run("bench", "stun", "127.0.0.1:" + port, "--window", "0"),
                "peerlink bench stun: The STUN load generator's window must be between 1 and 65536");
    }

    @Test
    void benchTurnComparesTargetsPerPayloadInOneTable() throws Exception {
        int port = TestPorts.free(LOOPBACK);
        TurnSettings turn = TurnSettings.off().withUsers(List.of("u:p")).withAllowLoopbackPeers(true)
                .withRelayPorts(52000, 52999);
        try (PeerlinkServer server = PeerlinkServer.start(new ServerConfig(List.of("127.0.0.1"), port, 0, 0, null,
                null, false, false, true, true, "peerlink").withTurn(turn))) {
            CliRunner result = CliRunner.run("bench", "turn", "first=127.0.0.1:" + port, "again=127.0.0.1:" + port,
                    "--user", "u:p", "--payload", "100,500", "--duration", "0.3", "--warmup", "0.1", "--window", "8");
            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out()).containsPattern("first: 127\\.0\\.0\\.1:" + port + " payload 100 B: [\\d,]+ round trips/s")
                    .containsPattern("\\nagain +500 +[\\d,]+ ")
                    .contains("ratio = this target's round trips/s / first's");
        }
        assertOneLineError(CliRunner.run("bench", "turn", "127.0.0.1:" + port, "--user", "nocolon"),
                "peerlink bench turn: --user must be USER:PASSWORD");
        assertOneLineError(CliRunner.run("bench", "turn", "127.0.0.1:" + port, "--user", "u:p", "--payload", "8"),
                "peerlink bench turn: The TURN load generator's payload must be");
    }

    @Test
    void stunPrintsTheMappedAddressOverUdpTcpAndTls() throws Exception {
        int port = TestPorts.free(LOOPBACK);
        int tlsPort = TestPorts.free(LOOPBACK);
        try (PeerlinkServer server = PeerlinkServer.start(new ServerConfig(List.of("127.0.0.1"), port, 0, tlsPort,
                null, null, false, false, false, false, "peerlink"))) {
            CliRunner udp = CliRunner.run("stun", "127.0.0.1:" + port);
            assertThat(udp.exitCode()).as(udp.err()).isZero();
            assertThat(udp.out()).matches("Mapped address: 127\\.0\\.0\\.1:(\\d+) {2}\\(seen by 127\\.0\\.0\\.1:" + port
                    + " over UDP; local 127\\.0\\.0\\.1:\\1\\)\\R");
            CliRunner tcp = CliRunner.run("stun", "127.0.0.1:" + port, "--tcp", "-q");
            assertThat(tcp.exitCode()).as(tcp.err()).isZero();
            assertThat(tcp.out().strip()).matches("127\\.0\\.0\\.1:\\d+");
            CliRunner tls = CliRunner.run("stun", "localhost:" + tlsPort, "--tls", "--insecure", "-q");
            assertThat(tls.exitCode()).as(tls.err()).isZero();
            assertThat(tls.out().strip()).matches("127\\.0\\.0\\.1:\\d+");

            CliRunner untrusted = CliRunner.run("stun", "localhost:" + tlsPort, "--tls");
            assertOneLineError(untrusted, "peerlink stun: the TLS handshake with the STUN server localhost");
            assertThat(untrusted.err()).contains("--insecure");
        }
    }

    @Test
    void natTypeReportsAnOpenPathAgainstATwoAddressServer() throws Exception {
        InetAddress second = TestPorts.loopback("127.0.0.2");
        int port = TestPorts.freePair(LOOPBACK, second);
        try (PeerlinkServer server = PeerlinkServer.start(new ServerConfig(List.of("127.0.0.1", "127.0.0.2"), port,
                0, 0, null, null, true, false, true, true, "peerlink"))) {
            CliRunner result = CliRunner.run("nat-type", "127.0.0.1:" + port);
            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out())
                    .contains("Mapping:    endpoint-independent")
                    .contains("Filtering:  endpoint-independent")
                    .contains("Type:       no NAT, no filtering firewall")
                    .contains("P2P:");
            assertThat(result.err()).contains("test I: Binding to 127.0.0.1:" + port);
        }
    }

    @Test
    void natTypeAgainstAServerWithoutRfc5780SaysSo() throws Exception {
        int port = TestPorts.free(LOOPBACK);
        try (PeerlinkServer server = PeerlinkServer.start(new ServerConfig(List.of("127.0.0.1"), port, 0, 0, null,
                null, false, false, true, true, "peerlink"))) {
            CliRunner result = CliRunner.run("nat-type", "127.0.0.1:" + port);
            assertOneLineError(result.withoutProgress(), "peerlink nat-type: the STUN server 127.0.0.1:" + port
                    + " does not support NAT behaviour discovery");
        }
    }

    @Test
    void anUnansweredRequestNamesTheServerAndHowLongItTried() throws Exception {
        try (DatagramChannel silent = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            int port = ((InetSocketAddress) silent.getLocalAddress()).getPort();
            CliRunner result = CliRunner.run("stun", "127.0.0.1:" + port, "--rto", "50", "--rc", "2", "--rm", "2");
            assertOneLineError(result, "peerlink stun: no STUN response from 127.0.0.1:" + port
                    + " over UDP after 2 transmissions in 0.2 s");
        }
    }

    @Test
    void aRefusedConnectionIsOneLine() throws Exception {
        int port = TestPorts.free(LOOPBACK);
        CliRunner result = CliRunner.run("stun", "127.0.0.1:" + port, "--tcp");
        assertOneLineError(result, "peerlink stun: cannot reach the STUN server 127.0.0.1:" + port + " over TCP");
    }

    @Test
    void userMistakesAreOneLineWithAPointerToHelp() throws Exception {
        assertOneLineError(CliRunner.run("stun"), "peerlink stun: Missing required parameter: 'HOST[:PORT]'");
        assertOneLineError(CliRunner.run("stun", "127.0.0.1:99999"), "peerlink stun: \"127.0.0.1:99999\" has port");
        assertOneLineError(CliRunner.run("stun", "[::1"), "peerlink stun: \"[::1\" opens '['");
        assertOneLineError(CliRunner.run("stun", "x", "--tcp", "--tls"), "peerlink stun: Error: --tcp, --tls are mutually exclusive");
        assertOneLineError(CliRunner.run("stun", "127.0.0.1", "--rto", "0"), "peerlink stun: the STUN RTO must be positive");
        assertOneLineError(CliRunner.run("stun", "127.0.0.1", "--rto", "soon"), "peerlink stun: Invalid value for option '--rto'");
        assertOneLineError(CliRunner.run("bogus"), "peerlink: Unmatched argument at index 0: 'bogus'");
        assertOneLineError(CliRunner.run("server", "--rfc5780"), "peerlink server: --rfc5780 needs two different --listening-ip");
        assertOneLineError(CliRunner.run("server", "--listening-ip", "localhost"),
                "peerlink server: --listening-ip takes an IP address, not \"localhost\"");
        assertOneLineError(CliRunner.run("server", "--cert", "a.pem"), "peerlink server: --cert and --pkey go together");
        assertOneLineError(CliRunner.run("server", "--config", temp.resolve("missing.yaml").toString()),
                "peerlink server: the configuration file");
        assertOneLineError(CliRunner.run("server", "--use-auth-secret"),
                "peerlink server: --use-auth-secret needs at least one --static-auth-secret");
        assertOneLineError(CliRunner.run("server", "--user", "alice:x", "--min-port", "60000", "--max-port", "50000"),
                "peerlink server: --min-port 60000 is above --max-port 50000");
        assertOneLineError(CliRunner.run("server", "--user", "alice"), "peerlink server: ");
        assertOneLineError(CliRunner.run("server", "--user", "a:x", "--external-ip", "my-host"),
                "peerlink server: --external-ip takes an IP address, not \"my-host\"");
        assertOneLineError(CliRunner.run("server", "--user", "a:x", "--denied-peer-ip", "10.0.0.0/33"),
                "peerlink server: --denied-peer-ip: ");
        Path bad = temp.resolve("bad.yaml");
        Files.writeString(bad, "listening-port: 3478\nlisten-port: 1\n");
        assertOneLineError(CliRunner.run("server", "--config", bad.toString()),
                "peerlink server: the configuration file " + bad + " has an unknown key \"listen-port\"");
    }

    @Test
    void serverFlagsOverrideEnvironmentWhichOverridesYaml() throws Exception {
        Path yaml = temp.resolve("env.yaml");
        Files.writeString(yaml, "listening-port: 4000\nhttp-port: 9000\ntls-listening-port: 6000\n");
        ServerCommand command = new ServerCommand();
        new picocli.CommandLine(command).parseArgs("--config", yaml.toString(), "--http-port", "8081");
        ServerConfig config = command.effectiveConfig(java.util.Map.of("PEERLINK_LISTENING_PORT", "3479",
                "PEERLINK_HTTP_PORT", "8082", "PEERLINK_USER", "alice:pw,bob:pw", "PEERLINK_DEBUG", "1"));
        assertThat(config.listeningPort()).isEqualTo(3479); // environment over YAML
        assertThat(config.httpPort()).isEqualTo(8081); // flag over environment
        assertThat(config.tlsListeningPort()).isEqualTo(6000); // YAML over default
        assertThat(config.turn().users()).containsExactly("alice:pw", "bob:pw");
        ServerCommand bad = new ServerCommand();
        new picocli.CommandLine(bad).parseArgs("--listening-port", "3479");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bad.effectiveConfig(
                java.util.Map.of("PEERLINK_LISTENING_PORT", "x")))
                .hasMessage("PEERLINK_LISTENING_PORT must be a port from 0 to 65535, not \"x\"");
    }

    @Test
    void serverHelpShowsEveryDefaultAndPointsAtTheReference() {
        CliRunner result = CliRunner.run("server", "--help");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("docs/configuration.md", "PEERLINK_", "defaults < YAML file < environment < flags");
        picocli.CommandLine.Model.CommandSpec spec = new picocli.CommandLine(new ServerCommand()).getCommandSpec();
        for (picocli.CommandLine.Model.OptionSpec option : spec.options()) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            assertThat(String.join(" ", option.description()).toLowerCase())
                    .as("help for " + option.longestName()).contains("default");
        }
    }

    @Test
    void aPortInUseIsOneLine() throws Exception {
        try (DatagramChannel taken = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            CliRunner result = CliRunner.run("server", "--listening-ip", "127.0.0.1", "--listening-port",
                    String.valueOf(port), "--no-tls");
            assertOneLineError(result, "peerlink server: cannot listen on udp 127.0.0.1:" + port + ": ");
        }
    }

    private static void assertOneLineError(CliRunner result, String expectedStart) {
        assertThat(result.exitCode()).as(result.err()).isNotZero();
        assertThat(result.err()).startsWith(expectedStart);
        assertThat(result.err().strip()).as("one line, no stack trace").doesNotContain("\n").doesNotContain("\tat ");
    }
}
