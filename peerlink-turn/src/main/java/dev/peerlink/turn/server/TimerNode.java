package dev.peerlink.turn.server;

/** Something with a deadline in {@link TimerHeap}: an allocation, a permission, a channel or a reservation. */
abstract class TimerNode {
    /** Monotonic nanoseconds at which the node is due. */
    long deadline;
    /** Position in the heap, or -1 when not scheduled. */
    int heapIndex = -1;

    boolean isScheduled() {
        return heapIndex >= 0;
    }
}
