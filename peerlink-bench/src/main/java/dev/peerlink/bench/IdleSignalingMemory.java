package dev.peerlink.bench;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.signaling.client.SignalingClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Heap per idle signaling connection on peerlink's server: starts a {@link PeerlinkServer} (signaling over HTTP on
 * loopback) inside this JVM and opens {@code count} WebSocket peers, each joined to a room of at most 16, from a
 * child JVM ({@link #main}) so that the clients' own objects and file descriptors are not in this process. The
 * figure is the server JVM's used heap after forced full collections with the peers connected minus before they
 * connected, divided by {@code count}; off-heap memory (kernel socket buffers, Netty's pooled direct buffers) is not
 * in it.
 */
public final class IdleSignalingMemory {
    static final int ROOM_SIZE = 16;
    private static final int WARMUP = 64;

    private IdleSignalingMemory() {
    }

    public record Result(int count, long heapBefore, long heapAfter, long fdsBefore, long fdsAfter, double seconds) {
        public double bytesPerConnection() {
            return (heapAfter - heapBefore) / (double) count;
        }

        public String summary() {
            return String.format(Locale.ROOT, "%,d idle WebSocket peers in rooms of %d (after %d warm-up) connected "
                    + "in %.1f s: server used heap %,.1f MiB -> %,.1f MiB, %,.0f bytes per connection; server open fds "
                    + "%d -> %d", count, ROOM_SIZE, WARMUP, seconds, heapBefore / 1048576.0, heapAfter / 1048576.0,
                    bytesPerConnection(), fdsBefore, fdsAfter);
        }
    }

    public static Result run(int count, Consumer<String> progress) throws Exception {
        if (count < 1 || count > 100_000) {
            throw new IllegalArgumentException("The client count must be 1–100000, not " + count + ".");
        }
        Consumer<String> sink = progress == null ? line -> { } : progress;
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true,
                "peerlink").withHttp(0, false);
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            URI uri = server.signalingUri().orElseThrow();
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!argument.startsWith("-Xmx") && !argument.startsWith("-agentlib")
                        && !argument.startsWith("-javaagent")) {
                    command.add(argument);
                }
            }
            command.addAll(List.of("-Xmx2g", "-cp", System.getProperty("java.class.path"),
                    IdleSignalingMemory.class.getName(), uri.toString(), Integer.toString(WARMUP),
                    Integer.toString(count)));
            sink.accept("in-process peerlink server at " + uri + "; clients in a child JVM");
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8)); OutputStream toChild = child.getOutputStream()) {
                expect(lines, "warm", sink);
                long fdsBefore = HeapProbe.openFds();
                long before = HeapProbe.usedHeapAfterGc();
                long start = System.nanoTime();
                toChild.write('\n');
                toChild.flush();
                expect(lines, "ready", sink);
                double seconds = (System.nanoTime() - start) / 1e9;
                long after = HeapProbe.usedHeapAfterGc();
                long fdsAfter = HeapProbe.openFds();
                return new Result(count, before, after, fdsBefore, fdsAfter, seconds);
            } finally {
                child.destroy(); // this child only, by its handle
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                    child.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static void expect(BufferedReader lines, String word, Consumer<String> sink) throws Exception {
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.equals(word)) {
                return;
            }
            sink.accept(line);
        }
        throw new IllegalStateException("the client process ended before saying " + word);
    }

    /** The client side: {@code URI WARMUP COUNT}; says "warm", waits for a line, says "ready", waits for stdin EOF. */
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int warm = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        List<SignalingClient> clients = new ArrayList<>(warm + count);
        connect(uri, "warm", warm, clients);
        System.out.println("warm");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        in.readLine();
        connect(uri, "r", count, clients);
        System.out.println("ready");
        System.out.flush();
        while (in.readLine() != null) {
            // wait until the parent closes our stdin
        }
        Runtime.getRuntime().halt(0); // no orderly close of thousands of sockets
    }

    private static void connect(URI uri, String prefix, int count, List<SignalingClient> into) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<SignalingClient>> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String room = prefix + (i / ROOM_SIZE);
                String peer = "p" + i;
                pending.add(pool.submit(() -> SignalingClient.connect(uri, room, peer, null)));
            }
            for (int i = 0; i < pending.size(); i++) {
                into.add(pending.get(i).get(60, TimeUnit.SECONDS));
                if ((i + 1) % 1000 == 0) {
                    System.out.println(String.format(Locale.ROOT, "%,d connected", i + 1));
                    System.out.flush();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
