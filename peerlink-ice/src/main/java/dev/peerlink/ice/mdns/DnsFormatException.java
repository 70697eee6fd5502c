package dev.peerlink.ice.mdns;

/** A DNS message (RFC 1035 §4) that cannot be read: truncated, a bad name, a compression loop. */
public final class DnsFormatException extends Exception {
    public DnsFormatException(String message) {
        super(message);
    }
}
