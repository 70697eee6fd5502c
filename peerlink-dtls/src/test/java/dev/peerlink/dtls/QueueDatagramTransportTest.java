package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class QueueDatagramTransportTest {
    private static final int RECEIVE_LIMIT = 18_445;

    private static ByteBuffer datagram(int length, int fill) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) fill);
        return ByteBuffer.wrap(bytes);
    }

    private static QueueDatagramTransport draining() {
        QueueDatagramTransport transport = new QueueDatagramTransport(16, out -> { }, 1200, RECEIVE_LIMIT, false);
        transport.stopBlocking();
        return transport;
    }

    @Test
    void drainingSizesTheBufferToTheNextDatagram() throws Exception {
        QueueDatagramTransport transport = draining();
        assertThat(transport.getReceiveLimit()).isEqualTo(RECEIVE_LIMIT); // nothing queued: the most a peer may send
        transport.offer(datagram(100, 1));
        transport.offer(datagram(1200, 2));
        assertThat(transport.getReceiveLimit()).isEqualTo(100);
        assertThat(transport.receive(new byte[100], 0, 100, 0)).isEqualTo(100);
        assertThat(transport.getReceiveLimit()).isEqualTo(1200);
        assertThat(transport.receive(new byte[1200], 0, 1200, 0)).isEqualTo(1200);
        assertThatThrownBy(() -> transport.receive(new byte[1200], 0, 1200, 0))
                .isInstanceOf(QueueDatagramTransport.NothingQueued.class);
    }

    /**
     * BC sizes its buffer once per call and may read on into it after discarding a record: a larger datagram next
     * must wait for a call with a buffer its size, never arrive cut short (a cut close_notify or SCTP packet is lost).
     */
    @Test
    void aDatagramLargerThanTheBufferOfferedWaitsWholeForTheNextCall() throws Exception {
        QueueDatagramTransport transport = draining();
        transport.offer(datagram(14, 1)); // say, a retransmitted ChangeCipherSpec BC drops
        transport.offer(datagram(39, 2)); // then a close_notify
        byte[] small = new byte[transport.getReceiveLimit()];
        assertThat(transport.receive(small, 0, small.length, 0)).isEqualTo(14);
        assertThatThrownBy(() -> transport.receive(small, 0, small.length, 0))
                .isInstanceOf(QueueDatagramTransport.NothingQueued.class);
        assertThat(transport.hasHeldBack()).isTrue();
        assertThat(transport.getReceiveLimit()).isEqualTo(39);
        byte[] whole = new byte[transport.getReceiveLimit()];
        assertThat(transport.receive(whole, 0, whole.length, 0)).isEqualTo(39);
        assertThat(whole).containsOnly(2);
        assertThat(transport.hasHeldBack()).isFalse();
    }
}
