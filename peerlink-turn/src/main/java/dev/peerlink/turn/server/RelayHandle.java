package dev.peerlink.turn.server;

/**
 * The driver's name for one relay socket (one relayed transport address). {@link RelayAllocator} hands it out,
 * {@link TurnServerCore#handlePeerPacket} receives it back with every datagram that arrived on that socket, and
 * {@link Transmit#relay()} says which socket to send from. The core uses it as a hash key only, so an
 * implementation must keep {@code equals}/{@code hashCode} stable (identity is fine) and cheap.
 */
public interface RelayHandle {
}
