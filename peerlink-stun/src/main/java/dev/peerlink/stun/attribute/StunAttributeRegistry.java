package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.TransactionId;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Which decoder turns each attribute type's value into a {@link StunAttribute}. Immutable: layers above STUN
 * (TURN, ICE) build their own with {@link #with}.
 */
public final class StunAttributeRegistry {
    /** Decodes one attribute value; {@code value} holds exactly the value, without padding. */
    @FunctionalInterface
    public interface Decoder {
        StunAttribute decode(int type, ByteBuffer value, TransactionId transactionId) throws StunDecodeException;
    }

    public static final Decoder ADDRESS = AddressAttribute::decode;
    public static final Decoder STRING = (type, value, id) -> StringAttribute.decode(type, value);
    public static final Decoder BYTES = (type, value, id) -> {
        byte[] bytes = new byte[value.remaining()];
        value.get(0, bytes);
        return new BytesAttribute(type, bytes);
    };
    public static final Decoder UINT32 = (type, value, id) -> NumberAttribute.decode(type, 4, value);
    public static final Decoder UINT64 = (type, value, id) -> NumberAttribute.decode(type, 8, value);
    public static final Decoder FLAG = (type, value, id) -> FlagAttribute.decode(type, value);

    private static final StunAttributeRegistry STANDARD = createStandard();

    private final Map<Integer, Decoder> decoders;

    private StunAttributeRegistry(Map<Integer, Decoder> decoders) {
        this.decoders = Map.copyOf(decoders);
    }

    /** The attributes of RFC 8489, RFC 5780 and RFC 8445. */
    public static StunAttributeRegistry standard() {
        return STANDARD;
    }

    private static StunAttributeRegistry createStandard() {
        Map<Integer, Decoder> map = new HashMap<>();
        // RFC 8489 §14
        map.put(StunAttributeType.MAPPED_ADDRESS, ADDRESS);
        map.put(StunAttributeType.XOR_MAPPED_ADDRESS, ADDRESS);
        map.put(StunAttributeType.ALTERNATE_SERVER, ADDRESS);
        map.put(StunAttributeType.USERNAME, STRING);
        map.put(StunAttributeType.REALM, STRING);
        map.put(StunAttributeType.NONCE, STRING);
        map.put(StunAttributeType.SOFTWARE, STRING);
        map.put(StunAttributeType.ALTERNATE_DOMAIN, STRING);
        map.put(StunAttributeType.USERHASH, fixedBytes(32));
        map.put(StunAttributeType.MESSAGE_INTEGRITY, fixedBytes(20));
        map.put(StunAttributeType.MESSAGE_INTEGRITY_SHA256, (type, value, id) -> {
            int length = value.remaining();
            if (length < 16 || length > 32 || (length & 3) != 0) {
                throw new StunDecodeException("MESSAGE-INTEGRITY-SHA256 is " + length + " bytes, not 16–32 in steps of 4");
            }
            return BYTES.decode(type, value, id);
        });
        map.put(StunAttributeType.FINGERPRINT, UINT32);
        map.put(StunAttributeType.ERROR_CODE, (type, value, id) -> ErrorCodeAttribute.decode(value));
        map.put(StunAttributeType.UNKNOWN_ATTRIBUTES, (type, value, id) -> UnknownAttributesAttribute.decode(value));
        map.put(StunAttributeType.PASSWORD_ALGORITHMS, (type, value, id) -> PasswordAlgorithmsAttribute.decode(type, value));
        map.put(StunAttributeType.PASSWORD_ALGORITHM, (type, value, id) -> PasswordAlgorithmsAttribute.decode(type, value));
        // RFC 5780 §7
        map.put(StunAttributeType.CHANGE_REQUEST, (type, value, id) -> ChangeRequestAttribute.decode(value));
        map.put(StunAttributeType.RESPONSE_ORIGIN, ADDRESS);
        map.put(StunAttributeType.OTHER_ADDRESS, ADDRESS);
        map.put(StunAttributeType.PADDING, BYTES);
        map.put(StunAttributeType.RESPONSE_PORT, fixedBytes(4));
        // RFC 8445 §16.1
        map.put(StunAttributeType.PRIORITY, UINT32);
        map.put(StunAttributeType.USE_CANDIDATE, FLAG);
        map.put(StunAttributeType.ICE_CONTROLLED, UINT64);
        map.put(StunAttributeType.ICE_CONTROLLING, UINT64);
        return new StunAttributeRegistry(map);
    }

    private static Decoder fixedBytes(int length) {
        return (type, value, id) -> {
            if (value.remaining() != length) {
                throw new StunDecodeException(StunAttributeType.name(type) + " is " + value.remaining()
                        + " bytes, not " + length);
            }
            return BYTES.decode(type, value, id);
        };
    }

    /** A copy that also decodes {@code type} with {@code decoder}. */
    public StunAttributeRegistry with(int type, Decoder decoder) {
        Map<Integer, Decoder> map = new HashMap<>(decoders);
        map.put(type, decoder);
        return new StunAttributeRegistry(map);
    }

    /** Whether a decoder is registered, i.e. whether this registry's user understands the type. */
    public boolean knows(int type) {
        return decoders.containsKey(type);
    }

    public StunAttribute decode(int type, ByteBuffer value, TransactionId transactionId) throws StunDecodeException {
        return decoders.getOrDefault(type, BYTES).decode(type, value, transactionId);
    }
}
