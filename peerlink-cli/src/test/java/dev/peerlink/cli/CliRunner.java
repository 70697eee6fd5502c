package dev.peerlink.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Executor;

/** Runs the CLI in-process and keeps what it printed. */
record CliRunner(int exitCode, String out, String err) {
    /**
     * Runs each in-process CLI a test starts alongside another on a thread of its own: the common pool may have a
     * single thread on a small machine, and two CLIs sharing it run one after the other.
     */
    static final Executor OWN_THREAD = task -> Thread.ofPlatform().daemon().start(task);

    static CliRunner run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PeerlinkCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRunner(code, out.toString(), err.toString());
    }

    /** The same result without the "... " progress lines long commands print to stderr. */
    CliRunner withoutProgress() {
        return new CliRunner(exitCode, out, err.lines().filter(line -> !line.startsWith("... "))
                .map(line -> line + "\n").reduce("", String::concat));
    }
}
