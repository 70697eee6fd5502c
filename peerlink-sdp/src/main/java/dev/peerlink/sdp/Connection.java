package dev.peerlink.sdp;

import java.util.List;

/**
 * A {@code c=} line (RFC 8866 §5.7): {@code <nettype> <addrtype> <connection-address>}. The address is kept as
 * written, including any multicast {@code /ttl/count} suffix.
 */
public record Connection(String networkType, String addressType, String address) {
    public Connection {
        SdpText.requireField(networkType, "connection network type");
        SdpText.requireField(addressType, "connection address type");
        SdpText.requireField(address, "connection address");
    }

    public static Connection ipv4(String address) {
        return new Connection("IN", "IP4", address);
    }

    public static Connection ipv6(String address) {
        return new Connection("IN", "IP6", address);
    }

    static Connection parse(String value) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(value, "connection");
        if (fields.size() != 3) {
            throw new MalformedValueException("connection has " + fields.size()
                    + " fields, expected 3: <nettype> <addrtype> <connection-address>");
        }
        return new Connection(fields.get(0), fields.get(1), fields.get(2));
    }

    /** The line without its {@code c=} prefix. */
    @Override
    public String toString() {
        return networkType + " " + addressType + " " + address;
    }
}
