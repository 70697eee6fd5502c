package dev.peerlink.peer;

import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One peer connection's "peer loop": its tasks run one at a time, in order, on one of a few platform threads that
 * every peer connection of the JVM shares (one per core, daemon, made on first use; connections take them in
 * turn). An idle connection therefore parks no thread of its own (DESIGN.md), and a thousand connections use as
 * many threads as a few. Loop tasks must not block on anything that needs another connection's loop.
 *
 * <p>{@link #shutdown} ends this connection's use of the loop, not the shared thread: later tasks are refused
 * ({@link RejectedExecutionException}, as an executor that was shut down would), tasks already queued still run.
 */
final class PeerLoop {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final Shared shared;
    private volatile boolean shutdown;

    private PeerLoop(Shared shared) {
        this.shared = shared;
    }

    /** A loop on the next shared thread, round robin. */
    static PeerLoop next() {
        Shared[] all = Shared.LOOPS;
        return new PeerLoop(all[Math.floorMod(NEXT.getAndIncrement(), all.length)]);
    }

    void execute(Runnable task) {
        refuseAfterShutdown();
        shared.executor.execute(task);
    }

    <T> Future<T> submit(Callable<T> task) {
        refuseAfterShutdown();
        return shared.executor.submit(task);
    }

    ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        refuseAfterShutdown();
        return shared.executor.schedule(task, delay, unit);
    }

    /** Whether the calling thread is this loop's (a task calling back into its own connection runs inline). */
    boolean inLoop() {
        return Thread.currentThread() == shared.thread;
    }

    void shutdown() {
        shutdown = true;
    }

    boolean isShutdown() {
        return shutdown;
    }

    private void refuseAfterShutdown() {
        if (shutdown) {
            throw new RejectedExecutionException("the peer connection's loop is shut down");
        }
    }

    /** One shared thread and its executor. */
    private static final class Shared {
        static final Shared[] LOOPS = create(Runtime.getRuntime().availableProcessors());

        final ScheduledExecutorService executor;
        volatile Thread thread;

        private Shared(int number) {
            ScheduledThreadPoolExecutor single = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread made = Thread.ofPlatform().daemon().name("peerlink-peer-" + number).unstarted(runnable);
                thread = made;
                return made;
            });
            // A closed connection's cancelled timers (SCTP's T3-rtx, up to a minute away) leave the queue at once
            // instead of keeping the connection reachable until they would have fired.
            single.setRemoveOnCancelPolicy(true);
            this.executor = single;
        }

        private static Shared[] create(int count) {
            Shared[] loops = new Shared[Math.max(1, count)];
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new Shared(i);
                // Start the thread now, so that {@link #thread} is set before any task asks inLoop().
                loops[i].executor.execute(() -> { });
            }
            return loops;
        }
    }
}
