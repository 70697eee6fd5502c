package dev.peerlink.netsim;

import java.net.InetSocketAddress;
import java.util.Collection;

/** RFC 4787 §5: which inbound packets a NAT lets through an existing mapping. */
public enum FilteringBehavior {
    /** Anyone may send to the mapping ("full cone"). */
    ENDPOINT_INDEPENDENT,
    /** Only an IP address the internal endpoint has sent to, from any port. */
    ADDRESS_DEPENDENT,
    /** Only the exact IP address and port the internal endpoint has sent to. */
    ADDRESS_AND_PORT_DEPENDENT;

    /** Whether a packet from {@code source} passes, given the endpoints the mapping has sent to. */
    boolean admits(InetSocketAddress source, Collection<InetSocketAddress> contacted) {
        return switch (this) {
            case ENDPOINT_INDEPENDENT -> true;
            case ADDRESS_DEPENDENT -> contacted.stream().anyMatch(c -> c.getAddress().equals(source.getAddress()));
            case ADDRESS_AND_PORT_DEPENDENT -> contacted.contains(source);
        };
    }
}
