package dev.peerlink.bench;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import dev.peerlink.server.stun.StunServer;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.turn.client.TurnClientConfig;
import dev.peerlink.turn.client.TurnClientCore;
import dev.peerlink.turn.client.TurnEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Heap per TURN allocation on peerlink's server: starts a {@link PeerlinkServer} with TURN inside this JVM, creates
 * {@code count} UDP allocations from as many client sockets (one allocation each, RFC 8656 §7: an allocation is
 * keyed by its 5-tuple), and compares the JVM's used heap after forced full collections before and after. Each
 * client socket is closed and its {@link TurnClientCore} dropped once allocated (the server keeps a UDP allocation
 * until its lifetime ends), so the difference is the server's: allocation state, relay socket channel, permissions
 * table, timers. Clients use source addresses across 127.1.0.0/16 (see {@link #source}). Off-heap memory (kernel socket buffers, Netty's direct buffers) is not in the figure. The server
 * holds one file descriptor per relayed socket, so {@code count} must fit under {@code ulimit -n}.
 */
public final class TurnAllocationMemory {
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-password";
    private static final int WARMUP = 200;

    private TurnAllocationMemory() {
    }

    public record Result(int count, long heapBefore, long heapAfter, int allocationsOnServer, long fdsBefore,
                         long fdsAfter, double seconds) {
        public double bytesPerAllocation() {
            return (heapAfter - heapBefore) / (double) count;
        }

        public String summary() {
            return String.format(Locale.ROOT, "%,d allocations (server reports %,d live after %,d warm-up) in "
                    + "%.1f s: used heap %,.1f MiB -> %,.1f MiB, %,.0f bytes per allocation; open fds %d -> %d",
                    count, allocationsOnServer, WARMUP, seconds, heapBefore / 1048576.0, heapAfter / 1048576.0,
                    bytesPerAllocation(), fdsBefore, fdsAfter);
        }
    }

    public static Result run(int count, Consumer<String> progress) throws ConfigException {
        if (count < 1 || count > 60_000) {
            throw new IllegalArgumentException("The allocation count must be 1–60000, not " + count + ".");
        }
        Consumer<String> sink = progress == null ? line -> { } : progress;
        TurnSettings turn = TurnSettings.off().withUsers(List.of(USER + ":" + PASSWORD)).withAllowLoopbackPeers(true)
                .withRelayPorts(TurnSettings.DEFAULT_MIN_PORT - 10_000, TurnSettings.DEFAULT_MAX_PORT);
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true,
                "peerlink").withTurn(turn);
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            InetSocketAddress address = server.listeners().stream().filter(l -> l.protocol().equals("udp"))
                    .map(StunServer.Listener::address).findFirst().orElseThrow();
            sink.accept("in-process peerlink server on " + address + "; warming up with " + WARMUP + " allocations");
            allocate(address, USER, PASSWORD, 0, WARMUP, sink);
            long fdsBefore = HeapProbe.openFds();
            long before = HeapProbe.usedHeapAfterGc();
            long start = System.nanoTime();
            allocate(address, USER, PASSWORD, WARMUP, count, sink);
            double seconds = (System.nanoTime() - start) / 1e9;
            long after = HeapProbe.usedHeapAfterGc();
            long fdsAfter = HeapProbe.openFds();
            int live = server.turn().orElseThrow().snapshot().get(10, TimeUnit.SECONDS).allocations();
            return new Result(count, before, after, live, fdsBefore, fdsAfter, seconds);
        } catch (Exception e) {
            if (e instanceof ConfigException config1) {
                throw config1;
            }
            throw new IllegalStateException("measuring heap per TURN allocation failed: " + e.getMessage(), e);
        }
    }

    /** What an external server's process grew by: resident set size, not heap (a different quantity). */
    public record ExternalResult(int count, long pid, long rssBefore, long rssAfter, double seconds) {
        public double bytesPerAllocation() {
            return (rssAfter - rssBefore) / (double) count;
        }

        public String summary() {
            return String.format(Locale.ROOT, "%,d allocations (after %d warm-up) in %.1f s: process %d resident set "
                    + "%,.1f MiB -> %,.1f MiB, %,.0f bytes per allocation (RSS, not heap)", count, WARMUP, seconds, pid,
                    rssBefore / 1048576.0, rssAfter / 1048576.0, bytesPerAllocation());
        }
    }

    /**
     * Creates {@code count} allocations on an external server on loopback and reports the growth of its process's
     * resident set (VmRSS in /proc/PID/status). The allocations live on until their lifetime (10 minutes) ends.
     */
    public static ExternalResult runExternal(InetSocketAddress server, String user, String password, long pid,
                                             int count, Consumer<String> progress) throws IOException {
        if (!server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("Allocations are only made on loopback servers, not " + server + ".");
        }
        if (count < 1 || count > 60_000) {
            throw new IllegalArgumentException("The allocation count must be 1–60000, not " + count + ".");
        }
        Consumer<String> sink = progress == null ? line -> { } : progress;
        allocate(server, user, password, 0, WARMUP, sink);
        long before = rss(pid);
        long start = System.nanoTime();
        allocate(server, user, password, WARMUP, count, sink);
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ExternalResult(count, pid, before, rss(pid), seconds);
    }

    private static long rss(long pid) throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new IOException("/proc/" + pid + "/status has no VmRSS line");
    }

    /**
     * The client's source address: the server answers at most 10 unauthenticated requests (401 challenges) in a burst
     * per source IP, so every 8 allocations come from another address in 127.1.0.0/16 (all loopback on Linux), each
     * from its own port 20000–20007: 5-tuples never repeat (a reused ephemeral port would get 437 Allocation Mismatch).
     */
    private static InetAddress source(int index) throws IOException {
        int k = index / 8;
        return InetAddress.getByAddress(new byte[] {127, 1, (byte) (k / 250), (byte) (k % 250 + 1)});
    }

    private static void allocate(InetSocketAddress server, String user, String password, int from, int count,
                                 Consumer<String> progress) {
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        for (int i = 0; i < count; i++) {
            long began = System.nanoTime();
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(source(from + i), 20_000 + (from + i) % 8))) {
                socket.connect(server);
                socket.setSoTimeout(20);
                TurnClientCore core = new TurnClientCore(TurnClientConfig.of(server, StunTransport.UDP, user,
                        password), new SecureRandom());
                core.allocate(System.nanoTime());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                boolean done = false;
                while (!done) {
                    Optional<TurnClientCore.Transmit> transmit;
                    while ((transmit = core.pollTransmit()).isPresent()) {
                        byte[] data = transmit.get().data();
                        socket.send(new DatagramPacket(data, data.length));
                    }
                    Optional<TurnEvent> event;
                    while ((event = core.pollEvent()).isPresent()) {
                        switch (event.get()) {
                            case TurnEvent.Allocated allocated -> done = true;
                            case TurnEvent.Failed failed -> throw new IllegalStateException(failed.message());
                            case TurnEvent.ErrorResponse error when error.fatal() -> throw new IllegalStateException(
                                    "allocation " + (i + 1) + " refused: " + error.code() + " " + error.reason());
                            case TurnEvent.TimedOut timedOut when timedOut.fatal() -> throw new IllegalStateException(
                                    "allocation " + (i + 1) + " timed out");
                            default -> { }
                        }
                    }
                    if (done) {
                        break;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("allocation " + (i + 1) + " took longer than 10 s");
                    }
                    try {
                        packet.setData(buffer);
                        socket.receive(packet);
                        core.handleInput(java.nio.ByteBuffer.wrap(buffer, 0, packet.getLength()), server,
                                System.nanoTime());
                    } catch (SocketTimeoutException e) {
                        core.handleTimeout(System.nanoTime());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("allocation " + (i + 1) + " failed: " + e.getMessage(), e);
            }
            long took = System.nanoTime() - began;
            if (took > 100_000_000L) {
                progress.accept(String.format(Locale.ROOT, "allocation %d took %.0f ms", i + 1, took / 1e6));
            }
            if ((i + 1) % 1000 == 0) {
                progress.accept(String.format(Locale.ROOT, "%,d allocations", i + 1));
            }
        }
    }
}
