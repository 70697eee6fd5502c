package dev.peerlink.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.signaling.client.SignalingClient;
import dev.peerlink.signaling.client.SignalingException;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Relay latency of peerlink's signaling server: {@code pairs} rooms, each with a sender and a receiver
 * ({@link SignalingClient}s in this JVM, over loopback WebSockets to an in-process {@link PeerlinkServer}). Every
 * sender sends {@code candidate} signals of a browser candidate's size at {@code ratePerPair} a second, each carrying
 * its send time; the receiver records arrival minus send time. The figure is client send → server relay → client
 * receive, JSON encoding and the JDK WebSocket client on both ends included. A warm-up of 3 s is not recorded.
 */
public final class SignalingRelayLatency {
    private static final Duration WARMUP = Duration.ofSeconds(3);
    /** A realistic payload: what a browser's RTCIceCandidate serialises to. */
    private static final String CANDIDATE = "candidate:2530088836 1 udp 2122260223 192.0.2.7 50000 typ host "
            + "generation 0 ufrag Hs9h network-id 1 network-cost 10";

    private SignalingRelayLatency() {
    }

    public record Result(int pairs, int ratePerPair, double seconds, long sent, long received, double p50Micros,
                         double p99Micros, double p999Micros, double maxMicros) {
        public String summary() {
            return String.format(Locale.ROOT, "%d sender/receiver pairs at %d signals/s each (%,d signals/s in all) "
                    + "for %.0f s: %,d sent, %,d relayed; latency p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us",
                    pairs, ratePerPair, pairs * ratePerPair, seconds, sent, received, p50Micros, p99Micros,
                    p999Micros, maxMicros);
        }
    }

    public static Result run(int pairs, int ratePerPair, int seconds, Consumer<String> progress) throws Exception {
        if (pairs < 1 || pairs > 5_000) {
            throw new IllegalArgumentException("The pair count must be 1–5000, not " + pairs + ".");
        }
        if (ratePerPair < 1 || ratePerPair > 40) {
            throw new IllegalArgumentException("The rate per pair must be 1–40 signals a second (the server's "
                    + "default limit is 50 per connection), not " + ratePerPair + ".");
        }
        if (seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("The duration must be 1–3600 seconds, not " + seconds + ".");
        }
        Consumer<String> sink = progress == null ? line -> { } : progress;
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true,
                "peerlink").withHttp(0, false);
        RttHistogram histogram = new RttHistogram();
        AtomicLong maxNanos = new AtomicLong();
        AtomicLong received = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        long[] recordFrom = {Long.MAX_VALUE};
        List<SignalingClient> clients = new ArrayList<>();
        ScheduledExecutorService senders = Executors.newScheduledThreadPool(2);
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            URI uri = server.signalingUri().orElseThrow();
            sink.accept("in-process peerlink server at " + uri + "; joining " + pairs + " pairs");
            List<SignalingClient> senderClients = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                Consumer<ServerMessage> onMessage = message -> {
                    if (message instanceof ServerMessage.Signal signal && signal.payload() != null) {
                        long sentAt = signal.payload().path("t").asLong();
                        long latency = System.nanoTime() - sentAt;
                        if (sentAt >= recordFrom[0]) {
                            synchronized (histogram) {
                                histogram.record(latency);
                            }
                            maxNanos.accumulateAndGet(latency, Math::max);
                            received.incrementAndGet();
                        }
                    }
                };
                clients.add(SignalingClient.connect(uri, SignalingClient.Options.join("bench-" + i, "b")
                        .withListener(onMessage)));
                SignalingClient sender = SignalingClient.connect(uri, SignalingClient.Options.join("bench-" + i, "a"));
                clients.add(sender);
                senderClients.add(sender);
            }
            long periodMicros = 1_000_000L / ratePerPair;
            long start = System.nanoTime();
            recordFrom[0] = start + WARMUP.toNanos();
            for (int i = 0; i < pairs; i++) {
                SignalingClient sender = senderClients.get(i);
                senders.scheduleAtFixedRate(() -> {
                    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("candidate", CANDIDATE)
                            .put("sdpMid", "0").put("sdpMLineIndex", 0);
                    long now = System.nanoTime();
                    payload.put("t", now);
                    try {
                        sender.signal("b", SignalKind.CANDIDATE, payload);
                        if (now >= recordFrom[0]) {
                            sent.incrementAndGet();
                        }
                    } catch (SignalingException e) {
                        sink.accept("send failed: " + e.getMessage());
                    }
                }, periodMicros * i / pairs, periodMicros, TimeUnit.MICROSECONDS);
            }
            sink.accept("warming up for " + WARMUP.toSeconds() + " s, then measuring for " + seconds + " s");
            Thread.sleep(WARMUP.toMillis() + seconds * 1000L);
            senders.shutdownNow();
            senders.awaitTermination(5, TimeUnit.SECONDS);
            Thread.sleep(500); // the last signals in flight
            synchronized (histogram) {
                return new Result(pairs, ratePerPair, seconds, sent.get(), received.get(),
                        histogram.percentileNanos(50) / 1e3, histogram.percentileNanos(99) / 1e3,
                        histogram.percentileNanos(99.9) / 1e3, maxNanos.get() / 1e3);
            }
        } finally {
            senders.shutdownNow();
            clients.forEach(SignalingClient::abort);
        }
    }
}
