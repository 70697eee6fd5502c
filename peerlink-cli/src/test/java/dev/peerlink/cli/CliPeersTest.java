package dev.peerlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** peerlink send and receive: two in-process CLIs move a file through a loopback server and a data channel. */
class CliPeersTest {
    @TempDir
    Path dir;

    private static ServerConfig onLoopback() {
        return new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, true, true, "peerlink",
                0, false, List.of(), List.of());
    }

    /**
     * Repeated in one JVM, each run on a new server: a second pair once stalled on its signaling connect (the JDK
     * WebSocket's handshake needed a free common-pool worker) or failed ICE (candidates sent before the offer). The
     * two CLIs run on threads of their own: on the common pool, which has one thread on two cores, a third run once
     * had the sender start only after the receiver had given up.
     */
    @RepeatedTest(3)
    void aFileCrossesFromSendToReceiveIntact() throws Exception {
        Path source = dir.resolve("payload.bin");
        byte[] bytes = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(bytes);
        Files.write(source, bytes);
        Path out = Files.createDirectory(dir.resolve("out"));
        try (PeerlinkServer server = PeerlinkServer.start(onLoopback())) {
            String url = server.signalingUri().orElseThrow().toString();
            CompletableFuture<CliRunner> receive = CompletableFuture.supplyAsync(() -> CliRunner.run("receive",
                    "--server", url, "--room", "files", "--name", "bob", "--out", out.toString(),
                    "--host-address", "127.0.0.1", "--timeout", "60"), CliRunner.OWN_THREAD);
            CompletableFuture<CliRunner> send = CompletableFuture.supplyAsync(() -> CliRunner.run("send",
                    source.toString(), "--server", url, "--room", "files", "--name", "alice",
                    "--host-address", "127.0.0.1", "--timeout", "60"), CliRunner.OWN_THREAD);
            CliRunner received = receive.get(120, TimeUnit.SECONDS);
            CliRunner sent = send.get(120, TimeUnit.SECONDS);
            String both = "receive: " + received.err() + "\nsend: " + sent.err();
            assertThat(received.exitCode()).as(both).isZero();
            assertThat(sent.exitCode()).as(both).isZero();
            Path saved = out.resolve("payload.bin");
            assertThat(saved).exists();
            assertThat(dev.peerlink.peer.transfer.FileTransfer.sha256(saved)).isEqualTo(dev.peerlink.peer.transfer.FileTransfer.sha256(source));
            assertThat(received.out()).contains("received").contains("from alice");
            assertThat(sent.out()).contains("sent payload.bin").contains("to bob");
            assertThat(received.withoutProgress().err()).isEmpty();
            assertThat(sent.withoutProgress().err()).isEmpty();
        }
    }

    @Test
    void aMissingFileIsOneLineAndNonZero() {
        CliRunner result = CliRunner.run("send", dir.resolve("nope.bin").toString(), "--server",
                "ws://127.0.0.1:9/signaling/v1", "--room", "files");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.err()).contains("nope.bin").contains("no such file").doesNotContain("Exception");
    }

    @Test
    void anUnreachableServerIsOneLineAndNonZero() throws Exception {
        Path source = Files.writeString(dir.resolve("small.txt"), "hello");
        CliRunner result = CliRunner.run("receive", "--server", "ws://127.0.0.1:9/signaling/v1", "--room", "files",
                "--out", dir.toString());
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.err().lines()).hasSize(1);
        assertThat(source).exists();
    }
}
