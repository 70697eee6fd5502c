package dev.peerlink.ice.mdns;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The little of the DNS wire format (RFC 1035 §4.1) that resolving mDNS host names needs: writing a query for A and
 * AAAA records, and reading the address records out of a response, compressed names included (§4.1.4).
 */
public final class DnsMessages {
    /** RFC 1035 §3.2.2 and RFC 3596 §2.1. */
    public static final int TYPE_A = 1;
    public static final int TYPE_AAAA = 28;
    /** RFC 1035 §3.2.4. */
    public static final int CLASS_IN = 1;

    /** An A or AAAA record. Names are compared without regard to ASCII case (RFC 1035 §2.3.3). */
    public record AddressRecord(String name, InetAddress address, long ttlSeconds) {
    }

    private static final int HEADER_LENGTH = 12;
    private static final int MAX_NAME_LENGTH = 255; // RFC 1035 §2.3.4, in wire octets
    private static final int MAX_LABEL_LENGTH = 63;
    private static final int FLAG_RESPONSE = 0x8000;
    private static final int OPCODE_MASK = 0x7800;
    private static final int RCODE_MASK = 0x000F;
    /** RFC 6762 §10.2: the top bit of a record's class is the cache-flush bit, not part of the class. */
    private static final int CLASS_MASK = 0x7FFF;
    /** RFC 6762 §5.4: the top bit of a question's class asks for a unicast response. */
    private static final int UNICAST_RESPONSE_BIT = 0x8000;

    private DnsMessages() {
    }

    /**
     * A query for the A and AAAA records of {@code name}: ID 0, no flags (RFC 6762 §18.1–§18.3), the questions
     * asking for multicast answers (QM, §5.4), so every querier on the link benefits.
     *
     * @throws IllegalArgumentException for a name that does not fit the wire format
     */
    public static byte[] addressQuery(String name) {
        return query(name, false, TYPE_A, TYPE_AAAA);
    }

    /** A query for {@code name} with one question per type; {@code unicastResponse} sets the QU bit (§5.4). */
    public static byte[] query(String name, boolean unicastResponse, int... types) {
        byte[] encodedName = encodeName(name);
        ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH + types.length * (encodedName.length + 4));
        out.putShort((short) 0); // ID: zero in multicast queries (RFC 6762 §18.1)
        out.putShort((short) 0); // QR=0, OPCODE=0, no flags (§18.2–§18.11)
        out.putShort((short) types.length); // QDCOUNT
        out.putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (int type : types) {
            out.put(encodedName);
            out.putShort((short) type);
            out.putShort((short) (CLASS_IN | (unicastResponse ? UNICAST_RESPONSE_BIT : 0)));
        }
        return out.array();
    }

    /** RFC 1035 §3.1: length-prefixed labels ending in the zero-length root label; RFC 6762 §16: UTF-8. */
    static byte[] encodeName(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("a DNS name to query must not be empty");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : trimmed.split("\\.", -1)) {
            byte[] bytes = label.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0 || bytes.length > MAX_LABEL_LENGTH) {
                throw new IllegalArgumentException("\"" + name + "\" has a label that is empty or longer than "
                        + MAX_LABEL_LENGTH + " bytes (RFC 1035 §2.3.4)");
            }
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        out.write(0);
        if (out.size() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("\"" + name + "\" is longer than " + MAX_NAME_LENGTH
                    + " bytes in DNS form (RFC 1035 §2.3.4)");
        }
        return out.toByteArray();
    }

    /**
     * The A and AAAA records of a response, from its answer, authority and additional sections (RFC 6762 §6:
     * responders put related records in the additional section). A query, or a response with a non-zero OPCODE or
     * RCODE, has none (RFC 6762 §18.3, §18.11). Reads from the buffer's position to its limit without moving it.
     *
     * @throws DnsFormatException when the message is truncated or malformed
     */
    public static List<AddressRecord> addressRecords(ByteBuffer packet) throws DnsFormatException {
        ByteBuffer message = packet.slice();
        try {
            if (message.remaining() < HEADER_LENGTH) {
                throw new DnsFormatException("a DNS message is at least 12 bytes, this one " + message.remaining());
            }
            message.getShort(); // ID
            int flags = Short.toUnsignedInt(message.getShort());
            int questions = Short.toUnsignedInt(message.getShort());
            int records = Short.toUnsignedInt(message.getShort()) + Short.toUnsignedInt(message.getShort())
                    + Short.toUnsignedInt(message.getShort());
            List<AddressRecord> found = new ArrayList<>();
            if ((flags & FLAG_RESPONSE) == 0 || (flags & OPCODE_MASK) != 0 || (flags & RCODE_MASK) != 0) {
                return found;
            }
            for (int i = 0; i < questions; i++) {
                readName(message);
                message.position(message.position() + 4); // QTYPE, QCLASS
            }
            for (int i = 0; i < records; i++) {
                String name = readName(message);
                int type = Short.toUnsignedInt(message.getShort());
                int recordClass = Short.toUnsignedInt(message.getShort()) & CLASS_MASK;
                long ttl = Integer.toUnsignedLong(message.getInt());
                int length = Short.toUnsignedInt(message.getShort());
                if (length > message.remaining()) {
                    throw new DnsFormatException("a record's data runs past the end of the message");
                }
                int end = message.position() + length;
                boolean address = recordClass == CLASS_IN
                        && ((type == TYPE_A && length == 4) || (type == TYPE_AAAA && length == 16));
                if (address) {
                    byte[] bytes = new byte[length];
                    message.get(bytes);
                    found.add(new AddressRecord(name, InetAddress.getByAddress(bytes), ttl));
                }
                message.position(end);
            }
            return found;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new DnsFormatException("the DNS message is truncated");
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 and 16 bytes are always an IP address", e);
        }
    }

    /**
     * RFC 1035 §4.1.4: labels, ending in a zero length or a pointer to an earlier name. Pointers must point
     * backwards, to before the name that uses them, so a message cannot loop.
     */
    static String readName(ByteBuffer message) throws DnsFormatException {
        StringBuilder name = new StringBuilder();
        int position = message.position();
        int resumeAt = -1;
        int wireLength = 0;
        int lowestJumpTarget = position;
        while (true) {
            if (position >= message.limit()) {
                throw new DnsFormatException("a name runs past the end of the message");
            }
            int length = message.get(position) & 0xFF;
            if ((length & 0xC0) == 0xC0) {
                if (position + 1 >= message.limit()) {
                    throw new DnsFormatException("a compression pointer is cut off");
                }
                int target = ((length & 0x3F) << 8) | (message.get(position + 1) & 0xFF);
                if (target >= lowestJumpTarget) {
                    throw new DnsFormatException("a compression pointer does not point backwards");
                }
                if (resumeAt < 0) {
                    resumeAt = position + 2;
                }
                lowestJumpTarget = target;
                position = target;
                continue;
            }
            if ((length & 0xC0) != 0) {
                throw new DnsFormatException("label type " + (length >> 6) + " is not defined");
            }
            wireLength += length + 1;
            if (wireLength > MAX_NAME_LENGTH) {
                throw new DnsFormatException("a name is longer than " + MAX_NAME_LENGTH + " bytes");
            }
            if (length == 0) {
                message.position(resumeAt >= 0 ? resumeAt : position + 1);
                return name.toString();
            }
            if (position + 1 + length > message.limit()) {
                throw new DnsFormatException("a label runs past the end of the message");
            }
            byte[] label = new byte[length];
            message.get(position + 1, label);
            if (!name.isEmpty()) {
                name.append('.');
            }
            name.append(new String(label, StandardCharsets.UTF_8));
            position += 1 + length;
        }
    }

    /** RFC 1035 §2.3.3 (and RFC 6762 §16 for mDNS): names compare without regard to ASCII case. */
    static String canonical(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return trimmed.toLowerCase(Locale.ROOT);
    }
}
