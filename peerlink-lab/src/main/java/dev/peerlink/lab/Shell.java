package dev.peerlink.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end, with a timeout, killing exactly that process (by its handle) if it overruns. */
final class Shell {
    private Shell() {
    }

    static ExecResult run(List<String> command, String stdin, Duration timeout) throws LabException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new LabException("cannot run '" + command.getFirst() + "': " + e.getMessage(), e);
        }
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] all = in.readAllBytes();
                synchronized (output) {
                    output.append(new String(all, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process was killed: what was read so far is all there is
            }
        });
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the program ended without reading its input; its exit status says what happened
        }
        try {
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(Duration.ofSeconds(5));
            synchronized (output) {
                return new ExecResult(command, finished ? process.exitValue() : -1, output.toString(), !finished);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running '" + String.join(" ", command) + "'", e);
        }
    }

    /** Runs it and insists that it succeeds. */
    static String check(List<String> command, String stdin, Duration timeout) throws LabException {
        ExecResult result = run(command, stdin, timeout);
        if (!result.succeeded()) {
            throw new LabException(result.describeFailure());
        }
        return result.output();
    }
}
