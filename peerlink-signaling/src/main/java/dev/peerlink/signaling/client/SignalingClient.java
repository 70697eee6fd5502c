package dev.peerlink.signaling.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peerlink.signaling.protocol.ClientMessage;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import dev.peerlink.signaling.protocol.SignalingCodec;
import dev.peerlink.signaling.protocol.SignalingProtocolException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A signaling client on the JDK's WebSocket (docs/signaling.md): joins one room, sends signals, and delivers what
 * the server sends either to a listener or to a queue read with {@link #poll(Duration)}.
 *
 * <pre>{@code
 * try (SignalingClient alice = SignalingClient.connect(uri, SignalingClient.Options.join("room", "alice"))) {
 *     alice.offer("bob", sdp);
 *     ServerMessage next = alice.poll(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * {@link #close()} leaves the room; {@link #abort()} drops the connection so that {@link #reconnect()} can take the
 * place back within the server's resume window.
 */
public final class SignalingClient implements AutoCloseable {
    /** How the connection was closed: the WebSocket close code and reason, or -1 when it failed without one. */
    public record Closed(int statusCode, String reason) {
    }

    /**
     * What to join and how.
     *
     * @param room     the room
     * @param peer     the name to use, or null to be given one
     * @param token    a room token, or null
     * @param resume   a session id from an earlier welcome, or null
     * @param origin   an Origin header to send (as a browser page would), or null
     * @param timeout  how long connecting and joining may take
     * @param listener receives every server message on the client's thread instead of the queue, or null
     */
    public record Options(String room, String peer, String token, String resume, String origin, Duration timeout,
                          Consumer<ServerMessage> listener) {
        public static Options join(String room, String peer) {
            return new Options(room, peer, null, null, null, Duration.ofSeconds(10), null);
        }

        public Options withToken(String value) {
            return new Options(room, peer, value, resume, origin, timeout, listener);
        }

        public Options withResume(String value) {
            return new Options(room, peer, token, value, origin, timeout, listener);
        }

        public Options withOrigin(String value) {
            return new Options(room, peer, token, resume, value, timeout, listener);
        }

        public Options withTimeout(Duration value) {
            return new Options(room, peer, token, resume, origin, value, listener);
        }

        public Options withListener(Consumer<ServerMessage> value) {
            return new Options(room, peer, token, resume, origin, timeout, value);
        }

        @Override
        public String toString() { // tokens and session ids are secrets
            return "Options[room=" + room + ", peer=" + peer + ", token=" + (token == null ? "none" : "given")
                    + ", resume=" + (resume == null ? "none" : "given") + ", origin=" + origin + "]";
        }
    }

    private static final class Shared { // one JDK HttpClient (and its selector thread) for all clients
        static final HttpClient HTTP = HttpClient.newHttpClient();
    }

    private final URI uri;
    private final Options options;
    private final BlockingQueue<ServerMessage> inbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<ServerMessage> firstReply = new CompletableFuture<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final Object sendLock = new Object();
    private WebSocket webSocket;
    private volatile ServerMessage.Welcome welcome;

    private SignalingClient(URI uri, Options options) {
        this.uri = uri;
        this.options = options;
    }

    /** Joins {@code room} as {@code peer} (null: the server picks a name), with {@code token} when one is needed. */
    public static SignalingClient connect(URI uri, String room, String peer, String token) throws SignalingException {
        return connect(uri, Options.join(room, peer).withToken(token));
    }

    /** Connects and joins; returns once welcomed, or throws with the server's refusal or the connection's failure. */
    public static SignalingClient connect(URI uri, Options options) throws SignalingException {
        SignalingClient client = new SignalingClient(uri, options);
        client.open();
        return client;
    }

    private void open() throws SignalingException {
        WebSocket.Builder builder = Shared.HTTP.newWebSocketBuilder().connectTimeout(options.timeout());
        if (options.origin() != null) {
            builder.header("Origin", options.origin());
        }
        try {
            webSocket = builder.buildAsync(uri, new Receiver()).get(options.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                int status = refused.getResponse().statusCode();
                throw new SignalingException("the server at " + uri + " refused the WebSocket upgrade with HTTP "
                        + status, status == 403 ? ErrorCode.ORIGIN_NOT_ALLOWED : null, status, refused);
            }
            throw new SignalingException("cannot connect to " + uri + ": " + e.getCause(), null, 0, e.getCause());
        } catch (TimeoutException e) {
            throw new SignalingException("connecting to " + uri + " took longer than " + options.timeout(), null, 0,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignalingException("interrupted while connecting to " + uri, null, 0, e);
        }
        try {
            send(new ClientMessage.Join(options.room(), options.peer(), options.token(), options.resume()));
            ServerMessage reply = firstReply.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (reply instanceof ServerMessage.Welcome welcomed) {
                welcome = welcomed;
                return;
            }
            ServerMessage.Error error = (ServerMessage.Error) reply;
            abort();
            throw new SignalingException("the server refused to join room " + options.room() + ": "
                    + error.message(), error.code(), 0, null);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            abort();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new SignalingException("joining room " + options.room() + " at " + uri + " failed: "
                    + (e instanceof TimeoutException ? "no answer within " + options.timeout() : e.getCause()),
                    null, 0, e);
        }
    }

    /** The welcome this client joined with: its name, the session id, and who was already there. */
    public ServerMessage.Welcome welcome() {
        return welcome;
    }

    public String peer() {
        return welcome.peer();
    }

    /** Who was in the room when this client joined, oldest first. */
    public List<String> peersAtJoin() {
        return welcome.peers();
    }

    // ---- sending ----

    public void signal(String to, SignalKind kind, JsonNode payload) throws SignalingException {
        send(new ClientMessage.Signal(to, kind, payload));
    }

    /** Sends an offer with the payload browsers use: {@code {"type":"offer","sdp":...}}. */
    public void offer(String to, String sdp) throws SignalingException {
        signal(to, SignalKind.OFFER, description("offer", sdp));
    }

    public void answer(String to, String sdp) throws SignalingException {
        signal(to, SignalKind.ANSWER, description("answer", sdp));
    }

    /** Sends a candidate as browsers serialise RTCIceCandidate: {@code {"candidate","sdpMid","sdpMLineIndex"}}. */
    public void candidate(String to, String candidate, String sdpMid, int sdpMLineIndex) throws SignalingException {
        ObjectNode payload = SignalingCodec.newObject().put("candidate", candidate).put("sdpMid", sdpMid)
                .put("sdpMLineIndex", sdpMLineIndex);
        signal(to, SignalKind.CANDIDATE, payload);
    }

    public void endOfCandidates(String to) throws SignalingException {
        signal(to, SignalKind.END_OF_CANDIDATES, null);
    }

    public void bye(String to) throws SignalingException {
        signal(to, SignalKind.BYE, null);
    }

    public void ping() throws SignalingException {
        send(new ClientMessage.Ping());
    }

    /** Sends raw text, as a misbehaving client might; for tests of the server's checks. */
    public void sendRaw(String text) throws SignalingException {
        sendText(text);
    }

    private static ObjectNode description(String type, String sdp) {
        return SignalingCodec.newObject().put("type", type).put("sdp", sdp);
    }

    private void send(ClientMessage message) throws SignalingException {
        sendText(SignalingCodec.encode(message));
    }

    /** The JDK WebSocket allows one outstanding send at a time, so sends are serialised and awaited. */
    private void sendText(String text) throws SignalingException {
        synchronized (sendLock) {
            try {
                webSocket.sendText(text, true).get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new SignalingException("sending to " + uri + " failed: "
                        + (e instanceof TimeoutException ? "timed out" : e.getCause()), null, 0, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SignalingException("interrupted while sending to " + uri, null, 0, e);
            }
        }
    }

    // ---- receiving ----

    /** The next server message, waiting up to {@code timeout}; null when none came. Unused with a listener. */
    public ServerMessage poll(Duration timeout) throws InterruptedException {
        return inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next server message if one is waiting, else null. */
    public ServerMessage poll() {
        return inbox.poll();
    }

    /** Completes when the connection closes, however that happens. */
    public CompletableFuture<Closed> closed() {
        return closed;
    }

    // ---- ending ----

    /**
     * A new connection that takes back this client's place in the room with its session id, as after a dropped
     * connection; signals queued for it meanwhile arrive after the welcome.
     */
    public SignalingClient reconnect() throws SignalingException {
        abort();
        return connect(uri, new Options(welcome.room(), welcome.peer(), options.token(), welcome.sessionId(),
                options.origin(), options.timeout(), options.listener()));
    }

    /** Drops the connection without leaving: the server keeps the place for its resume window. */
    public void abort() {
        if (webSocket != null) {
            webSocket.abort();
        }
        closed.complete(new Closed(-1, "aborted"));
    }

    /** Leaves the room and closes the connection, waiting a bounded time for the server's close. */
    @Override
    public void close() {
        if (webSocket == null || closed.isDone()) {
            abort();
            return;
        }
        try {
            if (welcome != null) {
                send(new ClientMessage.Leave());
            }
            webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(options.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            closed.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (SignalingException | ExecutionException | TimeoutException e) {
            // The connection is already unusable; abort below releases it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            abort();
        }
    }

    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                dispatch(text);
            }
            socket.request(1);
            return null;
        }

        private void dispatch(String text) {
            ServerMessage message;
            try {
                message = SignalingCodec.decodeServer(text);
            } catch (SignalingProtocolException e) {
                message = ServerMessage.Error.of(ErrorCode.BAD_MESSAGE, "the server sent a message this client "
                        + "does not understand: " + e.getMessage());
            }
            if (!firstReply.isDone() && (message instanceof ServerMessage.Welcome
                    || message instanceof ServerMessage.Error)) {
                firstReply.complete(message);
                return;
            }
            if (options.listener() != null) {
                options.listener().accept(message);
            } else {
                inbox.add(message);
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closed.complete(new Closed(statusCode, reason));
            firstReply.completeExceptionally(new IllegalStateException("the server closed the connection ("
                    + statusCode + " " + reason + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closed.complete(new Closed(-1, String.valueOf(error)));
            firstReply.completeExceptionally(error);
        }
    }
}
