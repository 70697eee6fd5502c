package dev.peerlink.ice;

import java.net.InetSocketAddress;

/** One candidate pair and what the agent knows of it; mutable, owned by one {@link IceAgent}. */
final class CandidatePair {
    IceCandidate local;
    IceCandidate remote;
    long priority;
    CandidatePairState state;
    /** In the checklist proper, as opposed to a valid pair built from a response (RFC 8445 §7.2.5.3.2). */
    boolean inChecklist;
    /** RFC 8445 §7.2.5.3.2: in the valid list. */
    boolean valid;
    /** RFC 8445 §7.2.5.3.4. */
    boolean nominated;
    /** The valid pair the last successful check of this pair produced (itself, or one with a prflx local). */
    CandidatePair validPair;
    /** Controlling: the next check on this pair carries USE-CANDIDATE (RFC 8445 §8.1.1). */
    boolean useCandidateNext;
    /** Controlled: USE-CANDIDATE arrived before our own check succeeded (RFC 8445 §7.3.1.5). */
    boolean nominateOnSuccess;
    /** The peer sent an authenticated check on this path, so its data is accepted here. */
    boolean peerProven;
    boolean queuedForTriggeredCheck;
    /** RFC 7675 §5.1: consent expired; nothing more is sent on this path. */
    boolean consentExpired;

    long lastSentNanos;
    long lastResponseNanos;
    /** A consent check is out and no response has arrived since {@link #unansweredSinceNanos}. */
    boolean awaitingAnswer;
    long unansweredSinceNanos;

    long requestsSent;
    long responsesReceived;
    long requestsReceived;
    long responsesSent;
    long lastRttNanos = -1;
    long smoothedRttNanos = -1;
    long packetsSent;
    long bytesSent;
    long packetsReceived;
    long bytesReceived;

    CandidatePair(IceCandidate local, IceCandidate remote, long priority, CandidatePairState state) {
        this.local = local;
        this.remote = remote;
        this.priority = priority;
        this.state = state;
    }

    /** RFC 8445 §6.1.2.6: the pair's foundation joins both candidates' foundations. */
    String foundation() {
        return local.foundation() + ":" + remote.foundation();
    }

    boolean isOnPath(InetSocketAddress localBase, InetSocketAddress remoteAddress) {
        return local.base().equals(localBase) && remote.address().equals(remoteAddress);
    }

    void recordRtt(long rttNanos) {
        lastRttNanos = rttNanos;
        // RFC 6298 §2.3 smoothing with α = 1/8.
        smoothedRttNanos = smoothedRttNanos < 0 ? rttNanos : smoothedRttNanos + (rttNanos - smoothedRttNanos) / 8;
    }

    CandidatePairStats stats(boolean selected) {
        return new CandidatePairStats(local, remote, priority, state, valid, nominated, selected, requestsSent,
                responsesReceived, requestsReceived, responsesSent, lastRttNanos, smoothedRttNanos, packetsSent,
                bytesSent, packetsReceived, bytesReceived);
    }

    @Override
    public String toString() {
        return local + " -> " + remote + " " + state + (nominated ? " nominated" : "");
    }
}
