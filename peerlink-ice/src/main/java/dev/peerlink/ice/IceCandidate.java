package dev.peerlink.ice;

import dev.peerlink.sdp.IceCandidateLine;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * One ICE candidate (RFC 8445 §5.1), local or remote.
 *
 * <p>A remote candidate may carry an unresolved host name (Chromium's mDNS {@code <uuid>.local} names): the agent
 * keeps it aside until the driver calls {@link IceAgent#resolveRemoteCandidate}.
 *
 * @param foundation     RFC 8445 §5.1.1.3: equal for candidates of the same type, base IP, server and transport
 * @param component      1 for the one RTP/RTCP-muxed, BUNDLEd component WebRTC uses
 * @param priority       RFC 8445 §5.1.2.1, 1 to 2^31 − 1
 * @param address        the transport address the peer sends to
 * @param relatedAddress RFC 8839 §5.1 raddr/rport: the base (srflx, prflx) or mapped address (relay); null for host
 * @param base           RFC 8445 §5.1.1.1: for local candidates, the local socket address checks are sent from;
 *                       null for remote candidates
 */
public record IceCandidate(String foundation, int component, Transport transport, long priority,
                           InetSocketAddress address, Type type, InetSocketAddress relatedAddress,
                           InetSocketAddress base) {

    /** The candidate types with their RFC 8445 §5.1.2.2 recommended type preferences. */
    public enum Type {
        HOST(126), PRFLX(110), SRFLX(100), RELAY(0);

        private final int typePreference;

        Type(int typePreference) {
            this.typePreference = typePreference;
        }

        public int typePreference() {
            return typePreference;
        }

        IceCandidateLine.Type sdpType() {
            return IceCandidateLine.Type.valueOf(name());
        }

        static Type fromSdp(IceCandidateLine.Type type) {
            return valueOf(type.name());
        }
    }

    /** Only UDP for now; RFC 6544 TCP candidates from the peer are ignored. */
    public enum Transport {
        UDP
    }

    /** RFC 8445 §5.1.2: priorities are 1 to 2^31 − 1, which keeps pair priorities within 63 bits. */
    public static final long MAX_PRIORITY = 0x7FFF_FFFFL;

    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    public IceCandidate {
        if (foundation == null || foundation.isEmpty() || foundation.length() > 32 || !IceCredentials.isIceChars(foundation)) {
            throw new IllegalArgumentException("an ICE foundation is 1–32 ice-chars (RFC 8445 §5.1.1.3), not \""
                    + foundation + "\"");
        }
        if (component < 1 || component > 256) {
            throw new IllegalArgumentException("an ICE component id is 1–256, not " + component);
        }
        if (priority < 1 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("an ICE candidate priority is 1 to 2^31 − 1 (RFC 8445 §5.1.2),"
                    + " not " + priority);
        }
        if (address == null || type == null || transport == null) {
            throw new NullPointerException("an ICE candidate needs an address, a type and a transport");
        }
    }

    /** False for a candidate whose host name (an mDNS {@code .local} name) the driver has yet to resolve. */
    public boolean isResolved() {
        return !address.isUnresolved();
    }

    public IceCandidate withAddress(InetSocketAddress newAddress) {
        return new IceCandidate(foundation, component, transport, priority, newAddress, type, relatedAddress, base);
    }

    /** The SDP form (RFC 8839 §5.1), also the {@code candidate} string JSEP trickles. */
    public IceCandidateLine toSdpLine() {
        IceCandidateLine line = IceCandidateLine.of(foundation, component, IceCandidateLine.Transport.UDP, priority,
                addressText(address), address.getPort(), type.sdpType());
        if (relatedAddress != null) {
            line = line.withRelated(addressText(relatedAddress), relatedAddress.getPort());
        } else if (type != Type.HOST) {
            // RFC 8839 §5.1: raddr and rport are mandatory for srflx, prflx and relay; 0.0.0.0 0 hides them.
            line = line.withRelated("0.0.0.0", 0);
        }
        return line;
    }

    /**
     * A remote candidate from SDP or trickle. An IP literal becomes a resolved address; anything else (an mDNS
     * name) stays unresolved, and nothing is looked up here.
     *
     * @throws IllegalArgumentException for a TCP candidate or values ICE does not accept
     */
    public static IceCandidate fromSdp(IceCandidateLine line) {
        if (line.transportProtocol() != IceCandidateLine.Transport.UDP) {
            throw new IllegalArgumentException("only UDP candidates are supported, not \"" + line.transport() + "\"");
        }
        InetSocketAddress related = line.relatedAddress() == null || line.relatedPort() == null ? null
                : socketAddress(line.relatedAddress(), line.relatedPort());
        return new IceCandidate(line.foundation(), line.componentId(), Transport.UDP, line.priority(),
                socketAddress(line.address(), line.port()), Type.fromSdp(line.type()), related, null);
    }

    private static InetSocketAddress socketAddress(String text, int port) {
        if (IPV4_LITERAL.matcher(text).matches() || text.indexOf(':') >= 0) {
            try {
                // An IP literal: InetAddress parses it without any name lookup.
                return new InetSocketAddress(InetAddress.getByName(text), port);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not a valid IP address", e);
            }
        }
        return InetSocketAddress.createUnresolved(text, port);
    }

    static String addressText(InetSocketAddress address) {
        if (address.isUnresolved()) {
            return address.getHostString();
        }
        InetAddress ip = address.getAddress();
        String text = ip.getHostAddress();
        int scope = ip instanceof Inet6Address ? text.indexOf('%') : -1;
        return scope >= 0 ? text.substring(0, scope) : text;
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(java.util.Locale.ROOT) + " " + addressText(address) + ":" + address.getPort()
                + (base != null && !base.equals(address) ? " (base " + addressText(base) + ":" + base.getPort() + ")" : "")
                + " prio " + priority + " fnd " + foundation;
    }
}
