package dev.peerlink.stun;

import static dev.peerlink.stun.StunTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.peerlink.stun.StunMessage.Signing;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.server.BindingResponder;
import dev.peerlink.stun.transport.PacketKind;
import dev.peerlink.stun.transport.StreamFramer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Arbitrary bytes through every STUN entry point: nothing but {@link StunDecodeException} escapes, the validator
 * and the decoder agree, decoded messages re-encode to the same thing, and the Binding responder never answers
 * with more than three times the request.
 *
 * <p>Under {@code mvn test} Jazzer runs in regression mode: the {@code @FuzzTest} executes the seeds in
 * {@code src/test/resources/dev/peerlink/stun/StunDecoderFuzzTestInputs/decode/}. {@code JAZZER_FUZZ=1} fuzzes
 * for real. {@link #seededMutations} gives fuzz-style coverage in CI either way.
 */
class StunDecoderFuzzTest {
    private static final InetAddress SOURCE_V4 = ip("192.0.2.1");
    private static final InetAddress SOURCE_V6 = ip("2001:db8::1");
    private static final InetSocketAddress LOCAL = new InetSocketAddress(ip("198.18.0.1"), 3478);
    private static final InetSocketAddress OTHER = new InetSocketAddress(ip("198.18.0.2"), 3479);

    private final StunMessageReader reader = new StunMessageReader();
    private final BindingResponder responder = new BindingResponder("peerlink fuzz ".repeat(20), LOCAL, OTHER);
    private final BindingResponder plainResponder = new BindingResponder(null, LOCAL, null);
    private final ByteBuffer out = StunTestSupport.messageBuffer();

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void decode(byte[] data) {
        check(data);
    }

    /** The outcome of one input, for the mutation test's coverage accounting. */
    enum Outcome { REJECTED, BAD_VALUE, DECODED }

    Outcome check(byte[] data) {
        StunParseStatus status = reader.wrap(ByteBuffer.wrap(data));
        assertThat(status).isNotNull();
        if (status == StunParseStatus.OK) {
            assertThat(StunMessageReader.looksLikeStun(ByteBuffer.wrap(data))).isTrue();
            assertThat(data[0] & 0xC0).as("RFC 8489 §5: the two leading bits are zero").isZero();
            if ((data[0] & 0xFF) <= 3) { // RFC 7983 demuxes only methods below 0x100 (first byte 0..3) as STUN
                assertThat(PacketKind.classify(data[0])).isEqualTo(PacketKind.STUN);
            }
            assertThat(reader.totalLength()).isEqualTo(data.length);
            assertThat(reader.attributeCount()).isBetween(0, StunMessageReader.MAX_ATTRIBUTES);
            for (int i = 0; i < reader.attributeCount(); i++) {
                assertThat(reader.attributeValueOffset(i) + reader.attributeLength(i)).isLessThanOrEqualTo(data.length);
            }
            // Integrity checks on hostile input return a boolean, never throw.
            reader.verifyMessageIntegrity(utf8("key"));
            reader.verifyMessageIntegritySha256(utf8("key"));
        }

        Outcome outcome = decodeAndReEncode(data, status);

        for (BindingResponder r : new BindingResponder[] {responder, plainResponder}) {
            for (InetAddress source : new InetAddress[] {SOURCE_V4, SOURCE_V6}) {
                out.clear();
                int length = r.respond(ByteBuffer.wrap(data), source, 40000, out);
                assertThat(length).isBetween(0, BindingResponder.MAX_AMPLIFICATION * data.length);
                if (length > 0) {
                    assertThat(status).isEqualTo(StunParseStatus.OK);
                    StunMessageReader responseReader = new StunMessageReader();
                    assertThat(responseReader.wrap(ByteBuffer.wrap(out.array(), 0, length)))
                            .isEqualTo(StunParseStatus.OK);
                    assertThat(responseReader.messageClass().isResponse()).isTrue();
                    assertThat(responseReader.transactionIdHigh()).isEqualTo(reader.transactionIdHigh());
                    assertThat(responseReader.transactionIdLow()).isEqualTo(reader.transactionIdLow());
                }
            }
        }

        int frame = StreamFramer.STUN.frameLength(ByteBuffer.wrap(data));
        assertThat(frame == StreamFramer.NEED_MORE || frame == StreamFramer.INVALID || frame >= 4).isTrue();
        if (status == StunParseStatus.OK) {
            // The stream framer, like RFC 7983, takes only first bytes 0..3 for STUN.
            assertThat(frame).isEqualTo((data[0] & 0xFF) <= 3 ? data.length : StreamFramer.INVALID);
        }
        int prefixed = StreamFramer.RFC4571.frameLength(ByteBuffer.wrap(data));
        assertThat(prefixed == StreamFramer.NEED_MORE || (prefixed >= 2 && prefixed <= 2 + 0xFFFF)).isTrue();
        return outcome;
    }

    private static Outcome decodeAndReEncode(byte[] data, StunParseStatus status) {
        StunMessage message;
        try {
            message = StunMessage.decode(data);
        } catch (StunDecodeException e) {
            // The validator and the decoder agree on framing; value errors carry no framing status.
            assertThat(e.status()).isEqualTo(status == StunParseStatus.OK ? null : status);
            return status == StunParseStatus.OK ? Outcome.BAD_VALUE : Outcome.REJECTED;
        }
        assertThat(status).isEqualTo(StunParseStatus.OK);
        // What decodes re-encodes (integrity and FINGERPRINT come from a Signing) and decodes to the same thing.
        byte[] reEncoded = message.toBytes(Signing.FINGERPRINT);
        StunMessage again;
        try {
            again = StunMessage.decode(reEncoded);
        } catch (StunDecodeException e) {
            throw new AssertionError("re-encoding of " + message + " does not decode", e);
        }
        assertThat(again.method()).isEqualTo(message.method());
        assertThat(again.messageClass()).isEqualTo(message.messageClass());
        assertThat(again.transactionId()).isEqualTo(message.transactionId());
        assertThat(StunTestSupport.withoutIntegrity(again)).isEqualTo(StunTestSupport.withoutIntegrity(message));
        return Outcome.DECODED;
    }

    /** Valid messages to mutate: the RFC 5769 vectors and a spread of writer output. */
    static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>(List.of(Rfc5769VectorsTest.SAMPLE_REQUEST,
                Rfc5769VectorsTest.SAMPLE_IPV4_RESPONSE, Rfc5769VectorsTest.SAMPLE_IPV6_RESPONSE,
                Rfc5769VectorsTest.SAMPLE_LONG_TERM_REQUEST));
        TransactionId id = new TransactionId(0x0102030405060708L, 0x090A0B0C);
        ByteBuffer buffer = StunTestSupport.messageBuffer();
        StunMessageWriter w = new StunMessageWriter();

        w.begin(buffer.clear(), StunMethod.BINDING, StunClass.REQUEST, id).finish();
        seeds.add(StunTestSupport.written(buffer));

        w.begin(buffer.clear(), StunMethod.BINDING, StunClass.REQUEST, id)
                .addString(StunAttributeType.USERNAME, "abcd:efgh").addUInt32(StunAttributeType.PRIORITY, 0x6e7f1eff)
                .addUInt64(StunAttributeType.ICE_CONTROLLING, 0x1234).addFlag(StunAttributeType.USE_CANDIDATE)
                .addMessageIntegrity(utf8("password")).addFingerprint().finish();
        seeds.add(StunTestSupport.written(buffer));

        w.begin(buffer.clear(), StunMethod.BINDING, StunClass.REQUEST, id);
        new ChangeRequestAttribute(true, true).writeTo(w);
        w.addBytes(StunAttributeType.PADDING, new byte[37]).addFingerprint().finish();
        seeds.add(StunTestSupport.written(buffer));

        w.begin(buffer.clear(), StunMethod.BINDING, StunClass.ERROR_RESPONSE, id)
                .addErrorCode(420, "Unknown Attribute").addUnknownAttributes(new int[] {0x0777, 0x0003}, 2)
                .addFingerprint().finish();
        seeds.add(StunTestSupport.written(buffer));

        w.begin(buffer.clear(), StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, id)
                .addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, SOURCE_V6.getAddress(), 5000)
                .addAddress(StunAttributeType.MAPPED_ADDRESS, SOURCE_V4.getAddress(), 5000)
                .addAddress(StunAttributeType.OTHER_ADDRESS, OTHER.getAddress().getAddress(), OTHER.getPort())
                .addAddress(StunAttributeType.RESPONSE_ORIGIN, LOCAL.getAddress().getAddress(), LOCAL.getPort())
                .addString(StunAttributeType.SOFTWARE, "peerlink")
                .addMessageIntegritySha256(utf8("key"), 16).addFingerprint().finish();
        seeds.add(StunTestSupport.written(buffer));

        w.begin(buffer.clear(), StunMethod.ALLOCATE, StunClass.ERROR_RESPONSE, id)
                .addErrorCode(401, "Unauthorized").addString(StunAttributeType.REALM, "example.org")
                .addString(StunAttributeType.NONCE, "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA")
                .addBytes(StunAttributeType.PASSWORD_ALGORITHMS, StunTestSupport.hex("0002 0000 0001 0000"))
                .addString(StunAttributeType.ALTERNATE_DOMAIN, "turn.example.org")
                .addAddress(StunAttributeType.ALTERNATE_SERVER, SOURCE_V4.getAddress(), 3478).finish();
        seeds.add(StunTestSupport.written(buffer));

        w.begin(buffer.clear(), StunMethod.BINDING, StunClass.REQUEST, id)
                .addBytes(StunAttributeType.USERHASH, new byte[32])
                .addBytes(StunAttributeType.PASSWORD_ALGORITHM, StunTestSupport.hex("0002 0000"))
                .addMessageIntegrity(utf8("k")).addMessageIntegritySha256(utf8("k")).addFingerprint().finish();
        seeds.add(StunTestSupport.written(buffer));

        seeds.add(StunTestSupport.hex("4000 0005 0102030405 000000")); // ChannelData
        return seeds;
    }

    /** The regression seeds are where Jazzer looks for them, and hold the RFC 5769 vectors byte for byte. */
    @Test
    void seedInputsArePresent() throws Exception {
        String dir = "StunDecoderFuzzTestInputs/decode/";
        for (var seed : List.of(
                java.util.Map.entry("rfc5769-2.1-sample-request.bin", Rfc5769VectorsTest.SAMPLE_REQUEST),
                java.util.Map.entry("rfc5769-2.2-sample-ipv4-response.bin", Rfc5769VectorsTest.SAMPLE_IPV4_RESPONSE),
                java.util.Map.entry("rfc5769-2.3-sample-ipv6-response.bin", Rfc5769VectorsTest.SAMPLE_IPV6_RESPONSE),
                java.util.Map.entry("rfc5769-2.4-sample-request-long-term.bin",
                        Rfc5769VectorsTest.SAMPLE_LONG_TERM_REQUEST))) {
            try (var in = StunDecoderFuzzTest.class.getResourceAsStream(dir + seed.getKey())) {
                assertThat(in).as(seed.getKey()).isNotNull();
                assertThat(in.readAllBytes()).isEqualTo(seed.getValue());
            }
        }
    }

    /**
     * 20,000 seeded mutations of valid messages: bit flips, truncations, extensions, length-field edits. Half
     * the mutants get their FINGERPRINT recomputed so that they reach the attribute decoders.
     */
    @Test
    void seededMutations() {
        for (byte[] seed : seeds()) {
            check(seed);
        }
        Random random = new Random(20_000);
        List<byte[]> seeds = seeds();
        int[] outcomes = new int[Outcome.values().length];
        for (int i = 0; i < 20_000; i++) {
            byte[] mutant = mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                outcomes[check(mutant).ordinal()]++;
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("mutant " + i + ": " + StunTestSupport.hex(mutant), e);
            }
        }
        // The mutants exercise every path: framing rejections, attribute value errors and clean decodes.
        assertThat(outcomes[Outcome.REJECTED.ordinal()]).as("rejected by the framing").isGreaterThan(2000);
        assertThat(outcomes[Outcome.BAD_VALUE.ordinal()]).as("refused by an attribute decoder").isGreaterThan(500);
        assertThat(outcomes[Outcome.DECODED.ordinal()]).as("decoded").isGreaterThan(2000);
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = seed.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && bytes.length > 0; e++) {
            switch (random.nextInt(8)) {
                case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8)); // bit flip
                case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);       // byte set
                case 2 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));          // truncate
                case 3 -> {                                                                        // extend
                    int old = bytes.length;
                    bytes = Arrays.copyOf(bytes, old + 1 + random.nextInt(8));
                    for (int i = old; i < bytes.length; i++) {
                        bytes[i] = (byte) random.nextInt(256);
                    }
                }
                case 4 -> {                                                                        // message length
                    if (bytes.length >= 4) {
                        int length = ((bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF)) + (random.nextInt(9) - 4) * 4
                                + (random.nextInt(4) == 0 ? random.nextInt(4) : 0);
                        StunTestSupport.setLength(bytes, length & 0xFFFF);
                    }
                }
                case 5, 6 -> {                                                                     // an attribute
                    List<Integer> offsets = attributeOffsets(bytes);
                    if (!offsets.isEmpty()) {
                        int at = offsets.get(random.nextInt(offsets.size()));
                        if (random.nextBoolean()) { // its length field
                            int length = (bytes[at + 2] & 0xFF) << 8 | (bytes[at + 3] & 0xFF);
                            length = random.nextBoolean() ? length + random.nextInt(9) - 4 : random.nextInt(0x10000);
                            bytes[at + 2] = (byte) (length >>> 8);
                            bytes[at + 3] = (byte) length;
                        } else { // its type, to a type with a different decoder
                            int type = KNOWN_TYPES[random.nextInt(KNOWN_TYPES.length)];
                            bytes[at] = (byte) (type >>> 8);
                            bytes[at + 1] = (byte) type;
                        }
                    }
                }
                default -> {                                                                       // class/method
                    if (bytes.length >= 2) {
                        bytes[random.nextInt(2)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
            }
        }
        if (random.nextBoolean()) {
            StunTestSupport.refreshFingerprint(bytes);
        }
        return bytes;
    }

    private static final int[] KNOWN_TYPES = {
            StunAttributeType.MAPPED_ADDRESS, StunAttributeType.XOR_MAPPED_ADDRESS, StunAttributeType.USERNAME,
            StunAttributeType.ERROR_CODE, StunAttributeType.UNKNOWN_ATTRIBUTES, StunAttributeType.REALM,
            StunAttributeType.PASSWORD_ALGORITHMS, StunAttributeType.PASSWORD_ALGORITHM, StunAttributeType.USERHASH,
            StunAttributeType.CHANGE_REQUEST, StunAttributeType.PRIORITY, StunAttributeType.ICE_CONTROLLED,
            StunAttributeType.USE_CANDIDATE, StunAttributeType.MESSAGE_INTEGRITY,
            StunAttributeType.MESSAGE_INTEGRITY_SHA256, StunAttributeType.ALTERNATE_DOMAIN,
            StunAttributeType.RESPONSE_PORT, 0x0777, 0x8777,
    };

    /** Offsets of the attribute headers a well-framed prefix of the message has. */
    private static List<Integer> attributeOffsets(byte[] bytes) {
        List<Integer> offsets = new ArrayList<>();
        int offset = StunMessageReader.HEADER_LENGTH;
        while (offset + 4 <= bytes.length) {
            offsets.add(offset);
            int length = (bytes[offset + 2] & 0xFF) << 8 | (bytes[offset + 3] & 0xFF);
            offset += 4 + ((length + 3) & ~3);
        }
        return offsets;
    }
}
