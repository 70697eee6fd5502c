package dev.peerlink.turn.server;

/**
 * Running totals kept by {@link TurnServerCore}, read by the metrics layer (on the core's thread, or tolerating
 * slightly stale values from another one). Plain increments: counting costs nothing on the relay path.
 */
public final class TurnServerCounters {
    long allocationsCreated;
    long allocationsExpired;
    long allocationsDeletedByClient;
    long allocationsClosedWithConnection;
    long bindingRequests;
    long challenges;
    long authFailures;
    long challengesRateLimited;
    long challengesTooLarge;
    long staleNonces;
    long authRejected;
    long wrongCredentials;
    long allocationMismatches;
    long quotaRejections;
    long capacityRejections;
    long peersRefused;
    long badRequests;
    long malformedDropped;
    long internalErrors;
    long packetsToPeer;
    long bytesToPeer;
    long packetsToClient;
    long bytesToClient;
    long droppedNoAllocation;
    long droppedNoPermission;
    long droppedUnboundChannel;
    long droppedOverBandwidth;
    long droppedSend;

    TurnServerCounters() {
    }

    /** Allocations created (RFC 8656 §7.2). */
    public long allocationsCreated() {
        return allocationsCreated;
    }

    /** Allocations that expired without a refresh. */
    public long allocationsExpired() {
        return allocationsExpired;
    }

    /** Allocations deleted by a Refresh with LIFETIME 0. */
    public long allocationsDeletedByClient() {
        return allocationsDeletedByClient;
    }

    /** Allocations deleted because their TCP or TLS connection closed. */
    public long allocationsClosedWithConnection() {
        return allocationsClosedWithConnection;
    }

    /** STUN Binding requests answered on the TURN listener. */
    public long bindingRequests() {
        return bindingRequests;
    }

    /** 401 answers sent: requests without valid credentials, including every client's first Allocate. */
    public long challenges() {
        return challenges;
    }

    /**
     * Requests that carried MESSAGE-INTEGRITY but failed the credential check (unknown user, wrong password,
     * expired REST credential): each was answered 401 unless rate limited. A subset of the causes of
     * {@link #challenges()}, which also counts every client's first, unauthenticated request.
     */
    public long authFailures() {
        return authFailures;
    }

    /** Requests that earned a 401 but were dropped because their source had too many. */
    public long challengesRateLimited() {
        return challengesRateLimited;
    }

    /**
     * Unauthenticated requests dropped because even the smallest answer (401 or 438 with REALM and NONCE) would be
     * more than {@value TurnServerCore#MAX_AMPLIFICATION} times their size.
     */
    public long challengesTooLarge() {
        return challengesTooLarge;
    }

    /** 438 Stale Nonce answers (valid credentials, old nonce). */
    public long staleNonces() {
        return staleNonces;
    }

    /** Requests refused as malformed by the credential check (400 without REALM and NONCE). */
    public long authRejected() {
        return authRejected;
    }

    /** 441 answers: a request on an allocation's 5-tuple under another user. */
    public long wrongCredentials() {
        return wrongCredentials;
    }

    /** 437 answers. */
    public long allocationMismatches() {
        return allocationMismatches;
    }

    /** 486 answers. */
    public long quotaRejections() {
        return quotaRejections;
    }

    /** 508 answers. */
    public long capacityRejections() {
        return capacityRejections;
    }

    /** Peer addresses refused by the policy: 403 answers and dropped Send indications. */
    public long peersRefused() {
        return peersRefused;
    }

    /** Other 400, 420, 440, 442 and 443 answers to authenticated requests. */
    public long badRequests() {
        return badRequests;
    }

    /** Packets dropped as not STUN, not ChannelData, or truncated. */
    public long malformedDropped() {
        return malformedDropped;
    }

    /** Bugs caught before they escaped: each one is a packet dropped. Should stay 0. */
    public long internalErrors() {
        return internalErrors;
    }

    /** Datagrams relayed to peers. */
    public long packetsToPeer() {
        return packetsToPeer;
    }

    /** Payload bytes relayed to peers. */
    public long bytesToPeer() {
        return bytesToPeer;
    }

    /** Datagrams from peers relayed to clients. */
    public long packetsToClient() {
        return packetsToClient;
    }

    /** Payload bytes from peers relayed to clients. */
    public long bytesToClient() {
        return bytesToClient;
    }

    /** ChannelData from a 5-tuple without an allocation, or peer data on a released relay. */
    public long droppedNoAllocation() {
        return droppedNoAllocation;
    }

    /** Data to or from a peer IP without a permission (RFC 8656 §9). */
    public long droppedNoPermission() {
        return droppedNoPermission;
    }

    /** ChannelData on a channel number not bound (RFC 8656 §12.6). */
    public long droppedUnboundChannel() {
        return droppedUnboundChannel;
    }

    /** Relayed packets over the allocation's bandwidth cap. */
    public long droppedOverBandwidth() {
        return droppedOverBandwidth;
    }

    /** Send indications discarded as invalid (RFC 8656 §11.2). */
    public long droppedSend() {
        return droppedSend;
    }
}
