package dev.peerlink.dtls;

import java.nio.ByteBuffer;
import java.util.Optional;

/** What a {@link DtlsTransport} reports, in order, on its listener's executor or in its event queue. */
public sealed interface DtlsEvent {
    /**
     * The handshake completed and the peer's certificate matched the SDP fingerprint. When the peers agreed on
     * use_srtp, {@code srtpProfile} and {@code srtpKeyingMaterial} are present (RFC 5764 §4.2).
     */
    record Connected(Optional<SrtpProfile> srtpProfile, Optional<SrtpKeyingMaterial> srtpKeyingMaterial)
            implements DtlsEvent {
    }

    /** One decrypted application-data record, in a buffer of its own. */
    record DataReceived(ByteBuffer data) implements DtlsEvent {
    }

    /** The connection ended with close_notify (RFC 5246 §7.2.1): {@code byPeer} when the peer sent it first. */
    record Closed(boolean byPeer) implements DtlsEvent {
    }

    /** The handshake or the connection failed; {@code reason} is a sentence saying why. Terminal. */
    record Failed(String reason) implements DtlsEvent {
    }
}
