package dev.peerlink.turn.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Lifecycle events of {@link TurnServerCore}, for logs and gauges; per-packet figures are in
 * {@link TurnServerCounters} instead, which cost nothing to keep. Events never carry keys or passwords.
 */
public sealed interface TurnServerEvent {

    /** An Allocate succeeded (RFC 8656 §7.2). */
    record AllocationCreated(long allocationId, FiveTuple client, String username,
                             List<InetSocketAddress> relayedAddresses, Duration lifetime) implements TurnServerEvent {
        public AllocationCreated {
            relayedAddresses = List.copyOf(relayedAddresses);
        }
    }

    /** An allocation ended: its relay sockets have been released. */
    record AllocationDeleted(long allocationId, FiveTuple client, String username, Reason reason)
            implements TurnServerEvent {
    }

    /** Why an allocation ended. */
    enum Reason {
        /** Not refreshed in time (RFC 8656 §6). */
        EXPIRED,
        /** The client sent Refresh with LIFETIME 0 (RFC 8656 §8.2). */
        DELETED_BY_CLIENT,
        /** The client's TCP or TLS connection closed ({@link TurnServerCore#handleClientClosed}). */
        CONNECTION_CLOSED
    }
}
