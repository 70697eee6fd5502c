package dev.peerlink.datachannel;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Data Channel Establishment Protocol messages (RFC 8832 §5), carried with PPID 50. */
public sealed interface DcepMessage {

    int DATA_CHANNEL_ACK = 0x02;
    int DATA_CHANNEL_OPEN = 0x03;

    // Channel types (RFC 8832 §5.1).
    int RELIABLE = 0x00;
    int PARTIAL_RELIABLE_REXMIT = 0x01;
    int PARTIAL_RELIABLE_TIMED = 0x02;
    int UNORDERED_BIT = 0x80;

    /**
     * DATA_CHANNEL_OPEN (RFC 8832 §5.1).
     *
     * @param channelType          one of the channel types, with {@link #UNORDERED_BIT} for unordered delivery
     * @param priority             RFC 8831 §6.4 / RFC 8832 §5.1 priority (256 "normal" by default in browsers)
     * @param reliabilityParameter retransmissions (REXMIT) or lifetime in ms (TIMED); ignored for RELIABLE
     */
    record Open(int channelType, int priority, long reliabilityParameter, String label, String protocol)
            implements DcepMessage {

        public boolean ordered() {
            return (channelType & UNORDERED_BIT) == 0;
        }

        public byte[] encode() {
            byte[] l = label.getBytes(StandardCharsets.UTF_8);
            byte[] p = protocol.getBytes(StandardCharsets.UTF_8);
            if (l.length > 0xffff || p.length > 0xffff) {
                throw new IllegalArgumentException("a data channel label or protocol must fit in 65535 UTF-8 bytes");
            }
            ByteBuffer b = ByteBuffer.allocate(12 + l.length + p.length);
            b.put((byte) DATA_CHANNEL_OPEN).put((byte) channelType).putShort((short) priority)
                    .putInt((int) reliabilityParameter).putShort((short) l.length).putShort((short) p.length).put(l).put(p);
            return b.array();
        }
    }

    /** DATA_CHANNEL_ACK (RFC 8832 §5.2). */
    record Ack() implements DcepMessage {
        public byte[] encode() {
            return new byte[] {DATA_CHANNEL_ACK};
        }
    }

    /** Decodes a PPID 50 message; throws {@link DcepFormatException} for anything RFC 8832 §5 does not define. */
    static DcepMessage decode(byte[] m) {
        if (m.length == 0) {
            throw new DcepFormatException("an empty DCEP message");
        }
        int type = m[0] & 0xff;
        if (type == DATA_CHANNEL_ACK) {
            return new Ack();
        }
        if (type != DATA_CHANNEL_OPEN) {
            throw new DcepFormatException("unknown DCEP message type " + type);
        }
        if (m.length < 12) {
            throw new DcepFormatException("a DATA_CHANNEL_OPEN needs 12 header bytes, got " + m.length);
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        int channelType = m[1] & 0xff;
        int base = channelType & ~UNORDERED_BIT;
        if (base != RELIABLE && base != PARTIAL_RELIABLE_REXMIT && base != PARTIAL_RELIABLE_TIMED) {
            throw new DcepFormatException("unknown data channel type 0x" + Integer.toHexString(channelType));
        }
        int priority = b.getShort(2) & 0xffff;
        long reliability = b.getInt(4) & 0xffffffffL;
        int labelLength = b.getShort(8) & 0xffff;
        int protocolLength = b.getShort(10) & 0xffff;
        if (12 + labelLength + protocolLength > m.length) {
            throw new DcepFormatException("the DATA_CHANNEL_OPEN label and protocol lengths run past its end");
        }
        return new Open(channelType, priority, reliability, utf8(m, 12, labelLength, "label"),
                utf8(m, 12 + labelLength, protocolLength, "protocol"));
    }

    private static String utf8(byte[] m, int off, int len, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(m, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new DcepFormatException("the DATA_CHANNEL_OPEN " + what + " is not valid UTF-8");
        }
    }
}
