package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One media section (RFC 8866 §5.14): the {@code m=} line and the {@code i=}, {@code c=}, {@code b=}, {@code k=} and
 * {@code a=} lines under it. Immutable; change it with the {@code with...} methods.
 *
 * @param media         {@code audio}, {@code video}, {@code application}, ...
 * @param port          the transport port; JSEP writes 9 (discard) until a default candidate is known
 * @param numberOfPorts the optional {@code /<number of ports>} after the port, or null
 * @param protocol      e.g. {@code UDP/TLS/RTP/SAVPF} or {@code UDP/DTLS/SCTP}
 * @param formats       RTP payload types, or {@code webrtc-datachannel} for data channels (RFC 8841)
 * @param information   the {@code i=} line, or null
 * @param connections   the {@code c=} lines (RFC 8866 §5.7 allows several for multicast)
 * @param encryptionKey the obsolete {@code k=} line (RFC 8866 §5.12), kept only to round-trip; null when absent
 */
public record MediaDescription(
        String media,
        int port,
        Integer numberOfPorts,
        String protocol,
        List<String> formats,
        String information,
        List<Connection> connections,
        List<Bandwidth> bandwidths,
        String encryptionKey,
        List<Attribute> attributes) implements HasAttributes {

    static final String SCTP_PORT = "sctp-port";
    static final String MAX_MESSAGE_SIZE = "max-message-size";

    public MediaDescription {
        SdpText.requireField(media, "media type");
        SdpText.requireRange(port, 0, 65_535, "media port");
        if (numberOfPorts != null) {
            SdpText.requireRange(numberOfPorts, 0, Integer.MAX_VALUE, "number of ports");
        }
        SdpText.requireField(protocol, "media protocol");
        formats = List.copyOf(formats);
        formats.forEach(format -> SdpText.requireField(format, "media format"));
        SdpText.optionalLineText(information, "media information");
        connections = List.copyOf(connections);
        bandwidths = List.copyOf(bandwidths);
        SdpText.optionalLineText(encryptionKey, "media encryption key");
        attributes = List.copyOf(attributes);
    }

    /** A media section with just its {@code m=} line, e.g. {@code of("application", 9, "UDP/DTLS/SCTP", ...)}. */
    public static MediaDescription of(String media, int port, String protocol, List<String> formats) {
        return new MediaDescription(media, port, null, protocol, formats, null, List.of(), List.of(), null,
                List.of());
    }

    /** RFC 8866 §5.14: {@code <media> <port>[/<number of ports>] <proto> <fmt> ...}. */
    static MediaDescription parseMediaLine(String value) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(value, "media line");
        if (fields.size() < 3) {
            throw new MalformedValueException("media line has " + fields.size()
                    + " fields, expected <media> <port> <proto> <fmt> ...");
        }
        String portField = fields.get(1);
        int slash = portField.indexOf('/');
        int port = SdpText.parsePort(slash < 0 ? portField : portField.substring(0, slash), "port");
        Integer numberOfPorts = slash < 0
                ? null
                : (int) SdpText.parseUnsigned(portField.substring(slash + 1), Integer.MAX_VALUE, "number of ports");
        return new MediaDescription(fields.get(0), port, numberOfPorts, fields.get(2),
                fields.subList(3, fields.size()), null, List.of(), List.of(), null, List.of());
    }

    public boolean isAudio() {
        return media.equals("audio");
    }

    public boolean isVideo() {
        return media.equals("video");
    }

    /** The data channel section of RFC 8841 / RFC 8832. */
    public boolean isApplication() {
        return media.equals("application");
    }

    /** The first {@code c=} line. */
    public Optional<Connection> connection() {
        return connections.isEmpty() ? Optional.empty() : Optional.of(connections.get(0));
    }

    /** The formats that are RTP payload types (numbers), in {@code m=} order. */
    public List<Integer> payloadTypes() {
        List<Integer> payloadTypes = new ArrayList<>();
        for (String format : formats) {
            if (!format.isEmpty() && format.chars().allMatch(c -> c >= '0' && c <= '9') && format.length() <= 3) {
                payloadTypes.add(Integer.parseInt(format));
            }
        }
        return List.copyOf(payloadTypes);
    }

    /** RFC 5888 §4: the media stream identification BUNDLE and JSEP use to name this section. */
    public Optional<String> mid() {
        return attributeValue("mid");
    }

    /** RFC 8841: the SCTP port of the data channel association. */
    public OptionalInt sctpPort() {
        Optional<Integer> port = KnownAttributes.typedFirst(attributes(SCTP_PORT), KnownAttributes::parseSctpPort);
        return port.map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    /** RFC 8841: the largest SCTP user message the sender of this description accepts. */
    public OptionalLong maxMessageSize() {
        Optional<Long> size =
                KnownAttributes.typedFirst(attributes(MAX_MESSAGE_SIZE), KnownAttributes::parseMaxMessageSize);
        return size.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** RFC 5761: RTP and RTCP share one port, which JSEP requires (RFC 8829 §5.2.1). */
    public boolean rtcpMux() {
        return hasAttribute("rtcp-mux");
    }

    /** RFC 8866 §6.6, in written order. */
    public List<RtpMap> rtpMaps() {
        return KnownAttributes.typedAll(attributes(RtpMap.ATTRIBUTE_NAME), RtpMap::parse);
    }

    public Optional<RtpMap> rtpMap(int payloadType) {
        return rtpMaps().stream().filter(rtpMap -> rtpMap.payloadType() == payloadType).findFirst();
    }

    /** RFC 8866 §6.15, in written order. */
    public List<Fmtp> fmtps() {
        return KnownAttributes.typedAll(attributes(Fmtp.ATTRIBUTE_NAME), Fmtp::parse);
    }

    public Optional<Fmtp> fmtp(int payloadType) {
        String format = Integer.toString(payloadType);
        return fmtps().stream().filter(fmtp -> fmtp.format().equals(format)).findFirst();
    }

    /**
     * RFC 4585 §4.2: the feedback types ({@code nack}, {@code nack pli}, {@code transport-cc}, ...) that
     * {@code a=rtcp-fb} lines give for this payload type or for all ({@code *}).
     */
    public List<String> rtcpFeedback(int payloadType) {
        String format = Integer.toString(payloadType);
        List<String> feedback = new ArrayList<>();
        for (Attribute attribute : attributes("rtcp-fb")) {
            String value = attribute.value();
            int space = value == null ? -1 : value.indexOf(' ');
            if (space > 0) {
                String target = value.substring(0, space);
                if (target.equals(format) || target.equals("*")) {
                    feedback.add(value.substring(space + 1));
                }
            }
        }
        return List.copyOf(feedback);
    }

    /** RFC 8285: the RTP header extensions and their ids. */
    public List<ExtMap> extMaps() {
        return KnownAttributes.typedAll(attributes(ExtMap.ATTRIBUTE_NAME), ExtMap::parse);
    }

    public MediaDescription withPort(int newPort) {
        return new MediaDescription(media, newPort, numberOfPorts, protocol, formats, information, connections,
                bandwidths, encryptionKey, attributes);
    }

    public MediaDescription withProtocol(String newProtocol) {
        return new MediaDescription(media, port, numberOfPorts, newProtocol, formats, information, connections,
                bandwidths, encryptionKey, attributes);
    }

    public MediaDescription withFormats(List<String> newFormats) {
        return new MediaDescription(media, port, numberOfPorts, protocol, newFormats, information, connections,
                bandwidths, encryptionKey, attributes);
    }

    public MediaDescription withInformation(String newInformation) {
        return new MediaDescription(media, port, numberOfPorts, protocol, formats, newInformation, connections,
                bandwidths, encryptionKey, attributes);
    }

    public MediaDescription withConnections(List<Connection> newConnections) {
        return new MediaDescription(media, port, numberOfPorts, protocol, formats, information, newConnections,
                bandwidths, encryptionKey, attributes);
    }

    /** Sets the single {@code c=} line, as JSEP writes it (RFC 8829 §5.2.1). */
    public MediaDescription withConnection(Connection connection) {
        return withConnections(List.of(connection));
    }

    public MediaDescription withBandwidths(List<Bandwidth> newBandwidths) {
        return new MediaDescription(media, port, numberOfPorts, protocol, formats, information, connections,
                newBandwidths, encryptionKey, attributes);
    }

    public MediaDescription withAttributes(List<Attribute> newAttributes) {
        return new MediaDescription(media, port, numberOfPorts, protocol, formats, information, connections,
                bandwidths, encryptionKey, newAttributes);
    }

    /** Appends one attribute after the existing ones. */
    public MediaDescription withAttribute(Attribute attribute) {
        return withAttributes(KnownAttributes.appended(attributes, attribute));
    }

    /** Sets {@code a=name:value}: replaces the first such line in place and drops the rest, or appends it. */
    public MediaDescription withAttributeValue(String name, String value) {
        return withAttributes(KnownAttributes.withValue(attributes, name, value));
    }

    /** Removes every attribute called {@code name}. */
    public MediaDescription withoutAttributes(String name) {
        return withAttributes(KnownAttributes.without(attributes, name));
    }

    public MediaDescription withCandidate(IceCandidateLine candidate) {
        return withAttribute(candidate.toAttribute());
    }

    /** The section's lines in RFC 8866 §5 order, each ending in CRLF. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(256 + attributes.size() * 48);
        appendTo(text);
        return text.toString();
    }

    void appendTo(StringBuilder text) {
        text.append("m=").append(media).append(' ').append(port);
        if (numberOfPorts != null) {
            text.append('/').append(numberOfPorts);
        }
        text.append(' ').append(protocol);
        for (String format : formats) {
            text.append(' ').append(format);
        }
        text.append(SdpText.CRLF);
        SessionDescription.appendLine(text, 'i', information);
        connections.forEach(connection -> SessionDescription.appendLine(text, 'c', connection));
        bandwidths.forEach(bandwidth -> SessionDescription.appendLine(text, 'b', bandwidth));
        SessionDescription.appendLine(text, 'k', encryptionKey);
        attributes.forEach(attribute -> SessionDescription.appendLine(text, 'a', attribute));
    }
}
