package dev.peerlink.netsim;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A snapshot of one live NAT mapping.
 *
 * @param protocol         the transport it translates
 * @param internal         the LAN endpoint X:x
 * @param external         the public endpoint the NAT gave it
 * @param contacted        the remote endpoints sent to through it, oldest first, which filtering admits
 * @param lastRefreshNanos when traffic last refreshed it
 * @param expiresAtNanos   when it dies unless refreshed again
 */
public record NatMapping(Protocol protocol, InetSocketAddress internal, InetSocketAddress external,
                         List<InetSocketAddress> contacted, long lastRefreshNanos, long expiresAtNanos) {
}
