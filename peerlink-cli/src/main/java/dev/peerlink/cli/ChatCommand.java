package dev.peerlink.cli;

import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.peer.DataChannel;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.transfer.SignaledSession;
import dev.peerlink.signaling.protocol.ServerMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with another peer of a room (the web app or another 'peerlink chat') over a WebRTC data "
            + "channel.",
            "",
            "Joins the room; if someone is already there it calls the first of them, else it waits to be called. "
                + "Each line read from standard input is sent as one text message on the reliable ordered channel "
                + "\"chat\"; each message received is printed as \"NAME: TEXT\". End of input hangs up (exit 0); so "
                + "does the other peer hanging up or leaving."},
        footer = {"", "Example:", "  peerlink chat --server ws://127.0.0.1:8080/signaling/v1 --room demo --name ann"})
final class ChatCommand implements Callable<Integer> {
    static final String LABEL = "chat";

    @Spec
    CommandSpec spec;

    @Mixin
    PeerOptions options;

    /** Where lines to send come from; standard input unless a test sets it. */
    InputStream input = System.in;

    @Override
    public Integer call() throws Exception {
        Duration timeout = options.timeout();
        var config = options.config();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (SignaledSession session = options.join(err)) {
            err.println("peerlink chat: joined room " + options.room + " as " + session.self());
            err.flush();
            CompletableFuture<DataChannel> opened = new CompletableFuture<>();
            CompletableFuture<String> ended = new CompletableFuture<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!session.peersAtJoin().isEmpty()) {
                String remote = session.peersAtJoin().getFirst();
                var connection = session.open(remote, config, new PeerConnectionListener() { });
                watch(connection.createDataChannel(LABEL, DataChannelOptions.DEFAULT), remote, out, opened, ended);
                session.offer();
            } else {
                ServerMessage.Signal offer = session.awaitOffer(deadline, timeout, "nobody called");
                String remote = offer.from();
                session.open(remote, config, new PeerConnectionListener() {
                    @Override
                    public void onDataChannel(DataChannel channel) {
                        if (channel.label().equals(LABEL)) {
                            watch(channel, remote, out, opened, ended);
                        }
                    }
                });
                try {
                    session.answer(SignaledSession.text(offer.payload(), "sdp"));
                } catch (IllegalArgumentException e) {
                    throw new UserFacingException(remote + " sent a bad offer: " + e.getMessage());
                }
            }
            while (!opened.isDone()) {
                if (System.nanoTime() > deadline) {
                    throw new UserFacingException("could not connect to " + session.remote() + " within "
                            + timeout.toSeconds() + " s");
                }
                session.pump(Duration.ofMillis(200));
                if (session.peerGone()) {
                    throw new UserFacingException(session.remote() + " left before the chat opened");
                }
            }
            DataChannel channel = opened.get();
            err.println("peerlink chat: connected to " + session.remote() + "; type lines to send, end of input "
                    + "(Ctrl-D) to hang up");
            err.flush();
            // A platform thread: a read blocked on standard input would pin a virtual thread's carrier for good,
            // and the peer connection's own virtual threads need the carriers.
            Thread.ofPlatform().daemon().name("peerlink-chat-input").start(() -> readLines(channel, ended));
            while (!ended.isDone()) {
                session.pump(Duration.ofMillis(200));
                if (session.peerGone()) {
                    ended.complete(session.remote() + " hung up");
                }
            }
            String reason = ended.get();
            session.bye();
            err.println("peerlink chat: " + reason);
            return 0;
        }
    }

    private static void watch(DataChannel channel, String remote, PrintWriter out, CompletableFuture<DataChannel>
            opened, CompletableFuture<String> ended) {
        channel.onOpen(() -> opened.complete(channel));
        channel.onMessage(message -> {
            if (!message.isBinary()) {
                // One line per message: a message with line breaks is printed as several lines of the same sender.
                message.text().lines().forEach(line -> out.println(remote + ": " + line));
                out.flush();
            }
        });
        channel.onClose(() -> ended.complete(remote + " closed the chat"));
    }

    private void readLines(DataChannel channel, CompletableFuture<String> ended) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            String line;
            while (!ended.isDone() && (line = reader.readLine()) != null) {
                if (!line.isEmpty()) {
                    channel.send(line);
                }
            }
            ended.complete("end of input: hung up");
        } catch (IOException | RuntimeException e) {
            ended.complete("stopped reading input: " + e.getMessage());
        }
    }
}
