package dev.peerlink.turn.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An inclusive range of IPv4 or IPv6 addresses, kept as unsigned 128-bit numbers ({@code high:low}) so that a check
 * is a pair of comparisons. IPv4 ranges have {@code high == 0} and the address in the low 32 bits.
 *
 * @param ipv4        whether this is an IPv4 range
 * @param firstHigh   upper 64 bits of the first address (0 for IPv4)
 * @param firstLow    lower 64 bits of the first address
 * @param lastHigh    upper 64 bits of the last address (0 for IPv4)
 * @param lastLow     lower 64 bits of the last address
 * @param description how the range was written, for reasons and messages
 */
public record IpRange(boolean ipv4, long firstHigh, long firstLow, long lastHigh, long lastLow, String description) {
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

    public IpRange {
        if (ipv4 && (firstHigh != 0 || lastHigh != 0 || (firstLow >>> 32) != 0 || (lastLow >>> 32) != 0)) {
            throw new IllegalArgumentException("an IPv4 range holds 32-bit values");
        }
        if (compare(firstHigh, firstLow, lastHigh, lastLow) > 0) {
            throw new IllegalArgumentException("the IP range " + description + " ends before it starts");
        }
    }

    /**
     * Parses the forms coturn's {@code --allowed-peer-ip} and {@code --denied-peer-ip} take, {@code IP} and
     * {@code IP1-IP2}, and CIDR {@code IP/prefix}. Only literals: a host name is refused rather than looked up.
     *
     * @throws IllegalArgumentException naming the text when it is none of these
     */
    public static IpRange parse(String text) {
        String trimmed = text.strip();
        try {
            int dash = trimmed.indexOf('-');
            int slash = trimmed.indexOf('/');
            if (dash >= 0) {
                byte[] first = literal(trimmed.substring(0, dash).strip());
                byte[] last = literal(trimmed.substring(dash + 1).strip());
                if (first.length != last.length) {
                    throw new IllegalArgumentException("the IP range \"" + text + "\" mixes IPv4 and IPv6");
                }
                return of(first, last, trimmed);
            }
            if (slash >= 0) {
                byte[] base = literal(trimmed.substring(0, slash).strip());
                int prefix = Integer.parseInt(trimmed.substring(slash + 1).strip());
                return cidr(base, prefix, trimmed);
            }
            byte[] single = literal(trimmed);
            return of(single, single, trimmed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address, IP1-IP2 range or CIDR block");
        }
    }

    /** A CIDR block; the host bits of {@code base} are ignored. */
    public static IpRange cidr(byte[] base, int prefix, String description) {
        int bits = base.length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("the prefix length in " + description + " must be 0–" + bits);
        }
        long high = base.length == 4 ? 0 : readLong(base, 0);
        long low = base.length == 4 ? readInt(base) : readLong(base, 8);
        if (base.length == 4) {
            long mask = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
            return new IpRange(true, 0, low & mask, 0, (low & mask) | (~mask & 0xFFFF_FFFFL), description);
        }
        long highMask = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        long lowMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        return new IpRange(false, high & highMask, low & lowMask, high | ~highMask, low | ~lowMask, description);
    }

    /** A CIDR block written as text, e.g. {@code "fe80::/10"}; for the built-in tables. */
    static IpRange cidr(String text) {
        int slash = text.indexOf('/');
        return cidr(literal(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)), text);
    }

    private static IpRange of(byte[] first, byte[] last, String description) {
        if (first.length == 4) {
            return new IpRange(true, 0, readInt(first), 0, readInt(last), description);
        }
        return new IpRange(false, readLong(first, 0), readLong(first, 8), readLong(last, 0), readLong(last, 8),
                description);
    }

    /**
     * The bytes of an IP literal, IPv4-mapped IPv6 literals turned to IPv4 (as the policy compares addresses after
     * the same normalisation). Never resolves names.
     */
    static byte[] literal(String text) {
        boolean v4 = IPV4_LITERAL.matcher(text).matches();
        if (!v4 && !(text.indexOf(':') >= 0 && IPV6_LITERAL.matcher(text).matches())) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address literal");
        }
        try {
            return InetAddress.getByName(text).getAddress(); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid IP address");
        }
    }

    /** Whether the IPv4 address {@code value} (unsigned, low 32 bits) is in this range. */
    public boolean containsIpv4(long value) {
        return ipv4 && value >= firstLow && value <= lastLow;
    }

    /** Whether the IPv6 address {@code high:low} is in this range. */
    public boolean containsIpv6(long high, long low) {
        return !ipv4 && compare(firstHigh, firstLow, high, low) <= 0 && compare(high, low, lastHigh, lastLow) <= 0;
    }

    static int compare(long aHigh, long aLow, long bHigh, long bLow) {
        int byHigh = Long.compareUnsigned(aHigh, bHigh);
        return byHigh != 0 ? byHigh : Long.compareUnsigned(aLow, bLow);
    }

    static long readInt(byte[] bytes) {
        return ((bytes[0] & 0xFFL) << 24) | ((bytes[1] & 0xFFL) << 16) | ((bytes[2] & 0xFFL) << 8) | (bytes[3] & 0xFFL);
    }

    static long readLong(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFFL);
        }
        return value;
    }

    @Override
    public String toString() {
        return description;
    }
}
