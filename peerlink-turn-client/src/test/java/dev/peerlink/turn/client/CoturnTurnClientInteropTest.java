package dev.peerlink.turn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.testkit.CoturnServer;
import dev.peerlink.testkit.TestPorts;
import java.io.IOException;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;




import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;

import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;









import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The TURN client against coturn's turnserver (Debian package coturn) on loopback: allocation over UDP, TCP and
 * TLS, relaying both ways by Send/Data indications and by ChannelData to a real UDP peer, REST API credentials,
 * refusals, and deallocation. In CI coturn must be there (ExternalTools fails the test otherwise).
 */
class CoturnTurnClientInteropTest {
    private static final InetAddress LOOPBACK = TestPorts.loopback("127.0.0.1");
    /** coturn is told to refuse this peer, so that a 403 can be provoked. */
    private static final InetAddress DENIED_PEER = TestPorts.loopback("127.0.0.2");
    private static final String REALM = "peerlink.test";
    private static final String SECRET = "rest-api-shared-secret";
    private static final int PACKETS = 1000;
    /** The sender stays at most this many packets ahead of the receiver: loopback socket buffers then never overflow. */
    private static final int WINDOW = 50;
    private static final int PEER_TIMEOUT_MILLIS = 10_000;

    @TempDir
    Path temp;

    private CoturnServer startCoturn(boolean restApi) throws Exception {
        List<String> options = new ArrayList<>(List.of("--denied-peer-ip", DENIED_PEER.getHostAddress()));
        options.addAll(restApi ? List.of("--use-auth-secret", "--static-auth-secret", SECRET)
                : List.of("--user", "alice:secret"));
        CoturnServer coturn = CoturnServer.start(temp, options);
        try {
            awaitStunAnswers(coturn, StunTransport.UDP);
            awaitStunAnswers(coturn, StunTransport.TLS);
            return coturn;
        } catch (RuntimeException | Error e) {
            coturn.close();
            throw e;
        }
    }

    private static InetSocketAddress address(CoturnServer coturn, StunTransport transport) {
        return transport == StunTransport.TLS ? coturn.tlsAddress() : coturn.address();
    }

    /** coturn takes a moment to open its sockets; ask until it answers (bounded), failing with its log if not. */
    private static void awaitStunAnswers(CoturnServer coturn, StunTransport transport) {
        StunClient.Options quick = StunClient.Options.DEFAULT.withInsecureTls(true).withPolicy(
                new RetransmissionPolicy(Duration.ofMillis(100), 2, 2, Duration.ofSeconds(2)));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(coturn.isAlive()).as("turnserver exited: %s", coturn.output())
                            .isTrue();
                    try (StunClient client = StunClient.open(transport, address(coturn, transport), "coturn", null,
                            quick)) {
                        client.binding();
                    }
                });
    }

    private static TurnClient open(CoturnServer coturn, StunTransport transport, String username, String password)
            throws TurnClientException {
        return TurnClient.open(transport, address(coturn, transport), "coturn", username, password,
                TurnClient.Options.DEFAULT.withInsecureTls(true));
    }

    @ParameterizedTest
    @EnumSource(StunTransport.class)
    void relaysToAndFromAUdpPeerByIndicationsAndChannelData(StunTransport transport) throws Exception {
        try (CoturnServer coturn = startCoturn(false);
             DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             TurnClient client = open(coturn, transport, "alice", "secret")) {
            peer.setSoTimeout(PEER_TIMEOUT_MILLIS);
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalSocketAddress();

            TurnEvent.Allocated allocation = client.allocate();
            InetSocketAddress relayed = allocation.relayedAddress();
            assertThat(relayed.getAddress()).isEqualTo(LOOPBACK);
            assertThat(relayed.getPort()).isBetween(coturn.minRelayPort(), coturn.maxRelayPort());
            assertThat(allocation.mappedAddress()).isEqualTo(client.localAddress());
            assertThat(allocation.lifetime()).isEqualTo(Duration.ofMinutes(10));

            client.createPermission(LOOPBACK);
            // Send indications out, Data indications back (RFC 8656 §11).
            relayOut(client, peer, peerAddress, relayed, "indication");
            relayIn(client, peer, peerAddress, relayed, "data", 0);

            int channel = client.bindChannel(peerAddress);
            assertThat(channel).isEqualTo(0x4000);
            // ChannelData both ways (RFC 8656 §12), in order.
            relayOut(client, peer, peerAddress, relayed, "channel");
            relayIn(client, peer, peerAddress, relayed, "channel-back", channel);

            client.deallocate();
            assertThat(client.state()).isEqualTo(TurnClientCore.State.DEALLOCATED);
            send(peer, relayed, "after deallocation");
            assertThat(client.receive(Duration.ofSeconds(1)))
                    .as("coturn relays nothing for a deallocated relay").isEmpty();
        }
    }

    /** The client sends PACKETS numbered payloads to the peer; all must arrive from the relayed address, in order. */
    private static void relayOut(TurnClient client, DatagramSocket peer, InetSocketAddress peerAddress,
                                 InetSocketAddress relayed, String label) throws Exception {
        List<String> arrived = new ArrayList<>();
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        int sent = 0;
        while (arrived.size() < PACKETS) {
            while (sent < PACKETS && sent - arrived.size() < WINDOW) {
                client.send(peerAddress, payload(label, sent++));
            }
            try {
                peer.receive(packet);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the peer got " + arrived.size() + " of " + PACKETS + " " + label
                        + " packets, then nothing for " + PEER_TIMEOUT_MILLIS + " ms", e);
            }
            assertThat(packet.getSocketAddress()).isEqualTo(relayed);
            arrived.add(new String(buffer, 0, packet.getLength(), StandardCharsets.UTF_8));
        }
        assertThat(arrived).containsExactlyElementsOf(expected(label));
    }

    /** The peer sends PACKETS numbered payloads to the relayed address; the client must get them all, in order. */
    private static void relayIn(TurnClient client, DatagramSocket peer, InetSocketAddress peerAddress,
                                InetSocketAddress relayed, String label, int channel) throws Exception {
        List<String> arrived = new ArrayList<>();
        int sent = 0;
        while (arrived.size() < PACKETS) {
            while (sent < PACKETS && sent - arrived.size() < WINDOW) {
                send(peer, relayed, new String(payload(label, sent++), StandardCharsets.UTF_8));
            }
            Optional<TurnClient.Received> received = client.receive(Duration.ofMillis(PEER_TIMEOUT_MILLIS));
            if (received.isEmpty()) {
                throw new AssertionError("the client got " + arrived.size() + " of " + PACKETS + " " + label
                        + " packets, then nothing for " + PEER_TIMEOUT_MILLIS + " ms");
            }
            assertThat(received.get().peer()).isEqualTo(peerAddress);
            assertThat(received.get().channel()).isEqualTo(channel);
            arrived.add(new String(received.get().data(), StandardCharsets.UTF_8));
        }
        assertThat(arrived).containsExactlyElementsOf(expected(label));
    }

    private static byte[] payload(String label, int index) {
        return (label + " " + index).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> expected(String label) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < PACKETS; i++) {
            all.add(label + " " + i);
        }
        return all;
    }

    private static void send(DatagramSocket peer, InetSocketAddress to, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        peer.send(new DatagramPacket(bytes, bytes.length, to));
    }

    @Test
    void restApiCredentialsAllocate() throws Exception {
        try (CoturnServer coturn = startCoturn(true)) {
            String username = (Instant.now().getEpochSecond() + 3600) + ":alice";
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String password = Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
            try (TurnClient client = open(coturn, StunTransport.UDP, username, password)) {
                assertThat(client.allocate().relayedAddress().getAddress()).isEqualTo(LOOPBACK);
            }
            String expired = (Instant.now().getEpochSecond() - 60) + ":alice";
            String expiredPassword = Base64.getEncoder().encodeToString(
                    mac.doFinal(expired.getBytes(StandardCharsets.UTF_8)));
            try (TurnClient client = open(coturn, StunTransport.UDP, expired, expiredPassword)) {
                assertThatThrownBy(client::allocate).isInstanceOf(TurnClientException.class)
                        .hasMessageContaining("401");
            }
        }
    }

    @Test
    void aWrongPasswordIsA401NamingTheServer() throws Exception {
        try (CoturnServer coturn = startCoturn(false);
             TurnClient client = open(coturn, StunTransport.UDP, "alice", "not the password")) {
            assertThatThrownBy(client::allocate).isInstanceOf(TurnClientException.class)
                    .hasMessage("the TURN server coturn (127.0.0.1:" + coturn.address().getPort() + ") over UDP answered Allocate "
                            + "with 401 Unauthorized");
            assertThat(client.state()).isEqualTo(TurnClientCore.State.FAILED);
        }
    }

    @Test
    void aDeniedPeerIsRefusedWith403AndTheAllocationStays() throws Exception {
        try (CoturnServer coturn = startCoturn(false);
             TurnClient client = open(coturn, StunTransport.UDP, "alice", "secret")) {
            client.allocate();
            assertThatThrownBy(() -> client.createPermission(DENIED_PEER)).isInstanceOf(TurnClientException.class)
                    .hasMessageStartingWith("the TURN server coturn (127.0.0.1:" + coturn.address().getPort() + ") over UDP "
                            + "answered CreatePermission for 127.0.0.2 with 403");
            assertThat(client.state()).isEqualTo(TurnClientCore.State.ALLOCATED);
            client.createPermission(LOOPBACK);
        }
    }
}
