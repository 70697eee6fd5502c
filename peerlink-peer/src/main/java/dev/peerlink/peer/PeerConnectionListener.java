package dev.peerlink.peer;

import dev.peerlink.ice.IceConnectionState;

/**
 * What a {@link PeerConnection} reports, in order, on its listener thread (one thread per connection; blocking in a
 * callback delays the callbacks after it, not the connection).
 */
public interface PeerConnectionListener {
    /** A local candidate to signal ({@code candidate:...}, the JSEP form), or null once gathering is complete. */
    default void onIceCandidate(String candidate) {
    }

    default void onIceConnectionStateChange(IceConnectionState state) {
    }

    default void onConnectionStateChange(PeerConnectionState state) {
    }

    /** The peer opened a channel (it is open already); set its listeners here to see every message. */
    default void onDataChannel(DataChannel channel) {
    }
}
