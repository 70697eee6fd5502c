package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The value of an {@code a=candidate:} attribute (RFC 8839 §5.1), also the {@code candidate} string JSEP trickles
 * (RFC 8829 §3.5.2.1):
 *
 * <pre>
 * foundation SP component-id SP transport SP priority SP connection-address SP port SP "typ" SP cand-type
 *     [SP "raddr" SP connection-address] [SP "rport" SP port] *(SP extension-att-name SP extension-att-value)
 * </pre>
 *
 * <p>Extension attributes ({@code tcptype}, {@code generation}, {@code ufrag}, {@code network-id},
 * {@code network-cost}, anything else) stay in the written order, and the transport keeps its case, so a parsed
 * candidate writes back exactly as it came. The candidate type is the one field written in canonical lower case.
 *
 * @param transport      "udp" or "tcp" in any case, kept as written
 * @param priority       unsigned 32-bit (RFC 8445 §5.1.2), hence a long
 * @param address        an IPv4 or IPv6 address, or an FQDN such as Chromium's mDNS {@code <uuid>.local} names
 * @param relatedAddress the {@code raddr} value, or null when absent
 * @param relatedPort    the {@code rport} value, or null when absent
 */
public record IceCandidateLine(
        String foundation,
        int componentId,
        String transport,
        long priority,
        String address,
        int port,
        Type type,
        String relatedAddress,
        Integer relatedPort,
        List<Extension> extensions) {

    public static final String ATTRIBUTE_NAME = "candidate";
    private static final String PREFIX = ATTRIBUTE_NAME + ":";
    private static final String LINE_PREFIX = "a=" + PREFIX;
    private static final long MAX_PRIORITY = 0xFFFF_FFFFL;

    /** The candidate types of RFC 8839 §5.1 (RFC 8445 §5.1.1). */
    public enum Type {
        HOST, SRFLX, PRFLX, RELAY;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The transports browsers use: UDP (RFC 8445) and TCP (RFC 6544). */
    public enum Transport {
        UDP, TCP
    }

    /** RFC 6544 §4.5: the {@code tcptype} extension attribute of a TCP candidate. */
    public enum TcpType {
        ACTIVE, PASSIVE, SO;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One {@code extension-att-name SP extension-att-value} pair. */
    public record Extension(String name, String value) {
        public Extension {
            SdpText.requireField(name, "candidate extension name");
            SdpText.requireField(value, "candidate extension value");
            try {
                checkExtension(name, value);
            } catch (MalformedValueException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }

    public IceCandidateLine {
        SdpText.requireField(foundation, "candidate foundation");
        SdpText.requireRange(componentId, 1, 65_535, "component id");
        SdpText.requireField(transport, "candidate transport");
        if (transportOf(transport) == null) {
            throw new IllegalArgumentException("candidate transport \"" + transport + "\" is not udp or tcp");
        }
        SdpText.requireRange(priority, 0, MAX_PRIORITY, "candidate priority");
        SdpText.requireField(address, "candidate address");
        SdpText.requireRange(port, 0, 65_535, "candidate port");
        if (type == null) {
            throw new NullPointerException("candidate type is null");
        }
        if (relatedAddress != null) {
            SdpText.requireField(relatedAddress, "candidate related address");
        }
        if (relatedPort != null) {
            SdpText.requireRange(relatedPort, 0, 65_535, "candidate related port");
        }
        extensions = List.copyOf(extensions);
    }

    /** A candidate without related address or extensions, e.g. a host candidate built in code. */
    public static IceCandidateLine of(String foundation, int componentId, Transport transport, long priority,
            String address, int port, Type type) {
        return new IceCandidateLine(foundation, componentId, transport.name().toLowerCase(Locale.ROOT), priority,
                address, port, type, null, null, List.of());
    }

    /**
     * Parses a candidate as signalled on its own: {@code candidate:...} (the JSEP form) or {@code a=candidate:...}.
     * A trailing line break is ignored. Errors report line 1.
     */
    public static IceCandidateLine parse(String text) throws SdpParseException {
        String line = stripLineBreak(text);
        String value;
        if (line.startsWith(LINE_PREFIX)) {
            value = line.substring(LINE_PREFIX.length());
        } else if (line.startsWith(PREFIX)) {
            value = line.substring(PREFIX.length());
        } else {
            throw new SdpParseException(1, line, "expected \"candidate:\" or \"a=candidate:\"");
        }
        try {
            return parseValue(value);
        } catch (MalformedValueException e) {
            throw new SdpParseException(1, line, e.getMessage());
        }
    }

    /** Parses the attribute value, the text after {@code candidate:}. */
    static IceCandidateLine parseValue(String value) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(value, "candidate");
        if (fields.size() < 8) {
            throw new MalformedValueException("candidate has " + fields.size() + " fields, expected at least 8:"
                    + " <foundation> <component> <transport> <priority> <address> <port> typ <type>");
        }
        String foundation = fields.get(0);
        int componentId = (int) SdpText.parseUnsigned(fields.get(1), 65_535, "component id");
        if (componentId == 0) {
            throw new MalformedValueException("component id 0 is not allowed; components start at 1");
        }
        String transport = fields.get(2);
        if (transportOf(transport) == null) {
            throw new MalformedValueException("transport \"" + transport + "\" is not udp or tcp");
        }
        long priority = SdpText.parseUnsigned(fields.get(3), MAX_PRIORITY, "priority");
        String address = fields.get(4);
        int port = SdpText.parsePort(fields.get(5), "port");
        if (!fields.get(6).equals("typ")) {
            throw new MalformedValueException("expected \"typ\" as the 7th field, found \"" + fields.get(6) + "\"");
        }
        Type type = typeOf(fields.get(7));

        int next = 8;
        String relatedAddress = null;
        Integer relatedPort = null;
        // RFC 8839 §5.1 fixes the position of raddr and rport: straight after the type, in that order.
        if (next < fields.size() && fields.get(next).equals("raddr")) {
            if (next + 1 >= fields.size()) {
                throw new MalformedValueException("\"raddr\" has no address");
            }
            relatedAddress = fields.get(next + 1);
            next += 2;
        }
        if (next < fields.size() && fields.get(next).equals("rport")) {
            if (next + 1 >= fields.size()) {
                throw new MalformedValueException("\"rport\" has no port");
            }
            relatedPort = SdpText.parsePort(fields.get(next + 1), "rport");
            next += 2;
        }
        List<Extension> extensions = new ArrayList<>();
        for (; next < fields.size(); next += 2) {
            String name = fields.get(next);
            if (next + 1 >= fields.size()) {
                throw new MalformedValueException("extension attribute \"" + name + "\" has no value");
            }
            checkExtension(name, fields.get(next + 1));
            extensions.add(new Extension(name, fields.get(next + 1)));
        }
        return new IceCandidateLine(foundation, componentId, transport, priority, address, port, type,
                relatedAddress, relatedPort, extensions);
    }

    /** Checks the extension attributes that have typed accessors, so those accessors cannot fail later. */
    private static void checkExtension(String name, String value) throws MalformedValueException {
        switch (name) {
            case "raddr", "rport", "typ" ->
                    throw new MalformedValueException("\"" + name + "\" is out of place; RFC 8839 §5.1 puts it"
                            + " right after the candidate type");
            case "tcptype" -> tcpTypeOf(value);
            case "generation", "network-id", "network-cost" ->
                    SdpText.parseUnsigned(value, Integer.MAX_VALUE, name);
            default -> {
                // Unknown extensions are opaque by design (RFC 8839 §5.1: ignore what you do not understand).
            }
        }
    }

    private static Transport transportOf(String token) {
        if (token.equalsIgnoreCase("udp")) {
            return Transport.UDP;
        }
        if (token.equalsIgnoreCase("tcp")) {
            return Transport.TCP;
        }
        return null;
    }

    private static Type typeOf(String token) throws MalformedValueException {
        for (Type type : Type.values()) {
            if (type.token().equalsIgnoreCase(token)) {
                return type;
            }
        }
        throw new MalformedValueException("candidate type \"" + token + "\" is not one of host, srflx, prflx, relay");
    }

    private static TcpType tcpTypeOf(String token) throws MalformedValueException {
        for (TcpType tcpType : TcpType.values()) {
            if (tcpType.token().equalsIgnoreCase(token)) {
                return tcpType;
            }
        }
        throw new MalformedValueException("tcptype \"" + token + "\" is not one of active, passive, so");
    }

    private static String stripLineBreak(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        if (text.endsWith("\n")) {
            return text.substring(0, text.length() - 1);
        }
        return text;
    }

    public Transport transportProtocol() {
        return transportOf(transport);
    }

    /** The value of the first extension attribute called {@code name}. */
    public Optional<String> extension(String name) {
        for (Extension extension : extensions) {
            if (extension.name().equals(name)) {
                return Optional.of(extension.value());
            }
        }
        return Optional.empty();
    }

    public Optional<TcpType> tcpType() {
        return extension("tcptype").map(token -> {
            try {
                return tcpTypeOf(token);
            } catch (MalformedValueException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    /** Chromium's {@code generation}: which ICE gathering round produced the candidate. */
    public OptionalInt generation() {
        return intExtension("generation");
    }

    /** The ICE username fragment the candidate belongs to, which tells ICE restarts apart. */
    public Optional<String> ufrag() {
        return extension("ufrag");
    }

    public OptionalInt networkId() {
        return intExtension("network-id");
    }

    /** Chromium's {@code network-cost}: 10 for wired or Wi-Fi, higher for cellular. */
    public OptionalInt networkCost() {
        return intExtension("network-cost");
    }

    private OptionalInt intExtension(String name) {
        Optional<String> value = extension(name);
        // The constructor's extension check guarantees these parse.
        return value.map(text -> OptionalInt.of(Integer.parseInt(text))).orElse(OptionalInt.empty());
    }

    /** Chromium hides host addresses behind mDNS names (draft-ietf-mmusic-mdns-ice-candidates). */
    public boolean hasMdnsAddress() {
        return address.toLowerCase(Locale.ROOT).endsWith(".local");
    }

    public IceCandidateLine withAddress(String newAddress) {
        return new IceCandidateLine(foundation, componentId, transport, priority, newAddress, port, type,
                relatedAddress, relatedPort, extensions);
    }

    public IceCandidateLine withRelated(String newRelatedAddress, Integer newRelatedPort) {
        return new IceCandidateLine(foundation, componentId, transport, priority, address, port, type,
                newRelatedAddress, newRelatedPort, extensions);
    }

    public IceCandidateLine withExtensions(List<Extension> newExtensions) {
        return new IceCandidateLine(foundation, componentId, transport, priority, address, port, type,
                relatedAddress, relatedPort, newExtensions);
    }

    /** Appends an extension attribute, e.g. {@code withExtension("generation", "0")}. */
    public IceCandidateLine withExtension(String name, String value) {
        List<Extension> appended = new ArrayList<>(extensions);
        appended.add(new Extension(name, value));
        return withExtensions(appended);
    }

    /** The attribute value: everything after {@code candidate:}. */
    public String value() {
        StringBuilder text = new StringBuilder(96)
                .append(foundation).append(' ')
                .append(componentId).append(' ')
                .append(transport).append(' ')
                .append(priority).append(' ')
                .append(address).append(' ')
                .append(port).append(" typ ")
                .append(type.token());
        if (relatedAddress != null) {
            text.append(" raddr ").append(relatedAddress);
        }
        if (relatedPort != null) {
            text.append(" rport ").append(relatedPort);
        }
        for (Extension extension : extensions) {
            text.append(' ').append(extension.name()).append(' ').append(extension.value());
        }
        return text.toString();
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, value());
    }

    /** The JSEP form, {@code candidate:<value>}, which is also the SDP line without {@code a=}. */
    @Override
    public String toString() {
        return PREFIX + value();
    }
}
