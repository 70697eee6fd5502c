package dev.peerlink.cli;

import dev.peerlink.stun.client.NatBehavior;
import dev.peerlink.stun.client.NatBehaviorDiscovery;
import dev.peerlink.stun.client.StunClientException;
import dev.peerlink.stun.transport.SocketAddresses;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "nat-type", mixinStandardHelpOptions = true,
        description = {"Find how your NAT maps and filters UDP (RFC 5780 discovery, reported in RFC 4787 terms), "
            + "and what that means for peer-to-peer connections.",
            "The server must support RFC 5780: two IP addresses and CHANGE-REQUEST "
            + "(peerlink server --rfc5780, or coturn with --rfc5780 and two listening IPs)."},
        footer = {"", "Example:", "  peerlink nat-type 127.0.0.1:3478"})
final class NatTypeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The STUN server; the port defaults to 3478.")
    String server;

    @Mixin
    RetransmissionOptions retransmission;

    @Override
    public Integer call() throws UserFacingException, StunClientException {
        HostPort hostPort = HostPort.parse(server, 3478);
        InetSocketAddress address = hostPort.resolve();
        PrintWriter err = spec.commandLine().getErr();
        NatBehavior behavior = NatBehaviorDiscovery.discover(address, hostPort.toString(),
                retransmission.apply(NatBehaviorDiscovery.DEFAULT_POLICY), line -> err.println("... " + line));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Mapping:    " + behavior.mapping().rfcName());
        out.println("Filtering:  " + behavior.filtering().rfcName());
        out.println("Type:       " + behavior.commonName());
        out.println("Addresses:  local " + SocketAddresses.format(behavior.localAddress()) + ", mapped "
                + SocketAddresses.format(behavior.mappedAddress()));
        out.println("P2P:        " + behavior.p2pOutlook());
        return 0;
    }

}
