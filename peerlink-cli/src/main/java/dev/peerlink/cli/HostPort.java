package dev.peerlink.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** A {@code HOST[:PORT]} argument: a name, an IPv4 address, or an IPv6 address (bracketed when a port follows). */
record HostPort(String host, int port) {

    static HostPort parse(String text, int defaultPort) throws UserFacingException {
        String host = text.strip();
        int port = defaultPort;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0) {
                throw new UserFacingException("\"" + text + "\" opens '[' for an IPv6 address but never closes it");
            }
            String rest = host.substring(close + 1);
            host = host.substring(1, close);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new UserFacingException("\"" + text + "\" has \"" + rest + "\" after the address; expected :PORT");
                }
                port = parsePort(rest.substring(1), text);
            }
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            port = parsePort(host.substring(host.indexOf(':') + 1), text);
            host = host.substring(0, host.indexOf(':'));
        } // several colons and no brackets: a bare IPv6 address
        if (host.isEmpty()) {
            throw new UserFacingException("\"" + text + "\" has no host name or address");
        }
        return new HostPort(host, port);
    }

    private static int parsePort(String port, String text) throws UserFacingException {
        try {
            int value = Integer.parseInt(port);
            if (value >= 1 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // fall through to the one error message
        }
        throw new UserFacingException("\"" + text + "\" has port \"" + port + "\"; a port is a number from 1 to 65535");
    }

    InetSocketAddress resolve() throws UserFacingException {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new UserFacingException("cannot resolve the host \"" + host + "\"");
        }
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
