package dev.peerlink.turn.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.FlagAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnAttributesTest {
    private static final TransactionId ID = new TransactionId(0x0102030405060708L, 0x090A0B0C);

    @Test
    void everyTurnAttributeRoundTrips() throws Exception {
        List<StunAttribute> attributes = List.of(
                new ChannelNumberAttribute(0x4001),
                NumberAttribute.uint32(StunAttributeType.LIFETIME, 600),
                new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS,
                        new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 5000)),
                new BytesAttribute(StunAttributeType.DATA, new byte[] {1, 2, 3}),
                new AddressAttribute(StunAttributeType.XOR_RELAYED_ADDRESS,
                        new InetSocketAddress(InetAddress.getByName("2606:4700:4700::1111"), 49152)),
                AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV6),
                new EvenPortAttribute(true),
                new RequestedTransportAttribute(RequestedTransportAttribute.UDP),
                new FlagAttribute(StunAttributeType.DONT_FRAGMENT),
                NumberAttribute.uint64(StunAttributeType.RESERVATION_TOKEN, 0x1122334455667788L),
                AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6),
                new AddressErrorCodeAttribute(AddressFamilyAttribute.IPV6, 440, "Address Family not Supported"),
                new IcmpAttribute(3, 4, 1400));
        StunMessage message = new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST, ID, attributes);

        StunMessage decoded = StunMessage.decode(ByteBuffer.wrap(message.toBytes()), TurnAttributes.registry());

        assertThat(decoded.attributes()).isEqualTo(attributes);
        for (StunAttribute attribute : attributes) {
            assertThat(TurnAttributes.registry().knows(attribute.type())).as(attribute.toString()).isTrue();
        }
    }

    @Test
    void wireLayoutsFollowRfc8656Section18() {
        assertThat(encode(new ChannelNumberAttribute(0x4001))).isEqualTo("000c000440010000");
        assertThat(encode(new RequestedTransportAttribute(17))).isEqualTo("0019000411000000");
        assertThat(encode(AddressFamilyAttribute.requested(2))).isEqualTo("0017000402000000");
        assertThat(encode(new EvenPortAttribute(true))).isEqualTo("0018000180000000");
        assertThat(encode(new EvenPortAttribute(false))).isEqualTo("0018000100000000");
        assertThat(encode(new AddressErrorCodeAttribute(1, 440, "x"))).isEqualTo("8001000501000428" + "78000000");
        assertThat(encode(new IcmpAttribute(3, 4, 1400))).isEqualTo("800400080000030400000578");
    }

    @Test
    void outOfRangeValuesDecodeSoTheServerCanAnswerThem() throws Exception {
        assertThat(decode("000c000412340000")).isEqualTo(new ChannelNumberAttribute(0x1234));
        assertThat(((ChannelNumberAttribute) decode("000c000412340000")).isValid()).isFalse();
        assertThat(((AddressFamilyAttribute) decode("0017000403000000")).isKnownFamily()).isFalse();
        assertThat(decode("0019000406000000")).isEqualTo(new RequestedTransportAttribute(6));
    }

    @Test
    void wrongLengthsAreMalformed() {
        assertThatThrownBy(() -> decode("000c00024001")).isInstanceOf(StunDecodeException.class)
                .hasMessage("malformed STUN message: CHANNEL-NUMBER is 2 bytes, not 4");
        assertThatThrownBy(() -> decode("0018000400000000")).isInstanceOf(StunDecodeException.class)
                .hasMessage("malformed STUN message: EVEN-PORT is 4 bytes, not 1");
        assertThatThrownBy(() -> decode("001a000400000000")).isInstanceOf(StunDecodeException.class);
        assertThatThrownBy(() -> decode("0022000400000000")).isInstanceOf(StunDecodeException.class);
        assertThatThrownBy(() -> decode("8001000401000200")).isInstanceOf(StunDecodeException.class)
                .hasMessage("malformed STUN message: ADDRESS-ERROR-CODE class 2 number 0 is out of range");
    }

    @Test
    void errorCodesCarryTheRecommendedReasons() {
        assertThat(TurnErrorCodes.reason(TurnErrorCodes.ALLOCATION_QUOTA_REACHED)).isEqualTo("Allocation Quota Reached");
        assertThat(TurnErrorCodes.reason(TurnErrorCodes.FORBIDDEN)).isEqualTo("Forbidden");
        assertThat(TurnErrorCodes.reason(TurnErrorCodes.INSUFFICIENT_CAPACITY)).isEqualTo("Insufficient Capacity");
        assertThat(TurnErrorCodes.reason(438)).isEqualTo("Stale Nonce");
    }

    private static String encode(StunAttribute attribute) {
        byte[] bytes = new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST, ID, attribute).toBytes();
        return HexFormat.of().formatHex(bytes, 20, bytes.length);
    }

    private static StunAttribute decode(String attributeHex) throws StunDecodeException {
        byte[] attribute = HexFormat.of().parseHex(attributeHex);
        int padded = (attribute.length + 3) & ~3;
        ByteBuffer message = ByteBuffer.allocate(20 + padded);
        message.putShort((short) 0x0003).putShort((short) padded).putInt(0x2112A442);
        ID.write(message, 8);
        message.position(20);
        message.put(attribute).position(0);
        return StunMessage.decode(message, TurnAttributes.registry()).attributes().get(0);
    }
}
