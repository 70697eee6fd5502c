package dev.peerlink.netsim;

/** A task on the network's event loop, which can be cancelled until it runs. */
public interface ScheduledTask {
    /** The virtual time it runs at. */
    long atNanos();

    /** Stops it from running; does nothing once it has run. */
    void cancel();

    boolean isCancelled();
}
