package dev.peerlink.dtls;

import org.bouncycastle.tls.TlsException;

/**
 * The DTLS 1.3 record layer of one connection (RFC 9147 §4), for either side: reads the records of a datagram,
 * plaintext (epoch 0) or protected (the unified header, epochs 2 and 3), and writes records in the epochs it has keys
 * for. Protected records are always sent with a 16-bit sequence number and a length (RFC 9147 §4: S=1, L=1).
 * Not thread-safe.
 */
final class Dtls13RecordLayer {
    static final int PLAINTEXT_HEADER = 13;
    static final int CIPHERTEXT_HEADER = 5;
    /** Header, inner content type and AEAD tag of every protected record. */
    static final int CIPHERTEXT_OVERHEAD = CIPHERTEXT_HEADER + 1 + Dtls13RecordCipher.TAG_LENGTH;
    /** RFC 8446 §5.1: the plaintext of one record is at most 2^14 bytes. */
    static final int MAX_PLAINTEXT = 1 << 14;

    static final int CONTENT_ALERT = 21;
    static final int CONTENT_HANDSHAKE = 22;
    static final int CONTENT_APPLICATION_DATA = 23;
    static final int CONTENT_ACK = 26;

    static final int EPOCH_HANDSHAKE = 2;
    static final int EPOCH_APPLICATION = 3;

    /** What {@link #read} found: one record's content, in place in the datagram's buffer. */
    interface RecordHandler {
        /** @return false to stop reading the datagram */
        boolean record(int type, int epoch, long sequence, byte[] buf, int off, int len) throws TlsException;
    }

    /**
     * The read keys by the epoch's low two bits, as the unified header carries them (RFC 9147 §4.2.2): 2 and 3 during
     * the handshake; after a KeyUpdate the new epoch takes its slot, and the previous epoch keeps its own for records
     * that were still on their way.
     */
    private final Dtls13RecordCipher[] readByEpochBits = new Dtls13RecordCipher[4];
    private final long[] readHighest = {-1, -1, -1, -1};
    private Dtls13RecordCipher writeHandshake;
    /** The current sending epoch's keys once there are application keys (3, then one more per KeyUpdate). */
    private Dtls13RecordCipher writeApplication;
    private long writeSequencePlaintext;
    private long writeSequenceHandshake;
    private long writeSequenceApplication;
    private final byte[] header = new byte[CIPHERTEXT_HEADER];
    private byte[] innerPlaintext = new byte[256];

    void readKeys(Dtls13RecordCipher cipher) {
        readByEpochBits[cipher.epoch & 0x03] = cipher;
        readHighest[cipher.epoch & 0x03] = -1;
    }

    /** Drops the read keys of {@code epoch}, if its slot still holds them. */
    void forgetRead(int epoch) {
        int slot = epoch & 0x03;
        if (readByEpochBits[slot] != null && readByEpochBits[slot].epoch == epoch) {
            readByEpochBits[slot].forget();
            readByEpochBits[slot] = null;
        }
    }

    /** Drops every epoch's keys, read and write; records of a protected epoch are neither read nor written after. */
    void forget() {
        for (int slot = 0; slot < readByEpochBits.length; slot++) {
            if (readByEpochBits[slot] != null) {
                readByEpochBits[slot].forget();
                readByEpochBits[slot] = null;
            }
        }
        for (Dtls13RecordCipher cipher : new Dtls13RecordCipher[] {writeHandshake, writeApplication}) {
            if (cipher != null) {
                cipher.forget();
            }
        }
        writeHandshake = null;
        writeApplication = null;
    }

    /** The keys to send with: the handshake's (epoch 2), then each application epoch's in turn (3, 4, ...). */
    void writeKeys(Dtls13RecordCipher cipher) {
        if (cipher.epoch == EPOCH_HANDSHAKE) {
            writeHandshake = cipher;
        } else {
            writeApplication = cipher;
            writeSequenceApplication = 0; // RFC 9147 §4.2: sequence numbers start again in each epoch
        }
    }

    /** The highest epoch this side can send in: its application epoch, 2 with handshake keys only, else 0. */
    int writeEpoch() {
        return writeApplication != null ? writeApplication.epoch : writeHandshake != null ? EPOCH_HANDSHAKE : 0;
    }

    /** Records sent so far in the current application epoch (what AEAD usage limits count). */
    long applicationRecordsWritten() {
        return writeSequenceApplication;
    }

    /** The sequence number the next record in {@code epoch} will carry. */
    long nextWriteSequence(int epoch) {
        return epoch == 0 ? writeSequencePlaintext
                : epoch == EPOCH_HANDSHAKE ? writeSequenceHandshake : writeSequenceApplication;
    }

    /**
     * Reads the records of one datagram in order (RFC 9147 §4.3). A protected record is decrypted in place; one that
     * fails to authenticate, or whose epoch this side has no keys for, is dropped (§4.5.2); a record that does not
     * parse ends the datagram.
     */
    void read(byte[] buf, int off, int len, RecordHandler handler) throws TlsException {
        int at = off;
        int end = off + len;
        while (at < end) {
            int first = buf[at] & 0xFF;
            if (first == CONTENT_ALERT || first == CONTENT_HANDSHAKE || first == CONTENT_ACK) {
                // RFC 9147 §4.1: DTLSPlaintext, which DTLS 1.3 only ever sends in epoch 0.
                if (end - at < PLAINTEXT_HEADER) {
                    return;
                }
                int epoch = u16(buf, at + 3);
                long sequence = u48(buf, at + 5);
                int length = u16(buf, at + 11);
                if (at + PLAINTEXT_HEADER + length > end) {
                    return;
                }
                if (epoch == 0 && !handler.record(first, 0, sequence, buf, at + PLAINTEXT_HEADER, length)) {
                    return;
                }
                at += PLAINTEXT_HEADER + length;
            } else if ((first & 0xE0) == 0x20) {
                int consumed = readCiphertext(buf, at, end, handler);
                if (consumed < 0) {
                    return;
                }
                at += consumed;
            } else {
                return; // RFC 9147 §4.1: neither form; rejected as if it failed deprotection
            }
        }
    }

    /** A DTLSCiphertext at {@code buf[at]}: its length on the wire, or -1 to stop reading the datagram. */
    private int readCiphertext(byte[] buf, int at, int end, RecordHandler handler) throws TlsException {
        int first = buf[at] & 0xFF;
        if ((first & 0x10) != 0) {
            return -1; // a connection ID, which is never negotiated here (RFC 9146)
        }
        int sequenceLength = (first & 0x08) != 0 ? 2 : 1;
        boolean lengthPresent = (first & 0x04) != 0;
        int headerLength = 1 + sequenceLength + (lengthPresent ? 2 : 0);
        if (end - at < headerLength) {
            return -1;
        }
        int ciphertextAt = at + headerLength;
        int recordLength = lengthPresent ? u16(buf, at + 1 + sequenceLength) : end - ciphertextAt;
        if (ciphertextAt + recordLength > end) {
            return -1;
        }
        int consumed = headerLength + recordLength;
        int slot = first & 0x03;
        Dtls13RecordCipher cipher = readByEpochBits[slot];
        if (cipher == null || recordLength < Dtls13RecordCipher.MASK_SAMPLE) {
            return consumed; // no keys for that epoch (yet), or too short to carry a mask: dropped
        }
        byte[] aad = headerLength == CIPHERTEXT_HEADER ? header : new byte[headerLength];
        System.arraycopy(buf, at, aad, 0, headerLength);
        cipher.applyRecordNumberMask(aad, 1, sequenceLength, buf, ciphertextAt);
        int wireSequence = sequenceLength == 2 ? u16(aad, 1) : aad[1] & 0xFF;
        long sequence = reconstruct(readHighest[slot], wireSequence, sequenceLength * 8);
        int plaintextLength = cipher.open(sequence, aad, 0, headerLength, buf, ciphertextAt, recordLength);
        if (plaintextLength < 0) {
            return consumed; // failed authentication: dropped (RFC 9147 §4.5.2)
        }
        readHighest[slot] = Math.max(readHighest[slot], sequence);
        // RFC 8446 §5.4: the content type is the last non-zero byte; zeros after it are padding.
        int typeAt = ciphertextAt + plaintextLength - 1;
        while (typeAt >= ciphertextAt && buf[typeAt] == 0) {
            typeAt--;
        }
        if (typeAt < ciphertextAt) {
            return consumed; // no content type at all: dropped like a record that fails deprotection
        }
        boolean more = handler.record(buf[typeAt] & 0xFF, cipher.epoch, sequence, buf, ciphertextAt,
                typeAt - ciphertextAt);
        return more ? consumed : -1;
    }

    /** RFC 9147 §4.2.2: the full sequence number closest to one more than the highest deprotected one. */
    static long reconstruct(long highest, int wireBits, int bitCount) {
        long window = 1L << bitCount;
        long expected = highest + 1;
        long candidate = (expected & ~(window - 1)) | wireBits;
        long best = candidate;
        for (long option : new long[] {candidate - window, candidate + window}) {
            if (option >= 0 && Math.abs(option - expected) < Math.abs(best - expected)) {
                best = option;
            }
        }
        return best;
    }

    /**
     * Writes one record of {@code content[off, off + len)} at {@code out[at]}: plaintext in epoch 0, protected in 2
     * or 3 (the caller must have given this layer that epoch's keys).
     *
     * @return the record's length on the wire
     */
    int write(int epoch, int type, byte[] content, int off, int len, byte[] out, int at) {
        if (epoch == 0 && type == CONTENT_APPLICATION_DATA) {
            throw new IllegalStateException("application data is never sent unprotected (no keys: closed?)");
        }
        return epoch == 0 ? writePlaintext(type, content, off, len, out, at)
                : writeProtected(epoch == EPOCH_HANDSHAKE ? writeHandshake : writeApplication,
                        epoch == EPOCH_HANDSHAKE ? writeSequenceHandshake++ : writeSequenceApplication++,
                        type, content, off, len, out, at);
    }

    /** One record in the highest epoch this side can send in, as a datagram of its own. */
    byte[] writeDatagram(int type, byte[] content, int off, int len) {
        int epoch = writeEpoch();
        byte[] out = new byte[(epoch == 0 ? PLAINTEXT_HEADER : CIPHERTEXT_OVERHEAD) + len];
        write(epoch, type, content, off, len, out, 0);
        return out;
    }

    /** The bytes a record of {@code contentLength} bytes takes in {@code epoch}. */
    static int recordLength(int epoch, int contentLength) {
        return (epoch == 0 ? PLAINTEXT_HEADER : CIPHERTEXT_OVERHEAD) + contentLength;
    }

    private int writePlaintext(int type, byte[] content, int off, int len, byte[] out, int at) {
        long sequence = writeSequencePlaintext++;
        out[at] = (byte) type;
        out[at + 1] = (byte) 0xFE; // RFC 9147 §4: legacy_record_version {254, 253}
        out[at + 2] = (byte) 0xFD;
        out[at + 3] = 0;
        out[at + 4] = 0;
        for (int i = 0; i < 6; i++) {
            out[at + 5 + i] = (byte) (sequence >>> (8 * (5 - i)));
        }
        out[at + 11] = (byte) (len >>> 8);
        out[at + 12] = (byte) len;
        System.arraycopy(content, off, out, at + PLAINTEXT_HEADER, len);
        return PLAINTEXT_HEADER + len;
    }

    /** RFC 9147 §4: unified header, AEAD over content + type, then record number encryption (§4.2.3). */
    private int writeProtected(Dtls13RecordCipher cipher, long sequence, int type, byte[] content, int off, int len,
                               byte[] out, int at) {
        int innerLength = len + 1;
        if (innerPlaintext.length < innerLength) {
            innerPlaintext = new byte[Math.max(innerLength, innerPlaintext.length * 2)];
        }
        System.arraycopy(content, off, innerPlaintext, 0, len);
        innerPlaintext[len] = (byte) type;
        int ciphertextLength = innerLength + Dtls13RecordCipher.TAG_LENGTH;
        out[at] = (byte) (0x2C | (cipher.epoch & 0x03));
        out[at + 1] = (byte) (sequence >>> 8);
        out[at + 2] = (byte) sequence;
        out[at + 3] = (byte) (ciphertextLength >>> 8);
        out[at + 4] = (byte) ciphertextLength;
        int written = cipher.seal(sequence, out, at, CIPHERTEXT_HEADER, innerPlaintext, 0, innerLength,
                at + CIPHERTEXT_HEADER);
        cipher.applyRecordNumberMask(out, at + 1, 2, out, at + CIPHERTEXT_HEADER);
        return CIPHERTEXT_HEADER + written;
    }

    static int u16(byte[] buf, int at) {
        return ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
    }

    private static long u48(byte[] buf, int at) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = (value << 8) | (buf[at + i] & 0xFF);
        }
        return value;
    }
}
