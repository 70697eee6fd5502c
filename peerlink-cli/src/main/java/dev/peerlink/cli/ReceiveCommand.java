package dev.peerlink.cli;

import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.transfer.FileTransfer;
import dev.peerlink.peer.transfer.SignaledSession;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "receive", mixinStandardHelpOptions = true,
        description = {"Wait in a room for one 'peerlink send' and save the file it sends.",
            "",
            "The receiver joins the room and waits for an offer; it answers, and candidates trickle both ways "
                + "through the signaling server. The sender opens the reliable ordered channel \"file\" and sends a "
                + "JSON text header {\"name\",\"size\",\"sha256\"}, 64 KiB binary messages, then the text \"end\". "
                + "The file is written to OUT/name (names with path separators or \"..\" are refused; an existing "
                + "file is never overwritten: a suffix -1, -2, ... is added), its size and SHA-256 are checked, and "
                + "the receiver replies \"ok\" or \"bad <reason>\".",
            "Exits 0 only when the whole file arrived intact."},
        footer = {"", "Example:", "  peerlink receive --server ws://127.0.0.1:8080/signaling/v1 --room r1 --out /tmp"})
final class ReceiveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Where to save the file "
            + "(default: the current directory).")
    Path out;

    @Mixin
    PeerOptions options;

    @Override
    public Integer call() throws Exception {
        FileTransfer.requireDirectory(out);
        var timeout = options.timeout();
        var config = options.config();
        var err = spec.commandLine().getErr();
        try (SignaledSession session = options.join(err)) {
            FileTransfer.Received received = FileTransfer.receive(session, out, config, timeout,
                    options.stallTimeout(), new PeerConnectionListener() { }, new Progress(err, "received"));
            spec.commandLine().getOut().println("received " + received.saved() + " (" + received.size()
                    + " bytes, sha-256 " + received.sha256() + ") from " + received.sender());
            return 0;
        }
    }
}
