package dev.peerlink.peer.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.peer.DataChannel;
import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One file over a WebRTC data channel, SHA-256 verified (docs/signaling.md "File transfer"). The sender offers and
 * opens the reliable ordered channel {@value #LABEL}; on it goes a JSON text header {@code {"name","size","sha256"}},
 * the file in {@value #CHUNK}-byte binary messages, then the text {@code end}. The receiver saves it (never
 * overwriting: a suffix -1, -2, ... is added), checks size and SHA-256 and answers {@code ok} or
 * {@code bad <reason>}.
 */
public final class FileTransfer {
    public static final String LABEL = "file";
    public static final int CHUNK = 64 * 1024;
    /** The sender waits while more than this is queued on the channel. */
    public static final long HIGH_WATER = 4L * 1024 * 1024;
    /** A connected transfer that makes no progress for this long is given up (the CLI's --stall-timeout). */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(30);

    /** What was sent, confirmed by the receiver. */
    public record Sent(String name, long size, String sha256, String receiver) {
    }

    /** What arrived intact. */
    public record Received(Path saved, long size, String sha256, String sender) {
    }

    private FileTransfer() {
    }

    /** As {@link #send(SignaledSession, Path, PeerConnectionConfig, Duration, Duration, PeerConnectionListener,
     * TransferProgress)} with the {@link #DEFAULT_STALL_TIMEOUT}. */
    public static Sent send(SignaledSession session, Path file, PeerConnectionConfig config, Duration timeout,
                            PeerConnectionListener extra, TransferProgress progress)
            throws TransferException, InterruptedException, IOException {
        return send(session, file, config, timeout, DEFAULT_STALL_TIMEOUT, extra, progress);
    }

    /**
     * Sends {@code file} to the first peer in the session's room (or the first to join within {@code timeout}),
     * offering a connection made with {@code config}; {@code extra} hears the connection's events. Returns once the
     * receiver answered {@code ok}; anything else is a {@link TransferException} saying what happened — also a
     * transfer that, once the channel is open, makes no progress (nothing more sent, no answer) for
     * {@code stallTimeout}.
     */
    public static Sent send(SignaledSession session, Path file, PeerConnectionConfig config, Duration timeout,
                            Duration stallTimeout, PeerConnectionListener extra, TransferProgress progress)
            throws TransferException, InterruptedException, IOException {
        return send(session, file, config, timeout, stallTimeout, Duration.ZERO, extra, progress);
    }

    /**
     * As above; with a positive {@code settle}, the file waits after the channel opens until ICE's selected pair has
     * stayed the same for that long (at most {@value #MAX_SETTLE_ROUNDS} times as long): the controlling agent
     * nominates the first pair that works and then a better one when it succeeds (RFC 8445 §8.1.1), and a
     * measurement of the path — the NAT lab's — wants the one ICE settles on.
     */
    public static Sent send(SignaledSession session, Path file, PeerConnectionConfig config, Duration timeout,
                            Duration stallTimeout, Duration settle, PeerConnectionListener extra,
                            TransferProgress progress)
            throws TransferException, InterruptedException, IOException {
        requireReadable(file);
        long size = Files.size(file);
        String sha256 = sha256(file);
        String name = file.getFileName().toString();
        String receiver = session.peersAtJoin().isEmpty() ? null : session.peersAtJoin().getFirst();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (receiver == null) {
            if (System.nanoTime() > deadline) {
                throw new TransferException("no receiver joined room " + session.room() + " within "
                        + timeout.toSeconds() + " s");
            }
            if (session.pump(Duration.ofMillis(200)) instanceof ServerMessage.PeerJoined joined) {
                receiver = joined.peer();
            }
        }
        CompletableFuture<String> verdict = new CompletableFuture<>();
        var connection = session.open(receiver, config, extra);
        DataChannel channel = connection.createDataChannel(LABEL, DataChannelOptions.DEFAULT);
        CompletableFuture<Void> opened = new CompletableFuture<>();
        Object bufferLock = new Object();
        channel.onMessage(message -> {
            if (!message.isBinary()) {
                verdict.complete(message.text());
            }
        });
        channel.onBufferedAmountLow(() -> {
            synchronized (bufferLock) {
                bufferLock.notifyAll();
            }
        });
        channel.onClose(() -> verdict.complete("bad the receiver closed the channel before confirming"));
        AtomicLong lastProgressNanos = new AtomicLong(System.nanoTime());
        AtomicLong sentBytes = new AtomicLong();
        TransferProgress tracked = (done, total) -> {
            lastProgressNanos.set(System.nanoTime());
            sentBytes.set(done);
            progress.update(done, total);
        };
        channel.onOpen(() -> {
            lastProgressNanos.set(System.nanoTime());
            opened.complete(null);
            Thread.ofVirtual().name("peerlink-send").start(() -> {
                try {
                    awaitSettledPath(connection, settle);
                    lastProgressNanos.set(System.nanoTime());
                    stream(channel, bufferLock, file, name, size, sha256, tracked);
                } catch (Exception e) {
                    verdict.complete("bad sending failed: " + e.getMessage());
                }
            });
        });
        session.offer();
        while (!verdict.isDone()) {
            if (!opened.isDone() && System.nanoTime() > deadline) {
                throw new TransferException("could not connect to " + receiver + " within " + timeout.toSeconds()
                        + " s");
            }
            session.pump(Duration.ofMillis(200));
            if (session.peerGone() && !verdict.isDone()) {
                throw new TransferException(receiver + " left before confirming the file");
            }
            if (opened.isDone() && !verdict.isDone()
                    && System.nanoTime() - lastProgressNanos.get() > stallTimeout.toNanos()) {
                long done = sentBytes.get();
                throw new TransferException("the transfer to " + receiver + " stalled: no progress for "
                        + stallTimeout.toSeconds() + " s (" + done + " of " + size + " bytes sent"
                        + (done == size ? ", no confirmation" : "") + ")");
            }
        }
        String answer = verdictOf(verdict);
        session.bye();
        if (!answer.equals("ok")) {
            throw new TransferException(receiver + " did not accept " + name + ": "
                    + answer.replaceFirst("^bad ?", ""));
        }
        return new Sent(name, size, sha256, receiver);
    }

    private static final int MAX_SETTLE_ROUNDS = 6;

    /** Waits until the selected pair (its two addresses) has not changed for {@code settle}; bounded. */
    private static void awaitSettledPath(dev.peerlink.peer.PeerConnection connection, Duration settle)
            throws InterruptedException {
        if (settle.isZero() || settle.isNegative()) {
            return;
        }
        long giveUpAt = System.nanoTime() + settle.toNanos() * MAX_SETTLE_ROUNDS;
        String path = null;
        long sinceNanos = System.nanoTime();
        while (System.nanoTime() - giveUpAt < 0) {
            String now;
            try {
                var stats = connection.getStats().get(1, java.util.concurrent.TimeUnit.SECONDS);
                now = stats.localAddress() + "/" + stats.remoteAddress();
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                return; // no stats: nothing to wait for
            }
            if (!now.equals(path)) {
                path = now;
                sinceNanos = System.nanoTime();
            } else if (System.nanoTime() - sinceNanos >= settle.toNanos()) {
                return;
            }
            Thread.sleep(100);
        }
    }

    private static String verdictOf(CompletableFuture<String> verdict) throws InterruptedException {
        try {
            return verdict.get();
        } catch (ExecutionException e) {
            return "bad " + e.getCause();
        }
    }

    private static void stream(DataChannel channel, Object bufferLock, Path file, String name, long size,
                               String sha256, TransferProgress progress) throws IOException, InterruptedException {
        channel.send(new ObjectMapper().createObjectNode().put("name", name).put("size", size)
                .put("sha256", sha256).toString());
        byte[] buffer = new byte[CHUNK];
        long sent = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.readNBytes(buffer, 0, CHUNK)) > 0) {
                synchronized (bufferLock) {
                    while (channel.bufferedAmount() > HIGH_WATER) {
                        bufferLock.wait(50); // woken by onBufferedAmountLow; the timeout re-checks the amount
                    }
                }
                channel.send(n == CHUNK ? buffer : Arrays.copyOf(buffer, n));
                sent += n;
                progress.update(sent, size);
            }
        }
        if (size == 0) {
            progress.update(0, 0);
        }
        channel.send("end");
    }

    /** As {@link #receive(SignaledSession, Path, PeerConnectionConfig, Duration, Duration, PeerConnectionListener,
     * TransferProgress)} with the {@link #DEFAULT_STALL_TIMEOUT}. */
    public static Received receive(SignaledSession session, Path out, PeerConnectionConfig config, Duration timeout,
                                   PeerConnectionListener extra, TransferProgress progress)
            throws TransferException, InterruptedException {
        return receive(session, out, config, timeout, DEFAULT_STALL_TIMEOUT, extra, progress);
    }

    /**
     * Waits for an offer in the session's room (within {@code timeout}), answers it with a connection made with
     * {@code config}, and saves the file the sender sends into {@code out}. Returns once the whole file arrived
     * intact; anything else is a {@link TransferException} saying what happened — also a channel on which nothing
     * arrives for {@code stallTimeout} before the file is complete.
     */
    public static Received receive(SignaledSession session, Path out, PeerConnectionConfig config, Duration timeout,
                                   Duration stallTimeout, PeerConnectionListener extra, TransferProgress progress)
            throws TransferException, InterruptedException {
        requireDirectory(out);
        long deadline = System.nanoTime() + timeout.toNanos();
        ServerMessage.Signal offer = session.awaitOffer(deadline, timeout, "no sender offered a file");
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        CompletableFuture<Void> opened = new CompletableFuture<>();
        Receiver receiver = new Receiver(out, outcome, progress);
        session.open(offer.from(), config, new PeerConnectionListener() {
            @Override
            public void onDataChannel(DataChannel channel) {
                if (channel.label().equals(LABEL)) {
                    receiver.lastActivityNanos = System.nanoTime();
                    opened.complete(null);
                    receiver.channel = channel;
                    channel.onMessage(receiver::accept);
                    channel.onClose(() -> receiver.fail("the sender closed the channel before \"end\""));
                }
                extra.onDataChannel(channel);
            }

            @Override
            public void onConnectionStateChange(dev.peerlink.peer.PeerConnectionState state) {
                extra.onConnectionStateChange(state);
            }
        });
        String sdp;
        try {
            sdp = SignaledSession.text(offer.payload(), "sdp");
        } catch (IllegalArgumentException e) {
            throw new TransferException(offer.from() + " sent a bad offer: " + e.getMessage());
        }
        session.answer(sdp);
        while (!outcome.isDone()) {
            if (!opened.isDone() && System.nanoTime() > deadline) {
                throw new TransferException("could not connect to " + offer.from() + " within "
                        + timeout.toSeconds() + " s");
            }
            session.pump(Duration.ofMillis(200));
            if (session.peerGone() && !outcome.isDone()) {
                receiver.fail(offer.from() + " left before the file was complete");
            }
            if (opened.isDone() && !outcome.isDone()
                    && System.nanoTime() - receiver.lastActivityNanos > stallTimeout.toNanos()) {
                receiver.stalled = true;
                receiver.fail("the transfer from " + offer.from() + " stalled: nothing arrived for "
                        + stallTimeout.toSeconds() + " s (" + receiver.received + " bytes so far)");
            }
        }
        // Let the sender read the verdict before this side closes: wait for its bye (bounded). A stalled sender is
        // not waited for.
        long lingerUntil = System.nanoTime() + (receiver.stalled ? 0 : Duration.ofSeconds(10).toNanos());
        while (!session.peerGone() && System.nanoTime() < lingerUntil) {
            try {
                session.pump(Duration.ofMillis(200));
            } catch (TransferException e) {
                break;
            }
        }
        Outcome result = outcome.join();
        if (result.problem() != null) {
            throw new TransferException(result.problem());
        }
        return new Received(result.saved(), result.size(), result.sha256(), offer.from());
    }

    /** Checks that {@code file} can be sent, before anyone joins a room. */
    public static void requireReadable(Path file) throws TransferException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new TransferException("cannot read " + file + ": " + (Files.exists(file) ? "not a readable file"
                    : "no such file"));
        }
    }

    /** Checks that files can be received into {@code out}. */
    public static void requireDirectory(Path out) throws TransferException {
        if (!Files.isDirectory(out)) {
            throw new TransferException("--out " + out + " is not a directory");
        }
    }

    /** The SHA-256 of a file, in lower-case hex. */
    public static String sha256(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = sha256Digest();
            byte[] buffer = new byte[CHUNK];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code name} with {@code -n} before its extension: {@code a.bin} → {@code a-1.bin}. */
    public static String suffixed(String name, int n) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
    }

    /** The result of one transfer: the saved path, or the reason it was refused. */
    private record Outcome(Path saved, long size, String sha256, String problem) {
    }

    /** The receiving state machine; runs on the peer connection's listener thread. */
    private static final class Receiver {
        private final Path out;
        private final CompletableFuture<Outcome> outcome;
        private final TransferProgress progress;
        volatile DataChannel channel;
        volatile long lastActivityNanos = System.nanoTime();
        boolean stalled;
        private long size = -1;
        private String expectedSha;
        private Path target;
        private OutputStream stream;
        private MessageDigest digest;
        private volatile long received;

        Receiver(Path out, CompletableFuture<Outcome> outcome, TransferProgress progress) {
            this.out = out;
            this.outcome = outcome;
            this.progress = progress;
        }

        void accept(DataChannel.Message message) {
            if (outcome.isDone()) {
                return;
            }
            lastActivityNanos = System.nanoTime();
            try {
                if (target == null) {
                    header(message);
                } else if (message.isBinary()) {
                    received += message.data().length;
                    if (received > size) {
                        reject("more than the announced " + size + " bytes arrived");
                        return;
                    }
                    stream.write(message.data());
                    digest.update(message.data());
                    progress.update(received, size);
                } else if (message.text().equals("end")) {
                    finish();
                } else {
                    reject("unexpected text message in the middle of the file");
                }
            } catch (IOException e) {
                reject("cannot write " + target + ": " + e.getMessage());
            }
        }

        private void header(DataChannel.Message message) throws IOException {
            if (message.isBinary()) {
                reject("the first message must be the JSON header");
                return;
            }
            JsonNode header;
            try {
                header = new ObjectMapper().readTree(message.text());
            } catch (IOException e) {
                reject("the header is not JSON");
                return;
            }
            if (header == null || !header.path("name").isTextual() || !header.path("size").canConvertToLong()
                    || !header.path("sha256").isTextual()) {
                reject("the header needs \"name\", \"size\" and \"sha256\"");
                return;
            }
            String name = header.get("name").asText();
            size = header.get("size").asLong();
            expectedSha = header.get("sha256").asText().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.contains("..")
                    || name.equals(".") || name.indexOf('\0') >= 0 || size < 0) {
                reject("refusing the file name \"" + name + "\"" + (size < 0 ? " with a negative size" : ""));
                return;
            }
            digest = sha256Digest();
            for (int i = 0; stream == null; i++) {
                Path candidate = out.resolve(i == 0 ? name : suffixed(name, i));
                try {
                    stream = Files.newOutputStream(candidate, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                    target = candidate;
                } catch (FileAlreadyExistsException e) {
                    // never overwrite: try the next suffix
                }
            }
        }

        private void finish() throws IOException {
            stream.close();
            String actual = HexFormat.of().formatHex(digest.digest());
            if (received != size) {
                reject("got " + received + " bytes, expected " + size);
            } else if (!actual.equals(expectedSha)) {
                reject("SHA-256 mismatch: got " + actual + ", expected " + expectedSha);
            } else {
                progress.update(received, size);
                reply("ok");
                outcome.complete(new Outcome(target, received, actual, null));
            }
        }

        void fail(String problem) {
            if (!outcome.isDone()) {
                cleanUp();
                outcome.complete(new Outcome(null, 0, null, problem));
            }
        }

        private void reject(String reason) {
            reply("bad " + reason);
            fail(reason);
        }

        private void cleanUp() {
            if (stream != null) {
                try {
                    stream.close();
                    Files.deleteIfExists(target);
                } catch (IOException ignored) {
                    // best effort: the partial file stays
                }
            }
        }

        private void reply(String text) {
            try {
                if (channel != null) {
                    channel.send(text);
                }
            } catch (RuntimeException ignored) {
                // the sender is gone; it will not exit 0 without "ok"
            }
        }
    }
}
