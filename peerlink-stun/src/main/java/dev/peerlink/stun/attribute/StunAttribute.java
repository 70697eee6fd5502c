package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunMessageWriter;

/**
 * One decoded STUN attribute (RFC 8489 §14). Other layers add their own kinds by registering a decoder in a
 * {@link StunAttributeRegistry}; types nobody registered decode as {@link BytesAttribute}.
 */
public interface StunAttribute {
    int type();

    /** Writes the attribute (header, value, padding). */
    void writeTo(StunMessageWriter writer);
}
