package dev.peerlink.lab;

import java.util.List;

/**
 * How a program the lab ran ended.
 *
 * @param command   what was run
 * @param exitCode  its exit status, or -1 when it was killed for running too long
 * @param output    what it printed, stdout and stderr together
 * @param timedOut  whether it was killed for running past its timeout
 */
public record ExecResult(List<String> command, int exitCode, String output, boolean timedOut) {
    public ExecResult {
        command = List.copyOf(command);
    }

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    /** One line saying what failed, for errors: the command, how it ended, and the first line of its output. */
    public String describeFailure() {
        String firstLine = output.strip().lines().findFirst().orElse("no output");
        return "'" + String.join(" ", command) + "' " + (timedOut ? "did not finish in time" : "exited with "
                + exitCode) + ": " + firstLine;
    }
}
