package dev.peerlink.turn.server;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The 5-tuple that identifies an allocation (RFC 8656 §2): the client's transport address, the server's transport
 * address the client talks to, and the transport protocol between them. A driver should reuse one instance per TCP
 * or TLS connection and cache instances by source address for UDP, so that the hot path allocates nothing.
 */
public record FiveTuple(InetSocketAddress client, InetSocketAddress server, Transport transport) {

    /** The transport between client and server (RFC 8656 §3.1); relaying toward peers is always UDP. */
    public enum Transport {
        UDP, TCP, TLS;

        /** TCP and TLS carry a byte stream, in which ChannelData is padded to 4 bytes (RFC 8656 §12.5). */
        public boolean isStream() {
            return this != UDP;
        }
    }

    public FiveTuple {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(transport, "transport");
        if (client.isUnresolved() || server.isUnresolved()) {
            throw new IllegalArgumentException("a 5-tuple needs IP addresses, not " + client + " and " + server);
        }
    }

    @Override
    public String toString() {
        return transport + " " + client + " -> " + server;
    }
}
