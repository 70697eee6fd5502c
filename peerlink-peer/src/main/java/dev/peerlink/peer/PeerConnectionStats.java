package dev.peerlink.peer;

import dev.peerlink.ice.IceCandidate;
import java.net.InetSocketAddress;

/**
 * A snapshot of the connection (a subset of W3C webrtc-stats): the selected candidate pair and what went over it.
 *
 * @param localCandidateType  type of the selected pair's local candidate, or null when there is no selected pair
 * @param remoteCandidateType type of its remote candidate, or null
 * @param bytesSent           bytes sent on the selected pair (ICE payload, i.e. DTLS records)
 * @param bytesReceived       bytes received on it
 * @param roundTripTimeNanos  the smoothed STUN round-trip time on it, -1 when unknown
 * @param messagesSent        data channel messages sent
 * @param messagesReceived    data channel messages received
 * @param relayProtocol       for a relayed local candidate, how it reaches its TURN server: "udp", "tcp" or "tls"
 *                            (W3C {@code RTCIceCandidateStats.relayProtocol}); null otherwise
 * @param sctpPathMtu         the SCTP association's path MTU (RFC 8899 PLPMTU: the size of the SCTP packets it
 *                            builds, common header included; it grows as path MTU probes are answered), 0 before
 *                            the association exists
 */
public record PeerConnectionStats(PeerConnectionState state, IceCandidate.Type localCandidateType,
                                  IceCandidate.Type remoteCandidateType, InetSocketAddress localAddress,
                                  InetSocketAddress remoteAddress, long bytesSent, long bytesReceived,
                                  long roundTripTimeNanos, long messagesSent, long messagesReceived,
                                  String relayProtocol, int sctpPathMtu) {
}
