package dev.peerlink.ice;

/**
 * What the local end of a candidate pair allows a path MTU search (Datagram PLPMTUD, RFC 8899) over it: probes need
 * the don't-fragment bit (RFC 8899 §3), and no datagram can be larger than the local interface's MTU less the IP and
 * UDP headers, so the search is capped there.
 *
 * @param dontFragment whether the pair's local socket sets DF on what it sends
 * @param maxPayload   the largest UDP payload the local interface carries (its MTU less 28 bytes of IPv4 and UDP
 *                     headers, or 48 for IPv6); 0 when not known
 */
public record DatagramLimit(boolean dontFragment, int maxPayload) {
    /** No probing: a relayed pair (TURN, over any transport), a TCP pair, or a socket without DF. */
    public static final DatagramLimit NO_PROBING = new DatagramLimit(false, 0);

    public DatagramLimit {
        if (maxPayload < 0) {
            throw new IllegalArgumentException("a datagram limit must not be negative, not " + maxPayload);
        }
    }

    /** Whether probing for a larger path MTU may go on over this pair. */
    public boolean allowsProbing() {
        return dontFragment && maxPayload > 0;
    }
}
