package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.MS;
import static dev.peerlink.netsim.NetsimTestSupport.at;
import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event loop: time order, tie order, cancellation, bounded runs, no synchronous delivery. */
class EventLoopTest {
    private final VirtualNetwork network = new VirtualNetwork(1);

    @Test
    void tasksRunInTimeOrderAndTiesInTheOrderTheyWereScheduled() {
        List<String> ran = new ArrayList<>();
        network.schedule(20 * MS, () -> ran.add("b@20"));
        network.schedule(10 * MS, () -> ran.add("a@10"));
        network.schedule(20 * MS, () -> ran.add("c@20"));
        network.schedule(10 * MS, () -> network.schedule(10 * MS, () -> ran.add("d@10, scheduled while running")));

        assertThat(network.nextEventNanos()).isEqualTo(10 * MS);
        network.runUntil(25 * MS);

        assertThat(ran).containsExactly("a@10", "d@10, scheduled while running", "b@20", "c@20");
        assertThat(network.nowNanos()).isEqualTo(25 * MS);
        assertThat(network.nextEventNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(network.step()).isFalse();
    }

    @Test
    void aCancelledTaskNeverRunsAndNoLongerCountsAsNext() {
        List<String> ran = new ArrayList<>();
        ScheduledTask early = network.schedule(5 * MS, () -> ran.add("early"));
        network.schedule(9 * MS, () -> ran.add("late"));
        early.cancel();

        assertThat(network.nextEventNanos()).isEqualTo(9 * MS);
        network.runFor(Duration.ofMillis(10));

        assertThat(ran).containsExactly("late");
        assertThat(early.isCancelled()).isTrue();
    }

    @Test
    void stepMovesTheClockToEachEventInTurn() {
        network.schedule(3 * MS, () -> { });
        network.schedule(7 * MS, () -> { });

        assertThat(network.step()).isTrue();
        assertThat(network.clock().nowNanos()).isEqualTo(3 * MS);
        assertThat(network.step()).isTrue();
        assertThat(network.clock().elapsed()).isEqualTo(Duration.ofMillis(7));
    }

    @Test
    void runUntilConditionStopsAtTheEventThatMadeItTrue() {
        boolean[] done = {false};
        network.schedule(40 * MS, () -> done[0] = true);
        network.schedule(60 * MS, () -> { });

        assertThat(network.runUntil(() -> done[0], Duration.ofSeconds(1))).isTrue();
        assertThat(network.nowNanos()).isEqualTo(40 * MS);
        assertThat(network.nextEventNanos()).isEqualTo(60 * MS);
    }

    @Test
    void runUntilConditionGivesUpAtTheLimitWithTheClockThere() {
        network.schedule(2_000 * MS, () -> { });

        assertThat(network.runUntil(() -> false, Duration.ofMillis(500))).isFalse();
        assertThat(network.nowNanos()).isEqualTo(500 * MS);
        assertThat(network.nextEventNanos()).isEqualTo(2_000 * MS);
    }

    @Test
    void schedulingInThePastIsRefusedWithTheTimesInTheMessage() {
        network.runFor(Duration.ofMillis(10));

        assertThatThrownBy(() -> network.schedule(5 * MS, () -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5000000 ns").hasMessageContaining("10000000 ns");
    }

    @Test
    void aSendIsNeverDeliveredBeforeTheEventLoopRunsEvenOnIdealLinks() {
        Host a = network.internet().addHost("a");
        Host b = network.internet().addHost("b");
        VirtualSocket from = a.openUdpSocket(1000);
        VirtualSocket to = b.openUdpSocket(2000);

        from.send(to.localAddress(), bytes("hi"));
        assertThat(to.queued()).isZero();

        network.runFor(Duration.ZERO);
        assertThat(to.poll()).hasValueSatisfying(d -> {
            assertThat(d.source()).isEqualTo(from.localAddress());
            assertThat(d.arrivalNanos()).isZero();
        });
    }

    @Test
    void aZeroDelayPingPongIsReportedInsteadOfRunningForever() {
        Host a = network.internet().addHost("a");
        Host b = network.internet().addHost("b");
        VirtualSocket left = a.openUdpSocket(1000);
        VirtualSocket right = b.openUdpSocket(2000);
        left.onReceive(in -> left.send(in.source(), in.payload()));
        right.onReceive(in -> right.send(in.source(), in.payload()));
        left.send(right.localAddress(), bytes("ball"));

        assertThatThrownBy(() -> network.runFor(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without the clock moving");
    }

    @Test
    void aSocketListenerTakesArrivalsInsteadOfTheQueue() {
        Host a = network.internet().addHost("a");
        Host b = network.internet().addHost("b");
        VirtualSocket from = a.openUdpSocket(1000);
        VirtualSocket to = b.openUdpSocket(2000);
        List<Datagram> seen = new ArrayList<>();
        to.onReceive(seen::add);

        from.send(to.localAddress(), bytes("one"));
        from.send(to.localAddress(), bytes("two"));
        network.runFor(Duration.ofMillis(1));

        assertThat(seen).extracting(NetsimTestSupport::text).containsExactly("one", "two");
        assertThat(to.queued()).isZero();
        assertThat(to.receivedCount()).isEqualTo(2);
    }

    @Test
    void aClosedSocketRefusesToSendAndItsPortStopsReceiving() {
        network.setTracing(true);
        Host a = network.internet().addHost("a");
        Host b = network.internet().addHost("b");
        VirtualSocket from = a.openUdpSocket(1000);
        VirtualSocket to = b.openUdpSocket(2000);
        to.close();

        from.send(at(b.address(), 2000), bytes("anyone?"));
        network.runFor(Duration.ofMillis(1));

        assertThat(network.trace()).extracting(TraceEntry::action)
                .containsExactly(TraceAction.SENT, TraceAction.DROPPED_NO_SOCKET);
        assertThatThrownBy(() -> to.send(from.localAddress(), bytes("x")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThat(b.openUdpSocket(2000).localAddress().getPort()).isEqualTo(2000);
    }
}
