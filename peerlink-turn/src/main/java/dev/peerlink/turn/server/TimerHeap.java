package dev.peerlink.turn.server;

import java.util.Arrays;

/**
 * An indexed binary min-heap of deadlines: the earliest is found in O(1), and scheduling, rescheduling (a refresh
 * moves a deadline either way) and cancelling cost O(log n) without allocating, because each node remembers its
 * own index. Deadlines are compared as differences, so monotonic clocks that wrap around stay ordered.
 */
final class TimerHeap {
    private TimerNode[] nodes = new TimerNode[64];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest node, or null. */
    TimerNode peek() {
        return size == 0 ? null : nodes[0];
    }

    /** Sets the node's deadline and puts it in the heap, or moves it there if it is already in. */
    void schedule(TimerNode node, long deadline) {
        node.deadline = deadline;
        if (node.heapIndex < 0) {
            if (size == nodes.length) {
                nodes = Arrays.copyOf(nodes, size * 2);
            }
            node.heapIndex = size;
            nodes[size++] = node;
            siftUp(node.heapIndex);
        } else {
            siftUp(node.heapIndex);
            siftDown(node.heapIndex);
        }
    }

    /** Takes the node out of the heap; nothing happens if it is not in. */
    void cancel(TimerNode node) {
        int index = node.heapIndex;
        if (index < 0) {
            return;
        }
        node.heapIndex = -1;
        size--;
        if (index == size) {
            nodes[size] = null;
            return;
        }
        TimerNode last = nodes[size];
        nodes[size] = null;
        nodes[index] = last;
        last.heapIndex = index;
        siftUp(index);
        siftDown(last.heapIndex);
    }

    /** Removes and returns the earliest node, or null. */
    TimerNode poll() {
        TimerNode first = peek();
        if (first != null) {
            cancel(first);
        }
        return first;
    }

    private static boolean before(TimerNode a, TimerNode b) {
        return a.deadline - b.deadline < 0;
    }

    private void siftUp(int index) {
        TimerNode node = nodes[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            TimerNode above = nodes[parent];
            if (!before(node, above)) {
                break;
            }
            nodes[index] = above;
            above.heapIndex = index;
            index = parent;
        }
        nodes[index] = node;
        node.heapIndex = index;
    }

    private void siftDown(int index) {
        TimerNode node = nodes[index];
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            int right = child + 1;
            if (right < size && before(nodes[right], nodes[child])) {
                child = right;
            }
            if (!before(nodes[child], node)) {
                break;
            }
            nodes[index] = nodes[child];
            nodes[index].heapIndex = index;
            index = child;
        }
        nodes[index] = node;
        node.heapIndex = index;
    }
}
