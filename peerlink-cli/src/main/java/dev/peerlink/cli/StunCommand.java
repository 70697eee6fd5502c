package dev.peerlink.cli;

import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunClientException;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "stun", mixinStandardHelpOptions = true,
        description = "Ask a STUN server which address it sees you at (RFC 8489 Binding).",
        footer = {"", "Examples:", "  peerlink stun 127.0.0.1", "  peerlink stun stun.example.org:3478 --tcp",
            "  peerlink stun localhost --tls --insecure   (a development server's self-signed certificate)"})
final class StunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The STUN server; the port defaults to "
            + "3478, or 5349 with --tls. Bracket IPv6 addresses that have a port: [::1]:3478.")
    String server;

    static final class TransportChoice {
        @Option(names = "--tcp", description = "Use TCP instead of UDP.")
        boolean tcp;

        @Option(names = "--tls", description = "Use TLS over TCP.")
        boolean tls;
    }

    @ArgGroup(exclusive = true)
    TransportChoice transportChoice = new TransportChoice();

    @Option(names = "--insecure", description = "With --tls: accept any certificate (self-signed development servers).")
    boolean insecure;

    @Option(names = {"-q", "--quiet"}, description = "Print only the mapped address.")
    boolean quiet;

    @Mixin
    RetransmissionOptions retransmission;

    @Override
    public Integer call() throws UserFacingException, StunClientException {
        StunTransport transport = transportChoice.tls ? StunTransport.TLS
                : transportChoice.tcp ? StunTransport.TCP : StunTransport.UDP;
        HostPort hostPort = HostPort.parse(server, transport.defaultPort());
        InetSocketAddress address = hostPort.resolve();
        StunClient.Options options = StunClient.Options.DEFAULT
                .withPolicy(retransmission.apply(StunClient.Options.DEFAULT.policy()))
                .withInsecureTls(insecure);
        try (StunClient client = StunClient.open(transport, address, hostPort.host(), null, options)) {
            InetSocketAddress mapped = client.binding();
            String text = SocketAddresses.format(mapped);
            if (quiet) {
                spec.commandLine().getOut().println(text);
            } else {
                InetSocketAddress local = client.localAddress();
                spec.commandLine().getOut().println("Mapped address: " + text + "  (seen by " + hostPort + " over "
                        + transport + "; local " + SocketAddresses.format(local) + ")");
            }
        }
        return 0;
    }
}
