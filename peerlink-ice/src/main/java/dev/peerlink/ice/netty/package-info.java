/**
 * The Netty driver of the ICE agent: {@link dev.peerlink.ice.netty.IceSession} binds a UDP socket per address that
 * {@link dev.peerlink.ice.netty.HostAddressGatherer} picks and drives one {@link dev.peerlink.ice.IceAgent} on one
 * event loop (epoll on Linux, NIO elsewhere), resolving the peer's {@code .local} candidates by multicast DNS.
 *
 * <pre>{@code
 * IceSession session = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLED))
 *         .gatherer(HostAddressGatherer.defaults())
 *         .open();                                   // host candidates are ready now
 * signal(session.localUfrag(), session.localPassword(), session.localCandidates());
 * session.setRemoteCredentials(remoteUfrag, remotePassword);
 * session.addRemoteCandidate(IceCandidate.fromSdp(IceCandidateLine.parse(trickled)));
 * session.endOfRemoteCandidates();
 * IceEvent event = session.events().take();          // StateChanged, SelectedPairChanged, DataReceived ...
 * session.send(bytes);
 * session.close();                                   // every socket released
 * }</pre>
 */
package dev.peerlink.ice.netty;
