package dev.peerlink.stun;

import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.attribute.StunAttributeRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A decoded STUN message (RFC 8489 §5): convenient, allocating, for everything off the hot path. Integrity and
 * FINGERPRINT are computed at encoding time from a {@link Signing}; when decoding they appear as attributes.
 */
public record StunMessage(int method, StunClass messageClass, TransactionId transactionId,
                          List<StunAttribute> attributes) {

    /** How to end an encoded message: which integrity attributes with which key, and whether FINGERPRINT. */
    public record Signing(byte[] key, boolean messageIntegrity, boolean messageIntegritySha256, boolean fingerprint) {
        public static final Signing NONE = new Signing(null, false, false, false);
        public static final Signing FINGERPRINT = new Signing(null, false, false, true);

        public Signing {
            if ((messageIntegrity || messageIntegritySha256) && key == null) {
                throw new IllegalArgumentException("message integrity needs a key");
            }
            key = key == null ? null : key.clone();
        }

        /** MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT, as ICE (RFC 8445 §7.1.2) and most TURN clients use. */
        public static Signing integrity(byte[] key) {
            return new Signing(key, true, false, true);
        }

        /** MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (RFC 8489 §14.6). */
        public static Signing integritySha256(byte[] key) {
            return new Signing(key, false, true, true);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Signing that && Arrays.equals(key, that.key)
                    && messageIntegrity == that.messageIntegrity
                    && messageIntegritySha256 == that.messageIntegritySha256 && fingerprint == that.fingerprint;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key) * 8 + (messageIntegrity ? 4 : 0) + (messageIntegritySha256 ? 2 : 0)
                    + (fingerprint ? 1 : 0);
        }

        @Override
        public String toString() {
            return "Signing[integrity=" + messageIntegrity + ", sha256=" + messageIntegritySha256
                    + ", fingerprint=" + fingerprint + "]"; // never the key
        }
    }

    public StunMessage {
        if (method < 0 || method > StunMessageType.MAX_METHOD) {
            throw new IllegalArgumentException("STUN method " + method + " does not fit in 12 bits");
        }
        attributes = List.copyOf(attributes);
    }

    public StunMessage(int method, StunClass messageClass, TransactionId transactionId, StunAttribute... attributes) {
        this(method, messageClass, transactionId, List.of(attributes));
    }

    /** Decodes one whole message with the standard attribute registry. */
    public static StunMessage decode(ByteBuffer buffer) throws StunDecodeException {
        return decode(buffer, StunAttributeRegistry.standard());
    }

    public static StunMessage decode(byte[] bytes) throws StunDecodeException {
        return decode(ByteBuffer.wrap(bytes));
    }

    public static StunMessage decode(ByteBuffer buffer, StunAttributeRegistry registry) throws StunDecodeException {
        StunMessageReader reader = new StunMessageReader();
        StunParseStatus status = reader.wrap(buffer);
        if (status != StunParseStatus.OK) {
            throw new StunDecodeException(status);
        }
        return decode(reader, registry);
    }

    /** Decodes the message {@code reader} has validated. Attributes RFC 8489 §14.5 says to ignore are left out. */
    public static StunMessage decode(StunMessageReader reader, StunAttributeRegistry registry)
            throws StunDecodeException {
        TransactionId id = reader.transactionId();
        List<StunAttribute> attributes = new ArrayList<>(reader.attributeCount());
        for (int i = 0; i < reader.attributeCount(); i++) {
            if (reader.isIgnored(i)) {
                continue;
            }
            ByteBuffer value = reader.buffer().slice(reader.attributeValueOffset(i), reader.attributeLength(i));
            attributes.add(registry.decode(reader.attributeType(i), value, id));
        }
        return new StunMessage(reader.method(), reader.messageClass(), id, attributes);
    }

    /** Writes the message at the buffer's position and returns its length. */
    public int encode(ByteBuffer out, Signing signing) {
        StunMessageWriter writer = new StunMessageWriter().begin(out, method, messageClass, transactionId);
        for (StunAttribute attribute : attributes) {
            int type = attribute.type();
            if (type != StunAttributeType.MESSAGE_INTEGRITY && type != StunAttributeType.MESSAGE_INTEGRITY_SHA256
                    && type != StunAttributeType.FINGERPRINT) {
                attribute.writeTo(writer);
            }
        }
        if (signing.messageIntegrity()) {
            writer.addMessageIntegrity(signing.key());
        }
        if (signing.messageIntegritySha256()) {
            writer.addMessageIntegritySha256(signing.key());
        }
        if (signing.fingerprint()) {
            writer.addFingerprint();
        }
        return writer.finish();
    }

    public byte[] toBytes(Signing signing) {
        ByteBuffer buffer = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);
        int length = encode(buffer, signing);
        return Arrays.copyOf(buffer.array(), length);
    }

    public byte[] toBytes() {
        return toBytes(Signing.NONE);
    }

    /** The first attribute of {@code type} (RFC 8489 §14: later duplicates carry no meaning). */
    public Optional<StunAttribute> attribute(int type) {
        for (StunAttribute attribute : attributes) {
            if (attribute.type() == type) {
                return Optional.of(attribute);
            }
        }
        return Optional.empty();
    }

    public <T extends StunAttribute> Optional<T> attribute(int type, Class<T> kind) {
        return attribute(type).filter(kind::isInstance).map(kind::cast);
    }

    public boolean has(int type) {
        return attribute(type).isPresent();
    }

    public Optional<InetSocketAddress> address(int type) {
        return attribute(type, AddressAttribute.class).map(AddressAttribute::address);
    }

    public Optional<String> string(int type) {
        return attribute(type, StringAttribute.class).map(StringAttribute::value);
    }

    public Optional<ErrorCodeAttribute> errorCode() {
        return attribute(StunAttributeType.ERROR_CODE, ErrorCodeAttribute.class);
    }

    @Override
    public String toString() {
        return StunMethod.name(method) + " " + messageClass + " " + transactionId + " " + attributes;
    }
}
