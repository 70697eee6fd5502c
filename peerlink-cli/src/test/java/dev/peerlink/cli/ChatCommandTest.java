package dev.peerlink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** peerlink chat: two in-process chat peers through a loopback server; and the CLI peers' mistakes. */
class ChatCommandTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static ServerConfig onLoopback() {
        return new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true, "peerlink",
                0, false, List.of(), List.of());
    }

    /** One chat peer running in-process, its input a pipe the test types into. */
    private static final class ChatPeer {
        final PipedOutputStream keyboard = new PipedOutputStream();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;

        ChatPeer(String url, String name) throws IOException {
            PipedInputStream stdin = new PipedInputStream(keyboard);
            exit = CompletableFuture.supplyAsync(() -> PeerlinkCli.run(new String[] {"chat", "--server", url,
                "--room", "talk", "--name", name, "--host-address", "127.0.0.1", "--timeout", "60"}, stdin,
                    new PrintWriter(out, true), new PrintWriter(err, true)), CliRunner.OWN_THREAD);
        }

        void type(String line) throws IOException {
            keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        }
    }

    @Test
    void linesTypedOnOneSideArePrintedOnTheOther() throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(onLoopback())) {
            String url = server.signalingUri().orElseThrow().toString();
            ChatPeer alice = new ChatPeer(url, "alice");
            await().atMost(PATIENCE).until(() -> alice.err.toString().contains("joined room talk as alice"));
            ChatPeer bob = new ChatPeer(url, "bob"); // the second to join calls the first
            try {
                await().atMost(PATIENCE).failFast(() -> alice.exit.isDone() || bob.exit.isDone())
                        .until(() -> alice.err.toString().contains("connected to bob")
                        && bob.err.toString().contains("connected to alice"));
            } catch (RuntimeException e) {
                throw new AssertionError("alice: " + alice.err + "\nbob: " + bob.err, e);
            }
            alice.type("hello bob");
            bob.type("hi alice, ünïcödé ✓");
            bob.type(""); // empty lines are not sent
            await().atMost(PATIENCE).until(() -> bob.out.toString().contains("alice: hello bob"));
            await().atMost(PATIENCE).until(() -> alice.out.toString().contains("bob: hi alice, ünïcödé ✓"));
            alice.keyboard.close(); // end of input: alice hangs up, and bob ends too
            assertThat(alice.exit.get(30, TimeUnit.SECONDS)).as(alice.err.toString()).isZero();
            assertThat(bob.exit.get(30, TimeUnit.SECONDS)).as(bob.err.toString()).isZero();
            assertThat(bob.err.toString()).contains("alice");
            assertThat(alice.out.toString().lines()).containsExactly("bob: hi alice, ünïcödé ✓");
            assertThat(bob.out.toString().lines()).containsExactly("alice: hello bob");
            bob.keyboard.close();
        }
    }

    /** The command line of a CLI peer, with send's FILE (dir/small.txt) and receive's --out dir. */
    private static String[] peer(String command, Path dir, String... options) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of(command));
        if (command.equals("send")) {
            args.add(Files.writeString(dir.resolve("small.txt"), "hello").toString());
        } else if (command.equals("receive")) {
            args.addAll(List.of("--out", dir.toString()));
        }
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat", "send", "receive"})
    void aBadNameIsOneLineAndNonZero(String command, @TempDir Path dir) throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(onLoopback())) {
            CliRunner result = CliRunner.run(peer(command, dir, "--server", server.signalingUri().orElseThrow()
                    .toString(), "--room", "talk", "--name", "not a name!"));
            assertThat(result.exitCode()).isNotZero();
            assertThat(result.err().lines()).hasSize(1);
            assertThat(result.err()).contains("not a name!").doesNotContain("Exception");
        }
    }

    @ParameterizedTest
    @CsvSource({"chat, nobody called in room empty within 1 s",
        "send, no receiver joined room empty within 1 s",
        "receive, no sender offered a file in room empty within 1 s"})
    void anEmptyRoomTimesOutWithAClearError(String command, String message, @TempDir Path dir) throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(onLoopback())) {
            CliRunner result = CliRunner.run(peer(command, dir, "--server", server.signalingUri().orElseThrow()
                    .toString(), "--room", "empty", "--timeout", "1"));
            assertThat(result.exitCode()).isNotZero();
            assertThat(result.withoutProgress().err()).contains(message);
        }
    }
}
