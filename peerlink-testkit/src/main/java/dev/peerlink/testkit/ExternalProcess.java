package dev.peerlink.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A program the test started; closing it stops exactly that process and waits for it. */
public final class ExternalProcess implements AutoCloseable {
    /** What a finished program printed, stdout and stderr together. */
    public record Result(int exitCode, String output) {
    }

    private final Process process;
    private final Path log;

    private ExternalProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ExternalProcess start(List<String> command) throws IOException {
        Path log = Files.createTempFile("peerlink-test-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        return new ExternalProcess(process, log);
    }

    /** Runs a program to its end, killing it after {@code timeout}; the result says what it printed. */
    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        try (ExternalProcess running = start(command)) {
            boolean finished = running.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                running.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, running.output() + "\n[killed after " + timeout.toSeconds() + " s]");
            }
            return new Result(running.process.exitValue(), running.output());
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
