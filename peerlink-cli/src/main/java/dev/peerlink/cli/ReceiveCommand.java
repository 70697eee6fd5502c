package dev.peerlink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.peer.DataChannel;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.signaling.protocol.ServerMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "receive", mixinStandardHelpOptions = true,
        description = {"Wait in a room for one 'peerlink send' and save the file it sends.",
            "",
            "The receiver joins the room and waits for an offer; it answers, and candidates trickle both ways "
                + "through the signaling server. The sender opens the reliable ordered channel \"file\" and sends a "
                + "JSON text header {\"name\",\"size\",\"sha256\"}, 64 KiB binary messages, then the text \"end\". "
                + "The file is written to OUT/name (names with path separators or \"..\" are refused; an existing "
                + "file is never overwritten: a suffix -1, -2, ... is added), its size and SHA-256 are checked, and "
                + "the receiver replies \"ok\" or \"bad <reason>\".",
            "Exits 0 only when the whole file arrived intact."},
        footer = {"", "Example:", "  peerlink receive --server ws://127.0.0.1:8080/signaling/v1 --room r1 --out /tmp"})
final class ReceiveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Where to save the file "
            + "(default: the current directory).")
    Path out;

    @Mixin
    PeerSession.Options options;

    /** The result of one transfer: the saved path, or the reason it was refused. */
    private record Outcome(Path saved, long size, String sha256, String problem) {
    }

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(out)) {
            throw new UserFacingException("--out " + out + " is not a directory");
        }
        Duration timeout = options.timeout();
        Duration stallTimeout = options.stallTimeout();
        var config = options.config();
        var err = spec.commandLine().getErr();
        try (PeerSession session = PeerSession.join(options, err)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            ServerMessage.Signal offer = session.awaitOffer(deadline, timeout, "no sender offered a file");
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            CompletableFuture<Void> opened = new CompletableFuture<>();
            Receiver receiver = new Receiver(outcome, err);
            session.open(offer.from(), config, new PeerConnectionListener() {
                @Override
                public void onDataChannel(DataChannel channel) {
                    if (channel.label().equals("file")) {
                        receiver.lastActivityNanos = System.nanoTime();
                        opened.complete(null);
                        receiver.channel = channel;
                        channel.onMessage(receiver::accept);
                        channel.onClose(() -> receiver.fail("the sender closed the channel before \"end\""));
                    }
                }
            });
            String sdp;
            try {
                sdp = PeerSession.text(offer.payload(), "sdp");
            } catch (IllegalArgumentException e) {
                throw new UserFacingException(offer.from() + " sent a bad offer: " + e.getMessage());
            }
            session.answer(sdp);
            while (!outcome.isDone()) {
                if (!opened.isDone() && System.nanoTime() > deadline) {
                    throw new UserFacingException("could not connect to " + offer.from() + " within "
                            + timeout.toSeconds() + " s");
                }
                session.pump(Duration.ofMillis(200));
                if (session.peerGone() && !outcome.isDone()) {
                    receiver.fail(offer.from() + " left before the file was complete");
                }
                if (opened.isDone() && System.nanoTime() - receiver.lastActivityNanos > stallTimeout.toNanos()) {
                    receiver.stalled = true;
                    receiver.fail("the transfer from " + offer.from() + " stalled: nothing arrived for "
                            + stallTimeout.toSeconds() + " s (" + receiver.received + " bytes so far)");
                }
            }
            // Let the sender read the verdict before this side closes: wait for its bye (bounded). A stalled sender
            // is not waited for.
            long lingerUntil = System.nanoTime() + (receiver.stalled ? 0 : Duration.ofSeconds(10).toNanos());
            while (!session.peerGone() && System.nanoTime() < lingerUntil) {
                try {
                    session.pump(Duration.ofMillis(200));
                } catch (UserFacingException e) {
                    break;
                }
            }
            Outcome result = outcome.get();
            if (result.problem() != null) {
                throw new UserFacingException(result.problem());
            }
            spec.commandLine().getOut().println("received " + result.saved() + " (" + result.size()
                    + " bytes, sha-256 " + result.sha256() + ") from " + offer.from());
            return 0;
        }
    }

    /** The receiving state machine; runs on the peer connection's listener thread. */
    private final class Receiver {
        private final CompletableFuture<Outcome> outcome;
        private final java.io.PrintWriter err;
        volatile DataChannel channel;
        volatile long lastActivityNanos = System.nanoTime();
        boolean stalled;
        private String name;
        private long size = -1;
        private String expectedSha;
        private Path target;
        private OutputStream stream;
        private MessageDigest digest;
        private volatile long received;
        private Progress progress;

        Receiver(CompletableFuture<Outcome> outcome, java.io.PrintWriter err) {
            this.outcome = outcome;
            this.err = err;
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
                    progress.update(received);
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
            name = header.get("name").asText();
            size = header.get("size").asLong();
            expectedSha = header.get("sha256").asText().toLowerCase(java.util.Locale.ROOT);
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.contains("..")
                    || name.equals(".") || name.indexOf('\0') >= 0 || size < 0) {
                reject("refusing the file name \"" + name + "\"" + (size < 0 ? " with a negative size" : ""));
                return;
            }
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
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
            progress = new Progress(err, "received", size);
        }

        private void finish() throws IOException {
            stream.close();
            String actual = HexFormat.of().formatHex(digest.digest());
            if (received != size) {
                reject("got " + received + " bytes, expected " + size);
            } else if (!actual.equals(expectedSha)) {
                reject("SHA-256 mismatch: got " + actual + ", expected " + expectedSha);
            } else {
                progress.update(received);
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

    static String suffixed(String name, int n) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
    }
}
