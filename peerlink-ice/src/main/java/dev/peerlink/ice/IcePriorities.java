package dev.peerlink.ice;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Candidate and pair priorities (RFC 8445 §5.1.2, §6.1.2.3) and the local preference of multihomed hosts. */
public final class IcePriorities {
    /** RFC 8445 §5.1.2.1: a single-homed agent uses the maximum local preference. */
    public static final int SINGLE_HOMED_LOCAL_PREFERENCE = 65_535;

    private IcePriorities() {
    }

    /**
     * RFC 8445 §5.1.2.1: {@code priority = 2^24 × type preference + 2^8 × local preference + (256 − component)}.
     */
    public static long candidatePriority(int typePreference, int localPreference, int component) {
        if (typePreference < 0 || typePreference > 126) {
            throw new IllegalArgumentException("type preference must be 0–126, not " + typePreference);
        }
        if (localPreference < 0 || localPreference > 65_535) {
            throw new IllegalArgumentException("local preference must be 0–65535, not " + localPreference);
        }
        if (component < 1 || component > 256) {
            throw new IllegalArgumentException("component must be 1–256, not " + component);
        }
        return ((long) typePreference << 24) + ((long) localPreference << 8) + (256 - component);
    }

    public static long candidatePriority(IceCandidate.Type type, int localPreference, int component) {
        return candidatePriority(type.typePreference(), localPreference, component);
    }

    /** The local preference a priority was built with: bits 8–23. */
    public static int localPreferenceOf(long priority) {
        return (int) ((priority >>> 8) & 0xFFFF);
    }

    /**
     * RFC 8445 §6.1.2.3: {@code 2^32 × MIN(G, D) + 2 × MAX(G, D) + (G > D ? 1 : 0)}, G the controlling agent's
     * candidate priority and D the controlled one's. With candidate priorities below 2^31 (§5.1.2) the result
     * stays below 2^63; the agent still compares pair priorities unsigned, as the RFC's numbers are.
     */
    public static long pairPriority(long controllingPriority, long controlledPriority) {
        if (controllingPriority < 1 || controllingPriority > IceCandidate.MAX_PRIORITY
                || controlledPriority < 1 || controlledPriority > IceCandidate.MAX_PRIORITY) {
            throw new IllegalArgumentException("candidate priorities are 1 to 2^31 − 1, not " + controllingPriority
                    + " and " + controlledPriority);
        }
        long min = Math.min(controllingPriority, controlledPriority);
        long max = Math.max(controllingPriority, controlledPriority);
        return (min << 32) + 2 * max + (controllingPriority > controlledPriority ? 1 : 0);
    }

    /** The pair priority seen from one agent, whose own candidate is {@code local}. */
    public static long pairPriority(boolean controlling, long localPriority, long remotePriority) {
        return controlling ? pairPriority(localPriority, remotePriority) : pairPriority(remotePriority, localPriority);
    }

    /**
     * Local preference for a host candidate on a multihomed, dual-stack host, following RFC 8421 §4's guidance: the
     * address family's precedence (RFC 6724: global IPv6 above IPv4, link-local and loopback last) in the two high
     * bits, then the driver's interface order ({@code interfaceRank} 0 = most preferred) so that every interface's
     * candidates are distinct. A host with one global IPv6 address gets 65535, the single-homed value of RFC 8445.
     */
    public static int localPreference(InetAddress address, int interfaceRank) {
        if (interfaceRank < 0) {
            throw new IllegalArgumentException("interface rank must not be negative, not " + interfaceRank);
        }
        int precedence;
        if (address.isLoopbackAddress()) {
            precedence = 0;
        } else if (address.isLinkLocalAddress()) {
            precedence = 1;
        } else if (address instanceof Inet6Address) {
            precedence = 3;
        } else if (address instanceof Inet4Address) {
            precedence = 2;
        } else {
            precedence = 1;
        }
        return (precedence << 14) | (0x3FFF - Math.min(interfaceRank, 0x3FFF));
    }
}
