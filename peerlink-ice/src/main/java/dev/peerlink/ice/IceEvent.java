package dev.peerlink.ice;

import java.net.InetSocketAddress;

/** What the agent tells its user; see {@link IceAgent#pollEvent}. */
public sealed interface IceEvent {
    /** A local candidate to signal to the peer (trickle, RFC 8838 §4). */
    record LocalCandidate(IceCandidate candidate) implements IceEvent {
    }

    /** Every local candidate has been announced: signal end-of-candidates (RFC 8838 §4.2). */
    record GatheringComplete() implements IceEvent {
    }

    record StateChanged(IceConnectionState state) implements IceEvent {
    }

    /**
     * A pair is valid, so data can go before one is selected (RFC 8445 §12.1: an agent "MAY send data on any valid
     * pair before selected pairs have been produced"): {@link IceAgent#send} works from here on. Once per agent; a
     * DTLS client can start its handshake now instead of waiting for the nomination.
     */
    record Writable() implements IceEvent {
    }

    /** The pair data is now sent on; both candidates carry their types. */
    record SelectedPairChanged(IceCandidate local, IceCandidate remote) implements IceEvent {
    }

    /** The role changed to resolve a role conflict (RFC 8445 §7.2.5.1, §7.3.1.1). */
    record RoleChanged(IceRole role) implements IceEvent {
    }

    /** A non-STUN packet arrived on a pair the peer has proven (DTLS, SRTP above read it). */
    record DataReceived(InetSocketAddress local, InetSocketAddress remote, byte[] data) implements IceEvent {
    }
}
