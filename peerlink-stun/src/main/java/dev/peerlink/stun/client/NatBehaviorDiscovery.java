package dev.peerlink.stun.client;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.transport.SocketAddresses;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * NAT behaviour discovery over UDP (RFC 5780 §4.3 mapping, §4.4 filtering) against a server that has two IP
 * addresses and two ports and answers CHANGE-REQUEST.
 */
public final class NatBehaviorDiscovery {
    /**
     * Shorter than RFC 8489's default: two of the tests expect silence, and waiting 39.5 s for each helps no one.
     * RTO 300 ms, 4 transmissions, then 4 RTOs: 3.3 s per silent test.
     */
    public static final RetransmissionPolicy DEFAULT_POLICY =
            new RetransmissionPolicy(Duration.ofMillis(300), 4, 4, Duration.ofSeconds(10));

    private NatBehaviorDiscovery() {
    }

    /**
     * Runs the tests. {@code progress} gets one line per test as it starts.
     *
     * @throws StunClientException when the server cannot be reached or does not support RFC 5780
     */
    public static NatBehavior discover(InetSocketAddress server, String serverName, RetransmissionPolicy policy,
                                       Consumer<String> progress) throws StunClientException {
        try (StunClient client = StunClient.open(StunTransport.UDP, server, serverName, null,
                StunClient.Options.DEFAULT.withPolicy(policy))) {
            InetSocketAddress localAddress = client.localAddress();
            // Mapping test I (§4.3): the plain Binding, which also tells us the server's other address.
            progress.accept("test I: Binding to " + serverName);
            StunTransactions.Answered first = client.request(List.of(), server);
            InetSocketAddress mapped1 = client.mappedAddress(first.response());
            InetSocketAddress other = first.response().address(StunAttributeType.OTHER_ADDRESS)
                    .orElseThrow(() -> new StunClientException("the STUN server " + serverName
                            + " does not support NAT behaviour discovery: its answer has no OTHER-ADDRESS"
                            + " (RFC 5780; for peerlink server, start it with --rfc5780 and two --listening-ip)"));
            if (other.getAddress().equals(server.getAddress()) || other.getPort() == server.getPort()) {
                throw new StunClientException("the STUN server " + serverName + " gives OTHER-ADDRESS "
                        + SocketAddresses.format(other)
                        + ", which does not differ from it in both address and port as RFC 5780 needs");
            }

            NatBehavior.Behavior mapping;
            if (mapped1.equals(localAddress)) {
                mapping = NatBehavior.Behavior.ENDPOINT_INDEPENDENT; // no NAT: the address is our own
            } else {
                // Test II: same port, other IP. Test III: other IP and port.
                progress.accept("test II: Binding to the server's other address " + address(other.getAddress(),
                        server.getPort()));
                InetSocketAddress mapped2 = client.mappedAddress(client.request(List.of(),
                        new InetSocketAddress(other.getAddress(), server.getPort())).response());
                if (mapped2.equals(mapped1)) {
                    mapping = NatBehavior.Behavior.ENDPOINT_INDEPENDENT;
                } else {
                    progress.accept("test III: Binding to the server's other address and port " + SocketAddresses.format(other));
                    InetSocketAddress mapped3 = client.mappedAddress(client.request(List.of(), other).response());
                    mapping = mapped3.equals(mapped2) ? NatBehavior.Behavior.ADDRESS_DEPENDENT
                            : NatBehavior.Behavior.ADDRESS_AND_PORT_DEPENDENT;
                }
            }

            // Filtering tests (§4.4) run from a fresh local port. The tests are sensitive to state the NAT already
            // holds (§4.4), and mapping test II above sent to the server's other address: behind an
            // address-restricted NAT that mapping now admits the other address, so an answer from it would get
            // through and make the filtering look endpoint-independent. A new port is a new mapping that has talked
            // to the primary address only (measured in the peerlink lab against a real address-restricted NAT).
            NatBehavior.Behavior filtering;
            try (StunClient filteringClient = StunClient.open(StunTransport.UDP, server, serverName, null,
                    StunClient.Options.DEFAULT.withPolicy(policy))) {
                progress.accept("filtering test I: Binding to " + serverName + " from a new local port");
                filteringClient.request(List.of(), server);
                progress.accept("filtering test II: asking for an answer from the other address and port");
                Optional<StunTransactions.Answered> fromOther = filteringClient.requestAllowingSilence(
                        List.of(new ChangeRequestAttribute(true, true)), server);
                checkOrigin(fromOther, server, serverName, true);
                if (fromOther.isPresent()) {
                    filtering = NatBehavior.Behavior.ENDPOINT_INDEPENDENT;
                } else {
                    progress.accept("filtering test III: asking for an answer from the other port");
                    Optional<StunTransactions.Answered> fromOtherPort = filteringClient.requestAllowingSilence(
                            List.of(new ChangeRequestAttribute(false, true)), server);
                    checkOrigin(fromOtherPort, server, serverName, false);
                    filtering = fromOtherPort.isPresent() ? NatBehavior.Behavior.ADDRESS_DEPENDENT
                            : NatBehavior.Behavior.ADDRESS_AND_PORT_DEPENDENT;
                }
            }
            return new NatBehavior(localAddress, mapped1, mapping, filtering);
        }
    }

    /** A server that ignores CHANGE-REQUEST would make every NAT look open; catch it (RFC 5780 §4.4). */
    private static void checkOrigin(Optional<StunTransactions.Answered> answer, InetSocketAddress server,
                                    String serverName, boolean changedIp) throws StunClientException {
        if (answer.isEmpty()) {
            return;
        }
        InetSocketAddress source = answer.get().source();
        boolean ipChanged = !source.getAddress().equals(server.getAddress());
        boolean portChanged = source.getPort() != server.getPort();
        if (ipChanged != changedIp || !portChanged) {
            throw new StunClientException("the STUN server " + serverName + " answered a CHANGE-REQUEST from "
                    + SocketAddresses.format(source) + " instead of its other " + (changedIp ? "address and port" : "port")
                    + ", so filtering cannot be measured");
        }
    }

    private static String address(java.net.InetAddress ip, int port) {
        return SocketAddresses.format(new InetSocketAddress(ip, port));
    }
}
