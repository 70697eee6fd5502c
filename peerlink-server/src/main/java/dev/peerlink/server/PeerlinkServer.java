package dev.peerlink.server;

import dev.peerlink.server.http.ServerHttpHandler;
import dev.peerlink.server.http.WebAppRoutes;
import dev.peerlink.server.stun.StunServer;
import dev.peerlink.server.turn.TurnHttpRoutes;
import dev.peerlink.server.turn.TurnService;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.server.SignalingServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The all-in-one server: STUN (UDP, TCP, TLS, and RFC 5780 when asked), TURN on the same listeners when users or
 * REST secrets are configured, and over HTTP WebSocket signaling, {@code /health}, {@code /api/ice-servers} and
 * {@code /metrics}, and the web app ({@code /}, {@code /check}; see {@link WebAppRoutes}). Start it, read {@link #listeners()}, close it.
 */
public final class PeerlinkServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerlinkServer.class);

    private final EventLoopGroup group;
    private final StunServer stun;
    private final TurnService turn;
    private final SignalingServer signaling;
    private final TlsCertificates tls;
    private final NettyTransport transport;

    private PeerlinkServer(EventLoopGroup group, StunServer stun, TurnService turn, SignalingServer signaling,
                           TlsCertificates tls, NettyTransport transport) {
        this.group = group;
        this.stun = stun;
        this.turn = turn;
        this.signaling = signaling;
        this.tls = tls;
        this.transport = transport;
    }

    /** Validates the configuration, loads or makes the TLS identity, and binds every listener. */
    public static PeerlinkServer start(ServerConfig config) throws ConfigException {
        config.validate();
        TlsCertificates tls = null;
        if (!config.noTls()) {
            tls = config.cert() != null ? TlsCertificates.fromPem(Path.of(config.cert()), Path.of(config.pkey()))
                    : TlsCertificates.generateSelfSigned();
        }
        NettyTransport transport = NettyTransport.best();
        EventLoopGroup group = transport.newEventLoopGroup(0, new DefaultThreadFactory("peerlink-io", true));
        StunServer stun = null;
        TurnService turn = null;
        try {
            if (config.turn().enabled()) {
                // One core on one loop: see TurnService for why, and what it costs.
                turn = TurnService.create(config.turn(), config.listeningAddresses(),
                        config.software().isEmpty() ? null : config.software(), transport, group.next());
            }
            stun = StunServer.start(config, tls, transport, group, turn);
            if (turn != null) {
                turn.start(stun.listeners().stream().map(StunServer.Listener::address).toList());
            }
            SignalingServer signaling = config.noHttp() ? null : startHttp(config, group, transport, stun, turn);
            PeerlinkServer server = new PeerlinkServer(group, stun, turn, signaling, tls, transport);
            LOG.info("{} listening ({} transport): {}", turn != null ? "STUN+TURN" : "STUN",
                    transport.name().toLowerCase(), stun.listeners());
            return server;
        } catch (ConfigException | RuntimeException e) {
            if (stun != null) {
                stun.close();
            }
            if (turn != null) {
                turn.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * HTTP on the first listening IP (or every address): WebSocket signaling at {@link SignalingServer#PATH} and the
     * plain routes of {@link ServerHttpHandler} on the same port.
     */
    private static SignalingServer startHttp(ServerConfig config, EventLoopGroup group, NettyTransport transport,
                                             StunServer stun, TurnService turn) throws ConfigException {
        List<InetAddress> ips = config.listeningAddresses();
        InetSocketAddress address = ips.isEmpty() ? new InetSocketAddress(config.httpPort())
                : new InetSocketAddress(ips.get(0), config.httpPort());
        SignalingConfig signalingConfig = SignalingConfig.defaults().withListenAddress(address)
                .withAllowedOrigins(config.allowedOrigins()).withTokenSecrets(config.roomTokenSecrets());
        String health = "{\"status\":\"ok\",\"stun\":" + stun.listeners().stream()
                .map(listener -> "\"" + listener + "\"").collect(Collectors.joining(",", "[", "]")) + "}\n";
        TurnHttpRoutes turnRoutes = new TurnHttpRoutes(stun.listeners(), turn, config.allowedOrigins(),
                Clock.systemUTC(), stun::bindingResponses);
        Map<String, ServerHttpHandler.Route> routes = new HashMap<>(WebAppRoutes.routes());
        routes.put("/health", ServerHttpHandler.Route.of(() -> ServerHttpHandler.Response.ok("application/json",
                health)));
        routes.put("/api/ice-servers", turnRoutes.iceServers());
        routes.put("/metrics", turnRoutes.metrics());
        try {
            return SignalingServer.start(signalingConfig, group, transport, () -> new ServerHttpHandler(routes));
        } catch (IOException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    public List<StunServer.Listener> listeners() {
        return stun.listeners();
    }

    /** The TURN service, or empty when TURN is not configured. */
    public Optional<TurnService> turn() {
        return Optional.ofNullable(turn);
    }

    /** The signaling WebSocket's URI, or empty when HTTP is off. */
    public Optional<URI> signalingUri() {
        return Optional.ofNullable(signaling).map(SignalingServer::uri);
    }

    /** The HTTP port actually bound, or empty when HTTP is off. */
    public Optional<InetSocketAddress> httpAddress() {
        return Optional.ofNullable(signaling).map(SignalingServer::localAddress);
    }

    /** The TLS identity in use, or null when TLS is off. */
    public TlsCertificates tls() {
        return tls;
    }

    public NettyTransport transport() {
        return transport;
    }

    @Override
    public void close() {
        if (signaling != null) {
            signaling.close(); // first, so connected peers hear that the server is going away
        }
        stun.close();
        if (turn != null) {
            turn.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
