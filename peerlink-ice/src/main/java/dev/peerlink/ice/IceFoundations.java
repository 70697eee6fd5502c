package dev.peerlink.ice;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Hands out candidate foundations (RFC 8445 §5.1.1.3): two candidates share one exactly when they have the same
 * type, base IP address, STUN/TURN server IP address and transport. Short numbers, stable for the agent's life.
 */
public final class IceFoundations {
    private record Key(IceCandidate.Type type, InetAddress baseIp, InetAddress serverIp,
                       IceCandidate.Transport transport) {
    }

    private final Map<Key, String> foundations = new HashMap<>();

    /** @param serverIp the STUN or TURN server's IP for srflx and relay candidates, else null */
    public String foundationOf(IceCandidate.Type type, InetAddress baseIp, InetAddress serverIp,
                               IceCandidate.Transport transport) {
        return foundations.computeIfAbsent(new Key(type, baseIp, serverIp, transport),
                key -> Integer.toString(foundations.size() + 1));
    }
}
