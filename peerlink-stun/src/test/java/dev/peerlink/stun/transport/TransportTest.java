package dev.peerlink.stun.transport;

import static dev.peerlink.stun.StunTestSupport.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessage.Signing;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.BytesAttribute;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7983 first-byte demultiplexing and stream framing (RFC 8489 §6.2.2, RFC 8656 §11.5, RFC 4571 §2). */
class TransportTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0, STUN", "3, STUN", "4, UNKNOWN", "15, UNKNOWN", "16, ZRTP", "19, ZRTP", "20, DTLS", "63, DTLS",
            "64, TURN_CHANNEL_DATA", "79, TURN_CHANNEL_DATA", "80, UNKNOWN", "127, UNKNOWN", "128, RTP_RTCP",
            "191, RTP_RTCP", "192, UNKNOWN", "255, UNKNOWN",
    })
    void classifyBoundaries(int firstByte, PacketKind kind) {
        assertThat(PacketKind.classify(firstByte)).isEqualTo(kind);
        // A signed byte straight from a buffer classifies the same.
        assertThat(PacketKind.classify((byte) firstByte)).isEqualTo(kind);
    }

    @Test
    void classifyEveryByteAgainstRfc7983() {
        for (int b = 0; b < 256; b++) {
            PacketKind expected = b <= 3 ? PacketKind.STUN
                    : b >= 16 && b <= 19 ? PacketKind.ZRTP
                    : b >= 20 && b <= 63 ? PacketKind.DTLS
                    : b >= 64 && b <= 79 ? PacketKind.TURN_CHANNEL_DATA
                    : b >= 128 && b <= 191 ? PacketKind.RTP_RTCP
                    : PacketKind.UNKNOWN;
            assertThat(PacketKind.classify(b)).as("byte %d", b).isEqualTo(expected);
        }
    }

    private static byte[] stunMessage(int paddingLength) {
        return new StunMessage(StunMethod.BINDING, StunClass.REQUEST, new TransactionId(7, 8),
                new BytesAttribute(0x8FFF, new byte[paddingLength])).toBytes(Signing.FINGERPRINT);
    }

    @Test
    void stunFramerReadsTheStunHeaderLength() {
        byte[] message = stunMessage(13); // 20 + (4 + 16) + 8 = 48
        assertThat(message).hasSize(48);
        ByteBuffer buffer = ByteBuffer.wrap(message);
        assertThat(StreamFramer.STUN.frameLength(buffer)).isEqualTo(48);
        assertThat(StreamFramer.STUN.payloadLength(buffer, 48)).isEqualTo(48);
        assertThat(StreamFramer.STUN.prefixLength()).isZero();
        assertThat(buffer.position()).isZero();
        // The length is known from the first 4 bytes.
        assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap(message, 0, 4).slice())).isEqualTo(48);
    }

    @Test
    void channelDataIsPaddedToFourBytes() {
        ByteBuffer five = ByteBuffer.wrap(hex("4000 0005 0102030405 000000"));
        assertThat(StreamFramer.STUN.frameLength(five)).isEqualTo(12);
        assertThat(StreamFramer.STUN.payloadLength(five, 12)).isEqualTo(9);
        ByteBuffer eight = ByteBuffer.wrap(hex("4FFF 0008 0102030405060708"));
        assertThat(StreamFramer.STUN.frameLength(eight)).isEqualTo(12);
        assertThat(StreamFramer.STUN.payloadLength(eight, 12)).isEqualTo(12);
        ByteBuffer empty = ByteBuffer.wrap(hex("4001 0000"));
        assertThat(StreamFramer.STUN.frameLength(empty)).isEqualTo(4);
        ByteBuffer max = ByteBuffer.wrap(hex("4001 FFFF"));
        assertThat(StreamFramer.STUN.frameLength(max)).isEqualTo(4 + 0x10000);
    }

    @Test
    void needMoreBelowFourBytes() {
        byte[] message = stunMessage(0);
        for (int available = 0; available < 4; available++) {
            assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap(message, 0, available)))
                    .as("%d bytes", available).isEqualTo(StreamFramer.NEED_MORE);
        }
    }

    @Test
    void invalidFirstBytes() {
        assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap(hex("16fefd0000000000000000002c"))))
                .as("DTLS").isEqualTo(StreamFramer.INVALID);
        assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap(hex("806f123400000001"))))
                .as("RTP").isEqualTo(StreamFramer.INVALID);
        assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap("POST / HTTP/1.1".getBytes())))
                .as("HTTP POST ('P' = 80)").isEqualTo(StreamFramer.INVALID);
        // 'G' (71) falls in the ChannelData range 64..79, so "GET " frames as channel 0x4745 of 0x5420 bytes:
        // the first byte cannot tell, and the TURN layer must reject the unbound channel.
        assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap("GET / HTTP/1.1".getBytes())))
                .isEqualTo(4 + 0x5420);
        assertThat(StreamFramer.STUN.frameLength(ByteBuffer.wrap(hex("0001 0006 2112a442"))))
                .as("STUN length not a multiple of 4").isEqualTo(StreamFramer.INVALID);
    }

    @Test
    void stunFramerSplitsAStream() {
        List<byte[]> frames = List.of(stunMessage(1), hex("4000 0005 0102030405 000000"), stunMessage(30),
                hex("4001 0000"), stunMessage(0));
        ByteBuffer stream = ByteBuffer.allocate(1000);
        frames.forEach(stream::put);
        stream.flip();
        List<Integer> lengths = new ArrayList<>();
        while (stream.hasRemaining()) {
            int length = StreamFramer.STUN.frameLength(stream);
            assertThat(length).isPositive().isLessThanOrEqualTo(stream.remaining());
            lengths.add(length);
            stream.position(stream.position() + length);
        }
        assertThat(lengths).containsExactlyElementsOf(frames.stream().map(f -> f.length).toList());
    }

    @Test
    void rfc4571PrefixHandling() {
        byte[] stun = stunMessage(3);
        byte[] dtls = hex("16fefd00000000000000000005 0102030405");
        ByteBuffer stream = ByteBuffer.allocate(200);
        StreamFramer.writeRfc4571Prefix(stream, stun.length);
        stream.put(stun);
        StreamFramer.writeRfc4571Prefix(stream, dtls.length);
        stream.put(dtls);
        StreamFramer.writeRfc4571Prefix(stream, 0);
        stream.flip();
        assertThat(stream.getShort(0)).isEqualTo((short) stun.length);

        assertThat(StreamFramer.RFC4571.prefixLength()).isEqualTo(2);
        int first = StreamFramer.RFC4571.frameLength(stream);
        assertThat(first).isEqualTo(2 + stun.length);
        assertThat(StreamFramer.RFC4571.payloadLength(stream, first)).isEqualTo(stun.length);
        assertThat(stream.slice(2, stun.length)).isEqualTo(ByteBuffer.wrap(stun));
        stream.position(first);
        int second = StreamFramer.RFC4571.frameLength(stream);
        assertThat(second).isEqualTo(2 + dtls.length);
        stream.position(first + second);
        assertThat(StreamFramer.RFC4571.frameLength(stream)).isEqualTo(2);
        assertThat(StreamFramer.RFC4571.payloadLength(stream, 2)).isZero();

        assertThat(StreamFramer.RFC4571.frameLength(ByteBuffer.wrap(new byte[1]))).isEqualTo(StreamFramer.NEED_MORE);
        assertThat(StreamFramer.RFC4571.frameLength(ByteBuffer.allocate(0))).isEqualTo(StreamFramer.NEED_MORE);
        assertThat(StreamFramer.RFC4571.frameLength(ByteBuffer.wrap(hex("ffff")))).isEqualTo(2 + 65535);
    }

    @Test
    void rfc4571PrefixBounds() {
        ByteBuffer out = ByteBuffer.allocate(2);
        StreamFramer.writeRfc4571Prefix(out, 65535);
        assertThat(out.array()).isEqualTo(hex("ffff"));
        assertThatThrownBy(() -> StreamFramer.writeRfc4571Prefix(ByteBuffer.allocate(2), 65536))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamFramer.writeRfc4571Prefix(ByteBuffer.allocate(2), -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
