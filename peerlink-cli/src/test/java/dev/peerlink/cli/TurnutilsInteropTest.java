package dev.peerlink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import dev.peerlink.server.stun.StunServer;
import dev.peerlink.testkit.ExternalProcess;
import dev.peerlink.testkit.ExternalTools;
import dev.peerlink.testkit.TestPorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TURN interop with coturn's own test client (Debian package coturn) against peerlink server on loopback:
 * {@code turnutils_uclient} allocates, binds, relays a stream of packets to {@code turnutils_peer} (coturn's UDP echo
 * peer) and counts what comes back. Every combination of client transport (UDP, TCP, TLS), credentials (long-term
 * {@code -u/-w}, TURN REST secret {@code -W}) and data path (ChannelData, or Send/Data indications with {@code -s})
 * must relay packets and lose none.
 */
class TurnutilsInteropTest {
    private static final InetAddress LOOPBACK = TestPorts.loopback("127.0.0.1");
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final String SECRET = "interop-rest-secret";
    private static final int MESSAGES = 50;
    /**
     * "Total lost packets 0 (0.000000%), total send dropped 0 (0.000000%)" in uclient's summary; and
     * "tot_send_msgs=100, tot_recv_msgs=100" (both clients of an RTP/RTCP pair).
     */
    private static final Pattern LOST = Pattern.compile("Total lost packets (\\d+)");
    private static final Pattern SENT = Pattern.compile("start_mclient: tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)");

    enum Transport { UDP, TCP, TLS }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (Transport transport : Transport.values()) {
            for (boolean rest : List.of(false, true)) {
                for (boolean indications : List.of(false, true)) {
                    all.add(Arguments.of(transport, rest, indications));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, REST secret {1}, Send indications {2}")
    @MethodSource("combinations")
    void uclientRelaysThroughPeerlinkServerWithoutLoss(Transport transport, boolean rest, boolean indications)
            throws Exception {
        Path uclient = ExternalTools.require("turnutils_uclient", "coturn");
        Path peerTool = ExternalTools.require("turnutils_peer", "coturn");
        int peerPort = freeUdpPort();
        TurnSettings turn = TurnSettings.off().withUsers(List.of("alice:wonderland"))
                .withStaticAuthSecrets(List.of(SECRET)).withAllowLoopbackPeers(true).withRealm("peerlink.test");
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, false, false,
                "peerlink").withTurn(turn);
        try (PeerlinkServer server = PeerlinkServer.start(config);
             ExternalProcess peer = ExternalProcess.start(List.of(peerTool.toString(), "-L", "127.0.0.1", "-p",
                     String.valueOf(peerPort)))) {
            // turnutils_peer has bound its port once the port can no longer be bound (bounded wait, no sleep).
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                assertThat(peer.isAlive()).as("turnutils_peer exited: %s", peer.output()).isTrue();
                return !udpFree(peerPort);
            });
            int port = listener(server, transport == Transport.TLS ? "tls" : transport == Transport.TCP ? "tcp"
                    : "udp");
            List<String> command = new ArrayList<>(List.of(uclient.toString(), "-e", "127.0.0.1", "-r",
                    String.valueOf(peerPort), "-p", String.valueOf(port), "-n", String.valueOf(MESSAGES), "-l", "200",
                    "-z", "5", "-u", "alice"));
            command.addAll(rest ? List.of("-W", SECRET) : List.of("-w", "wonderland"));
            if (transport != Transport.UDP) {
                command.add("-t");
            }
            if (transport == Transport.TLS) {
                command.add("-S");
            }
            if (indications) {
                command.add("-s");
            }
            command.add("127.0.0.1");
            ExternalProcess.Result result = ExternalProcess.run(command, TOOL_TIMEOUT);
            String output = result.output();
            String context = String.join(" ", command.subList(1, command.size())) + "\n" + output + "\npeer: "
                    + peer.output();
            assertThat(result.exitCode()).as(context).isZero();
            Matcher lost = LOST.matcher(output);
            assertThat(lost.find()).as(context).isTrue();
            assertThat(Integer.parseInt(lost.group(1))).as(context).isZero();
            Matcher counts = SENT.matcher(output);
            assertThat(counts.find()).as(context).isTrue();
            int sent = Integer.parseInt(counts.group(1));
            int received = Integer.parseInt(counts.group(2));
            assertThat(sent).as(context).isPositive();
            assertThat(received).as(context).isEqualTo(sent);
            System.out.println("turnutils_uclient " + String.join(" ", command.subList(1, command.size())) + ": "
                    + lost.group() + ", " + counts.group());
        }
    }

    private static int listener(PeerlinkServer server, String protocol) {
        return server.listeners().stream().filter(listener -> listener.protocol().equals(protocol))
                .map(StunServer.Listener::address).mapToInt(InetSocketAddress::getPort).findFirst().orElseThrow();
    }

    private static boolean udpFree(int port) {
        try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, port))) {
            return true;
        } catch (java.io.IOException taken) {
            return false;
        }
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            return ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
    }
}
