package dev.peerlink.signaling.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import dev.peerlink.signaling.server.SignalingServer;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SignalingClient} against a real server on loopback, in the conditions an application can put it in. */
class SignalingClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private EventLoopGroup group;
    private SignalingServer server;

    @BeforeEach
    void startServer() throws Exception {
        group = NettyTransport.best().newEventLoopGroup(1, new DefaultThreadFactory("signaling-client-test", true));
        server = SignalingServer.start(SignalingConfig.defaults()
                .withListenAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), group,
                NettyTransport.best());
    }

    @AfterEach
    void stopServer() {
        server.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /**
     * The common pool is the application's: tasks there may block (the CLI tests run a sender and a receiver as two
     * such tasks, and on a two-core machine the pool has one worker). Connecting must not need a worker from it; the
     * JDK's WebSocket did (its handshake completes there), and timed out with the 101 response already read.
     */
    @Test
    void connectsAndRelaysWhileEveryCommonPoolWorkerIsBlocked() throws Exception {
        int workers = ForkJoinPool.getCommonPoolParallelism();
        CountDownLatch busy = new CountDownLatch(workers);
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Void>> blockers = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) {
                blockers.add(CompletableFuture.runAsync(() -> {
                    busy.countDown();
                    try {
                        release.await(); // a blocking call the pool does not know about, as a poll loop's
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            assertThat(busy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("every common pool worker is blocked")
                    .isTrue();

            try (SignalingClient alice = SignalingClient.connect(server.uri(),
                    SignalingClient.Options.join("r", "alice").withTimeout(Duration.ofSeconds(5)));
                 SignalingClient bob = SignalingClient.connect(server.uri(),
                         SignalingClient.Options.join("r", "bob").withTimeout(Duration.ofSeconds(5)))) {
                assertThat(bob.peersAtJoin()).containsExactly("alice");
                bob.offer("alice", "v=0");
                ServerMessage.Signal offer = nextSignal(alice);
                assertThat(offer.from()).isEqualTo("bob");
                assertThat(offer.kind()).isEqualTo(SignalKind.OFFER);
                assertThat(offer.payload().path("sdp").asText()).isEqualTo("v=0");
            }
        } finally {
            release.countDown();
            CompletableFuture.allOf(blockers.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(),
                    TimeUnit.SECONDS);
        }
    }

    private static ServerMessage.Signal nextSignal(SignalingClient client) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (client.poll(Duration.ofMillis(200)) instanceof ServerMessage.Signal signal) {
                return signal;
            }
        }
        throw new AssertionError("no signal within " + WAIT);
    }
}
