package dev.peerlink.turn.wire;

import java.nio.ByteBuffer;

/**
 * A reusable, allocation-free view of one ChannelData message (RFC 8656 §12.4): a 16-bit channel number, a 16-bit
 * length of the application data, the data, and — over TCP and TLS — padding to a multiple of 4 bytes.
 *
 * <pre>
 *   0                   1                   2                   3
 *   |         Channel Number        |            Length             |
 *   |                       Application Data ...                    |
 * </pre>
 *
 * <p>{@link #wrapDatagram} and {@link #wrapStream} validate and record the fields; the accessors then return
 * them, and the data stays in the buffer. One instance per thread.
 */
public final class ChannelData {
    public static final int HEADER_LENGTH = 4;
    /** RFC 8656 §12: the channel numbers a client may bind. */
    public static final int MIN_CHANNEL = 0x4000;
    public static final int MAX_CHANNEL = 0x4FFF;
    /**
     * RFC 5766 §11 allowed 0x4000–0x7FFF; RFC 8656 §12 narrowed it so that ChannelData's first byte stays in RFC
     * 7983's 64–79. RFC 5766 clients still pick numbers up to 0x7FFF (coturn's turnutils_uclient does), so a server
     * that wants them may accept the old range on its own listeners, where nothing else is multiplexed.
     */
    public static final int MAX_CHANNEL_RFC5766 = 0x7FFF;

    /** The outcome of parsing. */
    public enum Status {
        OK,
        /** A datagram shorter than its header says: discarded (RFC 8656 §12.5). */
        TRUNCATED,
        /** A stream that does not yet hold the whole message: read more. */
        NEED_MORE,
        /** A channel number outside 0x4000–0x4FFF: not ChannelData this server can accept. */
        INVALID_CHANNEL,
        /** A datagram with more after the data than padding to 4 bytes: not one ChannelData message. */
        TRAILING_BYTES
    }

    private final int maxChannel;
    private ByteBuffer buffer;
    private int start;
    private int channel;
    private int dataLength;
    private int frameLength;

    /** A view that accepts RFC 8656's channel numbers, 0x4000–0x4FFF. */
    public ChannelData() {
        this(false);
    }

    /** A view that also accepts RFC 5766's 0x5000–0x7FFF when {@code acceptRfc5766Range}. */
    public ChannelData(boolean acceptRfc5766Range) {
        this.maxChannel = acceptRfc5766Range ? MAX_CHANNEL_RFC5766 : MAX_CHANNEL;
    }

    public static boolean isValidChannel(int channel) {
        return channel >= MIN_CHANNEL && channel <= MAX_CHANNEL;
    }

    /** Whether {@code channel} was a valid number under RFC 5766 §11 (0x4000–0x7FFF). */
    public static boolean isRfc5766Channel(int channel) {
        return channel >= MIN_CHANNEL && channel <= MAX_CHANNEL_RFC5766;
    }

    /**
     * Parses the UDP datagram that fills {@code buffer} from its position to its limit. Padding is optional over
     * UDP (RFC 8656 §12.5); up to 3 bytes of it are accepted. Position and limit are unchanged.
     */
    public Status wrapDatagram(ByteBuffer buffer) {
        Status status = readHeader(buffer);
        if (status != Status.OK) {
            return status == Status.NEED_MORE ? Status.TRUNCATED : status;
        }
        int available = buffer.limit() - start;
        if (HEADER_LENGTH + dataLength > available) {
            return Status.TRUNCATED;
        }
        if (available > HEADER_LENGTH + padded(dataLength)) {
            return Status.TRAILING_BYTES;
        }
        frameLength = available;
        return Status.OK;
    }

    /**
     * Parses the message at {@code buffer}'s position in a TCP or TLS stream, where it is always padded to 4 bytes
     * (RFC 8656 §12.5) and more messages may follow. {@link #frameLength()} says how far to advance.
     */
    public Status wrapStream(ByteBuffer buffer) {
        Status status = readHeader(buffer);
        if (status != Status.OK) {
            return status;
        }
        int frame = HEADER_LENGTH + padded(dataLength);
        if (buffer.limit() - start < frame) {
            return Status.NEED_MORE;
        }
        frameLength = frame;
        return Status.OK;
    }

    private Status readHeader(ByteBuffer buffer) {
        this.buffer = buffer;
        this.start = buffer.position();
        this.channel = 0;
        this.dataLength = 0;
        this.frameLength = 0;
        if (buffer.limit() - start < 2) {
            return Status.NEED_MORE;
        }
        int number = buffer.getShort(start) & 0xFFFF;
        if (number < MIN_CHANNEL || number > maxChannel) {
            return Status.INVALID_CHANNEL;
        }
        if (buffer.limit() - start < HEADER_LENGTH) {
            return Status.NEED_MORE;
        }
        this.channel = number;
        this.dataLength = buffer.getShort(start + 2) & 0xFFFF;
        return Status.OK;
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int channel() {
        return channel;
    }

    /** Absolute offset of the application data in {@link #buffer()}. */
    public int dataOffset() {
        return start + HEADER_LENGTH;
    }

    public int dataLength() {
        return dataLength;
    }

    /** Bytes the message occupies, padding included. */
    public int frameLength() {
        return frameLength;
    }

    /**
     * Writes a ChannelData message at {@code out}'s position: header, {@code length} bytes of {@code data} from
     * absolute offset {@code offset}, and zero padding when {@code padToFour} (required over TCP/TLS, optional over
     * UDP). Advances the position and returns the bytes written.
     */
    public static int write(ByteBuffer out, int channel, ByteBuffer data, int offset, int length, boolean padToFour) {
        if (!isRfc5766Channel(channel)) { // the widest range a server may have accepted in a ChannelBind
            throw new IllegalArgumentException(String.format("channel 0x%04X is outside 0x4000–0x7FFF", channel));
        }
        if (length < 0 || length > 0xFFFF) {
            throw new IllegalArgumentException("ChannelData carries at most 65535 bytes, not " + length);
        }
        int begin = out.position();
        out.putShort((short) channel).putShort((short) length);
        out.put(out.position(), data, offset, length);
        out.position(out.position() + length);
        if (padToFour) {
            for (int i = length; (i & 3) != 0; i++) {
                out.put((byte) 0);
            }
        }
        return out.position() - begin;
    }
}
