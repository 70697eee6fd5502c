package dev.peerlink.stun.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link NettyTransport#bindDatagramChannel}: bound on the caller's thread, on 127.0.0.1 only. */
class NettyTransportTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void bindsOnTheCallersThreadThenReadsOnceRegistered(NettyTransport transport) throws Exception {
        if (transport == NettyTransport.EPOLL) {
            assertThat(io.netty.channel.epoll.Epoll.isAvailable()).as("native epoll on this Linux machine").isTrue();
        }
        EventLoopGroup group = transport.newEventLoopGroup(1, Thread.ofPlatform().daemon().factory());
        try {
            DatagramChannel channel = transport.bindDatagramChannel(new InetSocketAddress(LOOPBACK, 0));
            // Bound before any loop has seen it: the port is known, and taken.
            InetSocketAddress local = (InetSocketAddress) channel.localAddress();
            assertThat(local.getPort()).isPositive();
            assertThat(channel.isRegistered()).isFalse();
            assertThatThrownBy(() -> transport.bindDatagramChannel(local)).isInstanceOf(IOException.class);

            CompletableFuture<String> received = new CompletableFuture<>();
            channel.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                    received.complete(packet.content().toString(java.nio.charset.StandardCharsets.US_ASCII));
                }
            });
            assertThat(group.next().register(channel).await(5, TimeUnit.SECONDS)).isTrue();
            try (DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                byte[] hello = ByteBufUtil.decodeHexDump("68656c6c6f"); // "hello"
                sender.send(new java.net.DatagramPacket(hello, hello.length, local));
                assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("hello");
            }
            channel.close().await(5, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void anUnregisteredChannelClosedForciblyGivesItsPortBack(NettyTransport transport) throws Exception {
        DatagramChannel channel = transport.bindDatagramChannel(new InetSocketAddress(LOOPBACK, 0));
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        channel.unsafe().closeForcibly();
        try (DatagramSocket again = new DatagramSocket(local)) {
            assertThat(again.getLocalSocketAddress()).isEqualTo(local);
        }
    }
}
