package dev.peerlink.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Drives a {@link LoadWindow} from one Netty epoll event loop: responses arrive in batches through
 * {@code recvmmsg} ({@link EpollChannelOption#MAX_DATAGRAM_PAYLOAD_SIZE}), and after each batch the freed slots are
 * refilled with several writes and one flush, which Netty turns into one {@code sendmmsg}. A 1 ms timer moves the
 * phases on and expires lost requests when no traffic arrives.
 *
 * <p>Requests live in one preallocated direct buffer, a {@value LoadWindow#REQUEST_LENGTH}-byte slice per slot;
 * writing a slot retains the shared buffer and the channel releases it once sent, so sending allocates nothing of
 * ours. (Netty itself still creates a {@link DatagramPacket} and a sender address per received datagram.)
 */
final class EpollLoadDriver {
    private static final int MAX_DATAGRAM = 1024;
    private static final int DATAGRAMS_PER_READ = 64;
    /** recvmmsg calls per wake-up before the freed slots are refilled. */
    private static final int READS_PER_WAKEUP = 4;
    private static final int SOCKET_BUFFER = 4 << 20;

    private EpollLoadDriver() {
    }

    static LoadWindow run(StunLoadGenerator.Options options, Consumer<String> progress) {
        IoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, runnable -> {
            Thread thread = new Thread(runnable, "stun-load-epoll");
            thread.setDaemon(true);
            return thread;
        }, EpollIoHandler.newFactory());
        Driver driver = new Driver(options, progress);
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    // An AF_INET socket for an IPv4 target skips the v4-mapped IPv6 path in the kernel.
                    .channelFactory(() -> new EpollDatagramChannel(
                            options.target().getAddress() instanceof Inet6Address
                                    ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET))
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                            MAX_DATAGRAM * DATAGRAMS_PER_READ).maxMessagesPerRead(DATAGRAMS_PER_READ * READS_PER_WAKEUP))
                    .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                    .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                    .handler(driver);
            Channel channel = bootstrap.connect(options.target()).syncUninterruptibly().channel();
            long limitMillis = options.warmup().plus(options.duration()).plus(options.lossTimeout()).toMillis()
                    + 10_000;
            try {
                return driver.done.get(limitMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("the STUN load generator's event loop did not finish in time", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw cause instanceof IOException io
                        ? new UncheckedIOException("the STUN load generator's socket failed: " + io.getMessage(), io)
                        : new IllegalStateException("the STUN load generator failed: " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while generating STUN load", e);
            } finally {
                channel.close().syncUninterruptibly();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            driver.slab.release();
        }
    }

    private static final class Driver extends ChannelInboundHandlerAdapter {
        final CompletableFuture<LoadWindow> done = new CompletableFuture<>();
        private final StunLoadGenerator.Options options;
        private final Consumer<String> progress;
        final ByteBuf slab;
        private final ByteBuffer slabView;
        private final ByteBuf[] requests;
        private final ByteBuffer rx = ByteBuffer.allocate(MAX_DATAGRAM);
        private LoadWindow load;
        private ScheduledFuture<?> timer;
        private long batchNow;

        Driver(StunLoadGenerator.Options options, Consumer<String> progress) {
            this.options = options;
            this.progress = progress;
            int window = options.window();
            this.slab = Unpooled.directBuffer(window * LoadWindow.REQUEST_LENGTH);
            this.slab.writerIndex(slab.capacity());
            this.slabView = slab.nioBuffer(0, slab.capacity());
            this.requests = new ByteBuf[window];
            for (int slot = 0; slot < window; slot++) {
                requests[slot] = slab.slice(slot * LoadWindow.REQUEST_LENGTH, LoadWindow.REQUEST_LENGTH);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            long now = System.nanoTime();
            load = new LoadWindow(options, progress, now);
            timer = ctx.executor().scheduleAtFixedRate(() -> onTimer(ctx), 1, 1, TimeUnit.MILLISECONDS);
            onTimer(ctx);
        }

        private void onTimer(ChannelHandlerContext ctx) {
            if (done.isDone()) {
                return;
            }
            long now = System.nanoTime();
            if (load.tick(now)) {
                timer.cancel(false);
                done.complete(load);
                return;
            }
            fill(ctx, now);
        }

        /** Refills every free slot, then flushes once so that the batch leaves in one sendmmsg. */
        private void fill(ChannelHandlerContext ctx, long now) {
            int slot;
            boolean wrote = false;
            while ((slot = load.acquire()) >= 0) {
                load.encode(slot, slabView.position(slot * LoadWindow.REQUEST_LENGTH));
                ctx.write(requests[slot].retain(), ctx.voidPromise());
                load.commit(slot, now);
                wrote = true;
            }
            if (wrote) {
                ctx.flush();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            try {
                if (load == null || done.isDone()) {
                    return;
                }
                ByteBuf content = packet.content();
                int length = Math.min(content.readableBytes(), rx.capacity());
                content.getBytes(content.readerIndex(), rx.array(), 0, length);
                if (batchNow == 0) {
                    batchNow = System.nanoTime(); // one clock read per batch of responses
                }
                load.onResponse(rx.limit(length).position(0), batchNow);
            } finally {
                packet.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            batchNow = 0;
            if (load == null || done.isDone()) {
                return;
            }
            long now = System.nanoTime();
            load.expire(now);
            fill(ctx, now);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof PortUnreachableException) {
                return; // ICMP from a closed port: the request is lost, the loss timeout counts it
            }
            if (timer != null) {
                timer.cancel(false);
            }
            done.completeExceptionally(cause);
        }
    }
}
