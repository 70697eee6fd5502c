package dev.peerlink.cli;

import java.io.PrintWriter;

/**
 * One progress line on stderr: rewritten in place with \r on a terminal, else a "... " line every 10%.
 */
final class Progress implements dev.peerlink.peer.transfer.TransferProgress {
    private final PrintWriter err;
    private final String verb;
    private final boolean terminal = System.console() != null;
    private final long startNanos = System.nanoTime();
    private int lastPercent = -1;
    private int lastTenth;

    Progress(PrintWriter err, String verb) {
        this.err = err;
        this.verb = verb;
    }

    @Override
    public synchronized void update(long done, long total) {
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
