package dev.peerlink.dtls;

/** Where a {@link DtlsTransport} is: the W3C RTCDtlsTransportState values. */
public enum DtlsState {
    /** Built, {@link DtlsTransport#start()} not called yet. */
    NEW,
    /** Handshaking. */
    CONNECTING,
    /** Handshake done, fingerprint checked; application data flows. */
    CONNECTED,
    /** close_notify sent or received. */
    CLOSED,
    /** The handshake or the connection failed; see {@link DtlsEvent.Failed}. */
    FAILED
}
