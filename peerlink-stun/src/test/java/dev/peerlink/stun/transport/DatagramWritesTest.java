package dev.peerlink.stun.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Datagrams written through {@link DatagramWrites} arrive one by one, whole and in order, however they were sent. */
class DatagramWritesTest {
    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void loop() {
        group = NettyTransport.best().newEventLoopGroup(1, Thread.ofPlatform().daemon().factory());
    }

    @AfterEach
    void close() throws InterruptedException {
        for (Channel channel : channels) {
            channel.close().await(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private Channel bind(BlockingQueue<byte[]> received) {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NettyTransport.best().datagramChannel())
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
                        byte[] bytes = new byte[packet.content().readableBytes()];
                        packet.content().readBytes(bytes);
                        received.add(bytes);
                    }
                });
        DatagramReads.apply(bootstrap, NettyTransport.best());
        Channel channel = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .syncUninterruptibly().channel();
        channels.add(channel);
        return channel;
    }

    private static byte[] datagram(int number, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (number * 31 + i);
        }
        return bytes;
    }

    private static void onLoop(Channel channel, Runnable action) {
        channel.eventLoop().submit(action).syncUninterruptibly();
    }

    @Test
    void runsOfOneSizeToOneAddressLeaveSegmentedAndArriveAsTheSameDatagrams() throws InterruptedException {
        BlockingQueue<byte[]> atFirst = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> atSecond = new LinkedBlockingQueue<>();
        Channel sender = bind(new LinkedBlockingQueue<>());
        InetSocketAddress first = (InetSocketAddress) bind(atFirst).localAddress();
        InetSocketAddress second = (InetSocketAddress) bind(atSecond).localAddress();
        DatagramWrites writes = new DatagramWrites(NettyTransport.best());
        sent(sender, writes, 1229);
        // 40 of 1,229 B then a shorter one (one run cut at 32 segments), one to another address, 3 of mixed sizes.
        List<byte[]> toFirst = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            toFirst.add(datagram(i, 1229));
        }
        toFirst.add(datagram(40, 300));
        byte[] toSecond = datagram(99, 1229);
        List<byte[]> mixed = List.of(datagram(41, 100), datagram(42, 1229), datagram(43, 1229));
        onLoop(sender, () -> {
            toFirst.forEach(bytes -> writes.write(sender, first, bytes.clone()));
            writes.write(sender, second, toSecond.clone());
            mixed.forEach(bytes -> writes.write(sender, first, bytes.clone()));
            writes.flush();
        });
        List<byte[]> expected = new ArrayList<>(toFirst);
        expected.addAll(mixed);
        for (byte[] bytes : expected) {
            assertThat(atFirst.poll(5, TimeUnit.SECONDS)).as("datagram of %d B", bytes.length).isEqualTo(bytes);
        }
        assertThat(atSecond.poll(5, TimeUnit.SECONDS)).isEqualTo(toSecond);
        assertThat(atFirst.poll(200, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
        if (EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
            // 32 + 9 (the last one shorter) to the first address; the lone and the 100-byte ones go alone; 2 of 1,229.
            assertThat(writes.segmentedSends()).isEqualTo(3);
        } else {
            assertThat(writes.segmentedSends()).isZero();
        }
    }

    @Test
    void aSocketWhoseSegmentedSendFailedSendsDatagramByDatagramFromThenOn() throws InterruptedException {
        assumeTrue(EpollDatagramChannel.isSegmentedDatagramPacketSupported(), "UDP segmentation needs Linux epoll");
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        Channel sender = bind(new LinkedBlockingQueue<>());
        InetSocketAddress receiver = (InetSocketAddress) bind(received).localAddress();
        // An IPv6 destination from an IPv4 socket: the send fails, as a segment too large for a path's MTU would.
        InetSocketAddress unreachable = new InetSocketAddress("::2", 9);
        DatagramWrites writes = new DatagramWrites(NettyTransport.EPOLL);
        sent(sender, writes, 500);
        onLoop(sender, () -> {
            writes.write(sender, unreachable, datagram(0, 500));
            writes.write(sender, unreachable, datagram(1, 500));
            writes.flush();
        });
        onLoop(sender, () -> {
            for (int i = 0; i < 5; i++) {
                writes.write(sender, receiver, datagram(i, 500));
            }
            writes.flush();
        });
        for (int i = 0; i < 5; i++) {
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(datagram(i, 500));
        }
        assertThat(writes.segmentedSends()).isEqualTo(1);
        assertThat(writes.segments(sender)).isFalse();
    }

    @Test
    void aDatagramLargerThanAnySentGoesAloneSoThatItsLossTakesNothingElseAlong() throws InterruptedException {
        assumeTrue(EpollDatagramChannel.isSegmentedDatagramPacketSupported(), "UDP segmentation needs Linux epoll");
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        Channel sender = bind(new LinkedBlockingQueue<>());
        assertThat(DontFragment.apply(sender)).isTrue();
        InetSocketAddress receiver = (InetSocketAddress) bind(received).localAddress();
        DatagramWrites writes = new DatagramWrites(NettyTransport.EPOLL);
        sent(sender, writes, 1200);
        // A path MTU probe of a size never sent, then a run of smaller datagrams: as the head of one segmented send
        // (4,000-byte segments) a probe above the interface MTU would fail the whole send and turn segmentation off.
        onLoop(sender, () -> {
            writes.write(sender, receiver, datagram(100, 4000));
            for (int i = 0; i < 6; i++) {
                writes.write(sender, receiver, datagram(i, 1200));
            }
            writes.flush();
        });
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(datagram(100, 4000));
        for (int i = 0; i < 6; i++) {
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(datagram(i, 1200));
        }
        assertThat(writes.segmentedSends()).isEqualTo(1); // the six, without the probe
        // A datagram the kernel refuses (EMSGSIZE: larger than any UDP payload, as a probe above the interface MTU
        // is with DF set) is one lost datagram: segmentation goes on for the socket.
        onLoop(sender, () -> {
            writes.write(sender, receiver, datagram(101, 66_000));
            for (int i = 0; i < 4; i++) {
                writes.write(sender, receiver, datagram(i, 1200));
            }
            writes.flush();
        });
        onLoop(sender, () -> { });
        for (int i = 0; i < 4; i++) {
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(datagram(i, 1200));
        }
        assertThat(writes.segments(sender)).isTrue();
        assertThat(writes.segmentedSends()).isEqualTo(2);
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("nothing more").isNull();
    }

    @Test
    void dontFragmentIsSetOnEpollSocketsAndReportedUnavailableElsewhere() {
        Channel socket = bind(new LinkedBlockingQueue<>());
        assertThat(DontFragment.apply(socket)).isEqualTo(NettyTransport.best() == NettyTransport.EPOLL);
        assertThat(DontFragment.udpHeaders(new InetSocketAddress("127.0.0.1", 1))).isEqualTo(28);
        assertThat(DontFragment.udpHeaders(new InetSocketAddress("::1", 1))).isEqualTo(48);
    }

    /**
     * One datagram of {@code size} bytes from {@code sender} to a socket of its own, alone and flushed: runs of that
     * size may be segmented from then on (a size is segmented once a datagram of it has left the socket), unless the
     * send fails.
     */
    private void sent(Channel sender, DatagramWrites writes, int size) {
        InetSocketAddress sink = (InetSocketAddress) bind(new LinkedBlockingQueue<>()).localAddress();
        onLoop(sender, () -> {
            writes.write(sender, sink, datagram(0, size));
            writes.flush();
        });
        onLoop(sender, () -> { }); // the write's listener has run
    }
}
