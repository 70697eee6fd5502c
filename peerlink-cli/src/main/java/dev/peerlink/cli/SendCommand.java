package dev.peerlink.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.peer.DataChannel;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.signaling.protocol.ServerMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Send one file to a 'peerlink receive' waiting in the same room, over a WebRTC data channel.",
            "",
            "The sender joins the room, takes the first peer already there (or waits for one to join), and offers; "
                + "candidates trickle both ways through the signaling server. On the reliable ordered channel "
                + "\"file\" it sends a JSON text header {\"name\",\"size\",\"sha256\"}, the file in 64 KiB binary "
                + "messages, then the text \"end\". The receiver answers \"ok\" or \"bad <reason>\".",
            "Exits 0 only when the receiver confirmed the file with \"ok\"."},
        footer = {"", "Example:", "  peerlink receive --server ws://127.0.0.1:8080/signaling/v1 --room r1 --out /tmp",
            "  peerlink send photo.jpg --server ws://127.0.0.1:8080/signaling/v1 --room r1"})
final class SendCommand implements Callable<Integer> {
    static final int CHUNK = 64 * 1024;
    static final long HIGH_WATER = 4L * 1024 * 1024;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to send.")
    Path file;

    @Mixin
    PeerSession.Options options;

    private final Object bufferLock = new Object();

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new UserFacingException("cannot read " + file + ": " + (Files.exists(file) ? "not a readable file"
                    : "no such file"));
        }
        long size = Files.size(file);
        String sha256 = sha256(file);
        String name = file.getFileName().toString();
        Duration timeout = options.timeout();
        Duration stallTimeout = options.stallTimeout();
        var config = options.config();
        var err = spec.commandLine().getErr();
        try (PeerSession session = PeerSession.join(options, err)) {
            String receiver = session.peersAtJoin().isEmpty() ? null : session.peersAtJoin().getFirst();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (receiver == null) {
                if (System.nanoTime() > deadline) {
                    throw new UserFacingException("no receiver joined room " + options.room + " within "
                            + timeout.toSeconds() + " s");
                }
                if (session.pump(Duration.ofMillis(200)) instanceof ServerMessage.PeerJoined joined) {
                    receiver = joined.peer();
                }
            }
            CompletableFuture<String> verdict = new CompletableFuture<>();
            var connection = session.open(receiver, config, new PeerConnectionListener() { });
            DataChannel channel = connection.createDataChannel("file", DataChannelOptions.DEFAULT);
            CompletableFuture<Void> opened = new CompletableFuture<>();
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
            Progress progress = new Progress(err, "sent", size);
            channel.onOpen(() -> {
                progress.touch();
                opened.complete(null);
                Thread.ofVirtual().name("peerlink-send").start(() -> {
                    try {
                        stream(channel, name, size, sha256, progress);
                    } catch (Exception e) {
                        verdict.complete("bad sending failed: " + e.getMessage());
                    }
                });
            });
            session.offer();
            while (!verdict.isDone()) {
                if (!opened.isDone() && System.nanoTime() > deadline) {
                    throw new UserFacingException("could not connect to " + receiver + " within "
                            + timeout.toSeconds() + " s");
                }
                session.pump(Duration.ofMillis(200));
                if (session.peerGone() && !verdict.isDone()) {
                    throw new UserFacingException(receiver + " left before confirming the file");
                }
                if (opened.isDone() && !verdict.isDone() && progress.sinceProgress().compareTo(stallTimeout) > 0) {
                    throw new UserFacingException("the transfer to " + receiver + " stalled: no progress for "
                            + stallTimeout.toSeconds() + " s (" + progress.done() + " of " + size + " bytes sent"
                            + (progress.done() == size ? ", no confirmation" : "") + ")");
                }
            }
            String answer = verdict.get();
            session.bye();
            if (!answer.equals("ok")) {
                throw new UserFacingException(receiver + " did not accept " + name + ": "
                        + answer.replaceFirst("^bad ?", ""));
            }
            spec.commandLine().getOut().println("sent " + name + " (" + size + " bytes, sha-256 " + sha256 + ") to "
                    + receiver);
            return 0;
        }
    }

    private void stream(DataChannel channel, String name, long size, String sha256, Progress progress)
            throws IOException, InterruptedException {
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
                channel.send(n == CHUNK ? buffer : java.util.Arrays.copyOf(buffer, n));
                sent += n;
                progress.update(sent);
            }
        }
        if (size == 0) {
            progress.update(0);
        }
        channel.send("end");
    }

    static String sha256(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[CHUNK];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
