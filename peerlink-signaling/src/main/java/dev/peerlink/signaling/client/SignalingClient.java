package dev.peerlink.signaling.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peerlink.signaling.protocol.ClientMessage;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import dev.peerlink.signaling.protocol.SignalingCodec;
import dev.peerlink.signaling.protocol.SignalingProtocolException;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * A signaling client on the JDK's WebSocket (docs/signaling.md): joins one room, sends signals, and delivers what
 * the server sends either to a listener or to a queue read with {@link #poll(Duration)}.
 *
 * <pre>{@code
 * try (SignalingClient alice = SignalingClient.connect(uri, SignalingClient.Options.join("room", "alice"))) {
 *     alice.offer("bob", sdp);
 *     ServerMessage next = alice.poll(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * {@link #close()} leaves the room; {@link #abort()} drops the connection so that {@link #reconnect()} can take the
 * place back within the server's resume window.
 *
 * <p>The WebSocket runs on Netty, on one small event loop group shared by every client in the JVM. Not on the JDK's
 * {@code java.net.http.WebSocket}: its opening handshake completes through {@code ForkJoinPool.commonPool()}
 * ({@code HttpClientImpl.sendAsync} hops there), so while the common pool's few workers (one on a two-core machine)
 * were busy with blocking tasks the 101 response arrived and the connect still timed out.
 */
public final class SignalingClient implements AutoCloseable {
    /** How the connection was closed: the WebSocket close code and reason, or -1 when it failed without one. */
    public record Closed(int statusCode, String reason) {
    }

    /**
     * What to join and how.
     *
     * @param room     the room
     * @param peer     the name to use, or null to be given one
     * @param token    a room token, or null
     * @param resume   a session id from an earlier welcome, or null
     * @param origin   an Origin header to send (as a browser page would), or null
     * @param timeout  how long connecting and joining may take
     * @param listener receives every server message on the client's I/O thread instead of the queue, or null; it
     *                 must not block, since that thread serves every client in the JVM
     */
    public record Options(String room, String peer, String token, String resume, String origin, Duration timeout,
                          Consumer<ServerMessage> listener) {
        public static Options join(String room, String peer) {
            return new Options(room, peer, null, null, null, Duration.ofSeconds(10), null);
        }

        public Options withToken(String value) {
            return new Options(room, peer, value, resume, origin, timeout, listener);
        }

        public Options withResume(String value) {
            return new Options(room, peer, token, value, origin, timeout, listener);
        }

        public Options withOrigin(String value) {
            return new Options(room, peer, token, resume, value, timeout, listener);
        }

        public Options withTimeout(Duration value) {
            return new Options(room, peer, token, resume, origin, value, listener);
        }

        public Options withListener(Consumer<ServerMessage> value) {
            return new Options(room, peer, token, resume, origin, timeout, value);
        }

        @Override
        public String toString() { // tokens and session ids are secrets
            return "Options[room=" + room + ", peer=" + peer + ", token=" + (token == null ? "none" : "given")
                    + ", resume=" + (resume == null ? "none" : "given") + ", origin=" + origin + "]";
        }
    }

    /** One event loop for every client in the JVM: signaling is a few small messages per connection. */
    private static final class Shared {
        static final NettyTransport TRANSPORT = NettyTransport.best();
        static final EventLoopGroup GROUP = TRANSPORT.newEventLoopGroup(1,
                new DefaultThreadFactory("peerlink-signaling-client", true));
    }

    /** Made on the first wss:// connection only. */
    private static final class Tls {
        static final SslContext CONTEXT = context();

        private static SslContext context() {
            try {
                // The JDK's default trust store; the server's name is checked against its certificate.
                return SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
            } catch (SSLException e) {
                throw new IllegalStateException("cannot set up TLS for wss:// signaling: " + e.getMessage(), e);
            }
        }
    }

    /** Larger than any message the server relays (its limit is per message a client sends, 64 KiB by default). */
    private static final int MAX_INCOMING_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final URI uri;
    private final Options options;
    private final BlockingQueue<ServerMessage> inbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<ServerMessage> firstReply = new CompletableFuture<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private volatile Channel channel;
    private volatile boolean closeSent;
    private volatile ServerMessage.Welcome welcome;

    private SignalingClient(URI uri, Options options) {
        this.uri = uri;
        this.options = options;
    }

    /** Joins {@code room} as {@code peer} (null: the server picks a name), with {@code token} when one is needed. */
    public static SignalingClient connect(URI uri, String room, String peer, String token) throws SignalingException {
        return connect(uri, Options.join(room, peer).withToken(token));
    }

    /** Connects and joins; returns once welcomed, or throws with the server's refusal or the connection's failure. */
    public static SignalingClient connect(URI uri, Options options) throws SignalingException {
        SignalingClient client = new SignalingClient(uri, options);
        client.open();
        return client;
    }

    private void open() throws SignalingException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss") || uri.getHost() == null) {
            throw new SignalingException("the signaling URL must be ws:// or wss:// with a host, not " + uri, null, 0,
                    null);
        }
        boolean tls = scheme.equals("wss");
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        long timeoutMillis = options.timeout().toMillis();
        HttpHeaders headers = new DefaultHttpHeaders();
        if (options.origin() != null) {
            headers.set(HttpHeaderNames.ORIGIN, options.origin());
        }
        WebSocketClientProtocolConfig webSocket = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .customHeaders(headers)
                .generateOriginHeader(false) // only what the caller asked for: servers check Origin against a list
                .maxFramePayloadLength(MAX_INCOMING_MESSAGE_BYTES)
                .handleCloseFrames(false) // Receiver reads the server's close code and reason
                .sendCloseFrame(null) // abort() drops the connection; close() sends its own close frame
                .handshakeTimeoutMillis(timeoutMillis)
                .build();
        Bootstrap bootstrap = new Bootstrap()
                .group(Shared.GROUP)
                .channel(Shared.TRANSPORT.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel socket) {
                        if (tls) {
                            socket.pipeline().addLast(Tls.CONTEXT.newHandler(socket.alloc(), host, port));
                        }
                        socket.pipeline().addLast(
                                new HttpClientCodec(),
                                new HttpObjectAggregator(64 * 1024),
                                new WebSocketClientProtocolHandler(webSocket),
                                new WebSocketFrameAggregator(MAX_INCOMING_MESSAGE_BYTES),
                                new Receiver());
                    }
                });
        // Resolved here, on the caller's thread: a slow DNS lookup must not hold up the loop every client shares.
        ChannelFuture connecting = bootstrap.connect(new InetSocketAddress(host, port));
        channel = connecting.channel();
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                opened.completeExceptionally(done.cause());
            }
        });
        try {
            opened.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            abort();
            if (e.getCause() instanceof WebSocketClientHandshakeException refused && refused.response() != null) {
                int status = refused.response().status().code();
                throw new SignalingException("the server at " + uri + " refused the WebSocket upgrade with HTTP "
                        + status, status == 403 ? ErrorCode.ORIGIN_NOT_ALLOWED : null, status, refused);
            }
            throw new SignalingException("cannot connect to " + uri + ": " + e.getCause(), null, 0, e.getCause());
        } catch (TimeoutException e) {
            abort();
            throw new SignalingException("connecting to " + uri + " took longer than " + options.timeout(), null, 0,
                    e);
        } catch (InterruptedException e) {
            abort();
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while connecting to " + uri, null, 0, e);
        }
        try {
            send(new ClientMessage.Join(options.room(), options.peer(), options.token(), options.resume()));
            ServerMessage reply = firstReply.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (reply instanceof ServerMessage.Welcome welcomed) {
                welcome = welcomed;
                return;
            }
            ServerMessage.Error error = (ServerMessage.Error) reply;
            abort();
            throw new SignalingException("the server refused to join room " + options.room() + ": "
                    + error.message(), error.code(), 0, null);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            abort();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new SignalingException("joining room " + options.room() + " at " + uri + " failed: "
                    + (e instanceof TimeoutException ? "no answer within " + options.timeout() : e.getCause()),
                    null, 0, e);
        }
    }

    /** The welcome this client joined with: its name, the session id, and who was already there. */
    public ServerMessage.Welcome welcome() {
        return welcome;
    }

    public String peer() {
        return welcome.peer();
    }

    /** Who was in the room when this client joined, oldest first. */
    public List<String> peersAtJoin() {
        return welcome.peers();
    }

    // ---- sending ----

    public void signal(String to, SignalKind kind, JsonNode payload) throws SignalingException {
        send(new ClientMessage.Signal(to, kind, payload));
    }

    /** Sends an offer with the payload browsers use: {@code {"type":"offer","sdp":...}}. */
    public void offer(String to, String sdp) throws SignalingException {
        signal(to, SignalKind.OFFER, description("offer", sdp));
    }

    public void answer(String to, String sdp) throws SignalingException {
        signal(to, SignalKind.ANSWER, description("answer", sdp));
    }

    /** Sends a candidate as browsers serialise RTCIceCandidate: {@code {"candidate","sdpMid","sdpMLineIndex"}}. */
    public void candidate(String to, String candidate, String sdpMid, int sdpMLineIndex) throws SignalingException {
        ObjectNode payload = SignalingCodec.newObject().put("candidate", candidate).put("sdpMid", sdpMid)
                .put("sdpMLineIndex", sdpMLineIndex);
        signal(to, SignalKind.CANDIDATE, payload);
    }

    public void endOfCandidates(String to) throws SignalingException {
        signal(to, SignalKind.END_OF_CANDIDATES, null);
    }

    public void bye(String to) throws SignalingException {
        signal(to, SignalKind.BYE, null);
    }

    public void ping() throws SignalingException {
        send(new ClientMessage.Ping());
    }

    /** Sends raw text, as a misbehaving client might; for tests of the server's checks. */
    public void sendRaw(String text) throws SignalingException {
        sendText(text);
    }

    private static ObjectNode description(String type, String sdp) {
        return SignalingCodec.newObject().put("type", type).put("sdp", sdp);
    }

    private void send(ClientMessage message) throws SignalingException {
        sendText(SignalingCodec.encode(message));
    }

    /** Writes one text message and waits (bounded) until it is written, so a failure is the caller's to see. */
    private void sendText(String text) throws SignalingException {
        Channel socket = channel;
        if (closed.isDone() || socket == null || !socket.isActive()) {
            throw new SignalingException("sending to " + uri + " failed: the connection is closed", null, 0, null);
        }
        ChannelFuture written = socket.writeAndFlush(new TextWebSocketFrame(text));
        if (socket.eventLoop().inEventLoop()) {
            return; // from a listener: waiting here would wait for this very thread
        }
        try {
            if (!written.await(options.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SignalingException("sending to " + uri + " failed: timed out", null, 0, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while sending to " + uri, null, 0, e);
        }
        if (!written.isSuccess()) {
            throw new SignalingException("sending to " + uri + " failed: " + written.cause(), null, 0,
                    written.cause());
        }
    }

    // ---- receiving ----

    /** The next server message, waiting up to {@code timeout}; null when none came. Unused with a listener. */
    public ServerMessage poll(Duration timeout) throws InterruptedException {
        return inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next server message if one is waiting, else null. */
    public ServerMessage poll() {
        return inbox.poll();
    }

    /** Completes when the connection closes, however that happens. */
    public CompletableFuture<Closed> closed() {
        return closed;
    }

    // ---- ending ----

    /**
     * A new connection that takes back this client's place in the room with its session id, as after a dropped
     * connection; signals queued for it meanwhile arrive after the welcome.
     */
    public SignalingClient reconnect() throws SignalingException {
        abort();
        return connect(uri, new Options(welcome.room(), welcome.peer(), options.token(), welcome.sessionId(),
                options.origin(), options.timeout(), options.listener()));
    }

    /** Drops the connection without leaving: the server keeps the place for its resume window. */
    public void abort() {
        Channel socket = channel;
        if (socket != null) {
            socket.close();
        }
        closed.complete(new Closed(-1, "aborted"));
        opened.completeExceptionally(new IllegalStateException("aborted"));
    }

    /** Leaves the room and closes the connection, waiting a bounded time for the server's close. */
    @Override
    public void close() {
        Channel socket = channel;
        if (socket == null || closed.isDone() || socket.eventLoop().inEventLoop()) {
            abort(); // nothing to wait for, or called from a listener, where waiting would block the I/O thread
            return;
        }
        try {
            if (welcome != null) {
                send(new ClientMessage.Leave());
            }
            // RFC 6455 §7.1.2: send a close frame, then wait for the server's before the connection goes.
            closeSent = true;
            socket.writeAndFlush(new CloseWebSocketFrame(1000, "bye")).await(options.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            closed.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (SignalingException | ExecutionException | TimeoutException e) {
            // The connection is already unusable; abort below releases it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            abort();
        }
    }

    /** The connection's events, on the shared event loop. */
    private final class Receiver extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                opened.complete(null);
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                opened.completeExceptionally(new TimeoutException("no WebSocket upgrade within "
                        + options.timeout()));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame text) {
                dispatch(text.text());
            } else if (frame instanceof CloseWebSocketFrame close) {
                // RFC 6455 §5.5.1: answer the server's close with a close frame, then the connection ends.
                int status = close.statusCode();
                String reason = close.reasonText();
                closed.complete(new Closed(status, reason == null ? "" : reason));
                firstReply.completeExceptionally(new IllegalStateException("the server closed the connection ("
                        + status + " " + reason + ")"));
                if (closeSent) {
                    ctx.close();
                } else {
                    closeSent = true;
                    ctx.writeAndFlush(new CloseWebSocketFrame(status == -1 ? 1000 : status, ""))
                            .addListener(written -> ctx.close());
                }
            }
            // Binary frames are not part of the protocol; pings are answered and pongs dropped by Netty.
        }

        private void dispatch(String text) {
            ServerMessage message;
            try {
                message = SignalingCodec.decodeServer(text);
            } catch (SignalingProtocolException e) {
                message = ServerMessage.Error.of(ErrorCode.BAD_MESSAGE, "the server sent a message this client "
                        + "does not understand: " + e.getMessage());
            }
            if (!firstReply.isDone() && (message instanceof ServerMessage.Welcome
                    || message instanceof ServerMessage.Error)) {
                firstReply.complete(message);
                return;
            }
            if (options.listener() != null) {
                options.listener().accept(message);
            } else {
                inbox.add(message);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            IllegalStateException gone = new IllegalStateException("the connection closed");
            closed.complete(new Closed(-1, "the connection closed"));
            opened.completeExceptionally(gone);
            firstReply.completeExceptionally(gone);
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            opened.completeExceptionally(cause);
            closed.complete(new Closed(-1, String.valueOf(cause)));
            firstReply.completeExceptionally(cause);
            ctx.close();
        }
    }
}
