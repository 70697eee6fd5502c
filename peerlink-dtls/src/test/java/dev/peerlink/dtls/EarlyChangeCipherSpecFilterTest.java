package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EarlyChangeCipherSpecFilterTest {
    private static byte[] record(int type, int epoch, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        out.write(0xFE);
        out.write(0xFD);
        out.write(epoch >> 8);
        out.write(epoch);
        out.writeBytes(new byte[6]);
        out.write(body.length >> 8);
        out.write(body.length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] handshake(int msgType, int length, int offset, byte[] fragment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(msgType);
        out.writeBytes(new byte[] {(byte) (length >> 16), (byte) (length >> 8), (byte) length});
        out.writeBytes(new byte[] {0, 3});
        out.writeBytes(new byte[] {(byte) (offset >> 16), (byte) (offset >> 8), (byte) offset});
        int n = fragment.length;
        out.writeBytes(new byte[] {(byte) (n >> 16), (byte) (n >> 8), (byte) n});
        out.writeBytes(fragment);
        return out.toByteArray();
    }

    private static int filter(EarlyChangeCipherSpecFilter filter, byte[] datagram) {
        return filter.filter(datagram, 0, datagram.length);
    }

    @Test
    void dropsChangeCipherSpecUntilTheCertificateVerifyIsComplete() {
        EarlyChangeCipherSpecFilter filter = new EarlyChangeCipherSpecFilter();
        byte[] ccs = record(20, 0, new byte[] {1});
        byte[] finished = record(22, 1, new byte[40]);
        // CertificateVerify lost: ChangeCipherSpec removed, the epoch-1 Finished left for BC to discard.
        byte[] datagram = concat(ccs, finished);
        int length = filter(filter, datagram);
        assertThat(Arrays.copyOf(datagram, length)).isEqualTo(finished);
        assertThat(filter(filter, ccs.clone())).isZero();

        // Half a CertificateVerify is not enough ...
        byte[] firstHalf = record(22, 0, handshake(15, 8, 0, new byte[4]));
        assertThat(filter(filter, firstHalf.clone())).isEqualTo(firstHalf.length);
        assertThat(filter(filter, ccs.clone())).isZero();
        // ... the whole one is, and the ChangeCipherSpec in the same datagram after it passes.
        byte[] secondHalf = record(22, 0, handshake(15, 8, 4, new byte[4]));
        byte[] inOrder = concat(secondHalf, ccs, finished);
        assertThat(filter(filter, inOrder.clone())).isEqualTo(inOrder.length);
        assertThat(filter(filter, ccs.clone())).isEqualTo(ccs.length);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
