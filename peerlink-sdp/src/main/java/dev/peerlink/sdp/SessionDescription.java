package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A whole SDP session description (RFC 8866 §5), immutable; change it with the {@code with...} methods.
 *
 * <p>{@link #parse(String)} accepts CRLF or bare LF line endings; {@link #toString()} writes the lines in RFC 8866 §5
 * order, each ending in CRLF. Every {@code a=} line is kept verbatim and in order, so a description parsed from a
 * browser writes back byte for byte. The exceptions are spellings that have one canonical form here: numbers in
 * {@code v=}, {@code m=}, {@code t=} and {@code b=} lines lose leading zeros, and typed attribute values are only
 * normalised when rebuilt from their types, never in the stored {@link Attribute}.
 *
 * @param version       the {@code v=} line, 0 (RFC 8866 §5.1)
 * @param information   {@code i=} (§5.4), or null
 * @param uri           {@code u=} (§5.5), or null
 * @param emails        {@code e=} lines (§5.6)
 * @param phones        {@code p=} lines (§5.6)
 * @param connection    session-level {@code c=} (§5.7), or null
 * @param timings       {@code t=} lines with their {@code r=} lines (§5.9, §5.10); at least one
 * @param timeZones     {@code z=} (§5.11), or null
 * @param encryptionKey the obsolete {@code k=} (§5.12), kept only to round-trip; null when absent
 * @param attributes    session-level {@code a=} lines (§5.13) in written order
 */
public record SessionDescription(
        int version,
        Origin origin,
        String sessionName,
        String information,
        String uri,
        List<String> emails,
        List<String> phones,
        Connection connection,
        List<Bandwidth> bandwidths,
        List<Timing> timings,
        String timeZones,
        String encryptionKey,
        List<Attribute> attributes,
        List<MediaDescription> mediaDescriptions) implements HasAttributes {

    public SessionDescription {
        SdpText.requireRange(version, 0, Integer.MAX_VALUE, "version");
        if (origin == null) {
            throw new NullPointerException("origin is null; RFC 8866 §5.2 makes o= mandatory");
        }
        SdpText.requireLineText(sessionName, "session name");
        SdpText.optionalLineText(information, "session information");
        SdpText.optionalLineText(uri, "URI");
        emails = List.copyOf(emails);
        emails.forEach(email -> SdpText.requireLineText(email, "email"));
        phones = List.copyOf(phones);
        phones.forEach(phone -> SdpText.requireLineText(phone, "phone"));
        bandwidths = List.copyOf(bandwidths);
        timings = List.copyOf(timings);
        if (timings.isEmpty()) {
            throw new IllegalArgumentException("RFC 8866 §5.9 requires at least one t= line");
        }
        SdpText.optionalLineText(timeZones, "time zones");
        SdpText.optionalLineText(encryptionKey, "encryption key");
        attributes = List.copyOf(attributes);
        mediaDescriptions = List.copyOf(mediaDescriptions);
    }

    /**
     * The skeleton JSEP starts from (RFC 8829 §5.2.1): {@code v=0}, the given origin, {@code s=-}, {@code t=0 0}, no
     * attributes and no media.
     */
    public static SessionDescription of(Origin origin) {
        return new SessionDescription(0, origin, "-", null, null, List.of(), List.of(), null, List.of(),
                List.of(Timing.PERMANENT), null, null, List.of(), List.of());
    }

    /**
     * Parses SDP text with CRLF or LF line endings.
     *
     * @throws SdpParseException naming the first offending line
     */
    public static SessionDescription parse(String text) throws SdpParseException {
        return SdpParser.parse(text);
    }

    /** RFC 5888 §5, in written order. */
    public List<Group> groups() {
        return KnownAttributes.typedAll(attributes(Group.ATTRIBUTE_NAME), Group::parse);
    }

    /** The {@code a=group:BUNDLE} groups (RFC 9143); JSEP writes one holding every mid (RFC 8829 §5.2.1). */
    public List<Group> bundleGroups() {
        return groups().stream().filter(Group::isBundle).toList();
    }

    /** The media section whose {@code a=mid} is {@code mid}. */
    public Optional<MediaDescription> mediaByMid(String mid) {
        return mediaDescriptions.stream().filter(media -> media.mid().filter(mid::equals).isPresent()).findFirst();
    }

    public SessionDescription withOrigin(Origin newOrigin) {
        return new SessionDescription(version, newOrigin, sessionName, information, uri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withSessionName(String newSessionName) {
        return new SessionDescription(version, origin, newSessionName, information, uri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withInformation(String newInformation) {
        return new SessionDescription(version, origin, sessionName, newInformation, uri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withUri(String newUri) {
        return new SessionDescription(version, origin, sessionName, information, newUri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withEmails(List<String> newEmails) {
        return new SessionDescription(version, origin, sessionName, information, uri, newEmails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withPhones(List<String> newPhones) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, newPhones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withConnection(Connection newConnection) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, newConnection,
                bandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withBandwidths(List<Bandwidth> newBandwidths) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, connection,
                newBandwidths, timings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withTimings(List<Timing> newTimings) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, connection,
                bandwidths, newTimings, timeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withTimeZones(String newTimeZones) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, connection,
                bandwidths, timings, newTimeZones, encryptionKey, attributes, mediaDescriptions);
    }

    public SessionDescription withAttributes(List<Attribute> newAttributes) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, newAttributes, mediaDescriptions);
    }

    /** Appends one session-level attribute after the existing ones. */
    public SessionDescription withAttribute(Attribute attribute) {
        return withAttributes(KnownAttributes.appended(attributes, attribute));
    }

    /** Sets {@code a=name:value}: replaces the first such line in place and drops the rest, or appends it. */
    public SessionDescription withAttributeValue(String name, String value) {
        return withAttributes(KnownAttributes.withValue(attributes, name, value));
    }

    /** Removes every session-level attribute called {@code name}. */
    public SessionDescription withoutAttributes(String name) {
        return withAttributes(KnownAttributes.without(attributes, name));
    }

    public SessionDescription withMediaDescriptions(List<MediaDescription> newMediaDescriptions) {
        return new SessionDescription(version, origin, sessionName, information, uri, emails, phones, connection,
                bandwidths, timings, timeZones, encryptionKey, attributes, newMediaDescriptions);
    }

    /** Appends a media section after the existing ones. */
    public SessionDescription withMediaDescription(MediaDescription mediaDescription) {
        List<MediaDescription> appended = new ArrayList<>(mediaDescriptions);
        appended.add(mediaDescription);
        return withMediaDescriptions(appended);
    }

    /** Replaces the media section at {@code index} (0-based, JSEP's {@code sdpMLineIndex}). */
    public SessionDescription withMediaDescription(int index, MediaDescription mediaDescription) {
        List<MediaDescription> replaced = new ArrayList<>(mediaDescriptions);
        replaced.set(index, mediaDescription);
        return withMediaDescriptions(replaced);
    }

    /** The SDP text: RFC 8866 §5 line order, every line ending in CRLF. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(1024);
        // RFC 8866 §5: v o s i u e p c b (t r)+ z k a, then the media sections.
        appendLine(text, 'v', version);
        appendLine(text, 'o', origin);
        appendLine(text, 's', sessionName);
        appendLine(text, 'i', information);
        appendLine(text, 'u', uri);
        emails.forEach(email -> appendLine(text, 'e', email));
        phones.forEach(phone -> appendLine(text, 'p', phone));
        appendLine(text, 'c', connection);
        bandwidths.forEach(bandwidth -> appendLine(text, 'b', bandwidth));
        for (Timing timing : timings) {
            appendLine(text, 't', timing);
            timing.repeatTimes().forEach(repeat -> appendLine(text, 'r', repeat));
        }
        appendLine(text, 'z', timeZones);
        appendLine(text, 'k', encryptionKey);
        attributes.forEach(attribute -> appendLine(text, 'a', attribute));
        mediaDescriptions.forEach(media -> media.appendTo(text));
        return text.toString();
    }

    /** Writes {@code <type>=<value>} and CRLF; a null value means the optional line is absent. */
    static void appendLine(StringBuilder text, char type, Object value) {
        if (value != null) {
            text.append(type).append('=').append(value).append(SdpText.CRLF);
        }
    }
}
