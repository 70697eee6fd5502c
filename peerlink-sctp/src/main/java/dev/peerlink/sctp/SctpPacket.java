package dev.peerlink.sctp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * SCTP packet format (RFC 9260 §3): constants, the CRC32c checksum (RFC 9260 §6.8, Appendix A) and a decoder
 * for diagnostics and tests. The association itself reads packets in place without this decoder.
 */
public final class SctpPacket {

    public static final int COMMON_HEADER_LENGTH = 12;
    public static final int DATA_HEADER_LENGTH = 16;

    // Chunk types (RFC 9260 §3.2, RFC 3758 §3.2, RFC 6525 §3.1).
    public static final int DATA = 0;
    public static final int INIT = 1;
    public static final int INIT_ACK = 2;
    public static final int SACK = 3;
    public static final int HEARTBEAT = 4;
    public static final int HEARTBEAT_ACK = 5;
    public static final int ABORT = 6;
    public static final int SHUTDOWN = 7;
    public static final int SHUTDOWN_ACK = 8;
    public static final int ERROR = 9;
    public static final int COOKIE_ECHO = 10;
    public static final int COOKIE_ACK = 11;
    public static final int SHUTDOWN_COMPLETE = 14;
    public static final int RE_CONFIG = 130;
    public static final int FORWARD_TSN = 192;
    /** PAD (RFC 4820 §3): fills a packet to a size, as in RFC 8899 §6.2.1.2 probe packets; its type says "skip". */
    public static final int PAD = 0x84;

    // DATA chunk flags (RFC 9260 §3.3.1).
    public static final int FLAG_END = 0x01;
    public static final int FLAG_BEGIN = 0x02;
    public static final int FLAG_UNORDERED = 0x04;
    public static final int FLAG_IMMEDIATE = 0x08;
    /** ABORT and SHUTDOWN COMPLETE: the T bit (RFC 9260 §3.3.7). */
    public static final int FLAG_T = 0x01;

    // INIT / INIT ACK parameters (RFC 9260 §3.3.2, RFC 3758 §3.1, RFC 5061 §4.2.7).
    public static final int PARAM_HEARTBEAT_INFO = 1;
    public static final int PARAM_STATE_COOKIE = 7;
    public static final int PARAM_UNRECOGNIZED = 8;
    public static final int PARAM_COOKIE_PRESERVATIVE = 9;
    public static final int PARAM_SUPPORTED_EXTENSIONS = 0x8008;
    public static final int PARAM_FORWARD_TSN_SUPPORTED = 0xC000;

    // RE-CONFIG parameters (RFC 6525 §4).
    public static final int PARAM_OUTGOING_SSN_RESET = 13;
    public static final int PARAM_INCOMING_SSN_RESET = 14;
    public static final int PARAM_SSN_TSN_RESET = 15;
    public static final int PARAM_RECONFIG_RESPONSE = 16;
    public static final int PARAM_ADD_OUTGOING_STREAMS = 17;
    public static final int PARAM_ADD_INCOMING_STREAMS = 18;

    // RE-CONFIG results (RFC 6525 §4.4).
    public static final int RESULT_SUCCESS_NOTHING_TO_DO = 0;
    public static final int RESULT_SUCCESS_PERFORMED = 1;
    public static final int RESULT_DENIED = 2;
    public static final int RESULT_ERROR_WRONG_SSN = 3;
    public static final int RESULT_ERROR_REQUEST_IN_PROGRESS = 4;
    public static final int RESULT_ERROR_BAD_SEQUENCE_NUMBER = 5;
    public static final int RESULT_IN_PROGRESS = 6;

    // Error causes (RFC 9260 §3.3.10).
    public static final int CAUSE_INVALID_STREAM = 1;
    public static final int CAUSE_MISSING_PARAMETER = 2;
    public static final int CAUSE_STALE_COOKIE = 3;
    public static final int CAUSE_UNRECOGNIZED_CHUNK = 6;
    public static final int CAUSE_INVALID_PARAMETER = 7;
    public static final int CAUSE_UNRECOGNIZED_PARAMETERS = 8;
    public static final int CAUSE_NO_USER_DATA = 9;
    public static final int CAUSE_USER_ABORT = 12;
    public static final int CAUSE_PROTOCOL_VIOLATION = 13;

    private SctpPacket() {
    }

    /**
     * The CRC32c of an SCTP packet with its checksum field taken as zero (RFC 9260 §6.8). The packet is
     * {@code buf[position, limit)}; neither the buffer's content nor its position change.
     */
    public static int checksum(CRC32C crc, ByteBuffer buf) {
        int start = buf.position();
        int end = buf.limit();
        crc.reset();
        if (buf.hasArray()) {
            byte[] a = buf.array();
            int off = buf.arrayOffset() + start;
            crc.update(a, off, 8);
            crc.update(0);
            crc.update(0);
            crc.update(0);
            crc.update(0);
            crc.update(a, off + 12, end - start - 12);
        } else {
            int savedLimit = buf.limit();
            buf.limit(start + 8);
            crc.update(buf);
            crc.update(0);
            crc.update(0);
            crc.update(0);
            crc.update(0);
            buf.limit(savedLimit).position(start + 12);
            crc.update(buf);
            buf.position(start);
        }
        return (int) crc.getValue();
    }

    /**
     * The checksum as it sits in the packet: RFC 9260 Appendix A transmits the CRC32c least significant byte
     * first, so the field reads as a little-endian integer.
     */
    public static int storedChecksum(ByteBuffer buf) {
        return Integer.reverseBytes(buf.getInt(buf.position() + 8));
    }

    /** Writes the checksum of {@code packet[0, length)} into its common header. */
    public static void sign(CRC32C crc, byte[] packet, int length) {
        crc.reset();
        packet[8] = 0;
        packet[9] = 0;
        packet[10] = 0;
        packet[11] = 0;
        crc.update(packet, 0, length);
        int v = (int) crc.getValue();
        packet[8] = (byte) v;
        packet[9] = (byte) (v >>> 8);
        packet[10] = (byte) (v >>> 16);
        packet[11] = (byte) (v >>> 24);
    }

    /** Whether the packet's checksum is right. */
    public static boolean checksumValid(ByteBuffer buf) {
        return buf.remaining() >= COMMON_HEADER_LENGTH && checksum(new CRC32C(), buf) == storedChecksum(buf);
    }

    /** One chunk: its type, flags and value (the bytes after the 4-byte chunk header, padding excluded). */
    public record Chunk(int type, int flags, ByteBuffer value) {
    }

    /** A decoded packet (RFC 9260 §3.1). */
    public record Decoded(int sourcePort, int destinationPort, int verificationTag, List<Chunk> chunks) {

        public List<Chunk> chunksOfType(int type) {
            return chunks.stream().filter(c -> c.type() == type).toList();
        }
    }

    /** A decoded SACK chunk (RFC 9260 §3.3.4); gap blocks are offsets from the cumulative TSN. */
    public record Sack(int cumulativeTsnAck, long advertisedWindow, List<int[]> gapBlocks, List<Integer> duplicateTsns) {

        public static Sack parse(Chunk chunk) {
            ByteBuffer v = chunk.value();
            if (chunk.type() != SACK || v.remaining() < 12) {
                throw new SctpFormatException("not a SACK chunk");
            }
            int p = v.position();
            int gaps = v.getShort(p + 8) & 0xffff;
            int dups = v.getShort(p + 10) & 0xffff;
            if (v.remaining() < 12 + 4 * gaps + 4 * dups) {
                throw new SctpFormatException("SACK chunk shorter than its gap and duplicate counts");
            }
            List<int[]> blocks = new ArrayList<>();
            for (int i = 0; i < gaps; i++) {
                blocks.add(new int[] {v.getShort(p + 12 + 4 * i) & 0xffff, v.getShort(p + 14 + 4 * i) & 0xffff});
            }
            List<Integer> dupList = new ArrayList<>();
            for (int i = 0; i < dups; i++) {
                dupList.add(v.getInt(p + 12 + 4 * gaps + 4 * i));
            }
            return new Sack(v.getInt(p), v.getInt(p + 4) & 0xffffffffL, blocks, dupList);
        }
    }

    /**
     * Decodes a packet for inspection. Throws {@link SctpFormatException} for a packet too short or a chunk that
     * runs past the end; does not check the checksum (see {@link #checksumValid}).
     */
    public static Decoded decode(ByteBuffer packet) {
        ByteBuffer buf = packet.slice();
        if (buf.remaining() < COMMON_HEADER_LENGTH) {
            throw new SctpFormatException("an SCTP packet needs a 12-byte common header, got " + buf.remaining() + " bytes");
        }
        List<Chunk> chunks = new ArrayList<>();
        int pos = COMMON_HEADER_LENGTH;
        int end = buf.limit();
        while (pos + 4 <= end) {
            int length = buf.getShort(pos + 2) & 0xffff;
            if (length < 4 || pos + length > end) {
                throw new SctpFormatException("chunk at offset " + pos + " has a bad length " + length);
            }
            chunks.add(new Chunk(buf.get(pos) & 0xff, buf.get(pos + 1) & 0xff, buf.slice(pos + 4, length - 4)));
            pos += (length + 3) & ~3;
        }
        return new Decoded(buf.getShort(0) & 0xffff, buf.getShort(2) & 0xffff, buf.getInt(4), List.copyOf(chunks));
    }
}
