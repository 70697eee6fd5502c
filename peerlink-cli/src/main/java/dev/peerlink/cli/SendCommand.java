package dev.peerlink.cli;

import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.transfer.FileTransfer;
import dev.peerlink.peer.transfer.SignaledSession;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Send one file to a 'peerlink receive' waiting in the same room, over a WebRTC data channel.",
            "",
            "The sender joins the room, takes the first peer already there (or waits for one to join), and offers; "
                + "candidates trickle both ways through the signaling server. On the reliable ordered channel "
                + "\"file\" it sends a JSON text header {\"name\",\"size\",\"sha256\"}, the file in 64 KiB binary "
                + "messages, then the text \"end\". The receiver answers \"ok\" or \"bad <reason>\".",
            "Exits 0 only when the receiver confirmed the file with \"ok\"."},
        footer = {"", "Example:", "  peerlink receive --server ws://127.0.0.1:8080/signaling/v1 --room r1 --out /tmp",
            "  peerlink send photo.jpg --server ws://127.0.0.1:8080/signaling/v1 --room r1"})
final class SendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to send.")
    Path file;

    @Mixin
    PeerOptions options;

    @Override
    public Integer call() throws Exception {
        FileTransfer.requireReadable(file);
        var timeout = options.timeout();
        var config = options.config();
        var err = spec.commandLine().getErr();
        try (SignaledSession session = options.join(err)) {
            FileTransfer.Sent sent = FileTransfer.send(session, file, config, timeout, options.stallTimeout(),
                    new PeerConnectionListener() { },
                    new Progress(err, "sent"));
            spec.commandLine().getOut().println("sent " + sent.name() + " (" + sent.size() + " bytes, sha-256 "
                    + sent.sha256() + ") to " + sent.receiver());
            return 0;
        }
    }
}
