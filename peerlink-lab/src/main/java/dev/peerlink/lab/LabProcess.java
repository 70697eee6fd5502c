package dev.peerlink.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running program the lab started inside one of its namespaces. The lab keeps the handle and stops the
 * process by its pid when the lab closes; {@link #close()} stops it earlier. Output (stdout and stderr together)
 * is kept in memory for readiness checks and error messages.
 */
public final class LabProcess implements AutoCloseable {
    private static final int MAX_OUTPUT = 1 << 20;

    private final String description;
    private final LabNode node;
    private final List<String> command;
    private final Process process;
    private final StringBuilder output = new StringBuilder();

    LabProcess(String description, LabNode node, List<String> command, Process process) {
        this.description = description;
        this.node = node;
        this.command = List.copyOf(command);
        this.process = process;
        Thread.ofVirtual().name("lab-output-" + process.pid()).start(this::readOutput);
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (output) {
                    if (output.length() < MAX_OUTPUT) {
                        output.append(line).append('\n');
                    }
                    output.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process ended
        } finally {
            synchronized (output) {
                output.notifyAll();
            }
        }
    }

    public String description() {
        return description;
    }

    public LabNode node() {
        return node;
    }

    public List<String> command() {
        return command;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything it printed so far. */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /**
     * Waits until its output contains {@code text}.
     *
     * @throws LabException when it ends first or {@code timeout} passes, naming what it printed last
     */
    public void awaitOutput(String text, Duration timeout) throws LabException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (output.indexOf(text) < 0) {
                long left = deadline - System.nanoTime();
                if (!process.isAlive() && !stillReading()) {
                    throw new LabException(description + " in " + node.namespace() + " ended (exit "
                            + exitCodeOrUnknown() + ") before printing \"" + text + "\"; it said: " + tail());
                }
                if (left <= 0) {
                    throw new LabException(description + " in " + node.namespace() + " did not print \"" + text
                            + "\" within " + timeout.toSeconds() + " s; it said: " + tail());
                }
                try {
                    output.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LabException("interrupted while waiting for " + description, e);
                }
            }
        }
    }

    private boolean stillReading() {
        // After exit the reader may still be draining the pipe; give it one more turn through the loop.
        try {
            return !process.waitFor(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String exitCodeOrUnknown() {
        return process.isAlive() ? "still running" : String.valueOf(process.exitValue());
    }

    private String tail() {
        String all = output.toString().strip();
        if (all.isEmpty()) {
            return "nothing";
        }
        List<String> lines = all.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    /** Waits for it to end by itself and returns its exit status, or -1 when {@code timeout} passes first. */
    public int waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Stops it: SIGTERM to its pid, then SIGKILL after five seconds. Safe to call twice. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return description + " (pid " + pid() + " in " + node.namespace() + ")";
    }
}
