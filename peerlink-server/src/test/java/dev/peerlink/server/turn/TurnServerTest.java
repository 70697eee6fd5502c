package dev.peerlink.server.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import dev.peerlink.server.stun.StunServer;
import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.turn.client.TurnClient;
import dev.peerlink.turn.client.TurnClientException;
import dev.peerlink.turn.client.TurnEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * peerlink server's STUN+TURN listeners through the real sockets, on loopback: peerlink's own TurnClient over UDP,
 * TCP and TLS relaying to a local UDP peer both ways, by Send/Data indications and by ChannelData; the peer policy
 * and authentication as a client sees them; REST credentials from {@code /api/ice-servers}; {@code /metrics}.
 */
class TurnServerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String SECRET = "rest-secret-for-tests";
    private static final int PACKETS = 200;
    private static final TurnClient.Options CLIENT_OPTIONS = TurnClient.Options.DEFAULT.withInsecureTls(true)
            .withPolicy(new RetransmissionPolicy(Duration.ofMillis(200), 7, 16, Duration.ofSeconds(10)));

    private static ServerConfig config(boolean allowLoopbackPeers) {
        TurnSettings turn = TurnSettings.off().withUsers(List.of("alice:wonderland"))
                .withStaticAuthSecrets(List.of(SECRET)).withAllowLoopbackPeers(allowLoopbackPeers)
                .withRealm("peerlink.test").withRelayPorts(50000, 50999);
        return new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, false, false, "peerlink")
                .withHttp(0, false).withTurn(turn);
    }

    private static InetSocketAddress listener(PeerlinkServer server, String protocol) {
        return server.listeners().stream().filter(listener -> listener.protocol().equals(protocol))
                .map(StunServer.Listener::address).findFirst().orElseThrow();
    }

    private static InetSocketAddress address(PeerlinkServer server, StunTransport transport) {
        return listener(server, switch (transport) {
            case UDP -> "udp";
            case TCP -> "tcp";
            case TLS -> "tls";
        });
    }

    private static TurnClient open(PeerlinkServer server, StunTransport transport, String user, String password)
            throws TurnClientException {
        return TurnClient.open(transport, address(server, transport), "peerlink", user, password, CLIENT_OPTIONS);
    }

    @ParameterizedTest
    @EnumSource(StunTransport.class)
    void relaysBothWaysByIndicationsAndChannelData(StunTransport transport) throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             TurnClient client = open(server, transport, "alice", "wonderland")) {
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalAddress();
            TurnEvent.Allocated allocation = client.allocate();
            InetSocketAddress relayed = allocation.relayedAddress();
            assertThat(relayed.getAddress()).isEqualTo(LOOPBACK);
            assertThat(relayed.getPort()).isBetween(50000, 50999);
            assertThat(allocation.mappedAddress()).isEqualTo(client.localAddress());

            client.createPermission(LOOPBACK);
            roundTrip(client, peer, peerAddress, relayed, "indication", 0);
            int channel = client.bindChannel(peerAddress);
            roundTrip(client, peer, peerAddress, relayed, "channel", channel);

            client.deallocate();
            await().atMost(Duration.ofSeconds(10)).until(() -> snapshot(server).allocations() == 0);
            assertThat(snapshot(server).relaySockets()).isZero();
        }
    }

    /**
     * Dual-stack relays (RFC 8656 §7.2): with an IPv4 and an IPv6 relay IP, an Allocate with ADDITIONAL-ADDRESS-FAMILY
     * IPv6 gets a relayed address of each family, and both relay: to a peer on 127.0.0.1 from the IPv4 one and to a
     * peer on ::1 from the IPv6 one, over one allocation. Without the IPv6 relay IP the same request gets its IPv4
     * address alone (the core answers the additional family with 440 inside a success, §7.2 step 9).
     */
    @Test
    void dualStackRelaysGiveAnIpv4AndAnIpv6RelayedAddress() throws Exception {
        InetAddress loopback6 = InetAddress.getByName("::1");
        ServerConfig dual = config(true).withTurn(config(true).turn().withRelayIp("127.0.0.1,::1"));
        try (PeerlinkServer server = PeerlinkServer.start(dual);
             DatagramChannel peer4 = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             DatagramChannel peer6 = DatagramChannel.open().bind(new InetSocketAddress(loopback6, 0));
             TurnClient client = TurnClient.open(StunTransport.UDP, address(server, StunTransport.UDP), "peerlink",
                     "alice", "wonderland", CLIENT_OPTIONS.withDualStack(true))) {
            TurnEvent.Allocated allocation = client.allocate();
            assertThat(allocation.relayedAddresses()).extracting(InetSocketAddress::getAddress)
                    .containsExactly(LOOPBACK, loopback6);
            assertThat(allocation.relayedAddresses()).allSatisfy(relayed ->
                    assertThat(relayed.getPort()).isBetween(50000, 50999));

            client.createPermission(LOOPBACK, loopback6);
            roundTrip(client, peer4, (InetSocketAddress) peer4.getLocalAddress(), allocation.relayedAddresses().get(0),
                    "v4", 0);
            roundTrip(client, peer6, (InetSocketAddress) peer6.getLocalAddress(), allocation.relayedAddresses().get(1),
                    "v6", 0);
            client.deallocate();
            await().atMost(Duration.ofSeconds(10)).until(() -> snapshot(server).relaySockets() == 0);
        }
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             TurnClient client = TurnClient.open(StunTransport.UDP, address(server, StunTransport.UDP), "peerlink",
                     "alice", "wonderland", CLIENT_OPTIONS.withDualStack(true))) {
            assertThat(client.allocate().relayedAddresses()).extracting(InetSocketAddress::getAddress)
                    .containsExactly(LOOPBACK);
        }
    }

    /**
     * A UDP datagram is relayed whole whatever its size (RFC 8656 §11.3, §12.6): a peer's datagram larger than one
     * Ethernet frame, and up to nearly the largest UDP payload, reaches the client as ChannelData with every byte, and
     * the client's ChannelData of that size reaches the peer whole. (Netty's default 2,048-byte datagram buffer cut a
     * peer's datagram short and relayed the stump.)
     */
    @Test
    void datagramsOfEverySizeAreRelayedWholeBothWays() throws Exception {
        overUdpChannel((client, peer, peerAddress, relayed, channel) -> {
            ByteBuffer buffer = ByteBuffer.allocate(65_536);
            // The largest: 65,507 bytes of UDP payload over IPv4, minus ChannelData's 4-byte header client-side.
            for (int size : new int[] {1, 1_500, 2_049, 9_000, 65_503}) {
                byte[] out = pattern(size, 7);
                client.send(peerAddress, out);
                buffer.clear();
                assertThat(receiveWithin(peer, buffer)).isEqualTo(relayed);
                buffer.flip();
                assertThat(buffer.remaining()).as("bytes at the peer for %d sent", size).isEqualTo(size);
                assertThat(buffer.array()).startsWith(out);

                byte[] back = pattern(size, 11);
                peer.send(ByteBuffer.wrap(back), relayed);
                TurnClient.Received received = client.receive(Duration.ofSeconds(10)).orElseThrow(
                        () -> new AssertionError("nothing came back through the relay for " + size + " bytes"));
                assertThat(received.channel()).isEqualTo(channel);
                assertThat(received.data()).as("bytes at the client for %d sent by the peer", size).isEqualTo(back);
            }
        });
    }

    /**
     * Bursts both ways without waiting for answers, so the server reads several datagrams per wake-up and sends what
     * they produced together: every packet of every burst arrives, in order, on each side. Bursts of 32 stay well
     * inside the sockets' default receive buffers, so a missing packet is the server's fault, not the kernel's.
     */
    @Test
    void burstsAreRelayedCompleteAndInOrder() throws Exception {
        final int bursts = 10;
        final int burst = 32;
        overUdpChannel((client, peer, peerAddress, relayed, channel) -> {
            ByteBuffer buffer = ByteBuffer.allocate(2048);
            for (int b = 0; b < bursts; b++) {
                for (int i = 0; i < burst; i++) {
                    client.send(peerAddress, ("out-" + b + "-" + i).getBytes(StandardCharsets.UTF_8));
                }
                for (int i = 0; i < burst; i++) {
                    buffer.clear();
                    assertThat(receiveWithin(peer, buffer)).isEqualTo(relayed);
                    buffer.flip();
                    assertThat(StandardCharsets.UTF_8.decode(buffer).toString()).isEqualTo("out-" + b + "-" + i);
                }
                for (int i = 0; i < burst; i++) {
                    peer.send(ByteBuffer.wrap(("in-" + b + "-" + i).getBytes(StandardCharsets.UTF_8)), relayed);
                }
                for (int i = 0; i < burst; i++) {
                    String expected = "in-" + b + "-" + i;
                    TurnClient.Received received = client.receive(Duration.ofSeconds(10)).orElseThrow(
                            () -> new AssertionError(expected + " did not come back through the relay"));
                    assertThat(received.channel()).isEqualTo(channel);
                    assertThat(new String(received.data(), StandardCharsets.UTF_8)).isEqualTo(expected);
                }
            }
        });
    }

    /** What a test does with a UDP allocation whose channel is bound to a local peer. */
    private interface ChannelExchange {
        void run(TurnClient client, DatagramChannel peer, InetSocketAddress peerAddress, InetSocketAddress relayed,
                 int channel) throws Exception;
    }

    /** Starts a server, allocates over UDP, binds a channel to a fresh local peer, runs {@code exchange}, tears down. */
    private static void overUdpChannel(ChannelExchange exchange) throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             TurnClient client = open(server, StunTransport.UDP, "alice", "wonderland")) {
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalAddress();
            InetSocketAddress relayed = client.allocate().relayedAddress();
            client.createPermission(LOOPBACK);
            int channel = client.bindChannel(peerAddress);
            exchange.run(client, peer, peerAddress, relayed, channel);
        }
    }

    /** {@code size} bytes that differ from position to position and from seed to seed. */
    private static byte[] pattern(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * seed + (i >>> 8));
        }
        return bytes;
    }

    /** PACKETS payloads out to the peer, each echoed back by the test; all arrive, in order, from the relay. */
    private static void roundTrip(TurnClient client, DatagramChannel peer, InetSocketAddress peerAddress,
                                  InetSocketAddress relayed, String label, int channel) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        for (int i = 0; i < PACKETS; i++) {
            byte[] payload = (label + "-" + i).getBytes(StandardCharsets.UTF_8);
            client.send(peerAddress, payload);
            buffer.clear();
            InetSocketAddress from = (InetSocketAddress) receiveWithin(peer, buffer);
            assertThat(from).isEqualTo(relayed);
            buffer.flip();
            assertThat(StandardCharsets.UTF_8.decode(buffer).toString()).isEqualTo(label + "-" + i);
            peer.send(ByteBuffer.wrap(("back-" + i).getBytes(StandardCharsets.UTF_8)), relayed);
            TurnClient.Received received = client.receive(Duration.ofSeconds(10)).orElseThrow(
                    () -> new AssertionError("nothing came back through the relay for " + label));
            assertThat(received.peer()).isEqualTo(peerAddress);
            assertThat(received.channel()).isEqualTo(channel);
            assertThat(new String(received.data(), StandardCharsets.UTF_8)).isEqualTo("back-" + i);
        }
    }

    /** A blocking receive bounded by a selector, so a lost packet fails the test instead of hanging it. */
    private static Object receiveWithin(DatagramChannel channel, ByteBuffer buffer) throws Exception {
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            if (selector.select(10_000) == 0) {
                throw new AssertionError("the peer got nothing from the relay within 10 s");
            }
            return channel.receive(buffer);
        } finally {
            channel.configureBlocking(true); // closing the selector cancelled the key
        }
    }

    @Test
    void loopbackPeersAreRefusedUnlessAllowed() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(false));
             TurnClient client = open(server, StunTransport.UDP, "alice", "wonderland")) {
            client.allocate();
            assertThatThrownBy(() -> client.createPermission(LOOPBACK)).isInstanceOf(TurnClientException.class)
                    .hasMessageContaining("403");
            assertThat(snapshot(server).peersRefused()).isEqualTo(1);
        }
    }

    @Test
    void theServersOwnListeningPortIsRefusedEvenWithLoopbackPeersAllowed() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             TurnClient client = open(server, StunTransport.UDP, "alice", "wonderland")) {
            client.allocate();
            client.createPermission(LOOPBACK); // allowed: the permission names the IP only
            for (String protocol : List.of("udp", "tcp", "tls")) {
                InetSocketAddress own = listener(server, protocol);
                assertThatThrownBy(() -> client.bindChannel(own)).as(protocol).isInstanceOf(TurnClientException.class)
                        .hasMessageContaining("403");
            }
            assertThat(snapshot(server).peersRefused()).isEqualTo(3);
        }
    }

    @Test
    void aWrongPasswordIs401AndCounted() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             TurnClient client = open(server, StunTransport.UDP, "alice", "guess")) {
            assertThatThrownBy(client::allocate).isInstanceOf(TurnClientException.class).hasMessageContaining("401");
            assertThat(snapshot(server).authFailures()).isPositive();
            assertThat(snapshot(server).allocations()).isZero();
        }
    }

    @Test
    void stunBindingIsAnsweredOnTheTurnListeners() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true))) {
            StunClient.Options options = StunClient.Options.DEFAULT.withInsecureTls(true);
            for (StunTransport transport : StunTransport.values()) {
                try (StunClient client = StunClient.open(transport, address(server, transport), "peerlink", null,
                        options)) {
                    assertThat(client.binding().getAddress()).as("%s", transport).isEqualTo(LOOPBACK);
                }
            }
            assertThat(snapshot(server).bindingResponses()).isEqualTo(3);
        }
    }

    @Test
    void iceServersHandsOutRestCredentialsThatAllocate() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            HttpResponse<String> response = get(server, "/api/ice-servers?user=carol");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).contains("application/json");
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertThat(body.get("ttl").asLong()).isEqualTo(86400);
            JsonNode stun = body.get("iceServers").get(0);
            assertThat(stun.get("urls").get(0).asText())
                    .isEqualTo("stun:127.0.0.1:" + listener(server, "udp").getPort());
            JsonNode turn = body.get("iceServers").get(1);
            assertThat(turn.get("urls")).extracting(JsonNode::asText).containsExactly(
                    "turn:127.0.0.1:" + listener(server, "udp").getPort() + "?transport=udp",
                    "turn:127.0.0.1:" + listener(server, "tcp").getPort() + "?transport=tcp",
                    "turns:127.0.0.1:" + listener(server, "tls").getPort() + "?transport=tcp");
            String username = turn.get("username").asText();
            Matcher expiry = Pattern.compile("(\\d+):carol").matcher(username);
            assertThat(expiry.matches()).as(username).isTrue();
            assertThat(Long.parseLong(expiry.group(1)) - System.currentTimeMillis() / 1000)
                    .isBetween(86400L - 600, 86400L + 600);

            try (TurnClient client = open(server, StunTransport.TCP, username, turn.get("credential").asText())) {
                InetSocketAddress relayed = client.allocate().relayedAddress();
                client.createPermission(LOOPBACK);
                roundTrip(client, peer, (InetSocketAddress) peer.getLocalAddress(), relayed, "rest", 0);
            }
            assertThat(get(server, "/api/ice-servers?user=%22%7D").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void iceServersSaysSoWhenNoSecretIsConfigured() throws Exception {
        ServerConfig usersOnly = config(true).withTurn(config(true).turn().withStaticAuthSecrets(List.of()));
        try (PeerlinkServer server = PeerlinkServer.start(usersOnly)) {
            HttpResponse<String> response = get(server, "/api/ice-servers");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("--static-auth-secret");
        }
    }

    @Test
    void metricsMoveAfterARelayedExchange() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config(true));
             DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
             TurnClient client = open(server, StunTransport.UDP, "alice", "wonderland")) {
            String before = get(server, "/metrics").body();
            assertThat(before).contains("peerlink_turn_enabled 1\n").contains("peerlink_turn_allocations 0\n")
                    .contains("peerlink_turn_relayed_packets_total{direction=\"to_peer\"} 0\n");

            InetSocketAddress relayed = client.allocate().relayedAddress();
            client.createPermission(LOOPBACK);
            roundTrip(client, peer, (InetSocketAddress) peer.getLocalAddress(), relayed, "metrics", 0);

            HttpResponse<String> after = get(server, "/metrics");
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain; version=0.0.4");
            assertThat(after.body()).contains("peerlink_turn_allocations 1\n")
                    .contains("peerlink_turn_allocations_created_total 1\n")
                    .contains("peerlink_turn_relayed_packets_total{direction=\"to_peer\"} " + PACKETS + "\n")
                    .contains("peerlink_turn_relayed_packets_total{direction=\"to_client\"} " + PACKETS + "\n")
                    .contains("# TYPE peerlink_turn_relayed_bytes_total counter\n")
                    .contains("peerlink_turn_auth_failures_total 0\n");
        }
    }

    @Test
    void withoutUsersOrSecretsTheListenersServeStunOnly() throws Exception {
        ServerConfig stunOnly = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, false,
                false, "peerlink").withHttp(0, false);
        try (PeerlinkServer server = PeerlinkServer.start(stunOnly)) {
            assertThat(server.turn()).isEmpty();
            try (StunClient client = StunClient.open(StunTransport.UDP, address(server, StunTransport.UDP),
                    "peerlink", null, StunClient.Options.DEFAULT)) {
                client.binding();
            }
            String metrics = get(server, "/metrics").body();
            assertThat(metrics).contains("peerlink_turn_enabled 0\n")
                    .contains("peerlink_stun_binding_responses_total 1\n")
                    .doesNotContain("peerlink_turn_allocations");
            assertThatThrownBy(() -> {
                try (TurnClient client = TurnClient.open(StunTransport.UDP, address(server, StunTransport.UDP),
                        "peerlink", "alice", "wonderland", TurnClient.Options.DEFAULT.withPolicy(
                                new RetransmissionPolicy(Duration.ofMillis(100), 2, 2, Duration.ofSeconds(1))))) {
                    client.allocate();
                }
            }).isInstanceOf(TurnClientException.class);
            assertThat(get(server, "/api/ice-servers").statusCode()).isEqualTo(503);
        }
    }

    private static TurnService.Snapshot snapshot(PeerlinkServer server) throws Exception {
        return server.turn().orElseThrow().snapshot().get();
    }

    private static HttpResponse<String> get(PeerlinkServer server, String path) throws Exception {
        InetSocketAddress http = server.httpAddress().orElseThrow();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + http.getPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
