package dev.peerlink.sdp;

import java.util.List;

/**
 * The {@code o=} line (RFC 8866 §5.2): {@code <username> <sess-id> <sess-version> <nettype> <addrtype>
 * <unicast-address>}. The session id and version are kept as the digits that were written, so leading zeros and
 * 64-bit values survive; {@link #withNextSessionVersion()} does the arithmetic JSEP needs.
 */
public record Origin(
        String username,
        String sessionId,
        String sessionVersion,
        String networkType,
        String addressType,
        String unicastAddress) {

    public Origin {
        SdpText.requireField(username, "origin username");
        SdpText.requireField(sessionId, "origin session id");
        SdpText.requireField(sessionVersion, "origin session version");
        SdpText.requireField(networkType, "origin network type");
        SdpText.requireField(addressType, "origin address type");
        SdpText.requireField(unicastAddress, "origin unicast address");
    }

    /**
     * RFC 8829 §5.2.1 asks for username "-" and a non-meaningful address; like Chromium this uses
     * {@code IN IP4 127.0.0.1}.
     */
    public static Origin of(String sessionId, long sessionVersion) {
        return new Origin("-", sessionId, Long.toString(sessionVersion), "IN", "IP4", "127.0.0.1");
    }

    static Origin parse(String value) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(value, "origin");
        if (fields.size() != 6) {
            throw new MalformedValueException("origin has " + fields.size() + " fields, expected 6:"
                    + " <username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>");
        }
        return new Origin(fields.get(0), fields.get(1), fields.get(2), fields.get(3), fields.get(4), fields.get(5));
    }

    /** RFC 8829 §5.2.2: each new offer or answer in a session carries the previous version plus one. */
    public Origin withNextSessionVersion() {
        long current;
        try {
            current = Long.parseUnsignedLong(sessionVersion);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("session version \"" + sessionVersion + "\" is not a number", e);
        }
        return withSessionVersion(Long.toUnsignedString(current + 1));
    }

    public Origin withSessionVersion(String newSessionVersion) {
        return new Origin(username, sessionId, newSessionVersion, networkType, addressType, unicastAddress);
    }

    public Origin withUnicastAddress(String newAddressType, String newUnicastAddress) {
        return new Origin(username, sessionId, sessionVersion, networkType, newAddressType, newUnicastAddress);
    }

    /** The line without its {@code o=} prefix. */
    @Override
    public String toString() {
        return String.join(" ", username, sessionId, sessionVersion, networkType, addressType, unicastAddress);
    }
}
