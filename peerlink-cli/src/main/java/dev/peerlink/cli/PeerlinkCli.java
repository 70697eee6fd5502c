package dev.peerlink.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code peerlink}: the command line of the peerlink WebRTC connectivity stack. */
@Command(name = "peerlink",
        mixinStandardHelpOptions = true,
        versionProvider = PeerlinkCli.Version.class,
        description = "A pure-Java WebRTC connectivity stack: STUN, TURN, ICE and data channels.",
        subcommands = {ServerCommand.class, StunCommand.class, NatTypeCommand.class, BenchCommand.class, LabCommand.class,
                SendCommand.class, ReceiveCommand.class, ChatCommand.class,
                CommandLine.HelpCommand.class})
public final class PeerlinkCli {
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line and returns the exit code; used by main and by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, System.in, out, err);
    }

    /** Runs a command line reading standard input from {@code in} (peerlink chat reads lines from it). */
    public static int run(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new PeerlinkCli());
        ((ChatCommand) commandLine.getSubcommands().get("chat").getCommand()).input = in;
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler(PeerlinkCli::userMistake);
        commandLine.setExecutionExceptionHandler(PeerlinkCli::failure);
        return commandLine.execute(args);
    }

    /** A mistake on the command line: one line naming it, and where help is. */
    private static int userMistake(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        command.getErr().println(command.getCommandName().equals("peerlink") ? "peerlink: " + e.getMessage()
                : qualifiedName(command) + ": " + e.getMessage() + " (see '" + qualifiedName(command) + " --help')");
        return CommandLine.ExitCode.USAGE;
    }

    /** A command failed: one line, never a stack trace, unless PEERLINK_DEBUG is set. */
    private static int failure(Exception e, CommandLine command, CommandLine.ParseResult parseResult) {
        String message = e instanceof UserFacingException || e.getMessage() != null && isKnown(e) ? e.getMessage()
                : "unexpected " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        command.getErr().println(qualifiedName(command) + ": " + message);
        if (System.getenv("PEERLINK_DEBUG") != null) {
            e.printStackTrace(command.getErr());
        }
        return 1;
    }

    private static boolean isKnown(Exception e) {
        return e instanceof dev.peerlink.stun.client.StunClientException
                || e instanceof dev.peerlink.server.ConfigException
                || e instanceof dev.peerlink.lab.LabException
                || e instanceof dev.peerlink.peer.transfer.TransferException
                || e instanceof IllegalArgumentException;
    }

    private static String qualifiedName(CommandLine command) {
        return command.getCommandSpec().qualifiedName();
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = PeerlinkCli.class.getPackage().getImplementationVersion();
            return new String[] {"peerlink " + (version == null ? "(development build)" : version)};
        }
    }
}
