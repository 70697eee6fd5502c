package dev.peerlink.turn.server;

import java.net.InetSocketAddress;

/**
 * A channel binding (RFC 8656 §12): a number bound to one peer transport address for 10 minutes from its last
 * refresh, then held for 5 more minutes in which neither the number nor the peer may be bound to anything else.
 */
final class Channel extends TimerNode {
    final Allocation allocation;
    final int number;
    final InetSocketAddress peer;
    final Relay relay;
    /** False during the cool-down after expiry: no data flows, but the pair stays reserved. */
    boolean bound;

    Channel(Allocation allocation, int number, InetSocketAddress peer, Relay relay) {
        this.allocation = allocation;
        this.number = number;
        this.peer = peer;
        this.relay = relay;
    }
}
