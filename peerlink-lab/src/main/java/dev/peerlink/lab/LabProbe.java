package dev.peerlink.lab;

import dev.peerlink.stun.client.NatBehavior;
import dev.peerlink.stun.client.NatBehaviorDiscovery;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunClientException;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * Measurements run inside a lab host by {@link LabTopology#discoverNat} and {@link LabTopology#binding}; prints
 * {@code key=value} lines that {@link NatTypeResult} reads, or {@code error=SENTENCE} and exit status 1.
 *
 * <pre>
 * LabProbe nat-type IP:PORT          RFC 5780 discovery (what `peerlink nat-type` does)
 * LabProbe binding udp|tcp IP:PORT   one Binding request; prints the mapped address
 * </pre>
 */
public final class LabProbe {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private LabProbe() {
    }

    public static void main(String[] args) {
        try {
            if (args.length == 2 && args[0].equals("nat-type")) {
                InetSocketAddress server = parse(args[1]);
                NatBehavior behavior = NatBehaviorDiscovery.discover(server, args[1],
                        NatBehaviorDiscovery.DEFAULT_POLICY, line -> System.out.println("# " + line));
                System.out.println("local=" + SocketAddresses.format(behavior.localAddress()));
                System.out.println("mapped=" + SocketAddresses.format(behavior.mappedAddress()));
                System.out.println("mapping=" + behavior.mapping().name());
                System.out.println("filtering=" + behavior.filtering().name());
                System.out.println("type=" + behavior.commonName());
            } else if (args.length == 3 && args[0].equals("binding")) {
                StunTransport transport = StunTransport.valueOf(args[1].toUpperCase(Locale.ROOT));
                InetSocketAddress server = parse(args[2]);
                StunClient.Options options = new StunClient.Options(NatBehaviorDiscovery.DEFAULT_POLICY,
                        CONNECT_TIMEOUT, true);
                try (StunClient client = StunClient.open(transport, server, args[2], null, options)) {
                    System.out.println("local=" + SocketAddresses.format(client.localAddress()));
                    System.out.println("mapped=" + SocketAddresses.format(client.binding()));
                }
            } else {
                System.out.println("error=usage: LabProbe nat-type IP:PORT | LabProbe binding udp|tcp IP:PORT");
                System.exit(2);
            }
        } catch (StunClientException | IllegalArgumentException e) {
            System.out.println("error=" + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private static InetSocketAddress parse(String ipAndPort) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3}):(\\d{1,5})")
                .matcher(ipAndPort);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected IPv4:PORT, got " + ipAndPort);
        }
        try {
            // An IPv4 literal: no name lookup happens.
            return new InetSocketAddress(InetAddress.getByName(matcher.group(1)), Integer.parseInt(matcher.group(2)));
        } catch (java.net.UnknownHostException | IllegalArgumentException e) {
            throw new IllegalArgumentException("expected IPv4:PORT, got " + ipAndPort);
        }
    }
}
