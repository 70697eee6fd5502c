package dev.peerlink.stun;

import static dev.peerlink.stun.StunAttributeType.ALTERNATE_DOMAIN;
import static dev.peerlink.stun.StunAttributeType.ALTERNATE_SERVER;
import static dev.peerlink.stun.StunAttributeType.ICE_CONTROLLED;
import static dev.peerlink.stun.StunAttributeType.ICE_CONTROLLING;
import static dev.peerlink.stun.StunAttributeType.MAPPED_ADDRESS;
import static dev.peerlink.stun.StunAttributeType.NONCE;
import static dev.peerlink.stun.StunAttributeType.OTHER_ADDRESS;
import static dev.peerlink.stun.StunAttributeType.PADDING;
import static dev.peerlink.stun.StunAttributeType.PRIORITY;
import static dev.peerlink.stun.StunAttributeType.REALM;
import static dev.peerlink.stun.StunAttributeType.RESPONSE_ORIGIN;
import static dev.peerlink.stun.StunAttributeType.SOFTWARE;
import static dev.peerlink.stun.StunAttributeType.USERHASH;
import static dev.peerlink.stun.StunAttributeType.USERNAME;
import static dev.peerlink.stun.StunAttributeType.USE_CANDIDATE;
import static dev.peerlink.stun.StunAttributeType.XOR_MAPPED_ADDRESS;
import static dev.peerlink.stun.StunTestSupport.hex;
import static dev.peerlink.stun.StunTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunMessage.Signing;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.FlagAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.PasswordAlgorithmsAttribute;
import dev.peerlink.stun.attribute.PasswordAlgorithmsAttribute.Entry;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.attribute.UnknownAttributesAttribute;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every attribute of RFC 8489 §14, RFC 5780 §7 and RFC 8445 §16.1: encode, decode, compare, re-encode, compare
 * bytes. Integrity and FINGERPRINT are produced from a {@link Signing} rather than from the attribute list.
 */
class AttributeRoundTripTest {
    /** The transaction id of the RFC 5769 vectors. */
    private static final TransactionId ID = new TransactionId(0xb7e7a701bc34d686L, 0xfa87dfae);

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port); // literals only: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + 37 * i);
        }
        return bytes;
    }

    /** One row: display name, value length before padding, the attribute. */
    private static Arguments arg(String name, int valueLength, StunAttribute attribute) {
        return Arguments.of(name, attribute, valueLength);
    }

    private static AddressAttribute addr(int type, String ip, int port) {
        return new AddressAttribute(type, address(ip, port));
    }

    private static StringAttribute text(int type, String value) {
        return new StringAttribute(type, value);
    }

    static Stream<Arguments> attributes() {
        return Stream.of(
                // RFC 8489 §14
                arg("MAPPED-ADDRESS v4", 8, addr(MAPPED_ADDRESS, "192.0.2.1", 32853)),
                arg("MAPPED-ADDRESS v6", 20, addr(MAPPED_ADDRESS, "2001:db8::1", 1)),
                arg("XOR-MAPPED-ADDRESS v4", 8, addr(XOR_MAPPED_ADDRESS, "192.0.2.1", 32853)),
                arg("XOR-MAPPED-ADDRESS v6", 20,
                        addr(XOR_MAPPED_ADDRESS, "2001:db8:1234:5678:11:2233:4455:6677", 32853)),
                arg("XOR-MAPPED-ADDRESS port 0", 8, addr(XOR_MAPPED_ADDRESS, "0.0.0.0", 0)),
                arg("XOR-MAPPED-ADDRESS port 65535", 8, addr(XOR_MAPPED_ADDRESS, "255.255.255.255", 65535)),
                arg("USERNAME", 9, text(USERNAME, "evtj:h6vY")),
                arg("USERNAME non-ASCII", 18, text(USERNAME, "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9")),
                arg("USERNAME 512 bytes", 512, text(USERNAME, "u".repeat(512))),
                arg("USERHASH", 32, new BytesAttribute(USERHASH, bytes(32, 1))),
                arg("ERROR-CODE 420", 4 + 17, new ErrorCodeAttribute(420, "Unknown Attribute")),
                arg("ERROR-CODE 300 empty reason", 4, new ErrorCodeAttribute(300, "")),
                arg("ERROR-CODE 699", 5, new ErrorCodeAttribute(699, "x")),
                arg("ERROR-CODE 438 UTF-8", 4 + 14, new ErrorCodeAttribute(438, "Stale Nonce \u00e9")),
                arg("REALM", 11, text(REALM, "example.org")),
                arg("NONCE", 28, text(NONCE, "f//499k954d6OL34oL9FSTvy64sA")),
                arg("PASSWORD-ALGORITHMS", 8,
                        PasswordAlgorithmsAttribute.offered(List.of(new Entry(2), new Entry(1)))),
                arg("PASSWORD-ALGORITHMS with parameters", 4 * 4 + 4 * 4, PasswordAlgorithmsAttribute.offered(
                        List.of(new Entry(7, bytes(1, 3)), new Entry(8, bytes(2, 4)), new Entry(9, bytes(3, 5)),
                                new Entry(10, bytes(4, 6))))),
                arg("PASSWORD-ALGORITHM", 4, PasswordAlgorithmsAttribute.chosen(new Entry(2))),
                arg("UNKNOWN-ATTRIBUTES one", 2, new UnknownAttributesAttribute(List.of(0x0777))),
                arg("UNKNOWN-ATTRIBUTES three", 6, new UnknownAttributesAttribute(List.of(0x0777, 3, 0x7FFF))),
                arg("UNKNOWN-ATTRIBUTES four", 8, new UnknownAttributesAttribute(List.of(1, 2, 3, 4))),
                arg("SOFTWARE", 12, text(SOFTWARE, "peerlink 0.1")),
                arg("SOFTWARE 763 bytes", 763, text(SOFTWARE, "s".repeat(763))),
                arg("ALTERNATE-SERVER v4", 8, addr(ALTERNATE_SERVER, "198.51.100.7", 3478)),
                arg("ALTERNATE-SERVER v6", 20, addr(ALTERNATE_SERVER, "2001:db8::7", 3478)),
                arg("ALTERNATE-DOMAIN", 16, text(ALTERNATE_DOMAIN, "stun.example.org")),
                // RFC 5780 §7
                arg("CHANGE-REQUEST none", 4, new ChangeRequestAttribute(false, false)),
                arg("CHANGE-REQUEST port", 4, new ChangeRequestAttribute(false, true)),
                arg("CHANGE-REQUEST ip", 4, new ChangeRequestAttribute(true, false)),
                arg("CHANGE-REQUEST both", 4, new ChangeRequestAttribute(true, true)),
                arg("RESPONSE-ORIGIN", 8, addr(RESPONSE_ORIGIN, "198.51.100.1", 3478)),
                arg("OTHER-ADDRESS", 20, addr(OTHER_ADDRESS, "2001:db8::2", 3479)),
                arg("PADDING empty", 0, new BytesAttribute(PADDING, new byte[0])),
                arg("PADDING 7", 7, new BytesAttribute(PADDING, bytes(7, 9))),
                arg("PADDING 1000", 1000, new BytesAttribute(PADDING, bytes(1000, 11))),
                // RFC 8445 §16.1
                arg("PRIORITY", 4, NumberAttribute.uint32(PRIORITY, 0x6e0001ffL)),
                arg("PRIORITY max", 4, NumberAttribute.uint32(PRIORITY, 0xFFFF_FFFFL)),
                arg("USE-CANDIDATE", 0, new FlagAttribute(USE_CANDIDATE)),
                arg("ICE-CONTROLLED", 8, NumberAttribute.uint64(ICE_CONTROLLED, 0x932ff9b151263b36L)),
                arg("ICE-CONTROLLING high bit", 8, NumberAttribute.uint64(ICE_CONTROLLING, 0xFEDCBA9876543210L)),
                // Types nobody registered stay raw.
                arg("unregistered required", 5, new BytesAttribute(0x7F01, bytes(5, 13))),
                arg("unregistered optional", 3, new BytesAttribute(0xC0DE, bytes(3, 17))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attributes")
    void roundTrips(String name, StunAttribute attribute, int valueLength) throws StunDecodeException {
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, ID, attribute);
        byte[] encoded = message.toBytes();

        int padded = (valueLength + 3) & ~3;
        assertThat(encoded).hasSize(StunMessageReader.HEADER_LENGTH + 4 + padded);
        ByteBuffer wire = ByteBuffer.wrap(encoded);
        assertThat(wire.getShort(2) & 0xFFFF).as("message length").isEqualTo(4 + padded);
        assertThat(wire.getShort(20) & 0xFFFF).as("attribute type").isEqualTo(attribute.type());
        assertThat(wire.getShort(22) & 0xFFFF).as("attribute length excludes padding").isEqualTo(valueLength);
        for (int i = 24 + valueLength; i < encoded.length; i++) {
            assertThat(encoded[i]).as("padding byte %d", i).isZero();
        }

        StunMessage decoded = StunMessage.decode(encoded);
        assertThat(decoded).isEqualTo(message);
        assertThat(decoded.attributes()).containsExactly(attribute);
        assertThat(decoded.attribute(attribute.type())).contains(attribute);
        assertThat(decoded.toBytes()).isEqualTo(encoded);
    }

    @Test
    void allAttributesInOneMessageRoundTrip() throws StunDecodeException {
        List<StunAttribute> all = attributes().map(a -> (StunAttribute) a.get()[1]).toList();
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, ID, all);
        for (Signing signing : List.of(Signing.NONE, Signing.FINGERPRINT, Signing.integrity(utf8("key")),
                Signing.integritySha256(utf8("key")), new Signing(utf8("key"), true, true, true))) {
            byte[] encoded = message.toBytes(signing);
            StunMessage decoded = StunMessage.decode(encoded);
            assertThat(decoded.attributes()).as("%s", signing).startsWith(all.toArray(StunAttribute[]::new));
            assertThat(decoded.toBytes(signing)).as("%s", signing).isEqualTo(encoded);
        }
    }

    @ParameterizedTest(name = "value of {0} bytes")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
    void valuesArePaddedWithZerosToFourBytes(int length) throws StunDecodeException {
        byte[] value = new byte[length];
        Arrays.fill(value, (byte) 0xFF);
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.INDICATION, ID,
                new BytesAttribute(0x8FFF, value), NumberAttribute.uint32(StunAttributeType.PRIORITY, 1));
        byte[] encoded = message.toBytes();
        int padded = (length + 3) & ~3;
        assertThat(encoded).hasSize(20 + 4 + padded + 8);
        assertThat(Arrays.copyOfRange(encoded, 24 + length, 24 + padded)).isEqualTo(new byte[padded - length]);
        // The next attribute starts on the 4-byte boundary.
        assertThat(ByteBuffer.wrap(encoded).getShort(24 + padded)).isEqualTo((short) StunAttributeType.PRIORITY);
        assertThat(StunMessage.decode(encoded)).isEqualTo(message);
    }

    @Test
    void unregisteredTypesDecodeAsBytes() throws StunDecodeException {
        byte[] encoded = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, ID,
                new StringAttribute(0x8077, "abc")).toBytes();
        assertThat(StunMessage.decode(encoded).attributes()).containsExactly(new BytesAttribute(0x8077, utf8("abc")));
    }

    /** Hand-computed: port 5000 = 0x1388 ^ 0x2112 = 0x329A; 10.0.0.1 = 0a000001 ^ 2112a442 = 2b12a443. */
    @Test
    void xorMappedAddressOnTheWireV4() throws StunDecodeException {
        TransactionId zero = new TransactionId(0, 0);
        byte[] encoded = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, zero,
                new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS, address("10.0.0.1", 5000))).toBytes();
        assertThat(hex(encoded))
                .isEqualTo("0101000c2112a442000000000000000000000000" + "00200008" + "0001329a2b12a443");
        assertThat(StunMessage.decode(encoded).address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(address("10.0.0.1", 5000));
    }

    /**
     * Hand-computed against the RFC 5769 transaction id: the IPv6 address is XOR'ed with cookie || id, i.e.
     * 2001:0db8:1234:5678:0011:2233:4455:6677 ^ 2112a442:b7e7a701:bc34d686:fa87dfae; port 32853 = 0x8055 ^ 0x2112.
     */
    @Test
    void xorMappedAddressOnTheWireV6() {
        byte[] encoded = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, ID,
                new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS,
                        address("2001:db8:1234:5678:11:2233:4455:6677", 32853))).toBytes();
        assertThat(hex(Arrays.copyOfRange(encoded, 20, encoded.length)))
                .isEqualTo("00200014" + "0002a147" + "0113a9fa" + "a5d3f179" + "bc25f4b5" + "bed2b9d9");
        // Same address, not XOR'ed, for contrast.
        byte[] plain = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, ID,
                new AddressAttribute(StunAttributeType.MAPPED_ADDRESS,
                        address("2001:db8:1234:5678:11:2233:4455:6677", 32853))).toBytes();
        assertThat(hex(Arrays.copyOfRange(plain, 20, plain.length)))
                .isEqualTo("00010014" + "00028055" + "20010db8123456780011223344556677");
    }

    /**
     * An IPv6-family address that happens to be IPv4-mapped (::ffff:192.0.2.1) must stay an IPv6-family address:
     * InetAddress.getByAddress would turn it into an Inet4Address and re-encoding would change the family.
     */
    @Test
    void ipv4MappedIpv6AddressKeepsItsFamily() throws Exception {
        byte[] mapped = hex("00000000000000000000ffffc0000201");
        InetSocketAddress v6 = new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), 4000);
        for (int type : new int[] {StunAttributeType.MAPPED_ADDRESS, StunAttributeType.XOR_MAPPED_ADDRESS}) {
            byte[] encoded = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, ID,
                    new AddressAttribute(type, v6)).toBytes();
            assertThat(encoded[25]).as("family").isEqualTo((byte) 0x02);
            StunMessage decoded = StunMessage.decode(encoded);
            assertThat(decoded.address(type).orElseThrow().getAddress().getAddress()).isEqualTo(mapped);
            assertThat(decoded.toBytes()).isEqualTo(encoded);
        }
    }

    @Test
    void messageIntegrityIsHmacSha1OverTheMessageWithAdjustedLength() throws Exception {
        byte[] key = utf8("VOkJxbRl1RmTxUk/WvJxBt");
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, ID,
                new StringAttribute(StunAttributeType.USERNAME, "evtj:h6vY"));
        byte[] encoded = message.toBytes(new Signing(key, true, false, false));
        // USERNAME (4 + 12) then MESSAGE-INTEGRITY (4 + 20).
        assertThat(encoded).hasSize(20 + 16 + 24);
        assertThat(ByteBuffer.wrap(encoded).getShort(36)).isEqualTo((short) StunAttributeType.MESSAGE_INTEGRITY);
        byte[] expected = hmac("HmacSHA1", key, encoded, 36, 20);
        assertThat(Arrays.copyOfRange(encoded, 40, 60)).isEqualTo(expected);

        StunMessage decoded = StunMessage.decode(encoded);
        assertThat(decoded.attributes()).containsExactly(new StringAttribute(StunAttributeType.USERNAME, "evtj:h6vY"),
                new BytesAttribute(StunAttributeType.MESSAGE_INTEGRITY, expected));
        assertThat(decoded.toBytes(new Signing(key, true, false, false))).isEqualTo(encoded);
    }

    @Test
    void messageIntegritySha256IsHmacSha256OverTheMessageWithAdjustedLength() throws Exception {
        byte[] key = utf8("secret");
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, ID,
                new StringAttribute(StunAttributeType.SOFTWARE, "abc"));
        byte[] encoded = message.toBytes(new Signing(key, false, true, false));
        assertThat(encoded).hasSize(20 + 8 + 36);
        byte[] expected = hmac("HmacSHA256", key, encoded, 28, 32);
        assertThat(Arrays.copyOfRange(encoded, 32, 64)).isEqualTo(expected);
        StunMessage decoded = StunMessage.decode(encoded);
        assertThat(decoded.attribute(StunAttributeType.MESSAGE_INTEGRITY_SHA256))
                .contains(new BytesAttribute(StunAttributeType.MESSAGE_INTEGRITY_SHA256, expected));
        assertThat(decoded.toBytes(new Signing(key, false, true, false))).isEqualTo(encoded);
    }

    @Test
    void fingerprintIsCrc32XorStun() throws StunDecodeException {
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, ID,
                new StringAttribute(StunAttributeType.SOFTWARE, "abcde"));
        byte[] encoded = message.toBytes(Signing.FINGERPRINT);
        assertThat(encoded).hasSize(20 + 12 + 8);
        CRC32 crc = new CRC32();
        crc.update(encoded, 0, 32); // the header's length already counts the FINGERPRINT
        long expected = (crc.getValue() ^ 0x5354554eL) & 0xFFFF_FFFFL;
        assertThat(ByteBuffer.wrap(encoded).getShort(32)).isEqualTo((short) StunAttributeType.FINGERPRINT);
        assertThat(ByteBuffer.wrap(encoded).getInt(36) & 0xFFFF_FFFFL).isEqualTo(expected);
        StunMessage decoded = StunMessage.decode(encoded);
        assertThat(decoded.attribute(StunAttributeType.FINGERPRINT))
                .contains(NumberAttribute.uint32(StunAttributeType.FINGERPRINT, expected));
        assertThat(decoded.toBytes(Signing.FINGERPRINT)).isEqualTo(encoded);
    }

    /** HMAC computed independently of the code under test: RFC 8489 §14.5/§14.6 length adjustment. */
    static byte[] hmac(String algorithm, byte[] key, byte[] message, int integrityOffset, int valueLength)
            throws Exception {
        byte[] covered = Arrays.copyOf(message, integrityOffset);
        StunTestSupport.setLength(covered, integrityOffset + 4 + valueLength - 20);
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key, algorithm));
        return Arrays.copyOf(mac.doFinal(covered), valueLength);
    }
}
