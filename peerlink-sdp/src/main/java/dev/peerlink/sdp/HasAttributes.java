package dev.peerlink.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed reads of the attributes that may sit at session level or in a media section. JSEP (RFC 8829 §5.2.1) writes
 * the ICE and DTLS attributes in every media section, but RFC 8839 and RFC 8122 also allow them at session level,
 * so both {@link SessionDescription} and {@link MediaDescription} answer these. Nothing here looks at the other
 * level: ask the level you mean.
 *
 * <p>Parsed descriptions have had these attributes checked, so the accessors never fail on them. On a description
 * built in code from raw {@link Attribute}s, a malformed known attribute makes its accessor throw
 * {@link IllegalStateException}.
 */
public sealed interface HasAttributes permits SessionDescription, MediaDescription {

    /** All {@code a=} lines of this level, in written order. */
    List<Attribute> attributes();

    /** The attributes called {@code name}, in written order. Names are compared exactly. */
    default List<Attribute> attributes(String name) {
        return attributes().stream().filter(attribute -> attribute.name().equals(name)).toList();
    }

    default boolean hasAttribute(String name) {
        return attributes().stream().anyMatch(attribute -> attribute.name().equals(name));
    }

    /** The value of the first attribute called {@code name}; empty when absent or when it has no value. */
    default Optional<String> attributeValue(String name) {
        return attributes().stream()
                .filter(attribute -> attribute.name().equals(name))
                .findFirst()
                .map(Attribute::value);
    }

    /** RFC 8839 §5.4. */
    default Optional<String> iceUfrag() {
        return attributeValue("ice-ufrag");
    }

    /** RFC 8839 §5.4. */
    default Optional<String> icePwd() {
        return attributeValue("ice-pwd");
    }

    /** RFC 8839 §5.6: space-separated option tags such as {@code trickle}; all such lines, in order. */
    default List<String> iceOptions() {
        List<String> options = new ArrayList<>();
        for (Attribute attribute : attributes("ice-options")) {
            if (attribute.value() != null) {
                for (String tag : attribute.value().split(" ")) {
                    if (!tag.isEmpty()) {
                        options.add(tag);
                    }
                }
            }
        }
        return List.copyOf(options);
    }

    /** RFC 8839 §5.3: the agent implements ICE lite. */
    default boolean iceLite() {
        return hasAttribute("ice-lite");
    }

    /** RFC 8122 §5: one per certificate hash; a peer may offer several algorithms. */
    default List<Fingerprint> fingerprints() {
        return KnownAttributes.typedAll(attributes(Fingerprint.ATTRIBUTE_NAME), Fingerprint::parse);
    }

    /** RFC 4145 §4. */
    default Optional<SetupRole> setup() {
        return KnownAttributes.typedFirst(attributes(SetupRole.ATTRIBUTE_NAME), SetupRole::parse);
    }

    /** RFC 8839 §5.1, in written order. */
    default List<IceCandidateLine> candidates() {
        return KnownAttributes.typedAll(attributes(IceCandidateLine.ATTRIBUTE_NAME), IceCandidateLine::parseValue);
    }

    /** RFC 8840: {@code a=end-of-candidates}, no more candidates will be trickled for this level. */
    default boolean endOfCandidates() {
        return hasAttribute("end-of-candidates");
    }

    /** RFC 8866 §6.7: the direction attribute of this level; empty when absent, which §6.7 reads as sendrecv. */
    default Optional<MediaDirection> direction() {
        for (Attribute attribute : attributes()) {
            MediaDirection direction = MediaDirection.fromAttributeName(attribute.name());
            if (direction != null && attribute.value() == null) {
                return Optional.of(direction);
            }
        }
        return Optional.empty();
    }
}
