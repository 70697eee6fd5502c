package dev.peerlink.peer;

import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceTurnServer;
import dev.peerlink.stun.client.StunTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * One entry of W3C WebRTC's {@code iceServers}: {@code stun:} and {@code turn:}/{@code turns:} URLs (RFC 7064,
 * RFC 7065) and, for TURN, the long-term credentials.
 */
public record IceServer(List<String> urls, String username, String credential) {

    public IceServer {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException("an ICE server needs at least one stun: or turn: URL");
        }
        urls = List.copyOf(urls);
        for (String url : urls) {
            Url parsed = Url.parse(url);
            if (parsed.turn() && (username == null || credential == null)) {
                throw new IllegalArgumentException("the TURN server " + url + " needs a username and a credential");
            }
        }
    }

    public static IceServer stun(String url) {
        return new IceServer(List.of(url), null, null);
    }

    public static IceServer turn(String url, String username, String credential) {
        return new IceServer(List.of(url), username, credential);
    }

    /** Adds this server's URLs to an ICE agent configuration, resolving host names now. */
    void applyTo(IceAgentConfig.Builder builder) {
        for (String url : urls) {
            Url parsed = Url.parse(url);
            InetSocketAddress address = parsed.resolve();
            if (parsed.turn()) {
                builder.turnServer(new IceTurnServer(address, parsed.host(), parsed.transport(), username,
                        credential));
            } else {
                builder.stunServer(address);
            }
        }
    }

    /** A parsed {@code stun:}/{@code turn:}/{@code turns:} URL (RFC 7064 §3.1, RFC 7065 §3.1). */
    record Url(boolean turn, String host, int port, StunTransport transport) {

        static Url parse(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("an ICE server URL is empty");
            }
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("the ICE server URL \"" + text + "\" has no stun:, turn: or turns: scheme");
            }
            String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
            String rest = text.substring(colon + 1);
            String query = "";
            int question = rest.indexOf('?');
            if (question >= 0) {
                query = rest.substring(question + 1);
                rest = rest.substring(0, question);
            }
            boolean turn;
            StunTransport transport;
            switch (scheme) {
                case "stun" -> { turn = false; transport = StunTransport.UDP; }
                case "turn" -> { turn = true; transport = StunTransport.UDP; }
                case "turns" -> { turn = true; transport = StunTransport.TLS; }
                default -> throw new IllegalArgumentException("the ICE server URL \"" + text
                        + "\" has the scheme \"" + scheme + "\"; only stun:, turn: and turns: are supported");
            }
            if (!query.isEmpty()) {
                if (!turn) {
                    throw new IllegalArgumentException("the STUN URL \"" + text + "\" must not have a query (RFC 7064)");
                }
                if (!query.toLowerCase(Locale.ROOT).startsWith("transport=")) {
                    throw new IllegalArgumentException("the TURN URL \"" + text + "\" has an unknown query \"" + query + "\"");
                }
                String value = query.substring("transport=".length()).toLowerCase(Locale.ROOT);
                switch (value) {
                    case "udp" -> {
                        if (transport == StunTransport.TLS) {
                            throw new IllegalArgumentException("the TURN URL \"" + text + "\" asks for TLS over UDP");
                        }
                    }
                    case "tcp" -> transport = transport == StunTransport.TLS ? StunTransport.TLS : StunTransport.TCP;
                    default -> throw new IllegalArgumentException("the TURN URL \"" + text
                            + "\" has the transport \"" + value + "\"; only udp and tcp are known");
                }
            }
            String host;
            int port = transport.defaultPort();
            if (rest.startsWith("[")) {
                int close = rest.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("the ICE server URL \"" + text + "\" has an unclosed IPv6 bracket");
                }
                host = rest.substring(1, close);
                String after = rest.substring(close + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        throw new IllegalArgumentException("the ICE server URL \"" + text + "\" is malformed after the host");
                    }
                    port = parsePort(after.substring(1), text);
                }
            } else {
                int portColon = rest.lastIndexOf(':');
                if (portColon >= 0) {
                    host = rest.substring(0, portColon);
                    port = parsePort(rest.substring(portColon + 1), text);
                } else {
                    host = rest;
                }
            }
            if (host.isEmpty() || host.contains("/") || host.contains("@")) {
                throw new IllegalArgumentException("the ICE server URL \"" + text + "\" has no valid host");
            }
            return new Url(turn, host, port, transport);
        }

        private static int parsePort(String value, String url) {
            try {
                int port = Integer.parseInt(value);
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the ICE server URL \"" + url + "\" has an invalid port \"" + value + "\"");
            }
        }

        InetSocketAddress resolve() {
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("the ICE server host \"" + host + "\" does not resolve", e);
            }
        }
    }
}
