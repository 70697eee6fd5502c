/**
 * ICE (RFC 8445) for WebRTC: one data stream, one component (BUNDLE and rtcp-mux), trickle (RFC 8838), consent
 * freshness (RFC 7675).
 *
 * <p>{@link dev.peerlink.ice.IceAgent} is a sans-IO state machine. A driver uses it like this:
 * <ol>
 *   <li>open a UDP socket per usable local address and call {@code addHostCandidate(base, now)} for each, then
 *       {@code endOfHostCandidates()};</li>
 *   <li>signal {@link dev.peerlink.ice.IceEvent.LocalCandidate} events ({@code candidate.toSdpLine()}) and
 *       {@link dev.peerlink.ice.IceEvent.GatheringComplete} (end-of-candidates) to the peer;</li>
 *   <li>hand in the peer's {@code setRemoteCredentials}, {@code addRemoteCandidate(IceCandidate.fromSdp(line))}
 *       and {@code endOfRemoteCandidates()} as they arrive, resolving {@code .local} names with
 *       {@code resolveRemoteCandidate};</li>
 *   <li>feed every datagram to {@code handleInput}, call {@code handleTimeout} when {@code nextTimeoutNanos} is
 *       due, send every {@code pollTransmit()} from its local socket, and read {@code pollEvent()};</li>
 *   <li>once CONNECTED, {@code send} data on the selected pair; {@link dev.peerlink.ice.IceEvent.DataReceived}
 *       brings the peer's.</li>
 * </ol>
 *
 * <p>{@link dev.peerlink.ice.netty.IceSession} is that driver over real UDP sockets, with
 * {@link dev.peerlink.ice.mdns.MdnsResolver} for the peer's {@code .local} names.
 */
package dev.peerlink.ice;
