package dev.peerlink.netsim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a {@link VirtualNetwork} in real time on a thread of its own, for code that keeps wall-clock timers of its
 * own (a DTLS library's handshake retransmissions, an SCTP association driven by {@code System.nanoTime()}) and so
 * cannot be stepped on virtual time. The virtual clock follows the wall clock from the moment the driver starts:
 * each due event runs when its virtual time has come on the wall clock (or as soon after as the thread gets to it,
 * the clock then showing the event's own time, so the network stays consistent however busy the machine is).
 *
 * <p>The network is not thread-safe, so everything that touches it — sockets, schedules, sans-IO cores driven on
 * it — runs on the driver's thread: other threads hand work over with {@link #execute} or {@link #call}. Randomness
 * (loss, jitter, ports) still comes from the network's seed, but in real time the interleaving with other threads,
 * and so the run, is not reproducible packet for packet.
 *
 * <p>An exception from an event or a task does not stop the driver; the first ones are kept for
 * {@link #failures()}, so a test can assert that none happened.
 */
public final class RealTimeDriver implements Executor, AutoCloseable {
    /** How long the thread sleeps at most when nothing is scheduled, before looking again. */
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int KEPT_FAILURES = 16;

    private final VirtualNetwork network;
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final List<Throwable> failures = new ArrayList<>();
    private final Thread thread;
    /** {@code System.nanoTime()} when the virtual clock stood at 0. */
    private final long originNanos;
    private volatile boolean stopping;

    private RealTimeDriver(VirtualNetwork network, String threadName) {
        this.network = network;
        this.originNanos = System.nanoTime() - network.nowNanos();
        this.thread = Thread.ofPlatform().daemon().name(threadName).unstarted(this::run);
    }

    /**
     * Starts driving {@code network}, whose clock goes on from where it stands. From now on only the driver's
     * thread may touch the network.
     */
    public static RealTimeDriver start(VirtualNetwork network, String threadName) {
        RealTimeDriver driver = new RealTimeDriver(network, threadName);
        driver.thread.start();
        return driver;
    }

    public VirtualNetwork network() {
        return network;
    }

    /** Whether the caller is the driver's thread, the one allowed to touch the network. */
    public boolean inDriverThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the driver's thread at the virtual instant it gets there, after the events due by then;
     * tasks run in the order given (one given on the driver's thread runs after the work at hand).
     *
     * @throws RejectedExecutionException once the driver is closed
     */
    @Override
    public void execute(Runnable task) {
        if (stopping) {
            throw new RejectedExecutionException("the real-time driver of the virtual network is closed");
        }
        tasks.add(task);
    }

    /**
     * Runs {@code action} on the driver's thread and waits for its result; its exception, if any, is rethrown here
     * (an unchecked one as it was).
     *
     * @throws RejectedExecutionException when the driver is closed before the action could run
     */
    public <T> T call(Supplier<T> action) {
        if (inDriverThread()) {
            return action.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        while (true) {
            try {
                return result.get(100, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                if (stopping && !thread.isAlive()) {
                    throw new RejectedExecutionException("the real-time driver of the virtual network closed before"
                            + " the call ran");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the virtual network", e);
            }
        }
    }

    /** The first exceptions events or tasks threw (up to 16), oldest first. */
    public List<Throwable> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** Stops the thread after the event or task at hand and waits for it; tasks not yet run are dropped. */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        if (!inDriverThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private long wallNowNanos() {
        return System.nanoTime() - originNanos;
    }

    private void run() {
        Runnable woken = null; // the task whose arrival ended the wait: it runs first next round, keeping the order
        while (!stopping) {
            // Events due by now run each at its own virtual time; then the clock catches up with the wall clock and
            // handed-over work runs at that instant.
            long now = Math.max(wallNowNanos(), network.nowNanos());
            while (!stopping && network.nextEventNanos() <= now) {
                runGuarded(network::step);
            }
            network.runUntil(Math.max(now, network.nowNanos()));
            if (woken != null) {
                runGuarded(woken);
                woken = null;
            }
            Runnable task;
            while (!stopping && (task = tasks.poll()) != null) {
                runGuarded(task);
            }
            long next = network.nextEventNanos();
            long wait = next == Long.MAX_VALUE ? IDLE_WAIT_NANOS : Math.min(IDLE_WAIT_NANOS, next - wallNowNanos());
            if (stopping || wait <= 0) {
                continue;
            }
            try {
                woken = tasks.poll(wait, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                // closing
            }
        }
        tasks.clear();
    }

    private void runGuarded(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | Error e) {
            synchronized (failures) {
                if (failures.size() < KEPT_FAILURES) {
                    failures.add(e);
                }
            }
        }
    }
}
