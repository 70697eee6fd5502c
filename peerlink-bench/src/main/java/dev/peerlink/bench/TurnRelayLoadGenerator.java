package dev.peerlink.bench;

import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import dev.peerlink.turn.client.TurnClientConfig;
import dev.peerlink.turn.client.TurnClientCore;
import dev.peerlink.turn.client.TurnEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Measures how many packets a TURN server relays over UDP on one allocation (one client flow, one channel), keeping
 * a fixed window of ChannelData messages in flight: client → relay → peer → relay → client. The peer is a local UDP
 * socket on 127.0.0.1 that echoes each datagram back to the relayed address, so the server must allow loopback
 * peers (peerlink {@code --allow-loopback-peers}, coturn {@code --allow-loopback-peers}).
 *
 * <p>Set-up (allocation with long-term credentials, then ChannelBind, RFC 8656 §7 and §12) goes through
 * {@link TurnClientCore}; the measured path writes ChannelData with {@link TurnClientCore#writeSend} into one
 * preallocated buffer and receives through the core's allocation-free {@link TurnClientCore.DataHandler}. Each
 * payload starts with a run tag, a sequence number and its window slot, so a round trip is matched with an array
 * lookup; a packet unanswered after the loss timeout counts as lost and its slot is refilled. Counted: round trips
 * per second, payload megabits per second each way (payload bytes × 8 × round trips / s; ChannelData, UDP and IP
 * headers excluded), loss and round-trip times. Warm-up is not counted; a run always ends after warm-up + duration
 * + one loss timeout.
 *
 * <p>Three threads take part: this one (client socket), the echo peer, and the server under test; on a 2-core
 * machine they share the cores, which is the same for every server measured.
 */
public final class TurnRelayLoadGenerator {
    /** Bytes at the start of each payload: run tag, sequence, slot. */
    public static final int MIN_PAYLOAD = 12;
    /** Largest payload; above ~1450 bytes a loopback run no longer says much about a 1500-byte-MTU path. */
    public static final int MAX_PAYLOAD = 8_192;
    private static final int MAX_DATAGRAM = 65_535;
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final long PROGRESS_INTERVAL_NANOS = 1_000_000_000L;
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(10);

    private TurnRelayLoadGenerator() {
    }

    /**
     * @param server      the TURN server's UDP address (resolved)
     * @param username    long-term credential user name
     * @param password    long-term credential password
     * @param payload     application bytes per ChannelData message, {@value #MIN_PAYLOAD}–{@value #MAX_PAYLOAD}
     * @param window      packets in flight, 1–65536
     */
    public record Options(InetSocketAddress server, String username, String password, int payload, int window,
                          Duration duration, Duration warmup, Duration lossTimeout) {
        public static final int DEFAULT_WINDOW = 64;
        public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
        public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
        public static final Duration DEFAULT_LOSS_TIMEOUT = Duration.ofSeconds(1);

        public Options {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (server == null || server.isUnresolved() || server.getPort() == 0) {
                throw new IllegalArgumentException("The TURN load generator needs a resolved server address with a "
                        + "port, not " + server + ".");
            }
            if (payload < MIN_PAYLOAD || payload > MAX_PAYLOAD) {
                throw new IllegalArgumentException("The TURN load generator's payload must be " + MIN_PAYLOAD + "–"
                        + MAX_PAYLOAD + " bytes, not " + payload + ".");
            }
            if (window < 1 || window > StunLoadGenerator.MAX_WINDOW) {
                throw new IllegalArgumentException("The TURN load generator's window must be between 1 and "
                        + StunLoadGenerator.MAX_WINDOW + " packets in flight, not " + window + ".");
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("The TURN load generator's duration must be positive, not "
                        + duration + ".");
            }
            if (warmup == null || warmup.isNegative()) {
                throw new IllegalArgumentException("The TURN load generator's warm-up must be zero or positive, not "
                        + warmup + ".");
            }
            if (lossTimeout == null || lossTimeout.isNegative() || lossTimeout.isZero()) {
                throw new IllegalArgumentException("The TURN load generator's loss timeout must be positive, not "
                        + lossTimeout + ".");
            }
        }

        public static Options of(InetSocketAddress server, String username, String password, int payload) {
            return new Options(server, username, password, payload, DEFAULT_WINDOW, DEFAULT_DURATION, DEFAULT_WARMUP,
                    DEFAULT_LOSS_TIMEOUT);
        }
    }

    /**
     * What one run measured; counts cover packets sent during the measured interval ({@code sent == received +
     * lost}).
     *
     * @param packetsPerSecond round trips per second (each is two relayed packets, one each way)
     * @param mbitPerSecond    payload megabits per second in one direction
     */
    public record Result(InetSocketAddress server, int payload, long sent, long received, long lost,
                         double packetsPerSecond, double mbitPerSecond, double lossPercent, double p50RttMicros,
                         double p99RttMicros, Duration measured, long unmatched) {
        public String summary() {
            String rtt = received == 0 ? "RTT n/a"
                    : String.format(Locale.ROOT, "RTT p50 %.0f µs p99 %.0f µs", p50RttMicros, p99RttMicros);
            return String.format(Locale.ROOT,
                    "%s payload %d B: %,.0f round trips/s, %.1f Mbit/s each way over %.2f s; sent %,d, "
                            + "received %,d, lost %,d (%.3f%%), unmatched %,d; %s",
                    SocketAddresses.format(server), payload, packetsPerSecond, mbitPerSecond,
                    measured.toNanos() / 1e9, sent, received, lost, lossPercent, unmatched, rtt);
        }
    }

    /** Allocates, binds a channel to a local echo peer, measures, and releases the allocation. */
    public static Result run(Options options, Consumer<String> progress) {
        Objects.requireNonNull(options, "options");
        Consumer<String> sink = progress == null ? line -> { } : progress;
        try (DatagramChannel client = DatagramChannel.open();
             DatagramChannel peer = DatagramChannel.open()) {
            client.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            client.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            peer.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            peer.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            client.bind(new InetSocketAddress(options.server().getAddress() instanceof java.net.Inet6Address
                    ? InetAddress.getByName("::1") : InetAddress.getLoopbackAddress(), 0));
            if (!options.server().getAddress().isLoopbackAddress()) {
                client.close();
                throw new IllegalArgumentException("The TURN load generator only sends to loopback servers, not "
                        + options.server() + ".");
            }
            client.connect(options.server());
            peer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Run run = new Run(options, sink, client, peer);
            return run.execute();
        } catch (IOException e) {
            throw new UncheckedIOException("the TURN load generator's sockets failed: " + e.getMessage(), e);
        }
    }

    /** One measurement; all fields belong to the calling thread except the echo thread's own. */
    private static final class Run implements TurnClientCore.DataHandler {
        private final Options options;
        private final Consumer<String> progress;
        private final DatagramChannel client;
        private final DatagramChannel peer;
        private final TurnClientCore core;
        private final InetSocketAddress server;
        private InetSocketAddress peerAddress;
        private int channel;

        private final int window;
        private final long lossTimeoutNanos;
        private final int runTag = ThreadLocalRandom.current().nextInt();
        private final RttHistogram rtt = new RttHistogram();
        private final long[] sentAt;
        private final int[] sequence;
        private final boolean[] inFlight;
        private final boolean[] counted;
        private final int[] prev;
        private final int[] next;
        private final int[] free;
        private int freeCount;
        private int head = -1;
        private int tail = -1;
        private int nextSequence;

        private boolean measuring;
        private boolean sending = true;
        private long sent;
        private long received;
        private long lost;
        private long unmatched;
        private int countedInFlight;
        private long answeredAll;
        private long now;

        Run(Options options, Consumer<String> progress, DatagramChannel client, DatagramChannel peer) {
            this.options = options;
            this.progress = progress;
            this.client = client;
            this.peer = peer;
            this.server = options.server();
            this.core = new TurnClientCore(TurnClientConfig.of(server, StunTransport.UDP, options.username(),
                    options.password()), new SecureRandom(), this);
            this.window = options.window();
            this.lossTimeoutNanos = options.lossTimeout().toNanos();
            this.sentAt = new long[window];
            this.sequence = new int[window];
            this.inFlight = new boolean[window];
            this.counted = new boolean[window];
            this.prev = new int[window];
            this.next = new int[window];
            this.free = new int[window];
            for (int slot = window - 1; slot >= 0; slot--) {
                free[freeCount++] = slot;
            }
        }

        Result execute() throws IOException {
            ByteBuffer rx = ByteBuffer.allocateDirect(MAX_DATAGRAM);
            InetSocketAddress relayed = setUp(rx);
            peer.connect(relayed); // the echo answers only the relay
            Thread echo = Thread.ofPlatform().name("turn-bench-echo").daemon().start(this::echo);
            try {
                return measure(rx);
            } finally {
                peer.close(); // ends the echo loop
                try {
                    echo.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                tearDown(rx);
            }
        }

        /** Allocate and bind a channel to the peer, driving the core with a blocking-with-timeout loop. */
        private InetSocketAddress setUp(ByteBuffer rx) throws IOException {
            client.configureBlocking(false);
            long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
            core.allocate(System.nanoTime());
            InetSocketAddress relayed = null;
            peerAddress = (InetSocketAddress) peer.getLocalAddress();
            while (true) {
                long t = System.nanoTime();
                flushTransmits();
                Optional<TurnEvent> event;
                while ((event = core.pollEvent()).isPresent()) {
                    switch (event.get()) {
                        case TurnEvent.Allocated allocated -> {
                            relayed = allocated.relayedAddresses().get(0);
                            progress.accept("allocated " + SocketAddresses.format(relayed) + " on "
                                    + SocketAddresses.format(server) + "; binding a channel to "
                                    + SocketAddresses.format(peerAddress));
                            core.bindChannel(peerAddress, t);
                            flushTransmits();
                        }
                        case TurnEvent.ChannelBound bound -> {
                            channel = bound.channel();
                            return relayed;
                        }
                        case TurnEvent.ErrorResponse error when error.fatal() -> throw new IllegalStateException(
                                "the TURN server " + SocketAddresses.format(server) + " refused " + error.request()
                                        + ": " + error.code() + " " + error.reason());
                        case TurnEvent.TimedOut timedOut when timedOut.fatal() -> throw new IllegalStateException(
                                "the TURN server " + SocketAddresses.format(server) + " did not answer "
                                        + timedOut.request());
                        case TurnEvent.Failed failed -> throw new IllegalStateException(failed.message());
                        default -> { }
                    }
                }
                if (t - deadline >= 0) {
                    throw new IllegalStateException("setting up a channel on the TURN server "
                            + SocketAddresses.format(server) + " took longer than " + SETUP_TIMEOUT);
                }
                int n;
                try {
                    n = client.read(rx.clear());
                } catch (PortUnreachableException e) {
                    throw new IllegalStateException("nothing listens on the TURN server's port "
                            + SocketAddresses.format(server));
                }
                if (n > 0) {
                    core.handleInput(rx.flip(), server, System.nanoTime());
                } else {
                    long wake = core.nextTimeoutNanos();
                    if (System.nanoTime() - wake >= 0) {
                        core.handleTimeout(System.nanoTime());
                    }
                    Thread.onSpinWait();
                    sleepBriefly();
                }
            }
        }

        private static void sleepBriefly() {
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private void flushTransmits() throws IOException {
            Optional<TurnClientCore.Transmit> transmit;
            while ((transmit = core.pollTransmit()).isPresent()) {
                client.write(transmit.get().buffer());
            }
        }

        private void tearDown(ByteBuffer rx) {
            try {
                core.deallocate(System.nanoTime());
                flushTransmits(); // best effort: the allocation expires anyway
            } catch (IOException | RuntimeException ignored) {
                // the server may be gone; nothing to release then
            }
        }

        /** The peer: echo every datagram from the relay back to it. Allocation-free. */
        private void echo() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
            try {
                peer.configureBlocking(true);
                while (true) {
                    int n = peer.read(buffer.clear());
                    if (n > 0) {
                        peer.write(buffer.flip());
                    }
                }
            } catch (ClosedChannelException e) {
                // the run is over
            } catch (IOException e) {
                progress.accept("echo peer stopped: " + e.getMessage());
            }
        }

        private Result measure(ByteBuffer rx) throws IOException {
            int payloadSize = options.payload();
            ByteBuffer payload = ByteBuffer.allocateDirect(payloadSize);
            ByteBuffer tx = ByteBuffer.allocateDirect(payloadSize + 64);
            long start = System.nanoTime();
            long warmupEnd = start + options.warmup().toNanos();
            long measureEnd = warmupEnd + options.duration().toNanos();
            long drainEnd = measureEnd + lossTimeoutNanos;
            long measureStartedAt = start;
            long measuredNanos = 0;
            long nextProgressAt = start + PROGRESS_INTERVAL_NANOS;
            long lastProgressAt = start;
            long lastAnswered = 0;
            long coreTimeout = core.nextTimeoutNanos();
            String intervalLabel = "warm-up";
            now = start;
            progress.accept(String.format(Locale.ROOT, "ChannelData 0x%04X, payload %d B, window %d, warm-up %s, "
                    + "duration %s", channel, payloadSize, window, options.warmup(), options.duration()));
            while (true) {
                // Phases.
                if (!measuring && sending && now - warmupEnd >= 0) {
                    measuring = true;
                    measureStartedAt = now;
                }
                if (measuring && sending && now - measureEnd >= 0) {
                    sending = false;
                    measuredNanos = now - measureStartedAt;
                }
                expire();
                if (!sending && (countedInFlight == 0 || now - drainEnd >= 0)) {
                    lost += countedInFlight;
                    countedInFlight = 0;
                    break;
                }
                if (now - coreTimeout >= 0) { // refreshes: rare, may allocate
                    core.handleTimeout(now);
                    flushTransmits();
                    coreTimeout = core.nextTimeoutNanos();
                }
                if (now - nextProgressAt >= 0) {
                    double rate = (answeredAll - lastAnswered) / ((now - lastProgressAt) / 1e9);
                    lastAnswered = answeredAll;
                    lastProgressAt = now;
                    nextProgressAt += PROGRESS_INTERVAL_NANOS;
                    progress.accept(String.format(Locale.ROOT, "%-9s %,12.0f round trips/s   sent %,d  received "
                            + "%,d  lost %,d", intervalLabel, rate, sent, received, lost));
                    // Label each interval by the phase it started in: the rate covers the last second.
                    intervalLabel = measuring ? (sending ? "measuring" : "draining") : "warm-up";
                }
                // Send to fill the window.
                int moved = 0;
                while (sending && freeCount > 0) {
                    int slot = free[--freeCount];
                    payload.clear();
                    payload.putInt(0, runTag).putInt(4, nextSequence).putInt(8, slot);
                    tx.clear();
                    int length = core.writeSend(peerAddress, payload, tx);
                    if (length == 0) {
                        throw new IllegalStateException("the TURN client cannot send to the peer any more");
                    }
                    tx.limit(length).position(0);
                    if (client.write(tx) == 0) {
                        free[freeCount++] = slot;
                        break;
                    }
                    commit(slot);
                    moved++;
                }
                // Receive what came back.
                boolean stamped = false;
                for (int i = 0; i < 256; i++) {
                    int n;
                    try {
                        n = client.read(rx.clear());
                    } catch (PortUnreachableException e) {
                        continue;
                    }
                    if (n <= 0) {
                        break;
                    }
                    if (!stamped) {
                        now = System.nanoTime();
                        stamped = true;
                    }
                    core.handleInput(rx.flip(), server, now);
                    moved++;
                }
                now = System.nanoTime();
                if (moved == 0) {
                    Thread.onSpinWait();
                }
            }
            double seconds = measuredNanos / 1e9;
            double rate = seconds > 0 ? received / seconds : 0.0;
            return new Result(server, payloadSize, sent, received, lost, rate, rate * payloadSize * 8 / 1e6,
                    sent == 0 ? 100.0 : 100.0 * lost / sent, rtt.percentileNanos(50) / 1000.0,
                    rtt.percentileNanos(99) / 1000.0, Duration.ofNanos(measuredNanos), unmatched);
        }

        private void commit(int slot) {
            sequence[slot] = nextSequence++;
            sentAt[slot] = now;
            inFlight[slot] = true;
            counted[slot] = measuring;
            if (measuring) {
                sent++;
                countedInFlight++;
            }
            prev[slot] = tail;
            next[slot] = -1;
            if (tail >= 0) {
                next[tail] = slot;
            } else {
                head = slot;
            }
            tail = slot;
        }

        private void release(int slot) {
            inFlight[slot] = false;
            int p = prev[slot];
            int n = next[slot];
            if (p >= 0) {
                next[p] = n;
            } else {
                head = n;
            }
            if (n >= 0) {
                prev[n] = p;
            } else {
                tail = p;
            }
            free[freeCount++] = slot;
        }

        private void expire() {
            while (head >= 0 && now - sentAt[head] >= lossTimeoutNanos) {
                int slot = head;
                if (counted[slot]) {
                    lost++;
                    countedInFlight--;
                }
                release(slot);
            }
        }

        /** RFC 8656 §12.6 data from the peer, via the core; position and limit enclose the payload. */
        @Override
        public void onData(InetSocketAddress from, int channelNumber, ByteBuffer data) {
            int at = data.position();
            if (data.remaining() != options.payload() || data.getInt(at) != runTag) {
                if (measuring) {
                    unmatched++;
                }
                return;
            }
            int seq = data.getInt(at + 4);
            int slot = data.getInt(at + 8);
            if (slot < 0 || slot >= window || !inFlight[slot] || sequence[slot] != seq) {
                if (measuring) {
                    unmatched++;
                }
                return;
            }
            answeredAll++;
            if (counted[slot]) {
                received++;
                countedInFlight--;
                rtt.record(now - sentAt[slot]);
            }
            release(slot);
        }
    }
}
