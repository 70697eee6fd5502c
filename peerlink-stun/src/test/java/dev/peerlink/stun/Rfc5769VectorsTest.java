package dev.peerlink.stun;

import static dev.peerlink.stun.StunTestSupport.hex;
import static dev.peerlink.stun.StunTestSupport.md5;
import static dev.peerlink.stun.StunTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.stun.StunMessage.Signing;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test vectors of RFC 5769, typed in from the RFC, checked byte for byte. */
class Rfc5769VectorsTest {
    /** RFC 5769 §2.1 Sample Request: short-term credentials, ICE attributes, FINGERPRINT. */
    static final byte[] SAMPLE_REQUEST = hex("""
            00 01 00 58  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
            80 22 00 10  53 54 55 4e  20 74 65 73  74 20 63 6c  69 65 6e 74
            00 24 00 04  6e 00 01 ff
            80 29 00 08  93 2f f9 b1  51 26 3b 36
            00 06 00 09  65 76 74 6a  3a 68 36 76  59 20 20 20
            00 08 00 14  9a ea a7 0c  bf d8 cb 56  78 1e f2 b5  b2 d3 f2 49  c1 b5 71 a2
            80 28 00 04  e5 7a 3b cf
            """);

    /** RFC 5769 §2.2 Sample IPv4 Response. */
    static final byte[] SAMPLE_IPV4_RESPONSE = hex("""
            01 01 00 3c  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
            80 22 00 0b  74 65 73 74  20 76 65 63  74 6f 72 20
            00 20 00 08  00 01 a1 47  e1 12 a6 43
            00 08 00 14  2b 91 f5 99  fd 9e 90 c3  8c 74 89 f9  2a f9 ba 53  f0 6b e7 d7
            80 28 00 04  c0 7d 4c 96
            """);

    /** RFC 5769 §2.3 Sample IPv6 Response. */
    static final byte[] SAMPLE_IPV6_RESPONSE = hex("""
            01 01 00 48  21 12 a4 42  b7 e7 a7 01  bc 34 d6 86  fa 87 df ae
            80 22 00 0b  74 65 73 74  20 76 65 63  74 6f 72 20
            00 20 00 14  00 02 a1 47  01 13 a9 fa  a5 d3 f1 79  bc 25 f4 b5  be d2 b9 d9
            00 08 00 14  a3 82 95 4e  4b e6 7b f1  17 84 c9 7c  82 92 c2 75  bf e3 ed 41
            80 28 00 04  c8 fb 0b 4c
            """);

    /** RFC 5769 §2.4 Sample Request with Long-Term Authentication (no FINGERPRINT). */
    static final byte[] SAMPLE_LONG_TERM_REQUEST = hex("""
            00 01 00 60  21 12 a4 42  78 ad 34 33  c6 ad 72 c0  29 da 41 2e
            00 06 00 12  e3 83 9e e3  83 88 e3 83  aa e3 83 83  e3 82 af e3  82 b9 00 00
            00 15 00 1c  66 2f 2f 34  39 39 6b 39  35 34 64 36  4f 4c 33 34  6f 4c 39 46  53 54 76 79  36 34 73 41
            00 14 00 0b  65 78 61 6d  70 6c 65 2e  6f 72 67 00
            00 08 00 14  f6 70 24 65  6d d6 4a 3e  02 b8 e0 71  2e 85 c9 a2  8c a8 96 66
            """);

    static final byte[] SHORT_TERM_KEY = utf8("VOkJxbRl1RmTxUk/WvJxBt");
    static final TransactionId SAMPLE_ID = new TransactionId(0xb7e7a701bc34d686L, 0xfa87dfae);
    static final String LONG_TERM_USERNAME = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
    /**
     * RFC 8489 §9.2.2: key = MD5(username ":" OpaqueString(realm) ":" OpaqueString(password)); the §2.4 password
     * "The&lt;U+00AD&gt;M&lt;U+00AA&gt;tr&lt;U+2168&gt;" is "TheMatrIX" after SASLprep.
     */
    static final byte[] LONG_TERM_KEY = md5(LONG_TERM_USERNAME + ":example.org:TheMatrIX");
    private static final byte[] WRONG_KEY = utf8("VOkJxbRl1RmTxUk/WvJxBu");

    private final StunMessageReader reader = new StunMessageReader();

    private static InetSocketAddress address(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private void assertIntegrity(byte[] vector, byte[] rightKey) {
        assertThat(reader.wrap(ByteBuffer.wrap(vector))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegrity(rightKey)).isTrue();
        assertThat(reader.verifyMessageIntegrity(WRONG_KEY)).isFalse();
        assertThat(reader.verifyMessageIntegrity(new byte[0])).isFalse();
        assertThat(reader.verifyMessageIntegritySha256(rightKey)).as("no MI-SHA256 present").isFalse();
    }

    /**
     * §2.1–§2.3 pad USERNAME/SOFTWARE with spaces (0x20), which our writer pads with zeros, so re-encoding cannot
     * reproduce those bytes, nor the MESSAGE-INTEGRITY and FINGERPRINT that cover them. Instead: the re-encoding
     * equals the vector with its padding zeroed up to MESSAGE-INTEGRITY, verifies with the same key, and decodes to
     * the same attributes.
     */
    private void assertReEncodesUpToPadding(byte[] vector, int[] spacePadding, byte[] key) throws Exception {
        StunMessage decoded = StunMessage.decode(vector);
        byte[] reEncoded = decoded.toBytes(Signing.integrity(key));
        assertThat(reEncoded).hasSameSizeAs(vector);

        byte[] zeroPadded = vector.clone();
        for (int offset : spacePadding) {
            assertThat(zeroPadded[offset]).as("vector padding at %d", offset).isEqualTo((byte) 0x20);
            zeroPadded[offset] = 0;
        }
        int integrityAt = vector.length - 8 - 24;
        assertThat(Arrays.copyOf(reEncoded, integrityAt + 4)).isEqualTo(Arrays.copyOf(zeroPadded, integrityAt + 4));
        assertThat(reEncoded).isNotEqualTo(vector);

        assertThat(reader.wrap(ByteBuffer.wrap(reEncoded))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegrity(key)).isTrue();
        StunMessage again = StunMessage.decode(reEncoded);
        assertThat(StunTestSupport.withoutIntegrity(again)).isEqualTo(StunTestSupport.withoutIntegrity(decoded));
        assertThat(again.transactionId()).isEqualTo(decoded.transactionId());
        assertThat(again.messageClass()).isEqualTo(decoded.messageClass());
    }

    @Test
    void sampleRequest() throws Exception {
        assertIntegrity(SAMPLE_REQUEST, SHORT_TERM_KEY);
        assertThat(reader.attributeCount()).isEqualTo(6);

        StunMessage message = StunMessage.decode(SAMPLE_REQUEST);
        assertThat(message.method()).isEqualTo(StunMethod.BINDING);
        assertThat(message.messageClass()).isEqualTo(StunClass.REQUEST);
        assertThat(message.transactionId()).isEqualTo(SAMPLE_ID);
        assertThat(message.attributes()).containsExactly(
                new StringAttribute(StunAttributeType.SOFTWARE, "STUN test client"),
                NumberAttribute.uint32(StunAttributeType.PRIORITY, 0x6e0001ffL),
                NumberAttribute.uint64(StunAttributeType.ICE_CONTROLLED, 0x932ff9b151263b36L),
                new StringAttribute(StunAttributeType.USERNAME, "evtj:h6vY"),
                new BytesAttribute(StunAttributeType.MESSAGE_INTEGRITY,
                        hex("9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2")),
                NumberAttribute.uint32(StunAttributeType.FINGERPRINT, 0xe57a3bcfL));
        assertThat(message.string(StunAttributeType.USERNAME)).contains("evtj:h6vY");

        assertReEncodesUpToPadding(SAMPLE_REQUEST, new int[] {73, 74, 75}, SHORT_TERM_KEY);
    }

    @Test
    void sampleIpv4Response() throws Exception {
        assertIntegrity(SAMPLE_IPV4_RESPONSE, SHORT_TERM_KEY);

        StunMessage message = StunMessage.decode(SAMPLE_IPV4_RESPONSE);
        assertThat(message.method()).isEqualTo(StunMethod.BINDING);
        assertThat(message.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(message.transactionId()).isEqualTo(SAMPLE_ID);
        assertThat(message.string(StunAttributeType.SOFTWARE)).contains("test vector");
        assertThat(message.address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(address("192.0.2.1", 32853));
        assertThat(message.attribute(StunAttributeType.FINGERPRINT))
                .contains(NumberAttribute.uint32(StunAttributeType.FINGERPRINT, 0xc07d4c96L));
        assertThat(message.attributes()).hasSize(4);

        assertReEncodesUpToPadding(SAMPLE_IPV4_RESPONSE, new int[] {35}, SHORT_TERM_KEY);
    }

    @Test
    void sampleIpv6Response() throws Exception {
        assertIntegrity(SAMPLE_IPV6_RESPONSE, SHORT_TERM_KEY);

        StunMessage message = StunMessage.decode(SAMPLE_IPV6_RESPONSE);
        assertThat(message.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(message.transactionId()).isEqualTo(SAMPLE_ID);
        assertThat(message.string(StunAttributeType.SOFTWARE)).contains("test vector");
        assertThat(message.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(address("2001:db8:1234:5678:11:2233:4455:6677", 32853));
        assertThat(message.attribute(StunAttributeType.FINGERPRINT))
                .contains(NumberAttribute.uint32(StunAttributeType.FINGERPRINT, 0xc8fb0b4cL));

        assertReEncodesUpToPadding(SAMPLE_IPV6_RESPONSE, new int[] {35}, SHORT_TERM_KEY);
    }

    @Test
    void sampleRequestWithLongTermAuthentication() throws Exception {
        assertIntegrity(SAMPLE_LONG_TERM_REQUEST, LONG_TERM_KEY);
        assertThat(reader.verifyMessageIntegrity(SHORT_TERM_KEY)).isFalse();
        assertThat(reader.has(StunAttributeType.FINGERPRINT)).isFalse();

        StunMessage message = StunMessage.decode(SAMPLE_LONG_TERM_REQUEST);
        assertThat(message.messageClass()).isEqualTo(StunClass.REQUEST);
        assertThat(message.transactionId()).isEqualTo(new TransactionId(0x78ad3433c6ad72c0L, 0x29da412e));
        assertThat(message.string(StunAttributeType.USERNAME)).contains(LONG_TERM_USERNAME);
        assertThat(message.string(StunAttributeType.NONCE)).contains("f//499k954d6OL34oL9FSTvy64sA");
        assertThat(message.string(StunAttributeType.REALM)).contains("example.org");

        // Zero padding throughout, so re-encoding reproduces the vector exactly.
        assertThat(message.toBytes(new Signing(LONG_TERM_KEY, true, false, false))).isEqualTo(SAMPLE_LONG_TERM_REQUEST);
    }

    @Test
    void anyChangeToCoveredBytesBreaksIntegrity() {
        // §2.4 has no FINGERPRINT, so most edits still wrap and only the HMAC notices.
        int checked = 0;
        for (int i = 0; i < SAMPLE_LONG_TERM_REQUEST.length - 20; i++) {
            if (i == 2 || i == 3) {
                continue; // the length field: changing it breaks framing instead
            }
            byte[] tampered = SAMPLE_LONG_TERM_REQUEST.clone();
            tampered[i] ^= 0x01;
            StunParseStatus status = reader.wrap(ByteBuffer.wrap(tampered));
            if (status == StunParseStatus.OK) {
                assertThat(reader.verifyMessageIntegrity(LONG_TERM_KEY)).as("byte %d flipped", i).isFalse();
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(SAMPLE_LONG_TERM_REQUEST.length - 40);
        byte[] tamperedMac = SAMPLE_LONG_TERM_REQUEST.clone();
        tamperedMac[tamperedMac.length - 1] ^= 0x01;
        assertThat(reader.wrap(ByteBuffer.wrap(tamperedMac))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegrity(LONG_TERM_KEY)).isFalse();
    }

    @Test
    void fingerprintOfVectorsIsChecked() {
        for (byte[] vector : List.of(SAMPLE_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE)) {
            byte[] tampered = vector.clone();
            tampered[tampered.length - 1] ^= 0x40;
            assertThat(reader.wrap(ByteBuffer.wrap(tampered))).isEqualTo(StunParseStatus.BAD_FINGERPRINT);
            byte[] tamperedBody = vector.clone();
            tamperedBody[24] ^= 0x01;
            assertThat(reader.wrap(ByteBuffer.wrap(tamperedBody))).isEqualTo(StunParseStatus.BAD_FINGERPRINT);
        }
    }

    @Test
    void writerReproducesTheLongTermVector() {
        ByteBuffer out = StunTestSupport.messageBuffer();
        StunMessageWriter writer = new StunMessageWriter()
                .begin(out, StunMethod.BINDING, StunClass.REQUEST, new TransactionId(0x78ad3433c6ad72c0L, 0x29da412e))
                .addString(StunAttributeType.USERNAME, LONG_TERM_USERNAME)
                .addString(StunAttributeType.NONCE, "f//499k954d6OL34oL9FSTvy64sA")
                .addString(StunAttributeType.REALM, "example.org")
                .addMessageIntegrity(LONG_TERM_KEY);
        assertThat(writer.finish()).isEqualTo(SAMPLE_LONG_TERM_REQUEST.length);
        assertThat(StunTestSupport.written(out)).isEqualTo(SAMPLE_LONG_TERM_REQUEST);
    }

    @ParameterizedTest(name = "truncated to {0} bytes")
    @ValueSource(ints = {16, 20, 24, 28, 32})
    void messageIntegritySha256RoundTrips(int length) throws Exception {
        byte[] key = SHORT_TERM_KEY;
        ByteBuffer out = StunTestSupport.messageBuffer();
        new StunMessageWriter().begin(out, StunMethod.BINDING, StunClass.REQUEST, SAMPLE_ID)
                .addString(StunAttributeType.USERNAME, "evtj:h6vY")
                .addMessageIntegritySha256(key, length)
                .addFingerprint()
                .finish();
        byte[] message = StunTestSupport.written(out);
        assertThat(message).hasSize(20 + 16 + 4 + length + 8);
        int integrityAt = 36;
        assertThat(ByteBuffer.wrap(message).getShort(integrityAt + 2)).isEqualTo((short) length);
        assertThat(Arrays.copyOfRange(message, integrityAt + 4, integrityAt + 4 + length))
                .isEqualTo(AttributeRoundTripTest.hmac("HmacSHA256", key, message, integrityAt, length));

        assertThat(reader.wrap(ByteBuffer.wrap(message))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegritySha256(key)).isTrue();
        assertThat(reader.verifyMessageIntegritySha256(WRONG_KEY)).isFalse();
        assertThat(reader.verifyMessageIntegrity(key)).as("no SHA-1 MESSAGE-INTEGRITY").isFalse();

        byte[] tampered = message.clone();
        tampered[25] ^= 0x01; // inside USERNAME
        StunTestSupport.refreshFingerprint(tampered);
        assertThat(reader.wrap(ByteBuffer.wrap(tampered))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegritySha256(key)).isFalse();

        StunMessage decoded = StunMessage.decode(message);
        assertThat(decoded.attribute(StunAttributeType.MESSAGE_INTEGRITY_SHA256, BytesAttribute.class))
                .hasValueSatisfying(a -> assertThat(a.value()).hasSize(length));
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {0, 12, 15, 18, 33, 36, 40})
    void messageIntegritySha256OfIllegalLengthIsRefused(int length) {
        assertThatThrownBy(() -> new StunMessageWriter().begin(StunTestSupport.messageBuffer(), StunMethod.BINDING,
                StunClass.REQUEST, SAMPLE_ID).addMessageIntegritySha256(SHORT_TERM_KEY, length))
                .isInstanceOf(IllegalArgumentException.class);
        // A received attribute of that length never verifies and does not decode.
        ByteBuffer out = StunTestSupport.messageBuffer();
        new StunMessageWriter().begin(out, StunMethod.BINDING, StunClass.REQUEST, SAMPLE_ID)
                .addBytes(StunAttributeType.MESSAGE_INTEGRITY_SHA256, new byte[length]).finish();
        byte[] message = StunTestSupport.written(out);
        assertThat(reader.wrap(ByteBuffer.wrap(message))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegritySha256(SHORT_TERM_KEY)).isFalse();
        assertThatThrownBy(() -> StunMessage.decode(message)).isInstanceOf(StunDecodeException.class);
    }

    @Test
    void messageWithBothIntegrityAttributesVerifiesBoth() throws Exception {
        byte[] key = LONG_TERM_KEY;
        StunMessage message = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, SAMPLE_ID,
                new StringAttribute(StunAttributeType.USERNAME, LONG_TERM_USERNAME),
                new StringAttribute(StunAttributeType.REALM, "example.org"));
        Signing both = new Signing(key, true, true, true);
        byte[] encoded = message.toBytes(both);
        // USERNAME 24, REALM 16, MI 24, MI-SHA256 36, FINGERPRINT 8.
        assertThat(encoded).hasSize(20 + 24 + 16 + 24 + 36 + 8);
        // MESSAGE-INTEGRITY-SHA256 comes after, and covers, MESSAGE-INTEGRITY (RFC 8489 §14.6).
        assertThat(Arrays.copyOfRange(encoded, 88, 120))
                .isEqualTo(AttributeRoundTripTest.hmac("HmacSHA256", key, encoded, 84, 32));
        assertThat(Arrays.copyOfRange(encoded, 64, 84))
                .isEqualTo(AttributeRoundTripTest.hmac("HmacSHA1", key, encoded, 60, 20));

        assertThat(reader.wrap(ByteBuffer.wrap(encoded))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.verifyMessageIntegrity(key)).isTrue();
        assertThat(reader.verifyMessageIntegritySha256(key)).isTrue();
        assertThat(reader.verifyMessageIntegrity(WRONG_KEY)).isFalse();
        assertThat(reader.verifyMessageIntegritySha256(WRONG_KEY)).isFalse();

        StunMessage decoded = StunMessage.decode(encoded);
        assertThat(decoded.attributes()).extracting(StunAttribute::type).containsExactly(
                StunAttributeType.USERNAME, StunAttributeType.REALM, StunAttributeType.MESSAGE_INTEGRITY,
                StunAttributeType.MESSAGE_INTEGRITY_SHA256, StunAttributeType.FINGERPRINT);
        assertThat(decoded.toBytes(both)).isEqualTo(encoded);
    }
}
