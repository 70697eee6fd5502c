package dev.peerlink.stun.transport;

import dev.peerlink.stun.StunMessageReader;
import java.nio.ByteBuffer;

/**
 * Finds message boundaries in a byte stream (TCP or TLS). Stateless: given the bytes received so far, it says how
 * long the first frame is.
 */
public interface StreamFramer {
    /** Returned by {@link #frameLength} when more bytes are needed to know. */
    int NEED_MORE = -1;
    /** Returned by {@link #frameLength} when the stream cannot be framed and must be closed. */
    int INVALID = -2;

    /**
     * Length in bytes of the frame starting at {@code buffer}'s position, including any prefix and padding, or
     * {@link #NEED_MORE} or {@link #INVALID}.
     */
    int frameLength(ByteBuffer buffer);

    /** Bytes of prefix before the payload: 2 for RFC 4571, 0 when the payload frames itself. */
    int prefixLength();

    /** Length of the payload inside a frame of {@code frameLength} bytes starting at the buffer's position. */
    int payloadLength(ByteBuffer buffer, int frameLength);

    /**
     * STUN and TURN over TCP/TLS (RFC 8489 §6.2.2, RFC 8656 §11.5): messages follow each other unprefixed; a STUN
     * message's length is in its header, a ChannelData message (first byte 0x40–0x4F) is padded to 4 bytes.
     */
    StreamFramer STUN = new StreamFramer() {
        @Override
        public int frameLength(ByteBuffer buffer) {
            if (buffer.remaining() < 4) {
                return NEED_MORE;
            }
            int first = buffer.get(buffer.position()) & 0xFF;
            int length = buffer.getShort(buffer.position() + 2) & 0xFFFF;
            return switch (PacketKind.classify(first)) {
                case STUN -> (length & 3) == 0 ? StunMessageReader.HEADER_LENGTH + length : INVALID;
                case TURN_CHANNEL_DATA -> 4 + ((length + 3) & ~3);
                default -> INVALID;
            };
        }

        @Override
        public int prefixLength() {
            return 0;
        }

        @Override
        public int payloadLength(ByteBuffer buffer, int frameLength) {
            int first = buffer.get(buffer.position()) & 0xFF;
            return PacketKind.classify(first) == PacketKind.TURN_CHANNEL_DATA
                    ? 4 + (buffer.getShort(buffer.position() + 2) & 0xFFFF)
                    : frameLength;
        }
    };

    /**
     * RFC 4571 §2 framing, used by ICE-TCP (RFC 6544 §3): each packet is preceded by its 16-bit length, so STUN,
     * DTLS and RTP can share one connection.
     */
    StreamFramer RFC4571 = new StreamFramer() {
        @Override
        public int frameLength(ByteBuffer buffer) {
            if (buffer.remaining() < 2) {
                return NEED_MORE;
            }
            return 2 + (buffer.getShort(buffer.position()) & 0xFFFF);
        }

        @Override
        public int prefixLength() {
            return 2;
        }

        @Override
        public int payloadLength(ByteBuffer buffer, int frameLength) {
            return frameLength - 2;
        }
    };

    /** Writes the RFC 4571 length prefix for a payload of {@code length} bytes. */
    static void writeRfc4571Prefix(ByteBuffer out, int length) {
        if (length < 0 || length > 0xFFFF) {
            throw new IllegalArgumentException("an RFC 4571 frame holds at most 65535 bytes, not " + length);
        }
        out.putShort((short) length);
    }
}
