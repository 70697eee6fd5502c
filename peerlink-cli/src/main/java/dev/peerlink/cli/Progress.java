package dev.peerlink.cli;

import java.io.PrintWriter;

/**
 * One progress line on stderr: rewritten in place with \r on a terminal, else a "... " line every 10%.
 */
final class Progress {
    private final PrintWriter err;
    private final String verb;
    private final long total;
    private final boolean terminal = System.console() != null;
    private final long startNanos = System.nanoTime();
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile long done;
    private int lastPercent = -1;
    private int lastTenth;

    Progress(PrintWriter err, String verb, long total) {
        this.err = err;
        this.verb = verb;
        this.total = total;
    }

    /** Counts as progress now (e.g. the channel just opened), so that stall time is measured from here. */
    void touch() {
        lastProgressNanos = System.nanoTime();
    }

    /** Bytes done at the last update. */
    long done() {
        return done;
    }

    /** How long since the amount done last grew (or {@link #touch()}). */
    java.time.Duration sinceProgress() {
        return java.time.Duration.ofNanos(System.nanoTime() - lastProgressNanos);
    }

    synchronized void update(long done) {
        if (done > this.done || lastPercent < 0) {
            this.done = done;
            lastProgressNanos = System.nanoTime();
        }
        int percent = total == 0 ? 100 : (int) (done * 100 / total);
        if (percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        String line = String.format("... %s %d%% %.1f MiB/s", verb, percent, done / seconds / (1024 * 1024));
        if (terminal) {
            err.print("\r" + line + (percent == 100 ? "\n" : ""));
            err.flush();
        } else if (percent / 10 > lastTenth || percent == 100 && lastTenth < 10) {
            lastTenth = percent / 10;
            err.println(line);
        }
    }
}
