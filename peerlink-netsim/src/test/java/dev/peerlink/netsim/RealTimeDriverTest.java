package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static dev.peerlink.netsim.NetsimTestSupport.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The virtual network driven on the wall clock, with work handed over from other threads. */
class RealTimeDriverTest {

    @Test
    void datagramsSentFromOtherThreadsCrossTheNetworkAtTheLinksDelayOfVirtualTime() throws Exception {
        VirtualNetwork network = new VirtualNetwork(5);
        Host server = network.internet().addHost("server", Link.withDelay(Duration.ofMillis(15)));
        VirtualSocket echo = server.openUdpSocket(7);
        echo.onReceive(in -> echo.send(in.source(), in.payload()));
        NatRouter home = network.addNatRouter("home", NatBehavior.PORT_RESTRICTED);
        VirtualSocket client = home.lan().addHost("client", Link.withDelay(Duration.ofMillis(5))).openUdpSocket();
        List<String> answers = new CopyOnWriteArrayList<>();
        List<Long> sentAt = new CopyOnWriteArrayList<>();
        List<Long> answeredAt = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(20);
        client.onReceive(in -> {
            answers.add(text(in));
            answeredAt.add(in.arrivalNanos());
            all.countDown();
        });

        long wallStart = System.nanoTime();
        try (RealTimeDriver driver = RealTimeDriver.start(network, "netsim-test")) {
            Thread[] senders = new Thread[4];
            for (int t = 0; t < senders.length; t++) {
                int sender = t;
                senders[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 5; i++) {
                        String message = sender + "-" + i;
                        driver.execute(() -> {
                            sentAt.add(network.nowNanos());
                            client.send(echo.localAddress(), bytes(message));
                        });
                    }
                });
            }
            for (Thread sender : senders) {
                sender.join();
            }
            assertThat(all.await(10, TimeUnit.SECONDS)).as("every echo came back").isTrue();
            long wallElapsed = System.nanoTime() - wallStart;

            assertThat(answers).hasSize(20).doesNotHaveDuplicates();
            // The NAT's LAN side is an ideal link: the round trip is 2 × (5 ms + 15 ms) of virtual time.
            assertThat(answeredAt.stream().mapToLong(Long::longValue).min().orElseThrow()
                    - sentAt.stream().mapToLong(Long::longValue).min().orElseThrow())
                    .isGreaterThanOrEqualTo(Duration.ofMillis(40).toNanos());
            // The virtual clock followed the wall clock: it cannot have run ahead of it.
            long virtualNow = driver.call(network::nowNanos);
            assertThat(virtualNow).isLessThanOrEqualTo(System.nanoTime() - wallStart);
            assertThat(wallElapsed).isGreaterThanOrEqualTo(Duration.ofMillis(40).toNanos());
            assertThat(driver.failures()).isEmpty();
        }
    }

    @Test
    void callReturnsTheResultOrRethrowsAndFailuresOfEventsAreKept() {
        VirtualNetwork network = new VirtualNetwork(6);
        try (RealTimeDriver driver = RealTimeDriver.start(network, "netsim-test")) {
            assertThat(driver.call(() -> driver.inDriverThread())).isTrue();
            assertThat(driver.inDriverThread()).isFalse();
            assertThatThrownBy(() -> driver.call(() -> {
                throw new IllegalArgumentException("bad call");
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad call");

            CountDownLatch after = new CountDownLatch(1);
            driver.execute(() -> {
                network.scheduleAfter(Duration.ofMillis(5), () -> {
                    throw new IllegalStateException("an event failed");
                });
                network.scheduleAfter(Duration.ofMillis(10), after::countDown);
            });
            try {
                assertThat(after.await(5, TimeUnit.SECONDS)).as("the driver kept going").isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThat(driver.failures()).singleElement().extracting(Throwable::getMessage)
                    .isEqualTo("an event failed");
            driver.close();
            assertThatThrownBy(() -> driver.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        }
    }
}
