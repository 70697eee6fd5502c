package dev.peerlink.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Headless Chromium (Debian's {@code chromium}) driven over the DevTools protocol with the JDK's WebSocket client:
 * the real browser interop tests talk to. Each instance has its own profile directory; closing it stops exactly the
 * process it started and deletes the profile.
 */
public final class Chromium implements AutoCloseable {
    /** Flags for a quiet, sandbox-friendly browser that makes no connections of its own (machine notes, DESIGN.md). */
    private static final List<String> BASE_FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--mute-audio", "--remote-debugging-port=0");
    private static final Pattern DEVTOOLS_URL = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final Path profile;
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    private final WebSocket socket;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, Path profile, String devtoolsUrl) throws IOException {
        this.process = process;
        this.profile = profile;
        try {
            this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create(devtoolsUrl), new Listener()).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IOException("cannot connect to Chromium's DevTools at " + devtoolsUrl + ": " + e, e);
        }
    }

    /**
     * Starts Chromium. {@code extraFlags} add to the base flags, e.g.
     * {@code --disable-features=WebRtcHideLocalIpsWithMdns} to see raw host addresses instead of .local names.
     */
    public static Chromium launch(List<String> extraFlags) throws IOException {
        Path executable = ExternalTools.require("chromium", "chromium");
        Path profile = Files.createTempDirectory("peerlink-chromium-");
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(BASE_FLAGS);
        command.add("--user-data-dir=" + profile);
        command.addAll(extraFlags);
        command.add("about:blank");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        List<String> startupLog = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().daemon().name("chromium-output").start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) { // drained to the end so Chromium never blocks on it
                    if (startupLog.size() < 500) {
                        startupLog.add(line);
                    }
                    Matcher matcher = DEVTOOLS_URL.matcher(line);
                    if (matcher.find()) {
                        url.complete(matcher.group(1));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            url.completeExceptionally(new IOException("Chromium exited before DevTools started"));
        });
        try {
            Chromium chromium = new Chromium(process, profile, url.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            chromium.log.addAll(startupLog);
            return chromium;
        } catch (InterruptedException | ExecutionException | TimeoutException | IOException e) {
            process.destroyForcibly();
            deleteProfile(profile);
            throw new IOException("Chromium did not start: " + e.getMessage() + "; its output:\n"
                    + String.join("\n", startupLog), e);
        } finally {
            reader.setName("chromium-output-" + process.pid());
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
            socket.sendText(json.writeValueAsString(message), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
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
                    + " s; its output:\n" + String.join("\n", log), e);
        } finally {
            pending.remove(id);
        }
    }

    /** Assembles text frames into messages and completes the matching call; events are not used. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode message = json.readTree(text);
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> waiting = pending.get(message.get("id").asInt());
                        if (waiting != null) {
                            waiting.complete(message);
                        }
                    }
                } catch (IOException e) {
                    log.add("unreadable DevTools message: " + e.getMessage());
                }
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        try {
            socket.abort();
            List<ProcessHandle> children = process.descendants().toList(); // renderers, GPU and zygote helpers
            process.destroy();
            children.forEach(ProcessHandle::destroy);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deleteProfile(profile);
        }
    }

    private static void deleteProfile(Path profile) {
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
