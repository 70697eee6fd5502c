package dev.peerlink.signaling.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peerlink.signaling.RoomTokens;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.client.SignalingClient;
import dev.peerlink.signaling.client.SignalingException;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import dev.peerlink.signaling.protocol.SignalingCodec;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Netty driver on real loopback sockets, with {@link SignalingClient}s as peers. */
class SignalingServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private static EventLoopGroup group;
    private final List<SignalingServer> servers = new ArrayList<>();
    private final List<SignalingClient> clients = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = NettyTransport.best().newEventLoopGroup(2, new DefaultThreadFactory("signaling-test-io", true));
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @AfterEach
    void tearDown() {
        clients.forEach(SignalingClient::abort);
        servers.forEach(SignalingServer::close);
    }

    private SignalingServer start(SignalingConfig config) throws IOException {
        return start(config, null);
    }

    private SignalingServer start(SignalingConfig config, HttpHandlerFactory otherRequests) throws IOException {
        SignalingConfig bound = config.withListenAddress(LOOPBACK);
        SignalingServer server = otherRequests == null
                ? SignalingServer.start(bound, group, NettyTransport.best())
                : SignalingServer.start(bound, group, NettyTransport.best(), otherRequests);
        servers.add(server);
        return server;
    }

    private SignalingClient connect(SignalingServer server, SignalingClient.Options options)
            throws SignalingException {
        SignalingClient client = SignalingClient.connect(server.uri(), options);
        clients.add(client);
        return client;
    }

    private SignalingClient connect(SignalingServer server, String room, String peer) throws SignalingException {
        return connect(server, SignalingClient.Options.join(room, peer));
    }

    private static ServerMessage next(SignalingClient client) throws InterruptedException {
        ServerMessage message = client.poll(WAIT);
        assertThat(message).as("a message within " + WAIT).isNotNull();
        return message;
    }

    @Test
    void twoPeersExchangeOfferAnswerAndCandidates() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults());
        SignalingClient alice = connect(server, "call", "alice");
        SignalingClient bob = connect(server, "call", "bob");
        assertThat(alice.peersAtJoin()).isEmpty();
        assertThat(bob.peersAtJoin()).containsExactly("alice");
        assertThat(next(alice)).isEqualTo(new ServerMessage.PeerJoined("bob"));

        bob.offer("alice", "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\n");
        ServerMessage.Signal offer = (ServerMessage.Signal) next(alice);
        assertThat(offer.from()).isEqualTo("bob");
        assertThat(offer.kind()).isEqualTo(SignalKind.OFFER);
        assertThat(offer.payload().path("type").asText()).isEqualTo("offer");
        assertThat(offer.payload().path("sdp").asText()).startsWith("v=0\r\no=bob");

        alice.answer("bob", "v=0\r\no=alice 2 2 IN IP4 127.0.0.1\r\n");
        alice.candidate("bob", "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "0", 0);
        alice.endOfCandidates("bob");
        bob.candidate("alice", "candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host", "0", 0);
        bob.endOfCandidates("alice");

        assertThat(List.of(next(bob), next(bob), next(bob))).extracting(m -> ((ServerMessage.Signal) m).kind())
                .containsExactly(SignalKind.ANSWER, SignalKind.CANDIDATE, SignalKind.END_OF_CANDIDATES);
        ServerMessage.Signal candidate = (ServerMessage.Signal) next(alice);
        assertThat(candidate.payload().path("candidate").asText()).endsWith("50001 typ host");
        assertThat(candidate.payload().path("sdpMLineIndex").asInt()).isZero();
        assertThat(((ServerMessage.Signal) next(alice)).kind()).isEqualTo(SignalKind.END_OF_CANDIDATES);

        bob.bye("alice");
        assertThat(((ServerMessage.Signal) next(alice)).kind()).isEqualTo(SignalKind.BYE);
        bob.close();
        assertThat(next(alice)).isEqualTo(new ServerMessage.PeerLeft("bob", "left"));
        alice.ping();
        assertThat(next(alice)).isEqualTo(new ServerMessage.Pong());
    }

    @Test
    void aHundredClientsInTwentyRoomsOnlySeeTheirOwnRoom() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults());
        int roomCount = 20;
        int perRoom = 5;
        List<List<ServerMessage>> received = new ArrayList<>();
        List<SignalingClient> all = new ArrayList<>();
        for (int r = 0; r < roomCount; r++) {
            for (int p = 0; p < perRoom; p++) {
                List<ServerMessage> inbox = new CopyOnWriteArrayList<>();
                received.add(inbox);
                all.add(connect(server, SignalingClient.Options.join(room(r), name(r, p)).withListener(inbox::add)));
            }
        }
        assertThat(server.stats()).isEqualTo(new SignalingServer.Stats(100, 20));

        for (int r = 0; r < roomCount; r++) {
            for (int p = 0; p < perRoom; p++) {
                SignalingClient client = all.get(r * perRoom + p);
                for (int q = 0; q < perRoom; q++) {
                    if (q != p) {
                        client.signal(name(r, q), SignalKind.OFFER,
                                SignalingCodec.newObject().put("room", room(r)).put("from", name(r, p)));
                    }
                }
                client.signal(name((r + 1) % roomCount, p), SignalKind.OFFER, null); // a peer of the next room
            }
        }

        // Each peer gets perRoom - 1 signals, one peer-joined per later room-mate, and one unknown-peer error.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < received.size(); i++) {
                if (received.get(i).size() < (perRoom - 1) + (perRoom - 1 - i % perRoom) + 1) {
                    return false;
                }
            }
            return true;
        });
        for (int r = 0; r < roomCount; r++) {
            for (int p = 0; p < perRoom; p++) {
                List<ServerMessage> inbox = received.get(r * perRoom + p);
                String ownRoom = room(r);
                assertThat(inbox).as("everything %s saw", name(r, p)).allSatisfy(message -> {
                    switch (message) {
                        case ServerMessage.Signal signal -> {
                            assertThat(signal.payload().path("room").asText()).isEqualTo(ownRoom);
                            assertThat(signal.from()).startsWith(ownRoom + "-");
                        }
                        case ServerMessage.PeerJoined joined -> assertThat(joined.peer()).startsWith(ownRoom + "-");
                        case ServerMessage.Error error -> assertThat(error.code()).isEqualTo(ErrorCode.UNKNOWN_PEER);
                        default -> throw new AssertionError("unexpected " + message);
                    }
                });
                assertThat(inbox).filteredOn(ServerMessage.Signal.class::isInstance).hasSize(perRoom - 1);
                assertThat(inbox).filteredOn(ServerMessage.Error.class::isInstance).hasSize(1);
            }
        }
    }

    private static String room(int r) {
        return String.format("room%02d", r);
    }

    private static String name(int r, int p) {
        return room(r) + "-p" + p;
    }

    @Test
    void aDroppedPeerReconnectsAndReceivesWhatWasSentMeanwhile() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults());
        SignalingClient alice = connect(server, "call", "alice");
        SignalingClient bob = connect(server, "call", "bob");
        next(alice);

        alice.abort();
        await().atMost(WAIT).until(() -> server.stats().connections() == 1); // the server noticed the drop
        bob.offer("alice", "v=0\r\n");
        bob.candidate("alice", "candidate:1 1 udp 1 127.0.0.1 9 typ host", "0", 0);

        SignalingClient resumed = alice.reconnect();
        clients.add(resumed);
        assertThat(resumed.welcome().resumed()).isTrue();
        assertThat(resumed.peer()).isEqualTo("alice");
        assertThat(resumed.peersAtJoin()).containsExactly("bob");
        assertThat(((ServerMessage.Signal) next(resumed)).kind()).isEqualTo(SignalKind.OFFER);
        assertThat(((ServerMessage.Signal) next(resumed)).kind()).isEqualTo(SignalKind.CANDIDATE);

        resumed.answer("bob", "v=0\r\n");
        assertThat(((ServerMessage.Signal) next(bob)).kind()).as("bob never saw alice leave or rejoin")
                .isEqualTo(SignalKind.ANSWER);
    }

    @Test
    void roomTokensAreRequiredWhenASecretIsConfigured() throws Exception {
        String secret = "test-secret-0123456789";
        SignalingServer server = start(SignalingConfig.defaults().withTokenSecrets(List.of(secret)));
        RoomTokens tokens = new RoomTokens(List.of(secret));
        long inAMinute = System.currentTimeMillis() / 1000 + 60;

        assertThatThrownBy(() -> connect(server, "r", "alice"))
                .isInstanceOfSatisfying(SignalingException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_REQUIRED));
        assertThatThrownBy(() -> connect(server, SignalingClient.Options.join("r", "alice")
                .withToken(tokens.issue("other", inAMinute))))
                .isInstanceOfSatisfying(SignalingException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_TOKEN));
        assertThatThrownBy(() -> connect(server, SignalingClient.Options.join("r", "alice")
                .withToken(tokens.issue("r", inAMinute - 3600))))
                .isInstanceOfSatisfying(SignalingException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED));

        SignalingClient alice = connect(server, SignalingClient.Options.join("r", "alice")
                .withToken(tokens.issue("r", inAMinute)));
        assertThat(alice.peer()).isEqualTo("alice");
    }

    @Test
    void upgradesFromOriginsNotAllowedAreRefusedWith403() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults()
                .withAllowedOrigins(List.of("http://localhost:8080")));

        assertThatThrownBy(() -> connect(server, SignalingClient.Options.join("r", "mallory")
                .withOrigin("http://evil.example")))
                .isInstanceOfSatisfying(SignalingException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo(ErrorCode.ORIGIN_NOT_ALLOWED);
                });
        assertThat(connect(server, SignalingClient.Options.join("r", "alice")
                .withOrigin("http://localhost:8080")).peer()).isEqualTo("alice");
        assertThat(connect(server, "r", "cli").peer()).as("no Origin: not a browser").isEqualTo("cli");
        assertThat(server.stats().connections()).isEqualTo(2);
    }

    @Test
    void theOriginRefusalSaysWhyInJson() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults().withAllowedOrigins(List.of("https://app.example")));
        try (var socket = new java.net.Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            socket.getOutputStream().write(("GET /signaling/v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout((int) WAIT.toMillis());
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 403").contains("\"code\":\"origin-not-allowed\"");
        }
    }

    @Test
    void anOversizedMessageGetsAnErrorThenTheConnectionCloses() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults().withMaxMessageBytes(1024));
        SignalingClient alice = connect(server, "r", "alice");

        alice.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(2000) + "\"}");

        ServerMessage.Error error = (ServerMessage.Error) next(alice);
        assertThat(error.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(error.message()).contains("1024");
        assertThat(alice.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(1009);
    }

    @Test
    void shutdownTellsEveryConnectedPeer() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults());
        List<SignalingClient> peers = List.of(connect(server, "a", "p1"), connect(server, "a", "p2"),
                connect(server, "b", "p3"));
        next(peers.get(0));

        server.close();

        for (SignalingClient peer : peers) {
            ServerMessage.Error error = (ServerMessage.Error) next(peer);
            assertThat(error.code()).isEqualTo(ErrorCode.SERVER_SHUTTING_DOWN);
            assertThat(peer.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(1001);
        }
        assertThatThrownBy(() -> SignalingClient.connect(server.uri(), SignalingClient.Options.join("a", "late")
                .withTimeout(Duration.ofSeconds(5))))
                .isInstanceOf(SignalingException.class);
    }

    @Test
    void silentConnectionsArePingedAndThoseThatNeverAnswerAreClosed() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults().withHeartbeat(Duration.ofSeconds(1), 2));
        SignalingClient answersPings = connect(server, "r", "alice"); // the JDK answers pings with pongs itself
        try (var socket = new java.net.Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            var in = new java.io.DataInputStream(socket.getInputStream());
            socket.getOutputStream().write(("GET /signaling/v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");

            // This client never answers: it sees a ping, then heartbeat-timeout, then a close frame.
            List<Integer> opcodes = new ArrayList<>();
            String text = null;
            for (int frames = 0; frames < 10 && !opcodes.contains(8); frames++) {
                int opcode = in.readUnsignedByte() & 0x0F;
                int length = in.readUnsignedByte() & 0x7F;
                if (length == 126) {
                    length = in.readUnsignedShort();
                }
                byte[] payload = in.readNBytes(length);
                opcodes.add(opcode);
                if (opcode == 1) {
                    text = new String(payload, StandardCharsets.UTF_8);
                }
            }
            assertThat(opcodes).containsSubsequence(9, 1, 8);
            assertThat(text).contains("\"code\":\"heartbeat-timeout\"");
        }
        assertThat(answersPings.closed()).isNotDone();
        assertThat(server.stats().connections()).isEqualTo(1);
    }

    @Test
    void otherPathsAre404ByDefault() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults());
        URI base = URI.create("http://127.0.0.1:" + server.localAddress().getPort());
        try (HttpClient http = HttpClient.newHttpClient()) {

        HttpResponse<String> other = http.send(HttpRequest.newBuilder(base.resolve("/index.html")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(404);
        HttpResponse<String> plainGet = http.send(HttpRequest.newBuilder(base.resolve(SignalingServer.PATH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plainGet.statusCode()).as("the endpoint without an upgrade").isBetween(400, 499);
        }
    }

    @Test
    void anotherHttpHandlerServesOtherPathsOnTheSamePort() throws Exception {
        SignalingServer server = start(SignalingConfig.defaults(), () -> new SimpleChannelInboundHandler<FullHttpRequest>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                byte[] body = ("you asked for " + request.uri()).getBytes(StandardCharsets.UTF_8);
                FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        });
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.localAddress().getPort() + "/api/credentials")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("you asked for /api/credentials");
        }

        assertThat(connect(server, "r", "alice").peer()).as("signaling still works beside it").isEqualTo("alice");
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        SignalingServer first = start(SignalingConfig.defaults());
        assertThatThrownBy(() -> SignalingServer.start(SignalingConfig.defaults()
                .withListenAddress(first.localAddress()), group, NettyTransport.best()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot listen for signaling on 127.0.0.1:" + first.localAddress().getPort());
    }
}
