package dev.peerlink.ice;

/** The agent's state, named and meant as W3C WebRTC's RTCIceConnectionState. */
public enum IceConnectionState {
    /** Waiting for candidates or credentials. */
    NEW,
    /** Checks are under way and no pair is selected yet. */
    CHECKING,
    /** A nominated pair carries data; better pairs may still be checked, or the peer may still trickle. */
    CONNECTED,
    /** Connected, gathering and the peer's candidates are complete, and no better pair remains to be checked. */
    COMPLETED,
    /** Every pair failed after the end of candidates, or consent expired (RFC 7675 §5.1); needs an ICE restart. */
    FAILED,
    /** The selected pair stopped answering consent checks; may recover until consent expires. */
    DISCONNECTED,
    /** {@link IceAgent#close} was called. */
    CLOSED
}
