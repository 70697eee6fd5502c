package dev.peerlink.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Namespaces are deleted however their JVM ends: a benchmark stopped with Ctrl-C leaves none behind. */
class NetworkNamespaceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aNamespaceNobodyClosedIsDeletedWhenItsJvmIsTerminated() throws Exception {
        NetworkNamespace.requireRoot();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), NamespaceInChild.class.getName())
                .redirectErrorStream(true).start();
        String name = null;
        try {
            name = awaitNamespaceName(child);
            assertThat(namespaces()).as("the child's namespace while it runs").contains(name);

            child.destroy(); // SIGTERM: the child's finally blocks never run, its shutdown hooks do
            assertThat(child.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the child ended").isTrue();

            assertThat(namespaces()).as("namespaces after the child ended").doesNotContain(name);
        } finally {
            child.destroyForcibly();
            if (name != null) {
                ExternalProcess.run(List.of("ip", "netns", "del", name), WAIT);
            }
        }
    }

    /** The child's "namespace: NAME" line. */
    private static String awaitNamespaceName(Process child) throws Exception {
        BufferedReader reader = child.inputReader();
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.startsWith("namespace: ")) {
                        return line.substring("namespace: ".length()).strip();
                    }
                }
                throw new AssertionError("the child ended before it made its namespace");
            } catch (IOException e) {
                throw new AssertionError("reading the child's output failed", e);
            }
        }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static List<String> namespaces() throws Exception {
        return ExternalProcess.run(List.of("ip", "netns", "list"), WAIT).output().lines()
                .map(line -> line.split(" ")[0]).toList();
    }

    /** Another JVM: makes a namespace, says its name, and waits to be stopped without closing it. */
    public static final class NamespaceInChild {
        public static void main(String[] args) throws Exception {
            NetworkNamespace namespace = NetworkNamespace.create();
            System.out.println("namespace: " + namespace.name());
            System.out.flush();
            Thread.sleep(Duration.ofMinutes(5));
        }
    }
}
