package dev.peerlink.server;

import dev.peerlink.server.stun.StunServer;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The all-in-one server: today STUN (UDP, TCP, TLS, and RFC 5780 when asked); TURN, signaling and the web app join
 * it in later issues. Start it, read {@link #listeners()}, close it.
 */
public final class PeerlinkServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerlinkServer.class);

    private final EventLoopGroup group;
    private final StunServer stun;
    private final TlsCertificates tls;
    private final NettyTransport transport;

    private PeerlinkServer(EventLoopGroup group, StunServer stun, TlsCertificates tls, NettyTransport transport) {
        this.group = group;
        this.stun = stun;
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
        try {
            StunServer stun = StunServer.start(config, tls, transport, group);
            PeerlinkServer server = new PeerlinkServer(group, stun, tls, transport);
            LOG.info("STUN listening ({} transport): {}", transport.name().toLowerCase(), stun.listeners());
            return server;
        } catch (ConfigException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public List<StunServer.Listener> listeners() {
        return stun.listeners();
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
        stun.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
