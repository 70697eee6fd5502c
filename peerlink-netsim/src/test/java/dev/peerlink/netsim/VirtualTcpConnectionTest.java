package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VirtualTcpConnectionTest {

    /** Both ends of one connection, with what each received. */
    private static final class Pair {
        VirtualTcpConnection client;
        VirtualTcpConnection server;
        final ByteArrayOutputStream atClient = new ByteArrayOutputStream();
        final ByteArrayOutputStream atServer = new ByteArrayOutputStream();
        boolean clientConnected;
        boolean clientClosed;
        boolean serverClosed;
    }

    private static Pair connect(VirtualNetwork network, Host from, Host to, int port) throws Exception {
        Pair pair = new Pair();
        to.listenTcp(port, accepted -> {
            pair.server = accepted;
            accepted.onReceive(pair.atServer::writeBytes);
            accepted.onClosed(() -> pair.serverClosed = true);
        });
        pair.client = from.connectTcp(at(to.address(), port));
        pair.client.onConnected(() -> pair.clientConnected = true);
        pair.client.onReceive(pair.atClient::writeBytes);
        pair.client.onClosed(() -> pair.clientClosed = true);
        return pair;
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void theHandshakeTakesOneRoundTripAndBytesArriveInOrderBothWays() throws Exception {
        VirtualNetwork network = new VirtualNetwork(1);
        Host client = network.internet().addHost("client", Link.withDelay(Duration.ofMillis(10)));
        Host server = network.internet().addHost("server", Link.withDelay(Duration.ofMillis(10)));
        Pair pair = connect(network, client, server, 443);

        network.runFor(Duration.ofMillis(39));
        assertThat(pair.clientConnected).isFalse();
        network.runFor(Duration.ofMillis(2)); // SYN and SYN+ACK: 2 × 20 ms
        assertThat(pair.clientConnected).isTrue();
        assertThat(pair.client.isEstablished()).isTrue();

        byte[] up = randomBytes(10_000, 2);
        byte[] down = randomBytes(3_333, 3);
        pair.client.send(up);
        network.runFor(Duration.ofMillis(100));
        pair.server.send(down);
        network.runFor(Duration.ofMillis(100));

        assertThat(pair.atServer.toByteArray()).isEqualTo(up);
        assertThat(pair.atClient.toByteArray()).isEqualTo(down);
        assertThat(pair.server.remoteAddress()).isEqualTo(pair.client.localAddress());
    }

    @Test
    void onALossyLinkRetransmissionDeliversEveryByteInOrder() throws Exception {
        VirtualNetwork network = new VirtualNetwork(5);
        Link lossy = Link.withDelay(Duration.ofMillis(5)).withJitter(Duration.ofMillis(3)).withLoss(0.2);
        Host client = network.internet().addHost("client", lossy);
        Host server = network.internet().addHost("server", lossy);
        Pair pair = connect(network, client, server, 3478);
        network.runUntil(() -> pair.clientConnected, Duration.ofSeconds(30));
        assertThat(pair.clientConnected).isTrue();

        byte[] up = randomBytes(200_000, 6);
        for (int offset = 0; offset < up.length; offset += 7_000) {
            pair.client.send(java.util.Arrays.copyOfRange(up, offset, Math.min(up.length, offset + 7_000)));
        }
        network.runUntil(() -> pair.atServer.size() == up.length, Duration.ofMinutes(5));

        assertThat(network.lostPackets()).isPositive();
        assertThat(pair.atServer.toByteArray()).isEqualTo(up);
    }

    @Test
    void aConnectionToAPortNobodyListensOnIsResetAndReportedClosed() {
        VirtualNetwork network = new VirtualNetwork(1);
        Host client = network.internet().addHost("client");
        Host server = network.internet().addHost("server");
        List<String> seen = new ArrayList<>();
        VirtualTcpConnection connection = client.connectTcp(at(server.address(), 5349));
        connection.onConnected(() -> seen.add("connected"));
        connection.onClosed(() -> seen.add("closed"));

        network.runFor(Duration.ofMillis(10));

        assertThat(seen).containsExactly("closed");
        assertThat(connection.isClosed()).isTrue();
        assertThatThrownBy(() -> connection.send(new byte[1])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not established");
    }

    @Test
    void aSynThatNeverArrivesIsRetriedWithBackoffThenTheConnectFails() {
        VirtualNetwork network = new VirtualNetwork(1);
        ForwardingRouter firewall = network.addUdpBlockingFirewall("corp").allowOnlyTcpToPorts(443);
        Host inside = firewall.lan().addHost("inside");
        Host server = network.internet().addHost("server");
        List<Long> closedAt = new ArrayList<>();
        VirtualTcpConnection connection = inside.connectTcp(at(server.address(), 3478));
        connection.onClosed(() -> closedAt.add(network.nowNanos()));

        network.runFor(Duration.ofMinutes(3));

        // RFC 6298: 1 s, then doubling: SYNs at 0, 1, 3, 7, 15, 31 s; given up at 63 s.
        assertThat(closedAt).containsExactly(Duration.ofSeconds(63).toNanos());
        assertThat(firewall.droppedByFirewall()).isEqualTo(VirtualTcpConnection.SYN_ATTEMPTS);
    }

    @Test
    void aFirewallOpenOnlyToPort443LetsThatThroughAndDropsUdp() throws Exception {
        VirtualNetwork network = new VirtualNetwork(1);
        ForwardingRouter firewall = network.addUdpBlockingFirewall("corp").allowOnlyTcpToPorts(443);
        Host inside = firewall.lan().addHost("inside");
        Host server = network.internet().addHost("server");
        Pair pair = connect(network, inside, server, 443);
        VirtualSocket udp = inside.openUdpSocket(5000);
        udp.send(at(server.address(), 3478), new byte[] {1});

        network.runFor(Duration.ofSeconds(1));
        pair.client.send(new byte[] {42});
        network.runFor(Duration.ofSeconds(1));

        assertThat(pair.clientConnected).isTrue();
        assertThat(pair.atServer.toByteArray()).containsExactly(42);
        assertThat(firewall.droppedByFirewall()).isEqualTo(1); // the UDP datagram
    }

    @Test
    void aNatTranslatesTcpWithItsOwnMappingsAndTheServerSeesThePublicAddress() throws Exception {
        VirtualNetwork network = new VirtualNetwork(1);
        NatRouter nat = network.addNatRouter("nat", NatBehavior.SYMMETRIC);
        Host inside = nat.lan().addHost("inside");
        Host server = network.internet().addHost("server");
        Pair pair = connect(network, inside, server, 443);

        network.runFor(Duration.ofSeconds(1));
        pair.server.send(new byte[] {7, 7});
        network.runFor(Duration.ofSeconds(1));

        InetSocketAddress seenByServer = pair.server.remoteAddress();
        assertThat(seenByServer.getAddress()).isEqualTo(nat.publicAddress());
        assertThat(pair.atClient.toByteArray()).containsExactly(7, 7);
        assertThat(nat.mappings()).singleElement().satisfies(mapping -> {
            assertThat(mapping.protocol()).isEqualTo(Protocol.TCP);
            assertThat(mapping.external()).isEqualTo(seenByServer);
        });
    }

    @Test
    void closingResetsThePeer() throws Exception {
        VirtualNetwork network = new VirtualNetwork(1);
        Host client = network.internet().addHost("client");
        Host server = network.internet().addHost("server");
        Pair pair = connect(network, client, server, 443);
        network.runFor(Duration.ofSeconds(1));

        pair.client.close();
        network.runFor(Duration.ofSeconds(1));

        assertThat(pair.serverClosed).isTrue();
        assertThat(pair.clientClosed).as("close() itself does not call back").isFalse();
        assertThat(pair.server.isClosed()).isTrue();
    }
}
