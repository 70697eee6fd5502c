package dev.peerlink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.ice.netty.HostAddressGatherer;
import dev.peerlink.peer.DataChannel;
import dev.peerlink.peer.PeerConnection;
import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.PeerConnectionState;
import dev.peerlink.testkit.Chromium;
import dev.peerlink.testkit.ExternalTools;
import dev.peerlink.testkit.NetworkNamespace;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Connect time and throughput of WebRTC data channels four ways, in one run: two Java {@link PeerConnection}s in
 * this JVM on 127.0.0.1; a Java peer and a headless Chromium page, each way round (the offerer sends); and two
 * RTCPeerConnections in one Chromium page.
 * Chromium runs inside a network namespace the benchmark creates (root), so every packet stays on loopback or on
 * that namespace's link (198.19.0.0/16); signaling between Java and Chromium goes through DevTools.
 *
 * <p>Connect time: from just before the offer is created to the offerer's data channel {@code open}, one fresh pair
 * of peer connections per connect (made before the clock starts), after {@code warmupSeconds} of uncounted java-java
 * connects that warm the JVM up (once per run, before any pair is measured) and {@code warmupConnects} uncounted ones
 * per pair (the JIT compiles the handshake code meanwhile: the first connects of a fresh JVM run interpreted code, and
 * it goes on compiling for several hundred more, see docs/benchmarks.md); the pairs take turns, one connect each
 * per round. Throughput: on one more connect of each pair after the timed ones, the offerer sends {@code bytes} over
 * its reliable ordered channel in binary messages of {@code messageSize} bytes, keeping its {@code bufferedAmount}
 * under {@link #HIGH_WATER} and waiting for the low-threshold event ({@link #LOW_WATER}); the receiver checks each
 * message's sequence number, length and last byte and times the transfer with its own clock, from the first
 * message's arrival to the last one's (the bytes after the first message over that interval).
 */
public final class DataChannelBenchmark {
    /** Senders stop queueing above this many buffered bytes ... */
    public static final long HIGH_WATER = 4L * 1024 * 1024;
    /** ... and resume when the buffered amount falls to this ({@code bufferedAmountLowThreshold}). */
    public static final long LOW_WATER = 1L * 1024 * 1024;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> CHROMIUM_FLAGS = List.of("--disable-features=WebRtcHideLocalIpsWithMdns");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which two peers a run connects; the offerer is the first named, and it sends. */
    public enum Pair {
        JAVA_JAVA("java-java"), JAVA_CHROMIUM("java-chromium"), CHROMIUM_JAVA("chromium-java"),
        CHROMIUM_CHROMIUM("chromium-chromium");

        private final String label;

        Pair(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        boolean needsChromium() {
            return this != JAVA_JAVA;
        }

        public static Pair parse(String text) {
            for (Pair pair : values()) {
                if (pair.label.equalsIgnoreCase(text.strip())) {
                    return pair;
                }
            }
            throw new IllegalArgumentException("unknown pair '" + text + "': use java-java, java-chromium, "
                    + "chromium-java or chromium-chromium");
        }
    }

    /**
     * @param bytes       bytes to transfer per pair
     * @param messageSize bytes per message (the last may be shorter), 8 B to 256 KiB
     * @param connects    timed connects per pair (median reported)
     * @param warmupConnects uncounted connects per pair before the timed ones
     * @param warmupSeconds how long to warm the JVM up with uncounted java-java connects (each with a small
     *                    transfer) before any pair is measured, when a measured pair has a Java peer; 0 for none
     * @param pairs       what to measure, in this order
     */
    public record Options(long bytes, int messageSize, int connects, int warmupConnects, int warmupSeconds,
                          List<Pair> pairs) {
        public static final long DEFAULT_BYTES = 128L * 1024 * 1024;
        public static final int DEFAULT_MESSAGE_SIZE = 64 * 1024;
        public static final int DEFAULT_CONNECTS = 30;
        /**
         * Each pair's own code (the DTLS 1.3 server, the answering side) is warm only after a few hundred connects
         * of that pair: the JVM warm-up's java-java connects do not run it.
         */
        public static final int DEFAULT_WARMUP_CONNECTS = 300;
        public static final int DEFAULT_WARMUP_SECONDS = 20;

        public Options {
            if (messageSize < 8 || messageSize > PeerConnection.MAX_MESSAGE_SIZE) {
                throw new IllegalArgumentException("the message size must be from 8 to "
                        + PeerConnection.MAX_MESSAGE_SIZE + " bytes, not " + messageSize);
            }
            if (bytes < messageSize || bytes > (1L << 40)) {
                throw new IllegalArgumentException("the bytes to transfer must be at least one message ("
                        + messageSize + ") and at most 1 TiB, not " + bytes);
            }
            if ((bytes + messageSize - 1) / messageSize > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("too many messages: use a larger message size");
            }
            if (connects < 1 || connects > 1000) {
                throw new IllegalArgumentException("connects must be from 1 to 1000, not " + connects);
            }
            if (warmupConnects < 0 || warmupConnects > 1000) {
                throw new IllegalArgumentException("warm-up connects must be from 0 to 1000, not " + warmupConnects);
            }
            if (warmupSeconds < 0 || warmupSeconds > 600) {
                throw new IllegalArgumentException("the JVM warm-up must be from 0 to 600 seconds, not " + warmupSeconds);
            }
            pairs = List.copyOf(pairs);
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException("no pairs to measure");
            }
        }

        /** No JVM warm-up phase (the per-pair warm-up connects only). */
        public Options(long bytes, int messageSize, int connects, int warmupConnects, List<Pair> pairs) {
            this(bytes, messageSize, connects, warmupConnects, 0, pairs);
        }

        int messageCount() {
            return (int) ((bytes + messageSize - 1) / messageSize);
        }

        int lengthOf(int sequence) {
            return (int) Math.min(messageSize, bytes - (long) sequence * messageSize);
        }
    }

    /** What the receiver saw: every message in order with the right length and content, and when. */
    public record Transfer(long bytes, int messages, boolean intact, String problem, double seconds) {
        /** 10^6 bytes per second, over the bytes after the first message. */
        public double megabytesPerSecond(int firstMessageLength) {
            return seconds <= 0 ? 0 : (bytes - firstMessageLength) / seconds / 1e6;
        }
    }

    /**
     * @param cpuSeconds CPU time this JVM and the Chromium processes it started used during the transfer (sender and
     *                   receiver together): a figure that, unlike MB/s, does not move much when other jobs share
     *                   the machine
     */
    public record Result(Pair pair, double[] connectMillis, Transfer transfer, int firstMessageLength,
                         double cpuSeconds) {
        public double medianConnectMillis() {
            double[] sorted = connectMillis.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        public double minConnectMillis() {
            return Arrays.stream(connectMillis).min().orElse(0);
        }

        public double maxConnectMillis() {
            return Arrays.stream(connectMillis).max().orElse(0);
        }

        public double megabytesPerSecond() {
            return transfer.megabytesPerSecond(firstMessageLength);
        }

        /** 10^6 bytes transferred per CPU second spent on the transfer by both peers. */
        public double megabytesPerCpuSecond() {
            return cpuSeconds <= 0 ? 0 : transfer.bytes() / cpuSeconds / 1e6;
        }
    }

    private DataChannelBenchmark() {
    }

    /** Why the given pairs cannot run here (no chromium, not root), if they cannot. */
    public static Optional<String> unavailableReason(List<Pair> pairs) {
        if (pairs.stream().noneMatch(Pair::needsChromium)) {
            return Optional.empty();
        }
        String what = "; the pairs with chromium need it (or measure --pairs java-java)";
        if (ExternalTools.find("chromium").isEmpty()) {
            return Optional.of("chromium is not installed (Debian package chromium)" + what);
        }
        return NetworkNamespace.unavailableReason().map(reason -> reason + what);
    }

    public static List<Result> run(Options options, Consumer<String> progress) throws IOException {
        unavailableReason(options.pairs()).ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        if (options.pairs().stream().noneMatch(Pair::needsChromium)) {
            warmUpJvm(options, progress);
            return measure(options, null, null, progress);
        }
        try (NetworkNamespace namespace = NetworkNamespace.create();
             Chromium chromium = Chromium.launchIn(namespace, CHROMIUM_FLAGS)) {
            Chromium.Page page = chromium.newPage("about:blank");
            page.evaluate(PAGE_SCRIPT);
            // Chromium goes on starting up for a while after its page loads (its other processes); the JVM's
            // warm-up covers that time, so no pair is timed against a browser still busy starting.
            warmUpJvm(options, progress);
            return measure(options, namespace.hostAddress(), page, progress);
        }
    }

    /**
     * The pairs take turns, one connect each per round (the warm-up connects, then the timed ones) in an order
     * shuffled for each round, so that what the machine and the browser do over the run (other load, the page's own
     * state, what the previous connect left to do) falls on every pair alike; a ratio of two pairs' medians then
     * compares them under the same conditions. Then each pair's transfer, on a connect of its own.
     */
    private static List<Result> measure(Options options, InetAddress hostAddress, Chromium.Page page,
                                        Consumer<String> progress) throws IOException {
        List<Tally> tallies = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int p = 0; p < options.pairs().size(); p++) {
            tallies.add(new Tally(options.connects()));
            order.add(p);
        }
        // A fresh order every round (the same ones every run): a connect leaves work behind (closing, the page's
        // garbage collection), and this way no pair always comes after the same other one, or first.
        Random shuffle = new Random(5);
        for (int i = -options.warmupConnects(); i <= options.connects(); i++) {
            boolean transfer = i == options.connects();
            if (!transfer) {
                Collections.shuffle(order, shuffle);
            }
            for (int p : order) {
                Tally tally = tallies.get(p);
                switch (options.pairs().get(p)) {
                    case JAVA_JAVA -> connectJavaJava(options, tally, i, transfer, progress);
                    case JAVA_CHROMIUM -> connectJavaChromium(options, hostAddress, page, tally, i, transfer, progress);
                    case CHROMIUM_JAVA -> connectChromiumJava(options, hostAddress, page, tally, i, transfer, progress);
                    case CHROMIUM_CHROMIUM -> connectChromiumChromium(options, page, tally, i, transfer, progress);
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (int p = 0; p < options.pairs().size(); p++) {
            Tally tally = tallies.get(p);
            results.add(new Result(options.pairs().get(p), tally.connects, tally.transfer, options.lengthOf(0),
                    tally.cpu));
        }
        return results;
    }

    /** One pair's figures as its connects come in: round {@code i} is timed when 0 ≤ i < connects. */
    private static final class Tally {
        final double[] connects;
        Transfer transfer;
        double cpu;

        Tally(int connects) {
            this.connects = new double[connects];
        }

        boolean timed(int i) {
            return i >= 0 && i < connects.length;
        }
    }

    /**
     * Java-java connects, each with a one-message transfer, for {@code warmupSeconds}: the JIT is still compiling
     * handshake, SDP and crypto code after hundreds of connects (on two cores its threads then compete with the
     * connect being timed), where Chromium runs compiled code from the start. A long-running JVM is warm; this
     * measures that state. Skipped when no measured pair has a Java peer.
     */
    private static void warmUpJvm(Options options, Consumer<String> progress) throws IOException {
        if (options.warmupSeconds() == 0 || options.pairs().stream().allMatch(pair -> pair == Pair.CHROMIUM_CHROMIUM)) {
            return;
        }
        progress.accept("warming the JVM up for " + options.warmupSeconds() + " s with java-java connects ...");
        Options one = new Options(WARMUP_TRANSFER_BYTES, WARMUP_TRANSFER_BYTES, 1, 0, List.of(Pair.JAVA_JAVA));
        long deadline = System.nanoTime() + options.warmupSeconds() * 1_000_000_000L;
        int connects = 0;
        while (System.nanoTime() - deadline < 0) {
            connectJavaJava(one, new Tally(0), 0, true, line -> { });
            connects++;
        }
        progress.accept("JVM warm-up: " + connects + " connects");
    }

    private static final int WARMUP_TRANSFER_BYTES = 64 * 1024;

    // ------------------------------------------------------------------------------------------- Java ↔ Java

    private static final HostAddressGatherer LOOPBACK = HostAddressGatherer.builder().allowLoopback(true)
            .includeAddress("127.0.0.1/32").build();

    private static PeerConnectionConfig config(HostAddressGatherer gatherer) {
        return PeerConnectionConfig.builder().gatherer(gatherer).mdns(false).build();
    }

    private static void connectJavaJava(Options options, Tally tally, int i, boolean withTransfer,
                                        Consumer<String> progress) throws IOException {
        try (JavaPeer offerer = new JavaPeer(config(LOOPBACK));
             JavaPeer answerer = new JavaPeer(config(LOOPBACK))) {
            JavaReceiver receiver = new JavaReceiver(options);
            answerer.onChannel = channel -> channel.onMessage(receiver::accept);
            DataChannel channel = offerer.pc.createDataChannel("bench", DataChannelOptions.DEFAULT);
            CompletableFuture<Long> opened = new CompletableFuture<>();
            channel.onOpen(() -> opened.complete(System.nanoTime()));
            offerer.failOn(opened);
            answerer.failOn(opened);
            long start = System.nanoTime();
            offerer.trickleTo(answerer);
            answerer.trickleTo(offerer);
            String offer = offerer.pc.createOffer();
            offerer.pc.setLocalDescription(offer);
            answerer.pc.setRemoteDescription(offer);
            answerer.remoteSet();
            String answer = answerer.pc.createAnswer();
            answerer.pc.setLocalDescription(answer);
            offerer.pc.setRemoteDescription(answer);
            offerer.remoteSet();
            double millis = (await(opened, "java-java: the data channel did not open") - start) / 1e6;
            if (tally.timed(i)) {
                tally.connects[i] = millis;
                progress.accept(String.format(Locale.ROOT, "java-java connect %d: %.1f ms (offerer: %s)", i + 1,
                        millis, offerer.phases(start)));
            }
            if (withTransfer) {
                progress.accept("java-java: sending " + options.bytes() + " bytes");
                double cpuBefore = CpuTime.seconds();
                sendFromJava(channel, options);
                tally.transfer = receiver.result(transferTimeout(options));
                tally.cpu = CpuTime.seconds() - cpuBefore;
                progress.accept("java-java: " + pathMtu(offerer.pc));
            }
        }
    }

    /** A Java peer connection whose candidates trickle to another one, held until that one has its remote SDP. */
    private static final class JavaPeer implements PeerConnectionListener, AutoCloseable {
        final PeerConnection pc;
        final CompletableFuture<Void> gathered = new CompletableFuture<>();
        volatile Consumer<DataChannel> onChannel = channel -> { };
        private volatile CompletableFuture<Long> failing = new CompletableFuture<>();
        private final List<String> held = new ArrayList<>();
        private JavaPeer target;
        private boolean remoteSet;

        JavaPeer(PeerConnectionConfig config) {
            this.pc = PeerConnection.create(config, this);
        }

        /** A failed connection completes this future exceptionally instead of leaving its waiter to time out. */
        void failOn(CompletableFuture<Long> future) {
            this.failing = future;
            if (pc.connectionState() == PeerConnectionState.FAILED) {
                future.completeExceptionally(new IOException("the peer connection failed"));
            }
        }

        synchronized void trickleTo(JavaPeer other) {
            this.target = other;
        }

        /** Adds the held candidates, in order; under the lock so none that arrives meanwhile overtakes them. */
        synchronized void remoteSet() {
            remoteSet = true;
            held.forEach(pc::addIceCandidate);
            held.clear();
        }

        /** When ICE and then DTLS + SCTP came up (System.nanoTime), for the progress lines. */
        volatile long iceConnectedAt;
        volatile long connectedAt;

        @Override
        public void onIceConnectionStateChange(dev.peerlink.ice.IceConnectionState state) {
            if (iceConnectedAt == 0 && (state == dev.peerlink.ice.IceConnectionState.CONNECTED
                    || state == dev.peerlink.ice.IceConnectionState.COMPLETED)) {
                iceConnectedAt = System.nanoTime();
            }
        }

        /** "ICE connected after a ms, DTLS and SCTP after b ms", counted from {@code start}. */
        String phases(long start) {
            // DTLS starts on the first valid pair (RFC 8445 §12.1), so the channel may open before the nomination.
            String ice = iceConnectedAt == 0 ? "ICE not nominated yet"
                    : String.format(Locale.ROOT, "ICE connected after %.1f ms", (iceConnectedAt - start) / 1e6);
            return String.format(Locale.ROOT, "%s, DTLS and SCTP up after %.1f ms", ice, (connectedAt - start) / 1e6);
        }

        @Override
        public void onIceCandidate(String candidate) {
            if (candidate == null) {
                gathered.complete(null);
            }
            JavaPeer other;
            synchronized (this) {
                other = target;
            }
            if (other != null) {
                other.receive(candidate);
            }
        }

        private synchronized void receive(String candidate) {
            if (remoteSet) {
                pc.addIceCandidate(candidate);
            } else {
                held.add(candidate);
            }
        }

        @Override
        public void onDataChannel(DataChannel channel) {
            onChannel.accept(channel);
        }

        @Override
        public void onConnectionStateChange(PeerConnectionState state) {
            if (state == PeerConnectionState.CONNECTED && connectedAt == 0) {
                connectedAt = System.nanoTime();
            }
            if (state == PeerConnectionState.FAILED) {
                gathered.complete(null);
                failing.completeExceptionally(new IOException("the peer connection failed"));
            }
        }

        @Override
        public void close() {
            pc.close();
        }
    }

    /** What the Java peer's SCTP association settled on for the transfer (its packets' size; RFC 8899 PLPMTU). */
    private static String pathMtu(PeerConnection pc) {
        return "the Java peer's SCTP path MTU after the transfer: " + pc.getStats().join().sctpPathMtu() + " bytes";
    }

    /** Sends the bulk with W3C-style flow control: queue while under the high water, then wait for the low event. */
    private static void sendFromJava(DataChannel channel, Options options) throws IOException {
        Object lowSignal = new Object();
        channel.setBufferedAmountLowThreshold(LOW_WATER);
        channel.onBufferedAmountLow(() -> {
            synchronized (lowSignal) {
                lowSignal.notifyAll();
            }
        });
        byte[] message = new byte[options.messageSize()];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) (i * 31 + 7);
        }
        byte[] shortLast = null;
        long deadline = System.nanoTime() + transferTimeout(options).toNanos();
        for (int sequence = 0; sequence < options.messageCount(); sequence++) {
            int length = options.lengthOf(sequence);
            byte[] data = message;
            if (length != message.length) {
                shortLast = Arrays.copyOf(message, length);
                data = shortLast;
            }
            stamp(data, sequence);
            while (channel.bufferedAmount() + length > HIGH_WATER) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the transfer did not finish within " + transferTimeout(options));
                }
                synchronized (lowSignal) {
                    try {
                        lowSignal.wait(5); // bounded: a low event that fired just before we waited is not missed
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while sending", e);
                    }
                }
            }
            channel.send(data);
        }
    }

    /** Sequence number in the first 4 bytes (big-endian); the last byte repeats its low 8 bits. */
    private static void stamp(byte[] data, int sequence) {
        data[0] = (byte) (sequence >>> 24);
        data[1] = (byte) (sequence >>> 16);
        data[2] = (byte) (sequence >>> 8);
        data[3] = (byte) sequence;
        data[data.length - 1] = (byte) sequence;
    }

    /** Checks messages as they arrive on a Java peer's listener thread. */
    private static final class JavaReceiver {
        private final Options options;
        private final CompletableFuture<Transfer> done = new CompletableFuture<>();
        private int messages;
        private long bytes;
        private long first;
        private String problem;

        JavaReceiver(Options options) {
            this.options = options;
        }

        void accept(DataChannel.Message message) {
            long now = System.nanoTime();
            if (messages == 0) {
                first = now;
            }
            byte[] data = message.data();
            if (problem == null) {
                problem = check(data, messages);
            }
            messages++;
            bytes += message.size();
            if (messages == options.messageCount() || problem != null) {
                done.complete(new Transfer(bytes, messages, problem == null, problem, (now - first) / 1e9));
            }
        }

        private String check(byte[] data, int expected) {
            if (data == null) {
                return "message " + expected + " arrived as text";
            }
            if (data.length != options.lengthOf(expected)) {
                return "message " + expected + " has " + data.length + " bytes, not " + options.lengthOf(expected);
            }
            int sequence = ((data[0] & 0xff) << 24) | ((data[1] & 0xff) << 16) | ((data[2] & 0xff) << 8)
                    | (data[3] & 0xff);
            if (sequence != expected || data[data.length - 1] != (byte) expected) {
                return "message " + expected + " arrived carrying sequence " + sequence;
            }
            return null;
        }

        Transfer result(Duration timeout) throws IOException {
            try {
                return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IOException("the receiver had " + messages + " of " + options.messageCount()
                        + " messages after " + timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IOException(e.getCause());
            }
        }
    }

    private static Duration transferTimeout(Options options) {
        // Generous: at least 60 s, or 1 MB/s for the whole transfer.
        return Duration.ofSeconds(Math.max(60, options.bytes() / 1_000_000));
    }

    private static long await(CompletableFuture<Long> future, String failure) throws IOException {
        try {
            return future.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(failure + " within " + STEP_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(failure + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    // ------------------------------------------------------------------------------------------- Java ↔ Chromium

    private static void connectJavaChromium(Options options, InetAddress hostAddress, Chromium.Page page, Tally tally,
                                            int i, boolean withTransfer, Consumer<String> progress) throws IOException {
        HostAddressGatherer gatherer = HostAddressGatherer.only(hostAddress);
        try (JavaPeer offerer = new JavaPeer(config(gatherer))) {
            page.evaluate("bench.reset(%d, %d)".formatted(options.bytes(), options.messageSize()));
            // Every peer connection object exists before its pair's clock starts (the Java one above, the
            // chromium-chromium pair's in the page), so the page's is made here.
            page.evaluate("bench.prepareAnswerer()");
            DataChannel channel = offerer.pc.createDataChannel("bench", DataChannelOptions.DEFAULT);
            CompletableFuture<Long> opened = new CompletableFuture<>();
            channel.onOpen(() -> opened.complete(System.nanoTime()));
            offerer.failOn(opened);
            long start = System.nanoTime();
            // Java's candidates go in its offer (gathering a host address takes a fraction of a millisecond);
            // the page answers at once, as the chromium-chromium pair does, and its candidates are not sent:
            // Java learns the page's address from its first check (peer-reflexive, RFC 8445 §7.3.1.3).
            offerer.pc.createOffer();
            awaitGathered(offerer.gathered);
            String offer = offerer.pc.createOffer();
            offerer.pc.setLocalDescription(offer);
            long offerReady = System.nanoTime();
            JsonNode answer = page.evaluate("bench.answer(%s)".formatted(JSON.writeValueAsString(offer)));
            long answerBack = System.nanoTime();
            offerer.pc.setRemoteDescription(answer.path("sdp").asText());
            double millis = (await(opened, "java-chromium: the data channel did not open") - start) / 1e6;
            if (tally.timed(i)) {
                tally.connects[i] = millis;
                // The signaling hop (DevTools to the page and back, Chromium's answer inside it) is part of
                // the connect; the progress line shows how much, so the table's figure can be read.
                progress.accept(String.format(Locale.ROOT, "java-chromium connect %d: %.1f ms (Java offer with"
                        + " candidates ready after %.1f ms, the page's answer back %.1f ms later, %.1f of them in the"
                        + " page; Java: %s)", i + 1, millis, (offerReady - start) / 1e6,
                        (answerBack - offerReady) / 1e6, answer.path("took").asDouble(), offerer.phases(start)));
            }
            if (withTransfer) {
                progress.accept("java-chromium: " + dtlsVersion(page));
                progress.accept("java-chromium: sending " + options.bytes() + " bytes");
                double cpuBefore = CpuTime.seconds();
                sendFromJava(channel, options);
                tally.transfer = awaitPageTransfer(page, options);
                tally.cpu = CpuTime.seconds() - cpuBefore;
                progress.accept("java-chromium: " + pathMtu(offerer.pc));
            }
        } finally {
            closeAll(page);
        }
    }

    private static void awaitGathered(CompletableFuture<Void> gathered) throws IOException {
        try {
            gathered.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException("the Java peer did not finish gathering candidates within " + STEP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Polls the page's receiver (its own clock times the transfer) until every message is in or one was wrong. */
    private static Transfer awaitPageTransfer(Chromium.Page page, Options options) throws IOException {
        long deadline = System.nanoTime() + transferTimeout(options).toNanos();
        while (true) {
            JsonNode rx = page.evaluate("bench.rx");
            if (rx.path("done").asBoolean()) {
                String problem = rx.path("problem").isNull() || rx.path("problem").isMissingNode() ? null
                        : rx.path("problem").asText();
                return new Transfer(rx.path("bytes").asLong(), rx.path("messages").asInt(), problem == null, problem,
                        (rx.path("last").asDouble() - rx.path("first").asDouble()) / 1e3);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the page received " + rx.path("messages").asInt() + " of "
                        + options.messageCount() + " messages within " + transferTimeout(options));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /**
     * The DTLS version the page's peer connection of the current connect negotiated, from its transport stats: Chromium
     * offers DTLS 1.3 (RFC 9147, a one-round-trip handshake) and 1.2; peerlink answers 1.3 as the DTLS server and
     * speaks 1.2 as the client.
     */
    private static String dtlsVersion(Chromium.Page page) throws IOException {
        String version = page.evaluate("bench.dtlsVersion()").asText();
        return "DTLS " + switch (version.toUpperCase(Locale.ROOT)) {
            case "FEFD" -> "1.2";
            case "FEFC" -> "1.3";
            default -> "version " + version;
        } + " (the page's getStats)";
    }

    /** Closes the page's peer connections and collects them, so that runs of any length stay within its limit. */
    private static void closeAll(Chromium.Page page) throws IOException {
        page.evaluate("bench.closeAll()");
        page.collectGarbage();
    }

    // ------------------------------------------------------------------------------------------- Chromium → Java

    /**
     * The page offers (its clock times the connect, from just before its createOffer to its channel's open) and
     * sends; the Java peer answers with its candidates gathered into the answer and receives.
     */
    private static void connectChromiumJava(Options options, InetAddress hostAddress, Chromium.Page page, Tally tally,
                                            int i, boolean withTransfer, Consumer<String> progress) throws IOException {
        HostAddressGatherer gatherer = HostAddressGatherer.only(hostAddress);
        try (JavaPeer answerer = new JavaPeer(config(gatherer))) {
            JavaReceiver receiver = new JavaReceiver(options);
            answerer.onChannel = channel -> channel.onMessage(receiver::accept);
            page.evaluate("bench.reset(%d, %d)".formatted(options.bytes(), options.messageSize()));
            page.evaluate("bench.prepareOfferer()");
            JsonNode offer = page.evaluate("bench.offer()");
            long offerArrived = System.nanoTime();
            answerer.pc.setRemoteDescription(offer.path("sdp").asText());
            awaitGathered(answerer.gathered);
            String answer = answerer.pc.createAnswer();
            answerer.pc.setLocalDescription(answer);
            long answerReady = System.nanoTime();
            double millis = page.evaluate("bench.accept(%s)".formatted(JSON.writeValueAsString(answer)))
                    .asDouble();
            if (tally.timed(i)) {
                tally.connects[i] = millis;
                progress.accept(String.format(Locale.ROOT, "chromium-java connect %d: %.1f ms (the page's offer"
                        + " ready after %.1f ms; Java's answer with candidates %.1f ms after the offer arrived)",
                        i + 1, millis, offer.path("took").asDouble(), (answerReady - offerArrived) / 1e6));
            }
            if (withTransfer) {
                progress.accept("chromium-java: " + dtlsVersion(page));
                progress.accept("chromium-java: sending " + options.bytes() + " bytes");
                double cpuBefore = CpuTime.seconds();
                page.evaluate("bench.startSending()");
                tally.transfer = receiver.result(transferTimeout(options));
                tally.cpu = CpuTime.seconds() - cpuBefore;
                progress.accept("chromium-java: " + pathMtu(answerer.pc));
            }
        } finally {
            closeAll(page);
        }
    }

    // ------------------------------------------------------------------------------------------- Chromium ↔ Chromium

    private static void connectChromiumChromium(Options options, Chromium.Page page, Tally tally, int i,
                                                boolean withTransfer, Consumer<String> progress) throws IOException {
        try {
            page.evaluate("bench.reset(%d, %d)".formatted(options.bytes(), options.messageSize()));
            double millis = page.evaluate("bench.connectLocal()").asDouble();
            if (tally.timed(i)) {
                tally.connects[i] = millis;
                progress.accept(String.format(Locale.ROOT, "chromium-chromium connect %d: %.1f ms", i + 1,
                        millis));
            }
            if (withTransfer) {
                progress.accept("chromium-chromium: " + dtlsVersion(page));
                progress.accept("chromium-chromium: sending " + options.bytes() + " bytes");
                double cpuBefore = CpuTime.seconds();
                page.evaluate("bench.startSending()");
                tally.transfer = awaitPageTransfer(page, options);
                tally.cpu = CpuTime.seconds() - cpuBefore;
            }
        } finally {
            closeAll(page);
        }
    }

    /**
     * The page side: {@code bench.answer(offer)} answers a Java offer with the RTCPeerConnection that
     * {@code bench.prepareAnswerer()} made, and {@code bench.offer()} offers from the one {@code bench.prepareOfferer()}
     * made, each as soon as its description is set (its candidates would trickle; the Java peer learns the page's
     * address from its first check, a peer-reflexive candidate, RFC 8445 §7.3.1.3); {@code bench.accept(answer)}
     * resolves with that offer's offer-to-open milliseconds;
     * {@code bench.connectLocal()} connects two RTCPeerConnections in the page and resolves with the offerer's
     * offer-to-open milliseconds; {@code bench.rx} is the receiver's record. The sender and receiver do what the
     * Java ones do.
     */
    private static final String PAGE_SCRIPT = """
            (() => {
              const bench = window.bench = {pcs: [], rx: null, sender: null};
              bench.reset = (bytes, size) => {
                bench.bytes = bytes; bench.size = size; bench.count = Math.ceil(bytes / size);
                bench.rx = {done: false, messages: 0, bytes: 0, first: 0, last: 0, problem: null};
                return 'ok';
              };
              const lengthOf = seq => Math.min(bench.size, bench.bytes - seq * bench.size);
              bench.receive = dc => {
                dc.binaryType = 'arraybuffer';
                dc.onmessage = e => {
                  const now = performance.now();
                  const rx = bench.rx;
                  if (rx.done) return;
                  if (rx.messages === 0) rx.first = now;
                  const expected = rx.messages;
                  if (typeof e.data === 'string') {
                    rx.problem = 'message ' + expected + ' arrived as text';
                  } else {
                    const view = new DataView(e.data);
                    const seq = view.getUint32(0);
                    if (e.data.byteLength !== lengthOf(expected)) {
                      rx.problem = 'message ' + expected + ' has ' + e.data.byteLength + ' bytes, not ' + lengthOf(expected);
                    } else if (seq !== expected || view.getUint8(e.data.byteLength - 1) !== (expected & 255)) {
                      rx.problem = 'message ' + expected + ' arrived carrying sequence ' + seq;
                    }
                  }
                  rx.messages++;
                  rx.bytes += e.data.byteLength;
                  rx.last = now;
                  if (rx.messages === bench.count || rx.problem) rx.done = true;
                };
              };
              bench.prepareAnswerer = () => {
                bench.answerer = new RTCPeerConnection();
                bench.pcs.push(bench.answerer);
                return 'ok';
              };
              bench.answer = async offer => {
                const pc = bench.last = bench.answerer;
                pc.ondatachannel = e => bench.receive(e.channel);
                const began = performance.now();
                await pc.setRemoteDescription({type: 'offer', sdp: offer});
                await pc.setLocalDescription(await pc.createAnswer());
                return {sdp: pc.localDescription.sdp, took: performance.now() - began};
              };
              bench.prepareOfferer = () => {
                const pc = bench.last = bench.offerer = new RTCPeerConnection();
                bench.pcs.push(pc);
                const dc = bench.sender = pc.createDataChannel('bench');
                bench.opened = new Promise((resolve, reject) => {
                  dc.onopen = () => resolve(performance.now());
                  pc.onconnectionstatechange = () => { if (pc.connectionState === 'failed') reject(new Error('failed')); };
                });
                return 'ok';
              };
              bench.offer = async () => {
                const pc = bench.offerer;
                bench.start = performance.now();
                await pc.setLocalDescription(await pc.createOffer());
                return {sdp: pc.localDescription.sdp, took: performance.now() - bench.start};
              };
              bench.accept = async answer => {
                await bench.offerer.setRemoteDescription({type: 'answer', sdp: answer});
                return (await bench.opened) - bench.start;
              };
              bench.connectLocal = async () => {
                const a = bench.last = new RTCPeerConnection(), b = new RTCPeerConnection();
                bench.pcs.push(a, b);
                const trickle = (from, to) => {
                  const held = [];
                  from.onicecandidate = e => {
                    if (!e.candidate) return;
                    if (to.remoteDescription) to.addIceCandidate(e.candidate); else held.push(e.candidate);
                  };
                  return () => held.splice(0).forEach(c => to.addIceCandidate(c));
                };
                const flushToB = trickle(a, b), flushToA = trickle(b, a);
                b.ondatachannel = e => bench.receive(e.channel);
                const dc = a.createDataChannel('bench');
                bench.sender = dc;
                const opened = new Promise((resolve, reject) => {
                  dc.onopen = () => resolve(performance.now());
                  a.onconnectionstatechange = () => { if (a.connectionState === 'failed') reject(new Error('failed')); };
                });
                const start = performance.now();
                await a.setLocalDescription(await a.createOffer());
                await b.setRemoteDescription(a.localDescription);
                flushToB();
                await b.setLocalDescription(await b.createAnswer());
                await a.setRemoteDescription(b.localDescription);
                flushToA();
                return (await opened) - start;
              };
              bench.startSending = () => {
                const dc = bench.sender;
                const template = new Uint8Array(bench.size);
                for (let i = 0; i < template.length; i++) template[i] = (i * 31 + 7) & 255;
                let seq = 0;
                dc.bufferedAmountLowThreshold = %d;
                const pump = () => {
                  while (seq < bench.count && dc.bufferedAmount + lengthOf(seq) <= %d) {
                    const message = template.slice(0, lengthOf(seq));
                    new DataView(message.buffer).setUint32(0, seq);
                    message[message.length - 1] = seq & 255;
                    dc.send(message);
                    seq++;
                  }
                  if (seq >= bench.count) dc.onbufferedamountlow = null;
                };
                dc.onbufferedamountlow = pump;
                pump();
                return 'ok';
              };
              bench.dtlsVersion = async () => {
                let version = 'none';
                (await bench.last.getStats()).forEach(s => { if (s.type === 'transport' && s.tlsVersion) version = s.tlsVersion; });
                return version;
              };
              bench.closeAll = () => {
                bench.pcs.splice(0).forEach(pc => pc.close());
                bench.sender = null;
                return 'ok';
              };
              return 'ok';
            })()
            """.formatted(LOW_WATER, HIGH_WATER);

    // ------------------------------------------------------------------------------------------- the table

    /** The results as a markdown table, with the settings and what each column means. */
    public static String table(Options options, List<Result> results) {
        StringBuilder out = new StringBuilder();
        double chromiumRate = results.stream().filter(r -> r.pair() == Pair.CHROMIUM_CHROMIUM).findFirst()
                .map(Result::megabytesPerSecond).orElse(0.0);
        double chromiumConnect = results.stream().filter(r -> r.pair() == Pair.CHROMIUM_CHROMIUM).findFirst()
                .map(Result::medianConnectMillis).orElse(0.0);
        out.append("| pair (offerer → answerer) | connect median (min–max), ms | throughput, MB/s | MB per CPU second"
                + " | transferred | vs chromium-chromium (connect / throughput / per CPU second) |\n");
        out.append("|---|---:|---:|---:|---|---:|\n");
        double chromiumEfficiency = results.stream().filter(r -> r.pair() == Pair.CHROMIUM_CHROMIUM).findFirst()
                .map(Result::megabytesPerCpuSecond).orElse(0.0);
        for (Result r : results) {
            Transfer t = r.transfer();
            String delivered = String.format(Locale.ROOT, "%,d B in %,d messages, %s", t.bytes(), t.messages(),
                    t.intact() ? "in order, intact" : "BROKEN: " + t.problem());
            String versus = chromiumRate > 0 && chromiumConnect > 0
                    ? String.format(Locale.ROOT, "%.2f× / %.2f× / %.2f×", r.medianConnectMillis() / chromiumConnect,
                        r.megabytesPerSecond() / chromiumRate,
                        chromiumEfficiency > 0 ? r.megabytesPerCpuSecond() / chromiumEfficiency : 0)
                    : "n/a";
            out.append(String.format(Locale.ROOT, "| %s | %.1f (%.1f–%.1f) | %.1f | %.1f | %s | %s |%n",
                    r.pair().label(), r.medianConnectMillis(), r.minConnectMillis(), r.maxConnectMillis(),
                    r.megabytesPerSecond(), r.megabytesPerCpuSecond(), delivered, versus));
        }
        out.append(String.format(Locale.ROOT, "%nconnect: offer created → offerer's channel open, %d connects "
                + "(after %d s of java-java connects warming the JVM up and %d uncounted per pair); throughput: %,d B in %,d-byte binary messages on one reliable ordered channel, "
                + "bufferedAmount ≤ %d MiB with low threshold %d MiB, timed at the receiver (MB = 10^6 B); "
                + "CPU second = CPU time of this JVM and its Chromium processes during the transfer%n",
                options.connects(), options.warmupSeconds(), options.warmupConnects(), options.bytes(), options.messageSize(), HIGH_WATER >> 20, LOW_WATER >> 20));
        return out.toString();
    }

    /** CPU time used so far by this JVM and the processes it started (Chromium's), from /proc on Linux. */
    static final class CpuTime {
        /** Linux reports process times in USER_HZ ticks, 100 per second on every mainstream kernel configuration. */
        private static final double TICKS_PER_SECOND = 100;

        private CpuTime() {
        }

        static double seconds() {
            double total = 0;
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os) {
                total += os.getProcessCpuTime() / 1e9;
            }
            for (ProcessHandle child : ProcessHandle.current().descendants().toList()) {
                total += childSeconds(child.pid());
            }
            return total;
        }

        /** utime + stime (fields 14 and 15 of /proc/PID/stat); 0 for a process that is gone. */
        private static double childSeconds(long pid) {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
    }
}
