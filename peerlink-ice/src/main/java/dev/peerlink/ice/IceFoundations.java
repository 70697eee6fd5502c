package dev.peerlink.ice;

import dev.peerlink.stun.client.StunTransport;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Hands out candidate foundations (RFC 8445 §5.1.1.3): two candidates share one exactly when they have the same
 * type, base IP address, STUN/TURN server IP address and transport — the candidate's, and the one it was obtained
 * over (a relayed candidate allocated over TCP or TLS differs from one allocated over UDP). Short numbers, stable
 * for the agent's life.
 */
public final class IceFoundations {
    private record Key(IceCandidate.Type type, InetAddress baseIp, InetAddress serverIp,
                       IceCandidate.Transport transport, StunTransport obtainedOver) {
    }

    private final Map<Key, String> foundations = new HashMap<>();

    /** @param serverIp the STUN or TURN server's IP for srflx and relay candidates, else null */
    public String foundationOf(IceCandidate.Type type, InetAddress baseIp, InetAddress serverIp,
                               IceCandidate.Transport transport) {
        return foundationOf(type, baseIp, serverIp, transport, StunTransport.UDP);
    }

    /** As above, for a candidate obtained from its server over {@code obtainedOver}. */
    public String foundationOf(IceCandidate.Type type, InetAddress baseIp, InetAddress serverIp,
                               IceCandidate.Transport transport, StunTransport obtainedOver) {
        return foundations.computeIfAbsent(new Key(type, baseIp, serverIp, transport, obtainedOver),
                key -> Integer.toString(foundations.size() + 1));
    }
}
