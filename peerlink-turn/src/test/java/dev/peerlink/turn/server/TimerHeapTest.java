package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimerHeapTest {
    private static final class Node extends TimerNode {
    }

    @Test
    void pollsInDeadlineOrderThroughRandomReschedulesAndCancels() {
        SplittableRandom random = new SplittableRandom(3);
        TimerHeap heap = new TimerHeap();
        List<Node> live = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Node node = new Node();
            heap.schedule(node, random.nextLong(1_000_000));
            live.add(node);
        }
        for (int i = 0; i < 5000; i++) {
            Node node = live.get(random.nextInt(live.size()));
            if (random.nextBoolean()) {
                heap.schedule(node, random.nextLong(1_000_000)); // earlier or later
            } else {
                heap.cancel(node);
                heap.cancel(node); // twice is harmless
                live.remove(node);
            }
        }
        assertThat(heap.size()).isEqualTo(live.size());
        live.sort(Comparator.comparingLong(n -> n.deadline));
        for (Node expected : live) {
            TimerNode polled = heap.poll();
            assertThat(polled.deadline).isEqualTo(expected.deadline);
            assertThat(polled.isScheduled()).isFalse();
        }
        assertThat(heap.isEmpty()).isTrue();
        assertThat(heap.poll()).isNull();
    }

    @Test
    void deadlinesAcrossTheWrapOfTheNanoClockStayOrdered() {
        TimerHeap heap = new TimerHeap();
        Node late = new Node();
        Node early = new Node();
        heap.schedule(late, Long.MIN_VALUE + 10); // after the wrap
        heap.schedule(early, Long.MAX_VALUE - 10);
        assertThat(heap.poll()).isSameAs(early);
        assertThat(heap.poll()).isSameAs(late);
    }
}
