package dev.peerlink.netsim;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 prefix such as 198.18.0.0/16.
 *
 * @param network      the first address of the prefix (host bits zero)
 * @param prefixLength 0-32
 */
public record Ipv4Subnet(Inet4Address network, int prefixLength) {

    public Ipv4Subnet {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("an IPv4 prefix length is 0-32, not " + prefixLength);
        }
        if ((toInt(network) & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException(network.getHostAddress() + "/" + prefixLength
                    + " has host bits set; the network address would be "
                    + fromInt(toInt(network) & mask(prefixLength)).getHostAddress());
        }
    }

    /** Parses "a.b.c.d/n". */
    public static Ipv4Subnet parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected an IPv4 prefix like 198.18.0.0/16, got \"" + cidr + "\"");
        }
        return new Ipv4Subnet(fromInt(parseDottedQuad(cidr.substring(0, slash), cidr)),
                Integer.parseInt(cidr.substring(slash + 1)));
    }

    public boolean contains(InetAddress address) {
        return address instanceof Inet4Address v4 && (toInt(v4) & mask(prefixLength)) == toInt(network);
    }

    /** True when every address of {@code other} is inside this prefix. */
    public boolean contains(Ipv4Subnet other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    /** The address {@code offset} places after the network address (0 is the network address itself). */
    public Inet4Address addressAt(long offset) {
        if (offset < 0 || offset >= size()) {
            throw new IllegalArgumentException("offset " + offset + " is outside " + this);
        }
        return fromInt((int) (toInt(network) + offset));
    }

    public long size() {
        return 1L << (32 - prefixLength);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    static Inet4Address fromInt(int value) {
        byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException impossible) {
            throw new AssertionError("four bytes are always a valid IPv4 address", impossible);
        }
    }

    // Parsed by hand: InetAddress.getByName would fall back to a DNS lookup on a typo.
    private static int parseDottedQuad(String text, String whole) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("expected an IPv4 prefix like 198.18.0.0/16, got \"" + whole + "\"");
        }
        int value = 0;
        for (String part : parts) {
            int octet;
            try {
                octet = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + part + "\" in \"" + whole + "\" is not an octet", e);
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("\"" + part + "\" in \"" + whole + "\" is not an octet (0-255)");
            }
            value = value << 8 | octet;
        }
        return value;
    }
}
