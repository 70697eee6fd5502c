package dev.peerlink.ice.netty;

import dev.peerlink.ice.netty.HostAddressGatherer.HostAddress;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multicast sockets of the mDNS resolver: one per interface and address family among the gathered host
 * addresses, bound to the mDNS group and port (RFC 6762 §3: 224.0.0.251 and ff02::fb, port 5353), sending only on
 * that interface. Opened when the first query goes out, so sessions that never meet a {@code .local} name never
 * touch port 5353. Lives on the session's event loop; every method is called there.
 */
final class MdnsChannels {
    private static final Logger log = LoggerFactory.getLogger(MdnsChannels.class);
    static final int MDNS_PORT = 5353;
    private static final byte[] IPV4_GROUP = {(byte) 224, 0, 0, (byte) 251};
    private static final byte[] IPV6_GROUP = {(byte) 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xfb};
    /** RFC 6762 §11: mDNS packets go out with IP TTL / hop limit 255. */
    private static final int MULTICAST_TTL = 255;

    private record Link(NetworkInterface networkInterface, boolean ipv6) {
    }

    private final EventLoop loop;
    private final NettyTransport transport;
    private final List<HostAddress> addresses;
    private final Consumer<ByteBuffer> onResponse;
    private final Map<Link, Channel> ready = new LinkedHashMap<>();
    private final List<Channel> opened = new ArrayList<>();
    private final List<byte[]> waitingForSockets = new ArrayList<>();
    private int opening = -1;
    private boolean closed;

    MdnsChannels(EventLoop loop, NettyTransport transport, List<HostAddress> addresses,
                 Consumer<ByteBuffer> onResponse) {
        this.loop = loop;
        this.transport = transport;
        this.addresses = List.copyOf(addresses);
        this.onResponse = onResponse;
    }

    /** Multicasts {@code query} on every link, opening the sockets first if need be. */
    void send(byte[] query) {
        if (closed) {
            return;
        }
        if (opening != 0) {
            waitingForSockets.add(query);
            if (opening < 0) {
                open();
            }
            return;
        }
        ready.forEach((link, channel) -> channel.writeAndFlush(
                new DatagramPacket(Unpooled.wrappedBuffer(query), new InetSocketAddress(group(link), MDNS_PORT))));
    }

    private void open() {
        Map<Link, Boolean> links = new LinkedHashMap<>();
        for (HostAddress address : addresses) {
            try {
                NetworkInterface nic = address.networkInterface();
                if (nic != null && nic.isUp() && nic.supportsMulticast() && !nic.isLoopback()) {
                    links.put(new Link(nic, address.address() instanceof Inet6Address), true);
                }
            } catch (SocketException e) {
                log.debug("interface {} is gone; no mDNS on it", address.interfaceName());
            }
        }
        opening = links.size();
        if (links.isEmpty()) {
            log.debug("no multicast-capable interface among the gathered addresses; mDNS names stay unresolved");
            opening = 0;
            waitingForSockets.clear();
            return;
        }
        for (Link link : links.keySet()) {
            openOn(link);
        }
    }

    private void openOn(Link link) {
        InetAddress group = group(link);
        Bootstrap bootstrap = new Bootstrap().group(loop)
                .channelFactory(channelFactory(link.ipv6))
                .option(ChannelOption.SO_REUSEADDR, true) // other responders and queriers share port 5353
                .option(ChannelOption.IP_MULTICAST_IF, link.networkInterface)
                .option(ChannelOption.IP_MULTICAST_TTL, MULTICAST_TTL)
                .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, true)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
                        // RFC 6762 §6: responses not from port 5353 are ignored.
                        if (packet.sender() != null && packet.sender().getPort() == MDNS_PORT) {
                            onResponse.accept(packet.content().nioBuffer());
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                        log.debug("mDNS socket on {}: {}", link.networkInterface.getName(), cause.toString());
                    }
                });
        // Bound to the group address, the socket receives only mDNS multicast, nothing sent to this host's port 5353.
        ChannelFuture bound = bootstrap.bind(new InetSocketAddress(group, MDNS_PORT));
        opened.add(bound.channel());
        bound.addListener(bind -> {
            if (!bind.isSuccess()) {
                linkFailed(link, bind.cause());
                return;
            }
            DatagramChannel channel = (DatagramChannel) bound.channel();
            channel.joinGroup(new InetSocketAddress(group, MDNS_PORT), link.networkInterface).addListener(join -> {
                if (join.isSuccess()) {
                    ready.put(link, channel);
                    linkSettled();
                } else {
                    linkFailed(link, join.cause());
                }
            });
        });
    }

    private void linkFailed(Link link, Throwable cause) {
        log.warn("cannot use mDNS on {}: {}", link.networkInterface.getName(), cause.toString());
        linkSettled();
    }

    private void linkSettled() {
        if (--opening == 0) {
            List<byte[]> queued = List.copyOf(waitingForSockets);
            waitingForSockets.clear();
            queued.forEach(this::send);
        }
    }

    private ChannelFactory<DatagramChannel> channelFactory(boolean ipv6) {
        SocketProtocolFamily family = ipv6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        return transport == NettyTransport.EPOLL ? () -> new EpollDatagramChannel(family)
                : () -> new NioDatagramChannel(family);
    }

    private static InetAddress group(Link link) {
        try {
            return link.ipv6 ? Inet6Address.getByAddress(null, IPV6_GROUP, link.networkInterface)
                    : Inet4Address.getByAddress(IPV4_GROUP);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("the mDNS group addresses are valid", e);
        }
    }

    void close() {
        closed = true;
        waitingForSockets.clear();
        for (Channel channel : opened) {
            channel.close();
        }
    }

    /** Close futures of every socket, for a caller that waits until port 5353 is released. */
    List<ChannelFuture> closeFutures() {
        List<ChannelFuture> futures = new ArrayList<>();
        for (Channel channel : opened) {
            futures.add(channel.closeFuture());
        }
        return futures;
    }
}
