package dev.peerlink.turn.client;

import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import java.time.Duration;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What one TURN allocation needs: the server, how to reach it, the long-term credentials (RFC 8489 §9.2) and what to
 * ask for.
 *
 * @param server          the TURN server's address
 * @param serverName      how errors and events name the server (its host name, or the address)
 * @param transport       UDP, TCP or TLS between client and server (the relay itself is always UDP)
 * @param username        long-term username; for TURN REST API credentials {@code expiry:user}
 * @param password        long-term password; never printed
 * @param lifetime        the allocation lifetime to ask for in LIFETIME (RFC 8656 §7.1); the server may grant less
 * @param requestedFamily 0 to let the server choose (IPv4), or {@link AddressFamilyAttribute#IPV4} or
 *                        {@link AddressFamilyAttribute#IPV6} for REQUESTED-ADDRESS-FAMILY (RFC 8656 §7.1)
 * @param dualStack       ask for an IPv4 and an IPv6 relayed address with ADDITIONAL-ADDRESS-FAMILY (RFC 8656
 *                        §7.1); excludes {@code requestedFamily}
 * @param policy          retransmission over UDP, and the transaction timeout over TCP/TLS (RFC 8489 §6.2)
 */
public record TurnClientConfig(InetSocketAddress server, String serverName, StunTransport transport,
                               String username, String password, Duration lifetime, int requestedFamily,
                               boolean dualStack, RetransmissionPolicy policy) {
    /** RFC 8656 §7.2: the server's default lifetime is 10 minutes, so asking for it changes nothing. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(10);

    public TurnClientConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(policy, "policy");
        if (server.isUnresolved()) {
            throw new IllegalArgumentException("the TURN server " + serverName + " has no IP address (resolve it first)");
        }
        if (lifetime.toSeconds() < 1 || lifetime.toSeconds() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a TURN allocation lifetime is 1 s to 2^32-1 s, not " + lifetime);
        }
        if (requestedFamily != 0 && requestedFamily != AddressFamilyAttribute.IPV4
                && requestedFamily != AddressFamilyAttribute.IPV6) {
            throw new IllegalArgumentException("the requested address family is 0 (any), 1 (IPv4) or 2 (IPv6), not "
                    + requestedFamily);
        }
        if (dualStack && requestedFamily != 0) {
            // RFC 8656 §7.1: REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY must not both be sent.
            throw new IllegalArgumentException("a dual-stack allocation cannot also request one address family");
        }
    }

    /** Defaults: the server named by its address, a 10-minute lifetime, any family, RFC 8489 retransmission. */
    public static TurnClientConfig of(InetSocketAddress server, StunTransport transport, String username,
                                      String password) {
        return new TurnClientConfig(server, SocketAddresses.format(server), transport, username, password,
                DEFAULT_LIFETIME, 0, false, RetransmissionPolicy.DEFAULT);
    }

    public TurnClientConfig withServerName(String name) {
        return new TurnClientConfig(server, name, transport, username, password, lifetime, requestedFamily, dualStack,
                policy);
    }

    public TurnClientConfig withLifetime(Duration value) {
        return new TurnClientConfig(server, serverName, transport, username, password, value, requestedFamily,
                dualStack, policy);
    }

    public TurnClientConfig withRequestedFamily(int family) {
        return new TurnClientConfig(server, serverName, transport, username, password, lifetime, family, dualStack,
                policy);
    }

    public TurnClientConfig withDualStack(boolean value) {
        return new TurnClientConfig(server, serverName, transport, username, password, lifetime, requestedFamily,
                value, policy);
    }

    public TurnClientConfig withPolicy(RetransmissionPolicy value) {
        return new TurnClientConfig(server, serverName, transport, username, password, lifetime, requestedFamily,
                dualStack, value);
    }

    /** "name (address) over TRANSPORT", as events and errors name the server. */
    public String describeServer() {
        return describe(serverName, server, transport);
    }

    static String describe(String name, InetSocketAddress address, StunTransport transport) {
        String formatted = SocketAddresses.format(address);
        String shown = name.equals(formatted) || formatted.startsWith(name + ":")
                || formatted.startsWith("[" + name + "]:") ? formatted : name + " (" + formatted + ")";
        return shown + " over " + transport;
    }

    @Override
    public String toString() { // never the password
        return "TurnClientConfig[server=" + describeServer() + ", username=" + username + ", lifetime=" + lifetime
                + ", requestedFamily=" + requestedFamily + ", dualStack=" + dualStack + "]";
    }
}
