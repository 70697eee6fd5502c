package dev.peerlink.stun.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;

/** Netty's native epoll transport on Linux when it loads, NIO elsewhere (DESIGN.md "Hot paths"). */
public enum NettyTransport {
    EPOLL, NIO;

    /** The best transport this machine offers; {@code -Dpeerlink.transport=nio} forces NIO. */
    public static NettyTransport best() {
        if ("nio".equalsIgnoreCase(System.getProperty("peerlink.transport"))) {
            return NIO;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    public EventLoopGroup newEventLoopGroup(int threads, ThreadFactory threadFactory) {
        IoHandlerFactory factory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory);
    }

    public Class<? extends DatagramChannel> datagramChannel() {
        return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /**
     * A UDP socket bound to {@code local} on the calling thread, as a channel not yet registered with an event loop
     * (register it with {@code loop.register(channel)}; until then, {@code channel.unsafe().closeForcibly()} closes
     * it). A {@link io.netty.bootstrap.Bootstrap} binds on the loop, so its caller waits for a round trip to the
     * loop's thread; this does not.
     *
     * @throws IOException when the address or port cannot be bound (taken, or not this machine's)
     */
    public DatagramChannel bindDatagramChannel(InetSocketAddress local) throws IOException {
        if (this == EPOLL) {
            Epoll.ensureAvailability(); // loads the native library, which Socket needs and does not load itself
            Socket socket = Socket.newSocketDgram(); // dual-stack where IPv6 is, as EpollDatagramChannel() makes
            try {
                socket.bind(local);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
            return new EpollDatagramChannel(socket.intValue());
        }
        java.nio.channels.DatagramChannel socket = java.nio.channels.DatagramChannel.open();
        try {
            socket.bind(local);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new NioDatagramChannel(socket);
    }

    public Class<? extends ServerSocketChannel> serverSocketChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
