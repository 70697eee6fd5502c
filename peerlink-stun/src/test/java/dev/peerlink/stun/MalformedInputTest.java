package dev.peerlink.stun;

import static dev.peerlink.stun.StunTestSupport.hex;
import static dev.peerlink.stun.StunTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad bytes are refused with the right {@link StunParseStatus}, and {@link StunMessage#decode} throws only
 * {@link StunDecodeException} for them (DESIGN.md: "bad input never escapes as an unexpected exception").
 */
class MalformedInputTest {
    private static final TransactionId ID = new TransactionId(0x1122334455667788L, 0x99AABBCC);

    private final StunMessageReader reader = new StunMessageReader();

    /** Writes a Binding request with the given attributes (via the callback) and returns its bytes. */
    private static byte[] request(Consumer<StunMessageWriter> attributes) {
        ByteBuffer out = StunTestSupport.messageBuffer();
        StunMessageWriter writer = new StunMessageWriter().begin(out, StunMethod.BINDING, StunClass.REQUEST, ID);
        attributes.accept(writer);
        writer.finish();
        return StunTestSupport.written(out);
    }

    /** A valid request: SOFTWARE (4 + 8) and FINGERPRINT (4 + 4); 40 bytes. */
    private static byte[] valid() {
        return request(w -> w.addString(StunAttributeType.SOFTWARE, "peerlink").addFingerprint());
    }

    private void assertRejected(byte[] bytes, StunParseStatus expected) {
        assertThat(reader.wrap(ByteBuffer.wrap(bytes))).isEqualTo(expected);
        StunDecodeException e = catchThrowableOfType(StunDecodeException.class, () -> StunMessage.decode(bytes));
        assertThat(e).as("decode throws StunDecodeException").isNotNull();
        assertThat(e.status()).isEqualTo(expected);
        assertThat(e.getMessage()).contains(expected.description());
    }

    /** Framing is fine; an attribute's value is not. */
    private void assertBadValue(byte[] bytes, String messagePart) {
        assertThat(reader.wrap(ByteBuffer.wrap(bytes))).isEqualTo(StunParseStatus.OK);
        StunDecodeException e = catchThrowableOfType(StunDecodeException.class, () -> StunMessage.decode(bytes));
        assertThat(e).as("decode throws StunDecodeException").isNotNull();
        assertThat(e.status()).isNull();
        assertThat(e.getMessage()).contains(messagePart);
    }

    @Test
    void validBaseline() throws StunDecodeException {
        byte[] valid = valid();
        assertThat(valid).hasSize(40);
        assertThat(reader.wrap(ByteBuffer.wrap(valid))).isEqualTo(StunParseStatus.OK);
        assertThat(StunMessage.decode(valid).string(StunAttributeType.SOFTWARE)).contains("peerlink");
    }

    @Test
    void empty() {
        assertRejected(new byte[0], StunParseStatus.TRUNCATED);
    }

    @Test
    void oneByte() {
        assertRejected(new byte[] {0x00}, StunParseStatus.TRUNCATED);
    }

    @Test
    void truncatedHeader() {
        assertRejected(Arrays.copyOf(valid(), 19), StunParseStatus.TRUNCATED);
    }

    @ParameterizedTest(name = "first byte {0}")
    @ValueSource(ints = {0x40, 0x80, 0xC0})
    void firstTwoBitsSet(int bits) {
        byte[] bytes = valid();
        bytes[0] |= (byte) bits;
        assertRejected(bytes, StunParseStatus.NOT_STUN);
        assertThat(StunMessageReader.looksLikeStun(ByteBuffer.wrap(bytes))).isFalse();
    }

    @Test
    void wrongMagicCookie() {
        byte[] bytes = valid();
        bytes[7] ^= 0x01;
        assertRejected(bytes, StunParseStatus.NOT_STUN);
        assertThat(StunMessageReader.looksLikeStun(ByteBuffer.wrap(bytes))).isFalse();
        assertThat(StunMessageReader.looksLikeStun(ByteBuffer.wrap(valid()))).isTrue();
    }

    @Test
    void lengthNotMultipleOfFour() {
        byte[] bytes = Arrays.copyOf(valid(), 42);
        StunTestSupport.setLength(bytes, 22);
        assertRejected(bytes, StunParseStatus.MISALIGNED_LENGTH);
    }

    @Test
    void lengthPastTheEnd() {
        byte[] bytes = valid();
        StunTestSupport.setLength(bytes, 24);
        assertRejected(bytes, StunParseStatus.TRUNCATED);
        assertRejected(Arrays.copyOf(valid(), 36), StunParseStatus.TRUNCATED); // datagram cut short
    }

    @Test
    void trailingBytes() {
        assertRejected(Arrays.copyOf(valid(), 44), StunParseStatus.TRAILING_BYTES);
        assertRejected(Arrays.copyOf(valid(), 41), StunParseStatus.TRAILING_BYTES);
    }

    @Test
    void attributeLengthPastTheEnd() {
        byte[] bytes = valid();
        bytes[23] = 17; // SOFTWARE claims 17 bytes (20 padded) where 16 remain
        assertRejected(bytes, StunParseStatus.ATTRIBUTE_OVERRUN);
        byte[] huge = valid();
        huge[22] = (byte) 0xFF;
        assertRejected(huge, StunParseStatus.ATTRIBUTE_OVERRUN);
    }

    /**
     * An attribute header cut in two: the message length must be a multiple of 4 and every attribute takes a
     * multiple of 4, so a cut header shows up as a length that is not (or a message shorter than it says).
     */
    @Test
    void attributeHeaderCut() {
        byte[] cut = Arrays.copyOf(valid(), 34); // 20 header + 12 SOFTWARE + 2 bytes of the FINGERPRINT header
        assertRejected(cut, StunParseStatus.TRUNCATED);
        StunTestSupport.setLength(cut, 14);
        assertRejected(cut, StunParseStatus.MISALIGNED_LENGTH);
    }

    @Test
    void fingerprintWrongValue() {
        byte[] bytes = valid();
        bytes[bytes.length - 1] ^= 0x01;
        assertRejected(bytes, StunParseStatus.BAD_FINGERPRINT);
        byte[] body = valid();
        body[25] ^= 0x20; // change the SOFTWARE text, FINGERPRINT no longer matches
        assertRejected(body, StunParseStatus.BAD_FINGERPRINT);
    }

    @Test
    void fingerprintNotLast() {
        byte[] bytes = request(w -> w.addFingerprint().addString(StunAttributeType.SOFTWARE, "late"));
        assertRejected(bytes, StunParseStatus.FINGERPRINT_NOT_LAST);
    }

    @ParameterizedTest(name = "value of {0} bytes")
    @ValueSource(ints = {0, 2, 8})
    void fingerprintOfWrongLength(int length) {
        // A last attribute of type FINGERPRINT that is not 4 bytes: reported as FINGERPRINT_NOT_LAST.
        byte[] bytes = request(w -> w.addBytes(StunAttributeType.FINGERPRINT, new byte[length]));
        assertRejected(bytes, StunParseStatus.FINGERPRINT_NOT_LAST);
    }

    @Test
    void tooManyAttributes() throws StunDecodeException {
        byte[] max = request(w -> {
            for (int i = 0; i < StunMessageReader.MAX_ATTRIBUTES; i++) {
                w.addFlag(0x8100 + i);
            }
        });
        assertThat(reader.wrap(ByteBuffer.wrap(max))).isEqualTo(StunParseStatus.OK);
        assertThat(StunMessage.decode(max).attributes()).hasSize(128);

        byte[] tooMany = request(w -> {
            for (int i = 0; i <= StunMessageReader.MAX_ATTRIBUTES; i++) {
                w.addFlag(0x8100 + i);
            }
        });
        assertRejected(tooMany, StunParseStatus.TOO_MANY_ATTRIBUTES);
    }

    @Test
    void dtlsRecord() {
        // A DTLS 1.2 handshake record header (content type 22 = 0x16, whose top bits are 00) and a ClientHello start.
        byte[] dtls = hex("16fefd 0000 000000000000 0040 01 000034 0000 000000 000034 fefd"
                + "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
        assertRejected(dtls, StunParseStatus.NOT_STUN);
    }

    @Test
    void rtpPacket() {
        byte[] rtp = hex("80 6f 1234 00000001 deadbeef" + "00".repeat(160));
        assertRejected(rtp, StunParseStatus.NOT_STUN);
    }

    @Test
    void httpRequest() {
        assertRejected(utf8("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"), StunParseStatus.NOT_STUN);
        assertRejected(utf8("GET / HTTP/1.1"), StunParseStatus.NOT_STUN);
    }

    @ParameterizedTest(name = "family {0}")
    @ValueSource(ints = {0, 3, 0xFF})
    void badAddressFamily(int family) {
        byte[] bytes = request(w -> w.addBytes(StunAttributeType.XOR_MAPPED_ADDRESS,
                new byte[] {0, (byte) family, 0x12, 0x34, 1, 2, 3, 4}));
        assertBadValue(bytes, "address family");
        byte[] mapped = request(w -> w.addBytes(StunAttributeType.MAPPED_ADDRESS,
                new byte[] {0, (byte) family, 0x12, 0x34, 1, 2, 3, 4}));
        assertBadValue(mapped, "address family");
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 3, 4, 7, 9, 12, 16, 19, 21, 24})
    void xorAddressOfWrongLength(int length) {
        byte[] value = new byte[length];
        if (length > 1) {
            value[1] = length < 14 ? (byte) 0x01 : (byte) 0x02; // the family nearest the length
        }
        byte[] bytes = request(w -> w.addBytes(StunAttributeType.XOR_MAPPED_ADDRESS, value));
        assertBadValue(bytes, "XOR-MAPPED-ADDRESS");
    }

    @Test
    void ipv4FamilyWithIpv6Length() {
        byte[] value = new byte[20];
        value[1] = 0x01;
        assertBadValue(request(w -> w.addBytes(StunAttributeType.XOR_MAPPED_ADDRESS, value)), "is 20 bytes, not 8");
    }

    @ParameterizedTest(name = "class {0} number {1}")
    @ValueSource(ints = {0, 1, 2, 7, 0x0364 /* class 3, number 100 */, 0x04FF /* 4, 255 */})
    void errorCodeOutOfRange(int classAndNumber) {
        int errorClass = classAndNumber > 7 ? classAndNumber >> 8 : classAndNumber;
        int number = classAndNumber > 7 ? classAndNumber & 0xFF : 0;
        byte[] bytes = request(w -> w.addBytes(StunAttributeType.ERROR_CODE,
                new byte[] {0, 0, (byte) errorClass, (byte) number, 'n', 'o'}));
        assertBadValue(bytes, "ERROR-CODE");
    }

    @Test
    void errorCodeShorterThanFourBytes() {
        assertBadValue(request(w -> w.addBytes(StunAttributeType.ERROR_CODE, new byte[] {0, 0, 4})), "ERROR-CODE");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"c328", "ff", "80", "e282", "f4908080", "eda080", "c0af"})
    void invalidUtf8InUsername(String badUtf8) {
        byte[] bytes = request(w -> w.addBytes(StunAttributeType.USERNAME, hex("61" + badUtf8 + "62")));
        assertBadValue(bytes, "UTF-8");
        byte[] inError = request(w -> w.addBytes(StunAttributeType.ERROR_CODE, hex("00000414" + badUtf8)));
        assertBadValue(inError, "UTF-8");
    }

    @Test
    void usernameOf513Bytes() throws StunDecodeException {
        byte[] ok = request(w -> w.addString(StunAttributeType.USERNAME, "a".repeat(512)));
        assertThat(StunMessage.decode(ok).string(StunAttributeType.USERNAME)).contains("a".repeat(512));
        assertBadValue(request(w -> w.addString(StunAttributeType.USERNAME, "a".repeat(513))), "USERNAME");
        assertBadValue(request(w -> w.addString(StunAttributeType.USERNAME, "a".repeat(4000))), "USERNAME");
    }

    @Test
    void wrongLengthsOfFixedSizeAttributes() {
        assertBadValue(request(w -> w.addBytes(StunAttributeType.PRIORITY, new byte[8])), "PRIORITY");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.ICE_CONTROLLING, new byte[4])), "ICE-CONTROLLING");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.USE_CANDIDATE, new byte[1])), "USE-CANDIDATE");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.MESSAGE_INTEGRITY, new byte[16])),
                "MESSAGE-INTEGRITY");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.USERHASH, new byte[31])), "USERHASH");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.CHANGE_REQUEST, new byte[8])), "CHANGE-REQUEST");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.UNKNOWN_ATTRIBUTES, new byte[3])),
                "UNKNOWN-ATTRIBUTES");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.PASSWORD_ALGORITHMS, hex("0001 0008 0000"))),
                "PASSWORD-ALGORITHMS");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.PASSWORD_ALGORITHMS, hex("0001 00"))),
                "PASSWORD-ALGORITHMS");
        assertBadValue(request(w -> w.addBytes(StunAttributeType.PASSWORD_ALGORITHM, hex("0001 0000 0002 0000"))),
                "PASSWORD-ALGORITHM");
    }

    @Test
    void attributesAfterMessageIntegrityAreIgnoredExceptFingerprint() throws StunDecodeException {
        byte[] key = utf8("key");
        byte[] bytes = request(w -> w
                .addString(StunAttributeType.SOFTWARE, "before")
                .addMessageIntegrity(key)
                .addString(StunAttributeType.USERNAME, "after")           // ignored
                .addBytes(StunAttributeType.REALM, hex("ff"))              // ignored, so its bad UTF-8 is harmless
                .addBytes(0x0777, new byte[4])                             // ignored, so not "unknown"
                .addFingerprint());
        assertThat(reader.wrap(ByteBuffer.wrap(bytes))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.attributeCount()).isEqualTo(6);
        assertThat(reader.has(StunAttributeType.USERNAME)).isFalse();
        assertThat(reader.has(StunAttributeType.SOFTWARE)).isTrue();
        assertThat(reader.has(StunAttributeType.FINGERPRINT)).isTrue();
        assertThat(reader.isIgnored(2)).isTrue();
        assertThat(reader.isIgnored(5)).isFalse();
        assertThat(reader.unknownComprehensionRequired(t -> false, new int[8]))
                .as("only SOFTWARE(optional) and MI precede MI").isEqualTo(1); // MESSAGE-INTEGRITY itself
        // HMAC covers up to MESSAGE-INTEGRITY only: still valid with trailing junk (RFC 8489 §14.5).
        assertThat(reader.verifyMessageIntegrity(key)).isTrue();

        StunMessage message = StunMessage.decode(bytes);
        assertThat(message.attributes()).extracting(StunAttribute::type).containsExactly(
                StunAttributeType.SOFTWARE, StunAttributeType.MESSAGE_INTEGRITY, StunAttributeType.FINGERPRINT);
        assertThat(message.attribute(StunAttributeType.SOFTWARE))
                .contains(new StringAttribute(StunAttributeType.SOFTWARE, "before"));
        assertThat(message.has(StunAttributeType.USERNAME)).isFalse();
    }

    @Test
    void messageIntegritySha256AfterMessageIntegrityCounts() throws StunDecodeException {
        byte[] key = utf8("key");
        byte[] bytes = request(w -> w.addMessageIntegrity(key)
                .addString(StunAttributeType.NONCE, "ignored")
                .addMessageIntegritySha256(key));
        assertThat(reader.wrap(ByteBuffer.wrap(bytes))).isEqualTo(StunParseStatus.OK);
        assertThat(reader.has(StunAttributeType.NONCE)).isFalse();
        assertThat(reader.verifyMessageIntegrity(key)).isTrue();
        assertThat(reader.verifyMessageIntegritySha256(key)).isTrue();
        assertThat(StunMessage.decode(bytes).attributes()).extracting(StunAttribute::type).containsExactly(
                StunAttributeType.MESSAGE_INTEGRITY, StunAttributeType.MESSAGE_INTEGRITY_SHA256);
    }

    @Test
    void bufferPositionAndLimitAreRespectedAndUnchanged() throws StunDecodeException {
        byte[] valid = valid();
        byte[] framed = new byte[valid.length + 10];
        System.arraycopy(valid, 0, framed, 7, valid.length);
        ByteBuffer buffer = ByteBuffer.wrap(framed, 7, valid.length);
        assertThat(reader.wrap(buffer)).isEqualTo(StunParseStatus.OK);
        assertThat(reader.start()).isEqualTo(7);
        assertThat(buffer.position()).isEqualTo(7);
        assertThat(buffer.limit()).isEqualTo(7 + valid.length);
        assertThat(StunMessage.decode(buffer).string(StunAttributeType.SOFTWARE)).contains("peerlink");
        assertThatCode(() -> reader.wrap(ByteBuffer.wrap(framed, 7, valid.length + 1)))
                .doesNotThrowAnyException();
        assertThat(reader.wrap(ByteBuffer.wrap(framed, 7, valid.length + 1))).isEqualTo(StunParseStatus.TRAILING_BYTES);
    }
}
