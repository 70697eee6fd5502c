package dev.peerlink.turn.server;

import java.net.InetAddress;

/** A permission for one peer IP address, ports ignored (RFC 8656 §9); expires 300 s after its last refresh. */
final class Permission extends TimerNode {
    final Allocation allocation;
    final InetAddress peer;

    Permission(Allocation allocation, InetAddress peer) {
        this.allocation = allocation;
        this.peer = peer;
    }
}
