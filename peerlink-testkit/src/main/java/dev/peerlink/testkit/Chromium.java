package dev.peerlink.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Headless Chromium (Debian's {@code chromium}) driven over the DevTools protocol: the real browser interop tests
 * talk to. The protocol runs over two named pipes ({@code --remote-debugging-pipe}: JSON messages ending in NUL),
 * not a port, so it works the same when Chromium runs inside a network namespace. Each instance has its own profile
 * directory; closing it stops exactly the processes it started and deletes the profile.
 */
public final class Chromium implements AutoCloseable {
    /** Flags for a quiet, sandbox-friendly browser that makes no connections of its own (machine notes, DESIGN.md). */
    private static final List<String> BASE_FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--mute-audio", "--remote-debugging-pipe");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final Path workDirectory;
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    private final OutputStream toBrowser;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, Path workDirectory, OutputStream toBrowser, InputStream fromBrowser) {
        this.process = process;
        this.workDirectory = workDirectory;
        this.toBrowser = toBrowser;
        Thread.ofPlatform().daemon().name("chromium-devtools-" + process.pid()).start(() -> readMessages(fromBrowser));
    }

    /**
     * Starts Chromium. {@code extraFlags} add to the base flags, e.g.
     * {@code --disable-features=WebRtcHideLocalIpsWithMdns} to see raw host addresses instead of .local names.
     */
    public static Chromium launch(List<String> extraFlags) throws IOException {
        return launch(List.of(), extraFlags);
    }

    /** Starts Chromium inside a network namespace the test created (needs root, as creating it did). */
    public static Chromium launchIn(NetworkNamespace namespace, List<String> extraFlags) throws IOException {
        return launch(namespace.execPrefix(), extraFlags);
    }

    /**
     * Starts Chromium behind {@code execPrefix}, the words that enter a network namespace made by someone else (e.g.
     * the NAT lab's {@code ip netns exec NS}). Unlike {@link #launch(List)} it never skips: without Chromium it
     * throws an IOException saying so, for callers outside tests (check {@link #executable()} first).
     */
    public static Chromium launchWith(List<String> execPrefix, List<String> extraFlags) throws IOException {
        Path executable = executable().orElseThrow(() -> new IOException(NOT_INSTALLED));
        return launch(executable, execPrefix, extraFlags);
    }

    /** Why {@link #executable()} is empty. */
    public static final String NOT_INSTALLED = "Chromium is not installed (Debian package chromium: apt-get install "
            + "chromium)";

    /** Where Chromium is installed, if it is. */
    public static java.util.Optional<Path> executable() {
        return ExternalTools.find("chromium");
    }

    private static Chromium launch(List<String> prefix, List<String> extraFlags) throws IOException {
        return launch(ExternalTools.require("chromium", "chromium"), prefix, extraFlags);
    }

    private static Chromium launch(Path executable, List<String> prefix, List<String> extraFlags) throws IOException {
        Path work = Files.createTempDirectory("peerlink-chromium-");
        Path toBrowserPipe = work.resolve("to-browser");
        Path fromBrowserPipe = work.resolve("from-browser");
        for (Path pipe : List.of(toBrowserPipe, fromBrowserPipe)) {
            ExternalProcess.Result made = runQuietly(List.of("mkfifo", pipe.toString()));
            if (made.exitCode() != 0) {
                deleteTree(work);
                throw new IOException("mkfifo " + pipe + " failed: " + made.output());
            }
        }
        // bash opens the pipes as fds 3 and 4, where --remote-debugging-pipe expects them, then becomes Chromium.
        List<String> command = new ArrayList<>(List.of("bash", "-c", "exec 3<\"$0\" 4>\"$1\"; shift; exec \"$@\"",
                toBrowserPipe.toString(), fromBrowserPipe.toString()));
        command.addAll(prefix);
        command.add(executable.toString());
        command.addAll(BASE_FLAGS);
        command.add("--user-data-dir=" + work.resolve("profile"));
        command.addAll(extraFlags);
        command.add("about:blank");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("output.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        // Opening a FIFO blocks until the other end opens it; do it off this thread so a browser that dies at
        // start cannot hang the test, and on threads of its own: both must wait at once (the browser may open
        // either end first), which the common pool, one worker on two cores and maybe busy, does not promise.
        java.util.concurrent.Executor opener = task -> Thread.ofPlatform().daemon().name("chromium-pipe-open")
                .start(task);
        CompletableFuture<OutputStream> writer = CompletableFuture.supplyAsync(() -> open(() ->
                new FileOutputStream(toBrowserPipe.toFile())), opener);
        CompletableFuture<InputStream> reader = CompletableFuture.supplyAsync(() -> open(() ->
                new FileInputStream(fromBrowserPipe.toFile())), opener);
        try {
            OutputStream out = writer.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            InputStream in = reader.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new Chromium(process, work, out, in);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            String output = readOutput(work);
            destroyTree(process);
            unblock(toBrowserPipe, fromBrowserPipe);
            deleteTree(work);
            throw new IOException("Chromium did not start: " + e + "; its output:\n" + output, e);
        }
    }

    private interface StreamOpener<T> {
        T open() throws IOException;
    }

    private static <T> T open(StreamOpener<T> opener) {
        try {
            return opener.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Opens the far ends of both FIFOs so that threads blocked opening them return. */
    private static void unblock(Path toBrowserPipe, Path fromBrowserPipe) {
        try (FileInputStream a = new FileInputStream(toBrowserPipe.toFile());
             FileOutputStream b = new FileOutputStream(fromBrowserPipe.toFile())) {
            // opened and closed
        } catch (IOException ignored) {
            // nothing was waiting
        }
    }

    private static ExternalProcess.Result runQuietly(List<String> command) throws IOException {
        try {
            return ExternalProcess.run(command, Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(command + " was interrupted", e);
        }
    }

    private static String readOutput(Path work) {
        try {
            return Files.readString(work.resolve("output.log"));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    /** Opens a tab at {@code url} and returns a handle to run JavaScript in it. */
    public Page newPage(String url) throws IOException {
        ObjectNode create = json.createObjectNode().put("url", url);
        String targetId = call(null, "Target.createTarget", create).path("targetId").asText();
        ObjectNode attach = json.createObjectNode().put("targetId", targetId).put("flatten", true);
        String sessionId = call(null, "Target.attachToTarget", attach).path("sessionId").asText();
        return new Page(sessionId);
    }

    /** A tab. */
    public final class Page {
        private final String sessionId;

        private Page(String sessionId) {
            this.sessionId = sessionId;
        }

        /**
         * Evaluates a JavaScript expression (a promise is awaited) and returns its JSON value; a thrown exception
         * becomes an IOException carrying the browser's message.
         */
        public JsonNode evaluate(String expression) throws IOException {
            ObjectNode params = json.createObjectNode().put("expression", expression).put("awaitPromise", true)
                    .put("returnByValue", true);
            JsonNode result = call(sessionId, "Runtime.evaluate", params);
            if (result.has("exceptionDetails")) {
                JsonNode details = result.get("exceptionDetails");
                throw new IOException("JavaScript failed in Chromium: " + details.path("exception")
                        .path("description").asText(details.path("text").asText()));
            }
            return result.path("result").path("value");
        }

        /**
         * A full garbage collection of the page's heap (DevTools {@code HeapProfiler.collectGarbage}). Closed
         * RTCPeerConnections count towards Chromium's limit of live ones per page (500) until they are collected.
         */
        public void collectGarbage() throws IOException {
            call(sessionId, "HeapProfiler.collectGarbage", json.createObjectNode());
        }

        /** A PNG of what the tab shows now (DevTools {@code Page.captureScreenshot}). */
        public byte[] screenshot() throws IOException {
            JsonNode result = call(sessionId, "Page.captureScreenshot", json.createObjectNode().put("format", "png"));
            return java.util.Base64.getDecoder().decode(result.path("data").asText());
        }
    }

    private JsonNode call(String sessionId, String method, ObjectNode params) throws IOException {
        int id = nextId.getAndIncrement();
        ObjectNode message = json.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> response = new CompletableFuture<>();
        pending.put(id, response);
        try {
            byte[] bytes = json.writeValueAsBytes(message);
            synchronized (toBrowser) {
                toBrowser.write(bytes);
                toBrowser.write(0);
                toBrowser.flush();
            }
            JsonNode reply = response.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new IOException(method + " failed in Chromium: " + reply.get("error"));
            }
            return reply.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(method + " was interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(method + " got no answer from Chromium within " + CALL_TIMEOUT.toSeconds()
                    + " s; its output:\n" + readOutput(workDirectory), e);
        } finally {
            pending.remove(id);
        }
    }

    /** Reads NUL-terminated JSON messages and completes the matching call; events are not used. */
    private void readMessages(InputStream fromBrowser) {
        java.io.ByteArrayOutputStream message = new java.io.ByteArrayOutputStream();
        try (InputStream in = new java.io.BufferedInputStream(fromBrowser)) {
            int b;
            while ((b = in.read()) >= 0) {
                if (b != 0) {
                    message.write(b);
                    continue;
                }
                try {
                    JsonNode parsed = json.readTree(message.toByteArray());
                    if (parsed.has("id")) {
                        CompletableFuture<JsonNode> waiting = pending.get(parsed.get("id").asInt());
                        if (waiting != null) {
                            waiting.complete(parsed);
                        }
                    }
                } catch (IOException e) {
                    log.add("unreadable DevTools message: " + e.getMessage());
                }
                message.reset();
            }
        } catch (IOException ignored) {
            // the browser closed the pipe
        }
        pending.values().forEach(call -> call.completeExceptionally(new IOException("Chromium closed DevTools")));
    }

    @Override
    public void close() {
        try {
            toBrowser.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        destroyTree(process);
        deleteTree(workDirectory);
    }

    /** Stops the process we started and everything it started (renderers, GPU and zygote helpers). */
    private static void destroyTree(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                child.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static void deleteTree(Path profile) {
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
