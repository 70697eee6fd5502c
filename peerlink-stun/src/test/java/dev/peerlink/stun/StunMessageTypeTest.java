package dev.peerlink.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 8489 §5: the 14-bit message type interleaves the class bits C1 C0 into the 12-bit method. */
class StunMessageTypeTest {

    /**
     * The figure of RFC 8489 §5, bit by bit, written independently of the code under test:
     * <pre>
     *   13  12  11  10  9   8   7   6   5   4   3   2   1   0
     *  M11 M10 M9  M8  M7  C1  M6  M5  M4  C0  M3  M2  M1  M0
     * </pre>
     */
    private static int figure(int method, int classBits) {
        int[] methodBitPositions = {0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13};
        int type = 0;
        for (int m = 0; m < 12; m++) {
            if ((method >> m & 1) != 0) {
                type |= 1 << methodBitPositions[m];
            }
        }
        type |= (classBits & 1) << 4;
        type |= (classBits >> 1 & 1) << 8;
        return type;
    }

    @ParameterizedTest(name = "method {0} {1} = {2}")
    @CsvSource({
            "0x001, REQUEST,          0x0001", // Binding request
            "0x001, INDICATION,       0x0011", // Binding indication
            "0x001, SUCCESS_RESPONSE, 0x0101", // Binding success response
            "0x001, ERROR_RESPONSE,   0x0111", // Binding error response
            "0x003, REQUEST,          0x0003", // TURN Allocate request
            "0x003, SUCCESS_RESPONSE, 0x0103",
            "0x003, ERROR_RESPONSE,   0x0113",
            "0x006, INDICATION,       0x0016", // TURN Send indication
            "0x007, INDICATION,       0x0017", // TURN Data indication
            "0x008, SUCCESS_RESPONSE, 0x0108", // TURN CreatePermission
            "0x009, ERROR_RESPONSE,   0x0119", // TURN ChannelBind
            "0x000, REQUEST,          0x0000",
            "0xFFF, REQUEST,          0x3EEF",
            "0xFFF, ERROR_RESPONSE,   0x3FFF",
            "0x080, REQUEST,          0x0200", // M7 lands on bit 9, above C1
            "0x010, INDICATION,       0x0030", // M4 lands on bit 5, above C0
    })
    void knownTypes(String method, StunClass messageClass, String type) {
        int m = Integer.decode(method);
        int t = Integer.decode(type);
        assertThat(StunMessageType.of(m, messageClass)).isEqualTo(t);
        assertThat(StunMessageType.method(t)).isEqualTo(m);
        assertThat(StunMessageType.messageClass(t)).isEqualTo(messageClass);
    }

    @Test
    void everyMethodAndClassMatchesTheFigureAndRoundTrips() {
        BitSet seen = new BitSet(1 << 14);
        for (StunClass messageClass : StunClass.values()) {
            for (int method = 0; method <= StunMessageType.MAX_METHOD; method++) {
                int type = StunMessageType.of(method, messageClass);
                assertThat(type).as("method %#x %s", method, messageClass)
                        .isEqualTo(figure(method, messageClass.bits()))
                        .isBetween(0, 0x3FFF);
                assertThat(StunMessageType.method(type)).isEqualTo(method);
                assertThat(StunMessageType.messageClass(type)).isEqualTo(messageClass);
                seen.set(type);
            }
        }
        // 4 classes x 4096 methods fill the 14-bit space exactly once: the mapping is a bijection.
        assertThat(seen.cardinality()).isEqualTo(1 << 14);
    }

    @Test
    void decodingIgnoresTheTwoLeadingBits() {
        assertThat(StunMessageType.method(0xC101)).isEqualTo(StunMethod.BINDING);
        assertThat(StunMessageType.messageClass(0xC101)).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }

    @Test
    void classBitsAreThoseOfTheRfc() {
        assertThat(StunClass.REQUEST.bits()).isEqualTo(0b00);
        assertThat(StunClass.INDICATION.bits()).isEqualTo(0b01);
        assertThat(StunClass.SUCCESS_RESPONSE.bits()).isEqualTo(0b10);
        assertThat(StunClass.ERROR_RESPONSE.bits()).isEqualTo(0b11);
        assertThat(StunClass.SUCCESS_RESPONSE.isResponse()).isTrue();
        assertThat(StunClass.ERROR_RESPONSE.isResponse()).isTrue();
        assertThat(StunClass.REQUEST.isResponse()).isFalse();
        assertThat(StunClass.INDICATION.isResponse()).isFalse();
    }

    @Test
    void methodsOutside12BitsAreRefused() {
        assertThatThrownBy(() -> StunMessageType.of(0x1000, StunClass.REQUEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12 bits");
        assertThatThrownBy(() -> StunMessageType.of(-1, StunClass.REQUEST))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writerAndReaderAgreeOnTheHeaderForEveryType() {
        StunMessageWriter writer = new StunMessageWriter();
        StunMessageReader reader = new StunMessageReader();
        ByteBuffer buffer = ByteBuffer.allocate(StunMessageReader.HEADER_LENGTH);
        TransactionId id = new TransactionId(0x0102030405060708L, 0x090A0B0C);
        for (StunClass messageClass : StunClass.values()) {
            for (int method = 0; method <= StunMessageType.MAX_METHOD; method += 7) {
                buffer.clear();
                writer.begin(buffer, method, messageClass, id);
                assertThat(writer.finish()).isEqualTo(StunMessageReader.HEADER_LENGTH);
                buffer.flip();
                assertThat(reader.wrap(buffer)).isEqualTo(StunParseStatus.OK);
                assertThat(reader.messageType()).isEqualTo(figure(method, messageClass.bits()));
                assertThat(reader.method()).isEqualTo(method);
                assertThat(reader.messageClass()).isEqualTo(messageClass);
                assertThat(reader.transactionId()).isEqualTo(id);
            }
        }
    }
}
