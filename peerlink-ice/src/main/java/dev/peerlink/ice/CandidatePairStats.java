package dev.peerlink.ice;

/**
 * A snapshot of one candidate pair, in the spirit of W3C's RTCIceCandidatePairStats.
 *
 * @param requestsSent       connectivity and consent checks sent on the pair, retransmissions included
 * @param responsesReceived  authenticated success responses to them
 * @param lastRttNanos       round-trip time of the latest answered check, or -1 before any
 * @param smoothedRttNanos   RFC 6298 style smoothed RTT (α = 1/8), or -1 before any answer
 */
public record CandidatePairStats(IceCandidate local, IceCandidate remote, long priority, CandidatePairState state,
                                 boolean valid, boolean nominated, boolean selected, long requestsSent,
                                 long responsesReceived, long requestsReceived, long responsesSent,
                                 long lastRttNanos, long smoothedRttNanos, long packetsSent, long bytesSent,
                                 long packetsReceived, long bytesReceived) {
}
