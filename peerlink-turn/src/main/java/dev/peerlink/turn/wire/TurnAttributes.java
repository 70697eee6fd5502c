package dev.peerlink.turn.wire;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.attribute.StunAttributeRegistry;
import java.nio.ByteBuffer;

/**
 * The attributes TURN adds to STUN (RFC 8656 §18), registered on top of STUN's standard ones, so that a TURN
 * server decodes them into typed records and counts them as understood (RFC 8489 §6.3.1: unknown
 * comprehension-required attributes are answered with 420).
 *
 * <table>
 *   <caption>Decoded forms</caption>
 *   <tr><td>CHANNEL-NUMBER</td><td>{@link ChannelNumberAttribute}</td></tr>
 *   <tr><td>LIFETIME</td><td>{@link dev.peerlink.stun.attribute.NumberAttribute}, 32 bits of seconds</td></tr>
 *   <tr><td>XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS</td><td>{@link dev.peerlink.stun.attribute.AddressAttribute}</td></tr>
 *   <tr><td>DATA</td><td>{@link dev.peerlink.stun.attribute.BytesAttribute}</td></tr>
 *   <tr><td>REQUESTED-ADDRESS-FAMILY, ADDITIONAL-ADDRESS-FAMILY</td><td>{@link AddressFamilyAttribute}</td></tr>
 *   <tr><td>EVEN-PORT</td><td>{@link EvenPortAttribute}</td></tr>
 *   <tr><td>REQUESTED-TRANSPORT</td><td>{@link RequestedTransportAttribute}</td></tr>
 *   <tr><td>DONT-FRAGMENT</td><td>{@link dev.peerlink.stun.attribute.FlagAttribute}</td></tr>
 *   <tr><td>RESERVATION-TOKEN</td><td>{@link dev.peerlink.stun.attribute.NumberAttribute}, 64 bits</td></tr>
 *   <tr><td>ADDRESS-ERROR-CODE</td><td>{@link AddressErrorCodeAttribute}</td></tr>
 *   <tr><td>ICMP</td><td>{@link IcmpAttribute}</td></tr>
 * </table>
 */
public final class TurnAttributes {
    private static final StunAttributeRegistry REGISTRY = StunAttributeRegistry.standard()
            .with(StunAttributeType.CHANNEL_NUMBER, (type, value, id) -> ChannelNumberAttribute.decode(value))
            .with(StunAttributeType.LIFETIME, StunAttributeRegistry.UINT32)
            .with(StunAttributeType.XOR_PEER_ADDRESS, StunAttributeRegistry.ADDRESS)
            .with(StunAttributeType.DATA, StunAttributeRegistry.BYTES)
            .with(StunAttributeType.XOR_RELAYED_ADDRESS, StunAttributeRegistry.ADDRESS)
            .with(StunAttributeType.REQUESTED_ADDRESS_FAMILY, AddressFamilyAttribute::decode0)
            .with(StunAttributeType.EVEN_PORT, (type, value, id) -> EvenPortAttribute.decode(value))
            .with(StunAttributeType.REQUESTED_TRANSPORT, (type, value, id) -> RequestedTransportAttribute.decode(value))
            .with(StunAttributeType.DONT_FRAGMENT, StunAttributeRegistry.FLAG)
            .with(StunAttributeType.RESERVATION_TOKEN, StunAttributeRegistry.UINT64)
            .with(StunAttributeType.ADDITIONAL_ADDRESS_FAMILY, AddressFamilyAttribute::decode0)
            .with(StunAttributeType.ADDRESS_ERROR_CODE, (type, value, id) -> AddressErrorCodeAttribute.decode(value))
            .with(StunAttributeType.ICMP, (type, value, id) -> IcmpAttribute.decode(value));

    private TurnAttributes() {
    }

    /** STUN's standard attributes and TURN's. */
    public static StunAttributeRegistry registry() {
        return REGISTRY;
    }

    static void requireLength(int type, ByteBuffer value, int length) throws StunDecodeException {
        if (value.remaining() != length) {
            throw new StunDecodeException(StunAttributeType.name(type) + " is " + value.remaining() + " bytes, not "
                    + length);
        }
    }
}
