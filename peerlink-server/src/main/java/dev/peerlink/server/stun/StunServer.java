package dev.peerlink.server.stun;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TlsCertificates;
import dev.peerlink.server.turn.TurnDatagramHandler;
import dev.peerlink.server.turn.TurnService;
import dev.peerlink.server.turn.TurnStreamHandler;
import dev.peerlink.stun.transport.DatagramReads;
import dev.peerlink.turn.server.FiveTuple;
import dev.peerlink.stun.server.BindingResponder;
import dev.peerlink.stun.transport.NettyTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;

/**
 * The STUN listeners of {@code peerlink server}: UDP, TCP and TLS on every listening IP (RFC 8489 §6). With TURN
 * configured they are STUN+TURN listeners: every packet goes to the {@link TurnService}'s core, on its event loop,
 * which answers Binding too, so one port serves both (RFC 8656 §5).
 */
public final class StunServer implements AutoCloseable {
    /** One bound socket. {@code protocol} is "udp", "tcp" or "tls". */
    public record Listener(String protocol, InetSocketAddress address) {
        @Override
        public String toString() {
            return protocol + " " + SocketAddresses.format(address);
        }
    }

    /** Idle TCP/TLS connections are closed after this many seconds. */
    private static final int STREAM_IDLE_SECONDS = 300;

    private final List<Channel> channels = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();
    private final TurnService turn;
    private final LongAdder bindingResponses = new LongAdder();

    private StunServer(TurnService turn) {
        this.turn = turn;
    }

    /**
     * Binds every listener the configuration asks for on {@code group}.
     *
     * @throws ConfigException when a socket cannot be bound; anything bound so far is closed again
     */
    public static StunServer start(ServerConfig config, TlsCertificates tls, NettyTransport transport,
                                   EventLoopGroup group) throws ConfigException {
        return start(config, tls, transport, group, null);
    }

    /**
     * Binds every listener; with {@code turn} they are STUN+TURN listeners whose UDP sockets and TCP/TLS connections
     * live on the TURN loop.
     */
    public static StunServer start(ServerConfig config, TlsCertificates tls, NettyTransport transport,
                                   EventLoopGroup group, TurnService turn) throws ConfigException {
        config.validate();
        StunServer server = new StunServer(turn);
        try {
            server.bindAll(config, tls, transport, group);
            return server;
        } catch (ConfigException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void bindAll(ServerConfig config, TlsCertificates tls, NettyTransport transport, EventLoopGroup group)
            throws ConfigException {
        List<InetAddress> ips = config.listeningAddresses();
        if (ips.isEmpty()) {
            ips = List.of(defaultWildcard());
        }
        String software = config.software().isEmpty() ? null : config.software();
        if (!config.noUdp()) {
            if (config.rfc5780()) {
                bindRfc5780(ips.get(0), ips.get(1), config.listeningPort(), config.effectiveAltPort(), software,
                        transport, group);
                for (InetAddress ip : ips.subList(2, ips.size())) {
                    bindPlainUdp(new InetSocketAddress(ip, config.listeningPort()), software, transport, group);
                }
            } else {
                for (InetAddress ip : ips) {
                    bindPlainUdp(new InetSocketAddress(ip, config.listeningPort()), software, transport, group);
                }
            }
        }
        if (!config.noTcp()) {
            for (InetAddress ip : ips) {
                bindStream("tcp", new InetSocketAddress(ip, config.listeningPort()), null, software, transport, group);
            }
        }
        if (!config.noTls()) {
            SslContext ssl = sslContext(tls);
            for (InetAddress ip : ips) {
                bindStream("tls", new InetSocketAddress(ip, config.tlsListeningPort()), ssl, software, transport,
                        group);
            }
        }
    }

    private void bindPlainUdp(InetSocketAddress local, String software, NettyTransport transport, EventLoopGroup group)
            throws ConfigException {
        if (turn != null) {
            bindUdp(local, new TurnDatagramHandler(turn), transport, turn.loop());
        } else {
            bindUdp(local, new StunDatagramHandler(new BindingResponder(software, local, null), bindingResponses),
                    transport, group);
        }
    }

    /** The IPv6 wildcard also takes IPv4 on Linux; fall back to IPv4 where the machine has no IPv6. */
    private static InetAddress defaultWildcard() {
        try {
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                if (nic.isUp() && nic.inetAddresses().anyMatch(a -> a instanceof Inet6Address)) {
                    return InetAddress.getByName("::");
                }
            }
            return InetAddress.getByName("0.0.0.0");
        } catch (SocketException | java.net.UnknownHostException e) {
            return new InetSocketAddress(0).getAddress();
        }
    }

    /**
     * RFC 5780 §6: four UDP sockets, two IPs × two ports; each tells clients about its opposite (OTHER-ADDRESS) and
     * can answer from any of the others when asked with CHANGE-REQUEST.
     */
    private void bindRfc5780(InetAddress ip1, InetAddress ip2, int port1, int port2, String software,
                             NettyTransport transport, EventLoopGroup group) throws ConfigException {
        Map<InetSocketAddress, Channel> byAddress = new HashMap<>();
        Map<InetSocketAddress, StunDatagramHandler> handlers = new HashMap<>();
        for (InetAddress ip : List.of(ip1, ip2)) {
            for (int port : List.of(port1, port2)) {
                InetSocketAddress local = new InetSocketAddress(ip, port);
                InetSocketAddress other = new InetSocketAddress(ip.equals(ip1) ? ip2 : ip1, port == port1 ? port2 : port1);
                StunDatagramHandler handler = new StunDatagramHandler(new BindingResponder(software, local, other),
                        bindingResponses);
                byAddress.put(local, bindUdp(local, handler, transport, group));
                handlers.put(local, handler);
            }
        }
        handlers.forEach((local, handler) -> {
            InetAddress otherIp = local.getAddress().equals(ip1) ? ip2 : ip1;
            int otherPort = local.getPort() == port1 ? port2 : port1;
            handler.sibling(BindingResponder.Route.CHANGE_PORT,
                    byAddress.get(new InetSocketAddress(local.getAddress(), otherPort)));
            handler.sibling(BindingResponder.Route.CHANGE_ADDRESS,
                    byAddress.get(new InetSocketAddress(otherIp, local.getPort())));
            handler.sibling(BindingResponder.Route.CHANGE_ADDRESS_AND_PORT,
                    byAddress.get(new InetSocketAddress(otherIp, otherPort)));
        });
    }

    private Channel bindUdp(InetSocketAddress local, ChannelHandler handler, NettyTransport transport,
                            EventLoopGroup group) throws ConfigException {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel())
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(handler);
                    }
                });
        // Whole datagrams, a batch per recvmmsg. STUN too needs slots larger than a usual packet: RFC 5780's PADDING
        // test sends a Binding request of ~1,532 bytes, which 1,500-byte slots cut short (and left unanswered).
        DatagramReads.apply(bootstrap, transport);
        Channel channel = bind(bootstrap.bind(local), "udp", local);
        channels.add(channel);
        listeners.add(new Listener("udp", (InetSocketAddress) channel.localAddress()));
        return channel;
    }

    private void bindStream(String protocol, InetSocketAddress local, SslContext ssl, String software,
                            NettyTransport transport, EventLoopGroup group) throws ConfigException {
        // With TURN, connections are served on the TURN loop, where the core lives; accepting stays on the group.
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group, turn != null ? turn.loop() : group)
                .channel(transport.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (ssl != null) {
                            channel.pipeline().addLast(ssl.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(new IdleStateHandler(0, 0, STREAM_IDLE_SECONDS, TimeUnit.SECONDS));
                        if (turn != null) {
                            channel.pipeline().addLast(new TurnStreamHandler(turn,
                                    ssl != null ? FiveTuple.Transport.TLS : FiveTuple.Transport.TCP));
                        } else {
                            channel.pipeline().addLast(new StunStreamHandler(
                                    new BindingResponder(software, channel.localAddress(), null), bindingResponses));
                        }
                    }
                });
        Channel channel = bind(bootstrap.bind(local), protocol, local);
        channels.add(channel);
        listeners.add(new Listener(protocol, (InetSocketAddress) channel.localAddress()));
    }

    private static Channel bind(ChannelFuture future, String protocol, InetSocketAddress local)
            throws ConfigException {
        future.awaitUninterruptibly();
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            String reason = cause == null || cause.getMessage() == null ? "unknown error"
                    : cause.getMessage().replaceFirst("^bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
            throw new ConfigException("cannot listen on " + protocol + " " + SocketAddresses.format(local) + ": "
                    + reason);
        }
        return future.channel();
    }

    private static SslContext sslContext(TlsCertificates tls) throws ConfigException {
        try {
            return SslContextBuilder.forServer(tls.privateKey(), tls.chain().toArray(new java.security.cert.X509Certificate[0]))
                    .build();
        } catch (SSLException e) {
            throw new ConfigException("cannot use the TLS certificate and key: " + e.getMessage());
        }
    }

    /** Binding responses sent by the STUN-only listeners (with TURN, the core counts them). */
    public long bindingResponses() {
        return bindingResponses.sum();
    }

    /** Every bound socket, with the port the system gave where port 0 was asked for. */
    public List<Listener> listeners() {
        return List.copyOf(listeners);
    }

    @Override
    public void close() {
        for (Channel channel : channels) {
            channel.close().awaitUninterruptibly();
        }
        channels.clear();
    }
}
