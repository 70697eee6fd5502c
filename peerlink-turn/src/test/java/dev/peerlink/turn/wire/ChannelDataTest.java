package dev.peerlink.turn.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ChannelDataTest {
    private final ChannelData view = new ChannelData();

    @Test
    void parsesADatagramWithoutPadding() {
        ByteBuffer datagram = ByteBuffer.wrap(HexFormat.of().parseHex("4001000561626364650000"), 0, 9);
        assertThat(view.wrapDatagram(datagram)).isEqualTo(ChannelData.Status.OK);
        assertThat(view.channel()).isEqualTo(0x4001);
        assertThat(view.dataOffset()).isEqualTo(4);
        assertThat(view.dataLength()).isEqualTo(5);
        assertThat(view.frameLength()).isEqualTo(9);
        assertThat(datagram.position()).isZero();
    }

    @Test
    void acceptsPaddingOverUdpButNotMore() {
        assertThat(view.wrapDatagram(hex("4FFF0005616263646500 0000"))).isEqualTo(ChannelData.Status.OK);
        assertThat(view.frameLength()).isEqualTo(12);
        assertThat(view.wrapDatagram(hex("40000005616263646500000000"))).isEqualTo(ChannelData.Status.TRAILING_BYTES);
    }

    @Test
    void refusesLengthsPastTheEndOfTheDatagram() {
        assertThat(view.wrapDatagram(hex("4000000661626364 65"))).isEqualTo(ChannelData.Status.TRUNCATED);
        assertThat(view.wrapDatagram(hex("4000FFFF"))).isEqualTo(ChannelData.Status.TRUNCATED);
        assertThat(view.wrapDatagram(hex("4000"))).isEqualTo(ChannelData.Status.TRUNCATED);
        assertThat(view.wrapDatagram(hex(""))).isEqualTo(ChannelData.Status.TRUNCATED);
    }

    @Test
    void refusesChannelsOutside0x4000To0x4FFF() {
        assertThat(view.wrapDatagram(hex("3FFF0000"))).isEqualTo(ChannelData.Status.INVALID_CHANNEL);
        assertThat(view.wrapDatagram(hex("50000000"))).isEqualTo(ChannelData.Status.INVALID_CHANNEL);
        assertThat(view.wrapDatagram(hex("7FFF0000"))).isEqualTo(ChannelData.Status.INVALID_CHANNEL);
        ChannelData lenient = new ChannelData(true); // RFC 5766 §11's range, for old clients
        assertThat(lenient.wrapDatagram(hex("7FFF0000"))).isEqualTo(ChannelData.Status.OK);
        assertThat(lenient.wrapDatagram(hex("80000000"))).isEqualTo(ChannelData.Status.INVALID_CHANNEL);
        assertThat(view.wrapDatagram(hex("4000"))).isEqualTo(ChannelData.Status.TRUNCATED);
        assertThat(view.wrapDatagram(hex("40000000"))).isEqualTo(ChannelData.Status.OK);
        assertThat(view.dataLength()).isZero();
    }

    @Test
    void framesPaddedMessagesInAStream() {
        ByteBuffer stream = hex("40010005 6162636465 000000 40020001 7A000000 4003");
        assertThat(view.wrapStream(stream)).isEqualTo(ChannelData.Status.OK);
        assertThat(view.frameLength()).isEqualTo(12);
        stream.position(stream.position() + view.frameLength());
        assertThat(view.wrapStream(stream)).isEqualTo(ChannelData.Status.OK);
        assertThat(view.channel()).isEqualTo(0x4002);
        assertThat(view.buffer().get(view.dataOffset())).isEqualTo((byte) 'z');
        stream.position(stream.position() + view.frameLength());
        assertThat(view.wrapStream(stream)).isEqualTo(ChannelData.Status.NEED_MORE);
        assertThat(view.wrapStream(hex("40010005616263646500"))).isEqualTo(ChannelData.Status.NEED_MORE);
    }

    @Test
    void writesAndReadsBack() {
        ByteBuffer payload = ByteBuffer.wrap("hello".getBytes());
        ByteBuffer out = ByteBuffer.allocate(64);
        assertThat(ChannelData.write(out, 0x4ABC, payload, 0, 5, true)).isEqualTo(12);
        out.flip();
        assertThat(view.wrapStream(out)).isEqualTo(ChannelData.Status.OK);
        assertThat(view.channel()).isEqualTo(0x4ABC);
        assertThat(view.dataLength()).isEqualTo(5);
        ByteBuffer unpadded = ByteBuffer.allocate(64);
        assertThat(ChannelData.write(unpadded, 0x4000, payload, 1, 4, false)).isEqualTo(8);
        assertThat(HexFormat.of().formatHex(unpadded.array(), 0, 8)).isEqualTo("40000004656c6c6f");
        assertThatIllegalArgumentException().isThrownBy(() -> ChannelData.write(out, 0x8000, payload, 0, 1, true))
                .withMessage("channel 0x8000 is outside 0x4000–0x7FFF");
    }

    @Test
    void parsingDoesNotAllocate() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ByteBuffer datagram = hex("40010005616263646500");
        for (int i = 0; i < 20_000; i++) {
            view.wrapDatagram(datagram);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int sum = 0;
        for (int i = 0; i < 10_000; i++) {
            view.wrapDatagram(datagram);
            sum += view.dataLength();
        }
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("sum %d", sum).isLessThan(1024);
    }

    private static ByteBuffer hex(String text) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(text.replace(" ", "")));
    }
}
