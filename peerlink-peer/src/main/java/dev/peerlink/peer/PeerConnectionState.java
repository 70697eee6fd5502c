package dev.peerlink.peer;

/** W3C WebRTC's {@code RTCPeerConnectionState}, for a connection that carries data channels only. */
public enum PeerConnectionState {
    NEW,
    /** ICE is checking or DTLS/SCTP are being set up. */
    CONNECTING,
    /** ICE has a pair, DTLS is up and the SCTP association is established. */
    CONNECTED,
    /** ICE lost consent on the selected pair; may recover. */
    DISCONNECTED,
    /** ICE, DTLS (e.g. a fingerprint mismatch) or SCTP failed. Terminal. */
    FAILED,
    /** {@link PeerConnection#close()} was called, or the peer closed DTLS or SCTP gracefully. Terminal. */
    CLOSED
}
