package dev.peerlink.signaling.server;

import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.hub.Outbound;
import dev.peerlink.signaling.hub.SignalingHub;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalingCodec;
import dev.peerlink.stun.transport.NettyTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket signaling endpoint ({@value #PATH}, docs/signaling.md): a thin Netty driver around a
 * {@link SignalingHub}. Connections live on the I/O group's threads; every hub call runs on one event loop of that
 * group, so the hub needs no locks. Other HTTP paths on the same port go to a {@link HttpHandlerFactory}'s handlers
 * (404 by default).
 */
public final class SignalingServer implements AutoCloseable {
    /** The protocol version is in the path: a v2 would be served beside v1 at its own path. */
    public static final String PATH = "/signaling/v1";

    private static final Logger LOG = LoggerFactory.getLogger(SignalingServer.class);
    private static final AttributeKey<Long> CONNECTION_ID = AttributeKey.valueOf("peerlink.signaling.connection");
    /** Plain HTTP requests for other routes (REST, web app) are small; bodies above this get 413. */
    private static final int MAX_HTTP_REQUEST_BYTES = 64 * 1024;
    /** How often the hub's timers are checked; heartbeats and resume windows are whole seconds. */
    private static final long TICK_MILLIS = 200;
    /** How long close() waits for goodbyes to be written before closing what is left. */
    private static final long SHUTDOWN_WRITE_BOUND_SECONDS = 5;

    private final SignalingConfig config;
    private final EventExecutor hubThread;
    private final SignalingHub hub;
    private final ChannelGroup allChannels;
    private final AtomicLong connectionIds = new AtomicLong();
    /** Upgraded connections by id; touched on the hub thread only. */
    private final Map<Long, Channel> channels = new HashMap<>();
    private Channel serverChannel;
    private ScheduledFuture<?> ticker;
    private volatile boolean closing;

    private SignalingServer(SignalingConfig config, EventLoopGroup group) {
        this.config = config;
        this.hubThread = group.next();
        this.hub = new SignalingHub(config, new SecureRandom());
        this.allChannels = new DefaultChannelGroup("signaling", hubThread);
    }

    /** Binds {@code config.listenAddress()} on {@code group}; other HTTP paths get 404. */
    public static SignalingServer start(SignalingConfig config, EventLoopGroup group, NettyTransport transport)
            throws IOException {
        return start(config, group, transport, () -> NotFoundHandler.INSTANCE);
    }

    /**
     * Binds {@code config.listenAddress()} on {@code group}; HTTP requests for paths other than {@value #PATH} go to
     * handlers from {@code otherRequests}.
     *
     * @throws IOException when the address cannot be bound, with a sentence naming it
     */
    public static SignalingServer start(SignalingConfig config, EventLoopGroup group, NettyTransport transport,
                                        HttpHandlerFactory otherRequests) throws IOException {
        SignalingServer server = new SignalingServer(config, group);
        server.bind(group, transport, otherRequests);
        server.ticker = server.hubThread.scheduleAtFixedRate(server::tick, TICK_MILLIS, TICK_MILLIS,
                TimeUnit.MILLISECONDS);
        return server;
    }

    private void bind(EventLoopGroup group, NettyTransport transport, HttpHandlerFactory otherRequests)
            throws IOException {
        Set<String> origins = Set.copyOf(config.allowedOrigins());
        int maxMessage = config.maxMessageBytes();
        WebSocketServerProtocolConfig webSocket = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .checkStartsWith(false)
                .handleCloseFrames(true)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxMessage)
                        .closeOnProtocolViolation(false) // UpgradeGate says why before it closes
                        .allowExtensions(false)
                        .build())
                .build();
        int heartbeatSeconds = (int) config.heartbeatInterval().toSeconds();
        // A client that stops reading cannot make the server buffer without bound: past this it is dropped.
        int highWater = Math.max(1 << 20, 4 * maxMessage);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(highWater / 2, highWater))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        allChannels.add(channel);
                        channel.pipeline().addLast(
                                new IdleStateHandler(heartbeatSeconds, 0, 0, TimeUnit.SECONDS),
                                new HttpServerCodec(),
                                new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES),
                                new UpgradeGate(SignalingServer.this, origins),
                                new WebSocketServerProtocolHandler(webSocket),
                                new WebSocketFrameAggregator(maxMessage),
                                new ConnectionHandler(SignalingServer.this),
                                otherRequests.newHandler());
                    }
                });
        InetSocketAddress local = config.listenAddress();
        ChannelFuture bound = bootstrap.bind(local).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            String reason = cause == null || cause.getMessage() == null ? "unknown error"
                    : cause.getMessage().replaceFirst("^bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
            throw new IOException("cannot listen for signaling on " + SocketAddresses.format(local) + ": " + reason,
                    cause);
        }
        serverChannel = bound.channel();
        LOG.info("signaling listening on {}{}", SocketAddresses.format(localAddress()), PATH);
    }

    /** The bound address, with the port the system chose when port 0 was asked for. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** {@code ws://address:port/signaling/v1}; a wildcard bind is given as loopback. */
    public URI uri() {
        InetSocketAddress local = localAddress();
        InetAddress address = local.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress()
                : local.getAddress();
        String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]"
                : address.getHostAddress();
        return URI.create("ws://" + host + ":" + local.getPort() + PATH);
    }

    public SignalingConfig config() {
        return config;
    }

    /** How many connections and rooms the hub holds, for metrics. */
    public record Stats(int connections, int rooms) {
    }

    /** A snapshot taken on the hub thread; call it from outside the I/O group. */
    public Stats stats() {
        Future<Stats> snapshot = hubThread.submit(() -> new Stats(hub.connectionCount(), hub.roomCount()));
        snapshot.awaitUninterruptibly(SHUTDOWN_WRITE_BOUND_SECONDS, TimeUnit.SECONDS);
        if (!snapshot.isSuccess()) {
            throw new IllegalStateException("the signaling hub did not answer within "
                    + SHUTDOWN_WRITE_BOUND_SECONDS + " seconds");
        }
        return snapshot.getNow();
    }

    // ---- from the connection handlers (any I/O thread) to the hub thread ----

    void connected(Channel channel) {
        long id = connectionIds.incrementAndGet();
        channel.attr(CONNECTION_ID).set(id);
        onHubThread(id, () -> {
            channels.put(id, channel);
            hub.connected(id, System.nanoTime());
        });
    }

    void received(Channel channel, String text) {
        Long id = channel.attr(CONNECTION_ID).get();
        if (id != null) {
            onHubThread(id, () -> hub.received(id, text, System.nanoTime(), System.currentTimeMillis() / 1000));
        }
    }

    void receivedBinary(Channel channel) {
        Long id = channel.attr(CONNECTION_ID).get();
        if (id != null) {
            onHubThread(id, () -> hub.receivedBinary(id, System.nanoTime()));
        }
    }

    void heard(Channel channel) {
        Long id = channel.attr(CONNECTION_ID).get();
        if (id != null) {
            onHubThread(id, () -> hub.heard(id, System.nanoTime()));
        }
    }

    void tooLarge(Channel channel) {
        Long id = channel.attr(CONNECTION_ID).get();
        if (id != null) {
            onHubThread(id, () -> hub.tooLarge(id, System.nanoTime()));
        } else {
            channel.close();
        }
    }

    void disconnected(Channel channel) {
        Long id = channel.attr(CONNECTION_ID).get();
        if (id != null) {
            onHubThread(id, () -> {
                channels.remove(id);
                hub.disconnected(id, System.nanoTime());
            });
        }
    }

    /**
     * Runs a hub call and sends what it produced. A failure is logged and closes only the connection it came from
     * (with {@code internal-error}); nothing escapes to Netty.
     */
    private void onHubThread(long connectionId, Runnable call) {
        try {
            hubThread.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    LOG.error("signaling hub failed on connection {}", connectionId, e);
                    failConnection(connectionId);
                }
                deliver();
            });
        } catch (RejectedExecutionException e) {
            // The I/O group is shutting down; its channels are closing with it and the hub no longer matters.
        }
    }

    private void tick() {
        try {
            hub.handleTimeout(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.error("signaling hub failed while checking timers", e);
        }
        deliver();
    }

    private void failConnection(long connectionId) {
        Channel channel = channels.remove(connectionId);
        if (channel != null) {
            channel.write(new TextWebSocketFrame(SignalingCodec.encode(ServerMessage.Error.of(
                    ErrorCode.INTERNAL_ERROR, "the server failed to handle a message; this connection is closed"))));
            channel.writeAndFlush(new CloseWebSocketFrame(1011, "internal-error"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Writes everything the hub produced, flushing each connection once; returns the close futures. */
    private List<ChannelFuture> deliver() {
        Set<Channel> written = new LinkedHashSet<>();
        List<ChannelFuture> closes = new ArrayList<>();
        for (Outbound out; (out = hub.pollOutbound().orElse(null)) != null; ) {
            Channel channel = channels.get(out.connectionId());
            if (channel == null) {
                continue; // closed meanwhile; the hub hears of it from disconnected()
            }
            switch (out) {
                case Outbound.Send send -> {
                    if (!channel.isWritable()) {
                        LOG.debug("dropping signaling connection {}: it does not read what it is sent",
                                channel.remoteAddress());
                        channel.close();
                        continue;
                    }
                    channel.write(new TextWebSocketFrame(SignalingCodec.encode(send.message())), channel.voidPromise());
                    written.add(channel);
                }
                case Outbound.Close close -> {
                    channels.remove(close.connectionId());
                    written.remove(channel);
                    closes.add(channel.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), close.reason()))
                            .addListener(ChannelFutureListener.CLOSE));
                }
            }
        }
        written.forEach(Channel::flush);
        return closes;
    }

    /**
     * Stops accepting, tells every connected peer {@code server-shutting-down} with a close frame, waits a bounded
     * time for those to be written, then closes every connection. Call it from outside the I/O group.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (!hubThread.isShuttingDown()) {
            Future<List<ChannelFuture>> goodbyes = hubThread.submit(() -> {
                hub.shutdown();
                return deliver();
            });
            if (goodbyes.awaitUninterruptibly(SHUTDOWN_WRITE_BOUND_SECONDS, TimeUnit.SECONDS)
                    && goodbyes.isSuccess()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHUTDOWN_WRITE_BOUND_SECONDS);
                for (ChannelFuture close : goodbyes.getNow()) {
                    close.channel().closeFuture().awaitUninterruptibly(
                            Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
        }
        allChannels.close().awaitUninterruptibly(SHUTDOWN_WRITE_BOUND_SECONDS, TimeUnit.SECONDS);
    }
}
