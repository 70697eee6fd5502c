package dev.peerlink.cli;

import dev.peerlink.testkit.ExternalProcess;
import dev.peerlink.testkit.ExternalTools;
import dev.peerlink.testkit.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TlsCertificates;
import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STUN interop with coturn, the server operators run today (Debian package coturn), on loopback:
 * coturn's turnutils_stunclient against peerlink server, and peerlink stun against coturn's turnserver.
 */
class CoturnInteropTest {
    private static final InetAddress LOOPBACK = TestPorts.loopback("127.0.0.1");
    private static final InetAddress LOOPBACK_2 = TestPorts.loopback("127.0.0.2");
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    @Test
    void turnutilsStunclientGetsItsAddressFromPeerlinkServer() throws Exception {
        Path stunclient = ExternalTools.require("turnutils_stunclient", "coturn");
        int port = TestPorts.free(LOOPBACK);
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), port, 0, 0, null, null, false, false, false,
                true, "peerlink");
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            ExternalProcess.Result result = ExternalProcess.run(List.of(stunclient.toString(), "-L", "127.0.0.1",
                    "-p", String.valueOf(port), "127.0.0.1"), TOOL_TIMEOUT);
            assertThat(result.exitCode()).as(result.output()).isZero();
            Matcher mapped = Pattern.compile("UDP reflexive addr: 127\\.0\\.0\\.1:(\\d+)").matcher(result.output());
            assertThat(mapped.find()).as(result.output()).isTrue();
            assertThat(Integer.parseInt(mapped.group(1))).isBetween(1, 65535);
        }
    }

    @Test
    void turnutilsStunclientRunsRfc5780DiscoveryAgainstPeerlinkServer() throws Exception {
        Path stunclient = ExternalTools.require("turnutils_stunclient", "coturn");
        int port = TestPorts.freePair(LOOPBACK, LOOPBACK_2);
        ServerConfig config = new ServerConfig(List.of("127.0.0.1", "127.0.0.2"), port, 0, 0, null, null, true,
                false, true, true, "peerlink");
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            ExternalProcess.Result result = ExternalProcess.run(List.of(stunclient.toString(), "-L", "127.0.0.1",
                    "-p", String.valueOf(port), "127.0.0.1"), TOOL_TIMEOUT);
            String output = result.output();
            assertThat(result.exitCode()).as(output).isZero();
            // Response 1 from the primary address names the other one; responses 2 and 3 come from 127.0.0.2:P+1
            // as its CHANGE-REQUEST asked.
            assertThat(output).as(output)
                    .contains("Other addr: : 127.0.0.2:" + (port + 1))
                    .contains("Response origin: : 127.0.0.1:" + port)
                    .contains("RFC 5780 response 3")
                    .contains("Response origin: : 127.0.0.2:" + (port + 1));
        }
    }

    @Test
    void peerlinkStunGetsItsAddressFromCoturnOverUdpTcpAndTls() throws Exception {
        Path turnserver = ExternalTools.require("turnserver", "coturn");
        int port = TestPorts.free(LOOPBACK);
        int tlsPort = TestPorts.free(LOOPBACK);
        TlsCertificates certificates = TlsCertificates.generateSelfSigned();
        Path cert = temp.resolve("cert.pem");
        Path key = temp.resolve("key.pem");
        writePem(cert, certificates.chain().get(0));
        // PKCS#8: the JDK's bare SEC1 EC key (no curve) is one OpenSSL cannot read.
        writePem(key, new JcaPKCS8Generator(certificates.privateKey(), null));
        List<String> command = new ArrayList<>(List.of(turnserver.toString(), "-n", "--no-cli", "--stun-only",
                "--listening-ip", "127.0.0.1", "--listening-port", String.valueOf(port),
                "--tls-listening-port", String.valueOf(tlsPort), "--cert", cert.toString(), "--pkey", key.toString(),
                "--no-dtls", "--pidfile", temp.resolve("turnserver.pid").toString(), "--log-file", "stdout",
                "--simple-log"));
        try (ExternalProcess coturn = ExternalProcess.start(command)) {
            InetSocketAddress udp = new InetSocketAddress(LOOPBACK, port);
            awaitStunAnswers(coturn, udp, StunTransport.UDP);
            awaitStunAnswers(coturn, new InetSocketAddress(LOOPBACK, tlsPort), StunTransport.TLS);

            CliRunner overUdp = CliRunner.run("stun", "127.0.0.1:" + port, "--quiet");
            assertThat(overUdp.exitCode()).as(overUdp.err() + coturn.output()).isZero();
            assertThat(overUdp.out().strip()).matches("127\\.0\\.0\\.1:\\d+");

            CliRunner overTcp = CliRunner.run("stun", "127.0.0.1:" + port, "--tcp");
            assertThat(overTcp.exitCode()).as(overTcp.err() + coturn.output()).isZero();
            assertThat(overTcp.out()).startsWith("Mapped address: 127.0.0.1:").contains("over TCP");

            CliRunner overTls = CliRunner.run("stun", "127.0.0.1:" + tlsPort, "--tls", "--insecure");
            assertThat(overTls.exitCode()).as(overTls.err() + coturn.output()).isZero();
            assertThat(overTls.out()).startsWith("Mapped address: 127.0.0.1:").contains("over TLS");
        }
    }

    /** coturn takes a moment to open its sockets; ask until it answers (bounded), failing with its log if not. */
    private static void awaitStunAnswers(ExternalProcess coturn, InetSocketAddress address, StunTransport transport) {
        StunClient.Options quick = StunClient.Options.DEFAULT.withInsecureTls(true).withPolicy(
                new RetransmissionPolicy(Duration.ofMillis(100), 2, 2, Duration.ofSeconds(2)));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(coturn.isAlive()).as("turnserver exited: %s", coturn.output()).isTrue();
                    try (StunClient client = StunClient.open(transport, address, "coturn", null, quick)) {
                        client.binding();
                    }
                });
    }

    private static void writePem(Path file, Object item) throws IOException {
        try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(file))) {
            writer.writeObject(item);
        }
    }
}
