package dev.peerlink.bench;

import dev.peerlink.stun.transport.SocketAddresses;
import io.netty.channel.epoll.Epoll;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Measures how many STUN Binding requests per second a server answers over UDP on one client flow (one local
 * socket, one 5-tuple), keeping a fixed window of requests in flight (RFC 8489 §6.2.1 lets a client pace itself;
 * this one deliberately does not, to find the server's ceiling).
 *
 * <p>Each request has its own transaction id carrying a sequence number and its window slot, so a response is
 * matched with an array lookup; buffers are preallocated and the per-packet path allocates nothing of its own.
 * A request still unanswered after {@link Options#lossTimeout()} counts as lost and its slot is refilled, so the
 * window never drains. Responses that match no outstanding request (late, duplicated, foreign) are counted as
 * {@link Result#unmatched()}; well-formed-looking datagrams that are not a Binding success response with
 * XOR-MAPPED-ADDRESS for an outstanding request, or not STUN at all, as {@link Result#invalid()}.
 *
 * <p>I/O runs on one thread. On Linux with Netty's native transport available it uses an epoll event loop with
 * {@code recvmmsg} and {@code sendmmsg} ({@link EpollLoadDriver}); elsewhere a non-blocking, connected
 * {@link java.nio.channels.DatagramChannel} in a tight loop ({@link NioLoadDriver}). Epoll is the default because
 * it measured a little faster here (2-core VM, loopback): against a batched C reflector, 280–297k responses/s at
 * window 256 versus 270–276k for NIO; against coturn both hit coturn's ceiling (~160k, its thread at 99% of a
 * core). Either way about 90% of the generator's CPU is the kernel's UDP path, not Java. Figures and commands are
 * in docs/benchmarks.md. The system property {@code peerlink.bench.transport=nio|epoll} forces one.
 *
 * <p>This is a driver, not a protocol core, so it reads {@link System#nanoTime()} itself. A run always ends after
 * warm-up + duration + at most one loss timeout of draining, whether or not the server answers.
 */
public final class StunLoadGenerator {
    /** Most requests a window may keep in flight; it bounds the preallocated per-slot state. */
    public static final int MAX_WINDOW = 65_536;

    private StunLoadGenerator() {
    }

    /**
     * What to measure and how.
     *
     * @param target      the STUN server's UDP address; must be resolved
     * @param duration    how long to measure, after warm-up; positive
     * @param warmup      traffic sent first and not counted; zero or positive
     * @param window      requests kept in flight, 1–65536
     * @param lossTimeout how long a request may stay unanswered before it counts as lost; positive
     */
    public record Options(InetSocketAddress target, Duration duration, Duration warmup, int window,
                          Duration lossTimeout) {
        public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
        public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
        public static final int DEFAULT_WINDOW = 64;
        public static final Duration DEFAULT_LOSS_TIMEOUT = Duration.ofSeconds(1);

        public Options {
            if (target == null) {
                throw new IllegalArgumentException("The STUN load generator needs a target address, and got none.");
            }
            if (target.isUnresolved()) {
                throw new IllegalArgumentException("The STUN load generator's target " + target.getHostString()
                        + ":" + target.getPort() + " is unresolved; give an IP address or a name that resolves.");
            }
            if (target.getPort() == 0) {
                throw new IllegalArgumentException("The STUN load generator's target " + target
                        + " has port 0; give the server's port.");
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("The STUN load generator's duration must be positive, not "
                        + duration + ".");
            }
            if (warmup == null || warmup.isNegative()) {
                throw new IllegalArgumentException("The STUN load generator's warm-up must be zero or positive, not "
                        + warmup + ".");
            }
            if (window < 1 || window > MAX_WINDOW) {
                throw new IllegalArgumentException("The STUN load generator's window must be between 1 and "
                        + MAX_WINDOW + " requests in flight, not " + window + ".");
            }
            if (lossTimeout == null || lossTimeout.isNegative() || lossTimeout.isZero()) {
                throw new IllegalArgumentException("The STUN load generator's loss timeout must be positive, not "
                        + lossTimeout + ".");
            }
        }

        /** Defaults: 10 s measured after a 2 s warm-up, 64 requests in flight, lost after 1 s. */
        public static Options of(InetSocketAddress target) {
            return new Options(target, DEFAULT_DURATION, DEFAULT_WARMUP, DEFAULT_WINDOW, DEFAULT_LOSS_TIMEOUT);
        }

        public Options withDuration(Duration value) {
            return new Options(target, value, warmup, window, lossTimeout);
        }

        public Options withWarmup(Duration value) {
            return new Options(target, duration, value, window, lossTimeout);
        }

        public Options withWindow(int value) {
            return new Options(target, duration, warmup, value, lossTimeout);
        }

        public Options withLossTimeout(Duration value) {
            return new Options(target, duration, warmup, window, value);
        }
    }

    /**
     * What one run measured. Counts cover requests sent during the measured interval only (not warm-up);
     * {@code sent == received + lost} once the run has drained.
     *
     * @param responsesPerSecond received / measured
     * @param lossPercent        lost / sent × 100; 100 when nothing could be sent because nothing was answered
     * @param p50RttMicros       median round-trip time, NaN when nothing was received
     * @param p99RttMicros       99th percentile round-trip time, NaN when nothing was received
     * @param measured           the measured interval as the clock saw it
     * @param unmatched          responses that matched no outstanding request (late after loss, duplicated)
     * @param invalid            datagrams that were not a Binding success response with XOR-MAPPED-ADDRESS
     */
    public record Result(InetSocketAddress target, long sent, long received, long lost, double responsesPerSecond,
                         double lossPercent, double p50RttMicros, double p99RttMicros, Duration measured,
                         long unmatched, long invalid) {
        /** One line: rate, counts, loss and round-trip times. */
        public String summary() {
            String rtt = received == 0 ? "RTT n/a"
                    : String.format(Locale.ROOT, "RTT p50 %.0f µs p99 %.0f µs", p50RttMicros, p99RttMicros);
            return String.format(Locale.ROOT,
                    "%s: %,.0f responses/s over %.2f s; sent %,d, received %,d, lost %,d (%.3f%%), "
                            + "unmatched %,d, invalid %,d; %s",
                    SocketAddresses.format(target), responsesPerSecond,
                    measured.toNanos() / 1e9, sent, received, lost, lossPercent, unmatched, invalid, rtt);
        }
    }

    /**
     * Runs one measurement and returns what it saw. Blocks for warm-up + duration + up to one loss timeout.
     * {@code progress} gets a line about once a second, on the I/O thread.
     */
    public static Result run(Options options, Consumer<String> progress) {
        return run(options, progress, transport());
    }

    /** As {@link #run(Options, Consumer)} on a given transport, "epoll" or "nio". */
    static Result run(Options options, Consumer<String> progress, String transport) {
        Objects.requireNonNull(options, "options");
        Consumer<String> sink = progress == null ? line -> { } : progress;
        sink.accept(String.format(Locale.ROOT,
                "STUN Binding load on %s via %s: window %d, warm-up %s, duration %s, loss timeout %s",
                options.target(), transport, options.window(), options.warmup(), options.duration(),
                options.lossTimeout()));
        LoadWindow load = transport.equals("epoll")
                ? EpollLoadDriver.run(options, sink)
                : NioLoadDriver.run(options, sink);
        return load.result();
    }

    /** "epoll" when Netty's native transport loads (and is not overridden), else "nio". */
    static String transport() {
        String forced = System.getProperty("peerlink.bench.transport", "auto").trim().toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "nio" -> "nio";
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("peerlink.bench.transport=epoll, but Netty's epoll transport "
                            + "is unavailable: " + Epoll.unavailabilityCause());
                }
                yield "epoll";
            }
            case "auto", "" -> Epoll.isAvailable() ? "epoll" : "nio";
            default -> throw new IllegalArgumentException("peerlink.bench.transport is auto, epoll or nio, not "
                    + forced + ".");
        };
    }
}
