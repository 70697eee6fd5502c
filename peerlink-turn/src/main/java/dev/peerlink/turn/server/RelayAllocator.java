package dev.peerlink.turn.server;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Binds and closes relay sockets for {@link TurnServerCore}; the driver implements it, tests fake it.
 *
 * <p>Why synchronous: deciding an Allocate (RFC 8656 §7.2) needs the relayed address, or the knowledge that there
 * is none (508), before the response is written. Binding a UDP socket does not block (no handshake, no DNS), and
 * a Netty driver running the core on its event loop can register and bind a channel on that same loop and find
 * the bind already complete. An asynchronous open/opened exchange would give the core a third allocation state
 * ("pending") with its own retransmission, timeout and cancellation rules for no gain, so the core calls this
 * interface directly and stays free of sockets, threads and clocks itself.
 *
 * <p>All calls come from the thread that drives the core. Implementations must not call back into the core.
 */
public interface RelayAllocator {

    /** How the relayed port is to be chosen (RFC 8656 §7.2, EVEN-PORT and RESERVATION-TOKEN). */
    enum PortRule {
        /** Any free port in the relay range. */
        ANY,
        /** An even port (EVEN-PORT with R = 0). */
        EVEN,
        /**
         * An even port, and the next higher port held back under {@link RelayRequest#reservationToken()} until it
         * is redeemed with {@link #RESERVED} or released by {@link RelayAllocator#cancelReservation} (EVEN-PORT
         * with R = 1).
         */
        EVEN_RESERVE_NEXT,
        /** The port held under {@link RelayRequest#reservationToken()}; the reservation ends either way. */
        RESERVED
    }

    /**
     * One relay socket to bind.
     *
     * @param allocationId     the core's id of the allocation, for the driver's logs
     * @param family           {@code AddressFamilyAttribute.IPV4} or {@code IPV6}
     * @param portRule         how to choose the port
     * @param reservationToken for {@link PortRule#EVEN_RESERVE_NEXT} the new token to hold the next port under,
     *                         for {@link PortRule#RESERVED} the token to redeem, otherwise 0
     * @param dontFragment     the client asked for the DF bit on datagrams to peers (DONT-FRAGMENT, RFC 8656
     *                         §18.9); the driver may set it on the socket ({@code IP_MTU_DISCOVER}/{@code IP_DONTFRAG})
     */
    record RelayRequest(long allocationId, int family, PortRule portRule, long reservationToken,
                        boolean dontFragment) {
        public RelayRequest {
            Objects.requireNonNull(portRule, "portRule");
        }
    }

    /** What {@link #allocate} achieved. */
    sealed interface RelayResult {
        /** A socket is bound at {@code relayedAddress}; datagrams arriving there are reported with {@code handle}. */
        record Allocated(RelayHandle handle, InetSocketAddress relayedAddress) implements RelayResult {
            public Allocated {
                Objects.requireNonNull(handle, "handle");
                Objects.requireNonNull(relayedAddress, "relayedAddress");
            }
        }

        /** No port could be had (range exhausted, reservation gone, bind failed): 508 Insufficient Capacity. */
        record Unavailable(String reason) implements RelayResult {
        }
    }

    /** Binds a relay socket. Must not throw; a thrown exception is treated as {@link RelayResult.Unavailable}. */
    RelayResult allocate(RelayRequest request);

    /** Closes the relay socket of an allocation that expired or was deleted. Called once per handle. */
    void release(RelayHandle handle);

    /** Frees the port held under {@code token} that was not redeemed in time. */
    void cancelReservation(long token);
}
