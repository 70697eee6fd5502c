package dev.peerlink.dtls;

import java.util.BitSet;

/**
 * Keeps a DTLS server's read epoch from moving before the client's CertificateVerify has arrived.
 *
 * <p>The client's second flight is Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished
 * (RFC 6347 §4.2.4; WebRTC always asks for the client's certificate). Bouncy Castle switches its read epoch as soon
 * as a ChangeCipherSpec arrives once the key exchange is processed, and from then on discards epoch-0 records. When
 * the datagram with the CertificateVerify is lost but the ChangeCipherSpec gets through, every retransmitted
 * CertificateVerify is discarded and the handshake stalls until it times out. This filter, run on every datagram
 * the server reads, removes ChangeCipherSpec records until a complete epoch-0 CertificateVerify has been passed on;
 * the client's retransmission of its whole flight (RFC 6347 §4.2.4) then brings the ChangeCipherSpec again, in
 * order. Epoch-1 records that arrive too early are discarded by Bouncy Castle anyway.
 */
final class EarlyChangeCipherSpecFilter {
    private static final int RECORD_HEADER = 13;
    private static final int HANDSHAKE_HEADER = 12;
    private static final int CHANGE_CIPHER_SPEC = 20;
    private static final int HANDSHAKE = 22;
    private static final int CERTIFICATE_VERIFY = 15;

    private boolean certificateVerifySeen;
    private int certificateVerifyLength = -1;
    private final BitSet certificateVerifyBytes = new BitSet();

    /**
     * Filters the datagram in {@code buf[off, off + len)} in place.
     *
     * @return the datagram's new length; 0 when nothing is left
     */
    int filter(byte[] buf, int off, int len) {
        if (certificateVerifySeen) {
            return len;
        }
        int read = off;
        int write = off;
        int end = off + len;
        while (read + RECORD_HEADER <= end) {
            int type = buf[read] & 0xFF;
            int epoch = ((buf[read + 3] & 0xFF) << 8) | (buf[read + 4] & 0xFF);
            int length = ((buf[read + 11] & 0xFF) << 8) | (buf[read + 12] & 0xFF);
            int recordEnd = Math.min(end, read + RECORD_HEADER + length);
            boolean keep = true;
            if (type == HANDSHAKE && epoch == 0) {
                noteHandshakeFragment(buf, read + RECORD_HEADER, recordEnd);
            } else if (type == CHANGE_CIPHER_SPEC && !certificateVerifySeen) {
                keep = false;
            }
            if (keep) {
                if (write != read) {
                    System.arraycopy(buf, read, buf, write, recordEnd - read);
                }
                write += recordEnd - read;
            }
            read = recordEnd;
        }
        if (read < end) { // a truncated tail: leave it for Bouncy Castle to reject
            System.arraycopy(buf, read, buf, write, end - read);
            write += end - read;
        }
        return write - off;
    }

    private void noteHandshakeFragment(byte[] buf, int from, int to) {
        if (to - from < HANDSHAKE_HEADER || (buf[from] & 0xFF) != CERTIFICATE_VERIFY) {
            return;
        }
        int length = uint24(buf, from + 1);
        int fragmentOffset = uint24(buf, from + 6);
        int fragmentLength = uint24(buf, from + 9);
        if (certificateVerifyLength < 0) {
            certificateVerifyLength = length;
        } else if (certificateVerifyLength != length) {
            return; // inconsistent: let Bouncy Castle judge it
        }
        int available = Math.min(fragmentLength, to - from - HANDSHAKE_HEADER);
        if (fragmentOffset + available > length) {
            return;
        }
        certificateVerifyBytes.set(fragmentOffset, fragmentOffset + available);
        if (certificateVerifyBytes.nextClearBit(0) >= length) {
            certificateVerifySeen = true;
        }
    }

    private static int uint24(byte[] buf, int at) {
        return ((buf[at] & 0xFF) << 16) | ((buf[at + 1] & 0xFF) << 8) | (buf[at + 2] & 0xFF);
    }
}
