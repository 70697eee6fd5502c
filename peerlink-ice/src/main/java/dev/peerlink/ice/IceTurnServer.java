package dev.peerlink.ice;

import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A TURN server the agent allocates relayed candidates on (RFC 8445 §5.1.1.2, RFC 8656), as a W3C
 * {@code RTCIceServer} with a {@code turn:} or {@code turns:} URL and long-term credentials names it.
 *
 * <p>The transport is how the agent reaches the server; the relay towards the peer is always UDP (RFC 8656 §3.1).
 * Over UDP ({@code turn:}) the agent allocates from each host socket; over TCP ({@code turn:...?transport=tcp}) and
 * TLS ({@code turns:}), which cross firewalls that drop UDP, the driver opens one connection and the agent
 * allocates over it ({@link IceAgent#turnConnectionOpened}).
 *
 * @param address   the server's IP address and port (3478 for UDP and TCP, 5349 for TLS by default)
 * @param serverName the host name of the URL: for TLS, the name the server's certificate must carry (SNI too);
 *                   the IP address's text when the URL named an address
 * @param transport UDP, TCP or TLS between agent and server
 * @param username  long-term username (for TURN REST API credentials, {@code expiry:user})
 * @param password  long-term password; never printed
 */
public record IceTurnServer(InetSocketAddress address, String serverName, StunTransport transport, String username,
                            String password) {
    /** A server named by its address. */
    public IceTurnServer(InetSocketAddress address, StunTransport transport, String username, String password) {
        this(address, address.getAddress() == null ? address.getHostString()
                : address.getAddress().getHostAddress(), transport, username, password);
    }

    public IceTurnServer {
        Objects.requireNonNull(serverName, "the TURN server name is null");
        Objects.requireNonNull(address, "the TURN server address is null");
        Objects.requireNonNull(transport, "the TURN server transport is null");
        Objects.requireNonNull(username, "the TURN username is null");
        Objects.requireNonNull(password, "the TURN password is null");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("the TURN server " + address.getHostString()
                    + " must be resolved to an IP address");
        }
    }

    /** A TURN server reached over UDP ({@code turn:host:port?transport=udp}). */
    public static IceTurnServer udp(InetSocketAddress address, String username, String password) {
        return new IceTurnServer(address, StunTransport.UDP, username, password);
    }

    @Override
    public String toString() { // never the password
        return "IceTurnServer[" + serverName + " " + SocketAddresses.format(address) + " over " + transport
                + ", username=" + username + "]";
    }
}
