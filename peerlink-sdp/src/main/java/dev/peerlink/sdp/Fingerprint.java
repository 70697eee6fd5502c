package dev.peerlink.sdp;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * {@code a=fingerprint:<hash-func> <fingerprint>} (RFC 8122 §5): the hash of the DTLS certificate, as upper-case hex
 * bytes separated by colons, e.g. {@code sha-256 7B:8B:...}.
 */
public record Fingerprint(String algorithm, String value) {
    public static final String ATTRIBUTE_NAME = "fingerprint";

    public Fingerprint {
        SdpText.requireField(algorithm, "fingerprint algorithm");
        SdpText.requireField(value, "fingerprint value");
    }

    /** Formats {@code digest} the way RFC 8122 §5 asks: upper-case hex pairs joined by ':'. */
    public static Fingerprint of(String algorithm, byte[] digest) {
        HexFormat hex = HexFormat.ofDelimiter(":").withUpperCase();
        return new Fingerprint(algorithm, hex.formatHex(digest));
    }

    static Fingerprint parse(String attributeValue) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(attributeValue, "fingerprint");
        if (fields.size() != 2) {
            throw new MalformedValueException("fingerprint has " + fields.size()
                    + " fields, expected 2: <hash-func> <fingerprint>");
        }
        Fingerprint fingerprint = new Fingerprint(fields.get(0), fields.get(1));
        fingerprint.decodeDigest();
        return fingerprint;
    }

    /** The digest bytes; RFC 8122 §5 lets the hex be either case. */
    public byte[] digest() {
        try {
            return decodeDigest();
        } catch (MalformedValueException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private byte[] decodeDigest() throws MalformedValueException {
        try {
            return HexFormat.ofDelimiter(":").parseHex(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MalformedValueException("fingerprint \"" + value + "\" is not hex bytes separated by ':'");
        }
    }

    /** Compares algorithm names case-insensitively, as RFC 8122 §5 defines them as tokens. */
    public boolean usesAlgorithm(String name) {
        return algorithm.equalsIgnoreCase(name);
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, toString());
    }

    /** The attribute value, {@code <hash-func> <fingerprint>}. */
    @Override
    public String toString() {
        return algorithm + " " + value;
    }
}
