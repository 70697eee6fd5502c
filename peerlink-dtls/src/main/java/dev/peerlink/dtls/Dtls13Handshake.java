package dev.peerlink.dtls;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * DTLS 1.3 handshake messages (RFC 9147 §5.2): the flights a side sends, packed into records and datagrams and
 * fragmented to the MTU (§5.5); the messages it receives, reassembled from fragments and taken in message_seq order;
 * and the transcript over TLS-style messages. Shared by both sides; not thread-safe.
 */
final class Dtls13Handshake {
    static final int HEADER = 12;

    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    static final int ENCRYPTED_EXTENSIONS = 8;
    static final int CERTIFICATE = 11;
    static final int CERTIFICATE_REQUEST = 13;
    static final int CERTIFICATE_VERIFY = 15;
    static final int FINISHED = 20;
    static final int KEY_UPDATE = 24;

    /** Messages further ahead than this are dropped, not buffered (RFC 9147 §5.2 allows either). */
    private static final int MAX_MESSAGES_AHEAD = 4;
    /** The largest handshake message reassembled: a chain of a few certificates. */
    private static final int MAX_MESSAGE = 64 * 1024;
    /** A fragment smaller than this is not worth a record of its own: the datagram is sent and a new one begun. */
    private static final int MIN_FRAGMENT = 64;

    private Dtls13Handshake() {
    }

    /** One handshake message, its body without the DTLS header. */
    record Message(int type, int epoch, int messageSeq, byte[] body) {
    }

    /** What {@link Inbound#add} did with a fragment. */
    enum Received { NEW, OLD, DROPPED }

    // -------------------------------------------------------------------------------------------------- sending

    /**
     * The datagrams of a flight (RFC 9147 §5.8.1: a retransmission sends the same messages in new records), each
     * message in records of its epoch, fragmented where it does not fit what is left of the MTU (§5.5).
     */
    static List<byte[]> datagrams(List<Message> flight, Dtls13RecordLayer records, int mtu) {
        List<byte[]> datagrams = new ArrayList<>();
        byte[] datagram = new byte[mtu];
        int length = 0;
        for (Message message : flight) {
            int offset = 0;
            do {
                int room = mtu - length - Dtls13RecordLayer.recordLength(message.epoch(), HEADER);
                int left = message.body().length - offset;
                if (length > 0 && (room <= 0 || room < Math.min(left, MIN_FRAGMENT))) {
                    datagrams.add(Arrays.copyOf(datagram, length));
                    length = 0;
                    continue;
                }
                if (room <= 0) {
                    throw new IllegalStateException("a " + mtu + "-byte MTU leaves no room for a handshake record");
                }
                int fragmentLength = Math.min(room, left);
                byte[] fragment = new byte[HEADER + fragmentLength];
                fragment[0] = (byte) message.type();
                putU24(fragment, 1, message.body().length);
                fragment[4] = (byte) (message.messageSeq() >>> 8);
                fragment[5] = (byte) message.messageSeq();
                putU24(fragment, 6, offset);
                putU24(fragment, 9, fragmentLength);
                System.arraycopy(message.body(), offset, fragment, HEADER, fragmentLength);
                length += records.write(message.epoch(), Dtls13RecordLayer.CONTENT_HANDSHAKE, fragment, 0,
                        fragment.length, datagram, length);
                offset += fragmentLength;
            } while (offset < message.body().length);
        }
        if (length > 0) {
            datagrams.add(Arrays.copyOf(datagram, length));
        }
        return datagrams;
    }

    // ------------------------------------------------------------------------------------------------ receiving

    /** The messages a side receives: next_receive_seq and the fragments of messages not yet complete (§5.2). */
    static final class Inbound {
        private int nextReceiveSeq;
        private final Map<Integer, Partial> partial = new HashMap<>();

        /**
         * Adds the handshake fragments of one record's content.
         *
         * @return {@link Received#OLD} when the record repeated a message already taken (a sign the peer did not hear
         *         our answer), {@link Received#NEW} when it added to a message still to come
         */
        Received add(int epoch, byte[] buf, int off, int len) throws TlsFatalAlert {
            TlsReader in = new TlsReader(buf, off, len);
            Received result = Received.DROPPED;
            while (in.remaining() > 0) {
                int type = in.u8();
                int length = in.u24();
                int messageSeq = in.u16();
                int fragmentOffset = in.u24();
                byte[] fragment = in.vector24();
                if (length > MAX_MESSAGE || fragmentOffset + fragment.length > length) {
                    throw new TlsFatalAlert(AlertDescription.decode_error,
                            "a handshake fragment beyond its message's length");
                }
                if (messageSeq < nextReceiveSeq) {
                    result = result == Received.NEW ? result : Received.OLD;
                    continue;
                }
                if (messageSeq > nextReceiveSeq + MAX_MESSAGES_AHEAD) {
                    continue;
                }
                Partial message = partial.computeIfAbsent(messageSeq, seq -> new Partial(type, epoch, length));
                if (message.type != type || message.body.length != length || message.epoch != epoch) {
                    throw new TlsFatalAlert(AlertDescription.illegal_parameter, "handshake message " + messageSeq
                            + " changed its type, length or epoch between fragments");
                }
                message.add(fragmentOffset, fragment);
                result = Received.NEW;
            }
            return result;
        }

        /** The next message in message_seq order once it is complete, else null. */
        Message next() {
            Partial message = partial.get(nextReceiveSeq);
            if (message == null || !message.complete()) {
                return null;
            }
            partial.remove(nextReceiveSeq);
            return new Message(message.type, message.epoch, nextReceiveSeq++, message.body);
        }

        void clear() {
            partial.clear();
        }
    }

    /** One message being put together from fragments, which may overlap (RFC 9147 §5.5). */
    private static final class Partial {
        final int type;
        final int epoch;
        final byte[] body;
        private final BitSet received = new BitSet();

        Partial(int type, int epoch, int length) {
            this.type = type;
            this.epoch = epoch;
            this.body = new byte[length];
        }

        void add(int offset, byte[] fragment) {
            System.arraycopy(fragment, 0, body, offset, fragment.length);
            received.set(offset, offset + fragment.length);
        }

        boolean complete() {
            return received.nextClearBit(0) >= body.length;
        }
    }

    // ----------------------------------------------------------------------------------------------- transcript

    /** RFC 9147 §5.2: the transcript hash runs over TLS-style messages, without the DTLS header fields. */
    static final class Transcript {
        private final MessageDigest digest = Dtls13KeySchedule.sha256();

        void add(int type, byte[] body) {
            digest.update((byte) type);
            digest.update((byte) (body.length >>> 16));
            digest.update((byte) (body.length >>> 8));
            digest.update((byte) body.length);
            digest.update(body);
        }

        byte[] hash() {
            try {
                return ((MessageDigest) digest.clone()).digest();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("this JDK's SHA-256 cannot be cloned", e);
            }
        }
    }

    private static void putU24(byte[] out, int at, int value) {
        out[at] = (byte) (value >>> 16);
        out[at + 1] = (byte) (value >>> 8);
        out[at + 2] = (byte) value;
    }
}
