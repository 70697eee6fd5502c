package dev.peerlink.ice.netty;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address block in CIDR notation (RFC 4632 §3.1 for IPv4, RFC 4291 §2.3 for IPv6), such as
 * {@code 198.19.0.0/16}, {@code 127.0.0.1/32} or {@code fe80::/10}. A bare address is a block of one.
 */
public record AddressPrefix(InetAddress network, int length) {

    public AddressPrefix {
        int bits = network.getAddress().length * 8;
        if (length < 0 || length > bits) {
            throw new IllegalArgumentException("a prefix length for " + network.getHostAddress() + " is 0–" + bits
                    + ", not " + length);
        }
        network = masked(network, length);
    }

    /** The block of exactly one address. */
    public static AddressPrefix of(InetAddress address) {
        return new AddressPrefix(address, address.getAddress().length * 8);
    }

    /**
     * Parses {@code address/length} or a bare address. Only IP literals are accepted; nothing is looked up.
     *
     * @throws IllegalArgumentException naming the text when it is not a valid block
     */
    public static AddressPrefix parse(String text) {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        if (addressText.isEmpty() || !(addressText.indexOf(':') >= 0 || addressText.matches("[0-9.]+"))) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address block such as 198.19.0.0/16");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(addressText); // an IP literal: no name lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address block such as 198.19.0.0/16",
                    e);
        }
        if (slash < 0) {
            return of(address);
        }
        int length;
        try {
            length = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" has no valid prefix length after the slash", e);
        }
        return new AddressPrefix(address, length);
    }

    /** True when {@code address} is of the same family and inside this block. */
    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        byte[] mine = network.getAddress();
        if (candidate.length != mine.length) {
            return false;
        }
        return Arrays.equals(masked(candidate, length), mine);
    }

    private static InetAddress masked(InetAddress address, int length) {
        try {
            return InetAddress.getByAddress(masked(address.getAddress(), length));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    private static byte[] masked(byte[] bytes, int length) {
        byte[] result = bytes.clone();
        for (int i = 0; i < result.length; i++) {
            int keep = Math.max(0, Math.min(8, length - i * 8));
            result[i] &= (byte) (0xFF00 >> keep);
        }
        return result;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + length;
    }
}
