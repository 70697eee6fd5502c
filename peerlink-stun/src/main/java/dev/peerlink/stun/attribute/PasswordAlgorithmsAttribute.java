package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PASSWORD-ALGORITHMS (RFC 8489 §14.11) — the list a server offers — and PASSWORD-ALGORITHM (§14.12) — the one
 * a client chose — share the entry format: 16-bit algorithm, 16-bit parameter length, parameters, padding.
 */
public record PasswordAlgorithmsAttribute(int type, List<Entry> algorithms) implements StunAttribute {
    /** One algorithm: its number (1 MD5, 2 SHA-256) and its parameters (none for those two). */
    public record Entry(int algorithm, byte[] parameters) {
        public Entry {
            parameters = parameters.clone();
        }

        public Entry(int algorithm) {
            this(algorithm, new byte[0]);
        }

        @Override
        public byte[] parameters() {
            return parameters.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Entry that && algorithm == that.algorithm
                    && Arrays.equals(parameters, that.parameters);
        }

        @Override
        public int hashCode() {
            return 31 * algorithm + Arrays.hashCode(parameters);
        }

        @Override
        public String toString() {
            return "algorithm " + algorithm + (parameters.length == 0 ? "" : " with " + parameters.length + " bytes");
        }

        private int encodedLength() {
            return 4 + ((parameters.length + 3) & ~3);
        }
    }

    public PasswordAlgorithmsAttribute {
        if (type != StunAttributeType.PASSWORD_ALGORITHMS && type != StunAttributeType.PASSWORD_ALGORITHM) {
            throw new IllegalArgumentException(StunAttributeType.name(type) + " is not a password algorithm attribute");
        }
        algorithms = List.copyOf(algorithms);
        if (type == StunAttributeType.PASSWORD_ALGORITHM && algorithms.size() != 1) {
            throw new IllegalArgumentException("PASSWORD-ALGORITHM holds exactly one algorithm");
        }
    }

    public static PasswordAlgorithmsAttribute offered(List<Entry> algorithms) {
        return new PasswordAlgorithmsAttribute(StunAttributeType.PASSWORD_ALGORITHMS, algorithms);
    }

    public static PasswordAlgorithmsAttribute chosen(Entry algorithm) {
        return new PasswordAlgorithmsAttribute(StunAttributeType.PASSWORD_ALGORITHM, List.of(algorithm));
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        int length = 0;
        for (Entry entry : algorithms) {
            length += entry.encodedLength();
        }
        ByteBuffer value = ByteBuffer.allocate(length);
        for (Entry entry : algorithms) {
            value.putShort((short) entry.algorithm).putShort((short) entry.parameters.length).put(entry.parameters);
            value.position(value.position() + ((4 - entry.parameters.length % 4) % 4));
        }
        writer.addBytes(type, value.array());
    }

    static PasswordAlgorithmsAttribute decode(int type, ByteBuffer value) throws StunDecodeException {
        List<Entry> entries = new ArrayList<>();
        int offset = 0;
        while (offset < value.remaining()) {
            if (offset + 4 > value.remaining()) {
                throw new StunDecodeException(StunAttributeType.name(type) + " ends inside an algorithm entry");
            }
            int algorithm = value.getShort(offset) & 0xFFFF;
            int parameterLength = value.getShort(offset + 2) & 0xFFFF;
            if (offset + 4 + parameterLength > value.remaining()) {
                throw new StunDecodeException(StunAttributeType.name(type) + " parameters run past its end");
            }
            byte[] parameters = new byte[parameterLength];
            value.get(offset + 4, parameters);
            entries.add(new Entry(algorithm, parameters));
            offset += 4 + ((parameterLength + 3) & ~3);
        }
        if (type == StunAttributeType.PASSWORD_ALGORITHM && entries.size() != 1) {
            throw new StunDecodeException("PASSWORD-ALGORITHM must hold exactly one algorithm");
        }
        return new PasswordAlgorithmsAttribute(type, entries);
    }
}
