package dev.peerlink.stun.server;

import static dev.peerlink.stun.StunTestSupport.hex;
import static dev.peerlink.stun.StunTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.StunTestSupport;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.UnknownAttributesAttribute;
import dev.peerlink.stun.server.BindingResponder.Route;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Drives the sans-IO Binding answerer with bytes (RFC 8489 §6.3, RFC 5780 §6). No sockets. */
class BindingResponderTest {
    private static final InetAddress CLIENT_V4 = ip("192.0.2.1");
    private static final InetAddress CLIENT_V6 = ip("2001:db8::42");
    private static final InetSocketAddress LOCAL = new InetSocketAddress(ip("198.18.0.1"), 3478);
    private static final InetSocketAddress OTHER = new InetSocketAddress(ip("198.18.0.2"), 3479);
    private static final TransactionId ID = new TransactionId(0x0102030405060708L, 0x090A0B0C);

    private final BindingResponder plain = new BindingResponder("peerlink test", LOCAL, null);
    private final BindingResponder rfc5780 = new BindingResponder("peerlink test", LOCAL, OTHER);
    private final ByteBuffer out = StunTestSupport.messageBuffer();

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] message(int method, StunClass messageClass, Consumer<StunMessageWriter> attributes) {
        ByteBuffer buffer = StunTestSupport.messageBuffer();
        StunMessageWriter writer = new StunMessageWriter().begin(buffer, method, messageClass, ID);
        attributes.accept(writer);
        writer.finish();
        return StunTestSupport.written(buffer);
    }

    private static byte[] bindingRequest(Consumer<StunMessageWriter> attributes) {
        return message(StunMethod.BINDING, StunClass.REQUEST, attributes);
    }

    private int respond(BindingResponder responder, byte[] request, InetAddress source, int port) {
        out.clear();
        int length = responder.respond(ByteBuffer.wrap(request), source, port, out);
        assertThat(length).as("response length").isLessThanOrEqualTo(3 * request.length);
        if (length > 0) {
            assertThat(out.position()).as("response written at the buffer's position").isEqualTo(length);
        }
        return length;
    }

    /** Responds, checks the response frames as STUN (FINGERPRINT included) and decodes it. */
    private StunMessage exchange(BindingResponder responder, byte[] request, InetAddress source, int port)
            throws StunDecodeException {
        int length = respond(responder, request, source, port);
        assertThat(length).as("a response").isPositive();
        byte[] response = Arrays.copyOf(out.array(), length);
        assertThat(new StunMessageReader().wrap(ByteBuffer.wrap(response))).isEqualTo(StunParseStatus.OK);
        StunMessage message = StunMessage.decode(response);
        assertThat(message.transactionId()).isEqualTo(ID);
        return message;
    }

    private static void assertError(StunMessage response, int method, int code) {
        assertThat(response.method()).isEqualTo(method);
        assertThat(response.messageClass()).isEqualTo(StunClass.ERROR_RESPONSE);
        assertThat(response.errorCode()).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo(code));
        assertThat(response.has(StunAttributeType.XOR_MAPPED_ADDRESS)).isFalse();
    }

    @Test
    void ipv4BindingRequestGetsItsSourceAddress() throws StunDecodeException {
        StunMessage response = exchange(plain, bindingRequest(w -> { }), CLIENT_V4, 5000);
        assertThat(response.method()).isEqualTo(StunMethod.BINDING);
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V4, 5000));
        assertThat(response.has(StunAttributeType.FINGERPRINT)).as("request had none").isFalse();
        assertThat(response.has(StunAttributeType.OTHER_ADDRESS)).isFalse();
        assertThat(response.has(StunAttributeType.RESPONSE_ORIGIN)).isFalse();
        assertThat(plain.route()).isEqualTo(Route.SAME);
    }

    @Test
    void responseIsWrittenAtTheOutputPosition() throws StunDecodeException {
        byte[] request = bindingRequest(w -> w.addString(StunAttributeType.SOFTWARE, "a client").addFingerprint());
        ByteBuffer offsetOut = ByteBuffer.allocate(2000).position(100);
        int length = plain.respond(ByteBuffer.wrap(request), CLIENT_V4, 5000, offsetOut);
        assertThat(offsetOut.position()).isEqualTo(100 + length);
        StunMessage response = StunMessage.decode(ByteBuffer.wrap(offsetOut.array(), 100, length));
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V4, 5000));
    }

    @Test
    void ipv6Source() throws StunDecodeException {
        StunMessage response = exchange(plain, bindingRequest(w -> { }), CLIENT_V6, 65535);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V6, 65535));
        // Alternating sources must not reuse the previous peer's address.
        StunMessage v4 = exchange(plain, bindingRequest(w -> { }), CLIENT_V4, 1);
        assertThat(v4.address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(new InetSocketAddress(CLIENT_V4, 1));
        StunMessage v6 = exchange(plain, bindingRequest(w -> { }), CLIENT_V6, 2);
        assertThat(v6.address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(new InetSocketAddress(CLIENT_V6, 2));
    }

    @Test
    void fingerprintIsEchoed() throws StunDecodeException {
        StunMessage response = exchange(plain, bindingRequest(StunMessageWriter::addFingerprint), CLIENT_V4, 5000);
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(response.has(StunAttributeType.FINGERPRINT)).isTrue();
        // And on errors too.
        StunMessage error = exchange(plain, bindingRequest(w -> w.addUInt32(0x0777, 0).addFingerprint()),
                CLIENT_V4, 5000);
        assertThat(error.has(StunAttributeType.FINGERPRINT)).isTrue();
    }

    @Test
    void softwareIsIncludedWhenItFits() throws StunDecodeException {
        byte[] request = bindingRequest(w -> w.addString(StunAttributeType.SOFTWARE, "client software 1.0"));
        StunMessage response = exchange(plain, request, CLIENT_V4, 5000);
        assertThat(response.string(StunAttributeType.SOFTWARE)).contains("peerlink test");
    }

    @Test
    void unknownComprehensionRequiredAttributeGets420() throws StunDecodeException {
        StunMessage response = exchange(plain, bindingRequest(w -> w.addUInt32(0x0777, 1)), CLIENT_V4, 5000);
        assertError(response, StunMethod.BINDING, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE);
        assertThat(response.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES))
                .contains(new UnknownAttributesAttribute(java.util.List.of(0x0777)));

        StunMessage two = exchange(plain, bindingRequest(w -> w.addUInt32(0x0777, 1)
                .addString(StunAttributeType.SOFTWARE, "x").addFlag(0x7ABC)), CLIENT_V4, 5000);
        assertThat(two.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES))
                .contains(new UnknownAttributesAttribute(java.util.List.of(0x0777, 0x7ABC)));
    }

    @Test
    void unknownComprehensionOptionalAttributeIsIgnored() throws StunDecodeException {
        StunMessage response = exchange(plain, bindingRequest(w -> w.addUInt32(0x8777, 1)), CLIENT_V4, 5000);
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V4, 5000));
    }

    @Test
    void iceAttributesAreUnderstood() throws StunDecodeException {
        byte[] key = utf8("ice-password");
        byte[] request = bindingRequest(w -> w.addString(StunAttributeType.USERNAME, "a:b")
                .addUInt32(StunAttributeType.PRIORITY, 0x6e0001ff)
                .addUInt64(StunAttributeType.ICE_CONTROLLING, 42)
                .addFlag(StunAttributeType.USE_CANDIDATE)
                .addMessageIntegrity(key)
                .addFingerprint());
        assertThat(exchange(plain, request, CLIENT_V4, 5000).messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }

    @Test
    void changeRequestWithoutRfc5780Gets420() throws StunDecodeException {
        byte[] request = bindingRequest(w -> new ChangeRequestAttribute(true, true).writeTo(w));
        StunMessage response = exchange(plain, request, CLIENT_V4, 5000);
        assertError(response, StunMethod.BINDING, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE);
        assertThat(response.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES))
                .contains(new UnknownAttributesAttribute(java.util.List.of(StunAttributeType.CHANGE_REQUEST)));
        assertThat(plain.route()).isEqualTo(Route.SAME);

        StunMessage padding = exchange(plain, bindingRequest(w -> w.addBytes(StunAttributeType.PADDING, new byte[64])),
                CLIENT_V4, 5000);
        assertError(padding, StunMethod.BINDING, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE);
    }

    @ParameterizedTest(name = "changeIp={0} changePort={1}")
    @CsvSource({
            "false, false, SAME,                     198.18.0.1, 3478",
            "false, true,  CHANGE_PORT,              198.18.0.1, 3479",
            "true,  false, CHANGE_ADDRESS,           198.18.0.2, 3478",
            "true,  true,  CHANGE_ADDRESS_AND_PORT,  198.18.0.2, 3479",
    })
    void changeRequestWithRfc5780(boolean changeIp, boolean changePort, Route route, String originIp, int originPort)
            throws StunDecodeException {
        byte[] request = bindingRequest(w -> new ChangeRequestAttribute(changeIp, changePort).writeTo(w));
        StunMessage response = exchange(rfc5780, request, CLIENT_V4, 5000);
        assertThat(rfc5780.route()).isEqualTo(route);
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V4, 5000));
        assertThat(response.address(StunAttributeType.OTHER_ADDRESS)).contains(OTHER);
        assertThat(response.address(StunAttributeType.RESPONSE_ORIGIN))
                .contains(new InetSocketAddress(ip(originIp), originPort));

        // The next plain request goes back to the same socket.
        exchange(rfc5780, bindingRequest(w -> { }), CLIENT_V4, 5000);
        assertThat(rfc5780.route()).isEqualTo(Route.SAME);
    }

    @Test
    void rfc5780ResponseWithoutChangeRequestNamesBothAddresses() throws StunDecodeException {
        StunMessage response = exchange(rfc5780, bindingRequest(StunMessageWriter::addFingerprint), CLIENT_V6, 7);
        assertThat(response.address(StunAttributeType.OTHER_ADDRESS)).contains(OTHER);
        assertThat(response.address(StunAttributeType.RESPONSE_ORIGIN)).contains(LOCAL);
        assertThat(response.has(StunAttributeType.FINGERPRINT)).isTrue();
        assertThat(rfc5780.route()).isEqualTo(Route.SAME);
    }

    @Test
    void paddingIsAcceptedWithRfc5780() throws StunDecodeException {
        byte[] request = bindingRequest(w -> w.addBytes(StunAttributeType.PADDING, new byte[500]));
        StunMessage response = exchange(rfc5780, request, CLIENT_V4, 5000);
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }

    @Test
    void malformedChangeRequestGets400() throws StunDecodeException {
        byte[] request = bindingRequest(w -> w.addBytes(StunAttributeType.CHANGE_REQUEST, new byte[8]));
        StunMessage response = exchange(rfc5780, request, CLIENT_V4, 5000);
        assertError(response, StunMethod.BINDING, ErrorCodeAttribute.BAD_REQUEST);
        assertThat(rfc5780.route()).isEqualTo(Route.SAME);
    }

    @Test
    void responsePortIsRefusedWithoutRfc5780() throws StunDecodeException {
        byte[] request = bindingRequest(w -> w.addBytes(StunAttributeType.RESPONSE_PORT, hex("13880000")));
        StunMessage response = exchange(plain, request, CLIENT_V4, 5000);
        assertError(response, StunMethod.BINDING, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE);
        assertThat(response.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES))
                .contains(new UnknownAttributesAttribute(java.util.List.of(StunAttributeType.RESPONSE_PORT)));
    }

    @Test
    void responsePortRedirectsTheAnswerToTheSourceIpWithRfc5780() throws StunDecodeException {
        byte[] request = bindingRequest(w -> w.addBytes(StunAttributeType.RESPONSE_PORT, hex("13880000")));
        StunMessage response = exchange(rfc5780, request, CLIENT_V4, 5000);
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(rfc5780.destinationPort()).isEqualTo(0x1388);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V4, 5000));

        byte[] zeroPort = bindingRequest(w -> w.addBytes(StunAttributeType.RESPONSE_PORT, hex("00000000")));
        assertError(exchange(rfc5780, zeroPort, CLIENT_V4, 5000), StunMethod.BINDING, ErrorCodeAttribute.BAD_REQUEST);
        assertThat(rfc5780.destinationPort()).isEqualTo(5000);
    }

    @Test
    void nonBindingRequestGets400() throws StunDecodeException {
        for (int method : new int[] {StunMethod.ALLOCATE, StunMethod.REFRESH, 0x000, 0xFFF}) {
            byte[] request = message(method, StunClass.REQUEST, StunMessageWriter::addFingerprint);
            StunMessage response = exchange(plain, request, CLIENT_V4, 5000);
            assertError(response, method, ErrorCodeAttribute.BAD_REQUEST);
            assertThat(response.has(StunAttributeType.FINGERPRINT)).isTrue();
        }
    }

    @Test
    void indicationsAndResponsesGetSilence() {
        for (StunClass messageClass : new StunClass[] {
                StunClass.INDICATION, StunClass.SUCCESS_RESPONSE, StunClass.ERROR_RESPONSE}) {
            for (int method : new int[] {StunMethod.BINDING, StunMethod.SEND}) {
                byte[] message = message(method, messageClass, w -> w.addString(StunAttributeType.SOFTWARE, "x"));
                assertThat(respond(plain, message, CLIENT_V4, 5000)).as("%s %s", method, messageClass).isZero();
                assertThat(respond(rfc5780, message, CLIENT_V4, 5000)).isZero();
            }
        }
    }

    @Test
    void garbageGetsSilence() {
        byte[] valid = bindingRequest(StunMessageWriter::addFingerprint);
        byte[] badFingerprint = valid.clone();
        badFingerprint[badFingerprint.length - 1] ^= 1;
        byte[][] garbage = {
                new byte[0], new byte[1], new byte[19], Arrays.copyOf(valid, valid.length + 4), badFingerprint,
                utf8("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"),
                hex("16fefd000000000000000000400100003400000000000000340102030405060708"),
                hex("806f1234000000010000000000000000000000000000000000"),
                hex("400000050102030405000000"),
        };
        for (byte[] bytes : garbage) {
            assertThat(respond(plain, bytes, CLIENT_V4, 5000)).as(StunTestSupport.hex(bytes)).isZero();
            assertThat(respond(rfc5780, bytes, CLIENT_V4, 5000)).isZero();
        }
    }

    @Test
    void smallestRequestWithLongSoftwareStaysWithinThreeTimes() throws StunDecodeException {
        BindingResponder verbose = new BindingResponder("x".repeat(700), LOCAL, OTHER);
        byte[] request = bindingRequest(StunMessageWriter::addFingerprint); // 28 bytes: budget 84
        StunMessage response = exchange(verbose, request, CLIENT_V6, 5000);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V6, 5000));
        assertThat(response.has(StunAttributeType.SOFTWARE)).isFalse();

        byte[] bare = bindingRequest(w -> { }); // 20 bytes: budget 60, exactly the XOR-MAPPED-ADDRESS v6 and more
        StunMessage bareResponse = exchange(verbose, bare, CLIENT_V6, 5000);
        assertThat(bareResponse.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(new InetSocketAddress(CLIENT_V6, 5000));
        assertThat(bareResponse.has(StunAttributeType.SOFTWARE)).isFalse();

        byte[] big = bindingRequest(w -> w.addBytes(0x8FFF, new byte[400]));
        assertThat(exchange(verbose, big, CLIENT_V4, 5000).string(StunAttributeType.SOFTWARE))
                .contains("x".repeat(700));
    }

    @Test
    void responsesNeverExceedThreeTimesTheRequest() {
        Random random = new Random(0x5EED);
        BindingResponder[] responders = {
                new BindingResponder("peerlink ".repeat(80), LOCAL, OTHER),
                new BindingResponder("peerlink ".repeat(80), LOCAL, null),
                new BindingResponder("p", new InetSocketAddress(ip("2001:db8::1"), 3478),
                        new InetSocketAddress(ip("2001:db8::2"), 3479)),
                new BindingResponder(null, LOCAL, OTHER),
        };
        InetAddress[] sources = {CLIENT_V4, CLIENT_V6, ip("203.0.113.9"), ip("::1")};
        int answered = 0;
        int errors = 0;
        int maxRatioPercent = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] request = randomRequest(random);
            BindingResponder responder = responders[random.nextInt(responders.length)];
            int length = respond(responder, request, sources[random.nextInt(sources.length)],
                    random.nextInt(65536));
            assertThat(length).as("request %s", StunTestSupport.hex(request))
                    .isLessThanOrEqualTo(BindingResponder.MAX_AMPLIFICATION * request.length);
            if (length > 0) {
                answered++;
                StunMessageReader reader = new StunMessageReader();
                assertThat(reader.wrap(ByteBuffer.wrap(out.array(), 0, length))).isEqualTo(StunParseStatus.OK);
                assertThat(reader.hasTransactionId(ID)).isTrue();
                if (reader.messageClass() == StunClass.ERROR_RESPONSE) {
                    errors++;
                }
                maxRatioPercent = Math.max(maxRatioPercent, 100 * length / request.length);
            }
        }
        // The random requests reach both successes and errors, and some come close to the cap.
        assertThat(answered).isGreaterThan(15_000);
        assertThat(errors).isBetween(1000, answered - 1000);
        assertThat(maxRatioPercent).isGreaterThan(250);
    }

    private static byte[] randomRequest(Random random) {
        int method = random.nextInt(10) == 0 ? StunMethod.ALLOCATE : StunMethod.BINDING;
        return message(method, StunClass.REQUEST, w -> {
            int attributes = random.nextInt(4);
            for (int a = 0; a < attributes; a++) {
                switch (random.nextInt(9)) {
                    case 0 -> w.addString(StunAttributeType.SOFTWARE, "c".repeat(random.nextInt(40)));
                    case 1 -> w.addString(StunAttributeType.USERNAME, "u".repeat(1 + random.nextInt(20)));
                    case 2 -> w.addUInt32(StunAttributeType.PRIORITY, random.nextInt());
                    case 3 -> w.addUInt64(StunAttributeType.ICE_CONTROLLED, random.nextLong());
                    case 4 -> w.addFlag(StunAttributeType.USE_CANDIDATE);
                    case 5 -> new ChangeRequestAttribute(random.nextBoolean(), random.nextBoolean()).writeTo(w);
                    case 6 -> w.addBytes(StunAttributeType.PADDING, new byte[random.nextInt(64)]);
                    case 7 -> w.addUInt32(random.nextBoolean() ? 0x0777 : 0x8777, 0);
                    default -> w.addUnknownAttributes(new int[] {random.nextInt(0x10000)}, 1);
                }
            }
            if (random.nextInt(4) == 0) {
                w.addMessageIntegrity(utf8("k"));
            }
            if (random.nextBoolean()) {
                w.addFingerprint();
            }
        });
    }

    /**
     * DESIGN.md: no per-packet allocation on the STUN Binding path. Buffers and the source address are reused,
     * so after warm-up the only allocations should be the JIT's and the measuring's.
     */
    @Test
    void bindingPathDoesNotAllocate() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);

        BindingResponder responder = new BindingResponder("peerlink", LOCAL, OTHER);
        ByteBuffer[] requests = {
                ByteBuffer.wrap(bindingRequest(w -> w.addString(StunAttributeType.SOFTWARE, "a browser")
                        .addUInt32(StunAttributeType.PRIORITY, 1).addFingerprint())),
                ByteBuffer.wrap(bindingRequest(w -> { })),
                ByteBuffer.wrap(bindingRequest(w -> new ChangeRequestAttribute(true, false).writeTo(w))),
                ByteBuffer.wrap(bindingRequest(w -> w.addUInt32(0x0777, 0).addFingerprint())),
        };
        ByteBuffer response = ByteBuffer.allocate(1500);
        InetAddress source = CLIENT_V4;
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm-up: let C2 compile respond()
            response.clear();
            sink += responder.respond(requests[i & 3], source, 5000, response);
        }
        int iterations = 100_000;
        long threadId = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < iterations; i++) {
            response.clear();
            sink += responder.respond(requests[i & 3], source, 5000, response);
        }
        long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        assertThat(sink).isPositive();
        assertThat((double) allocated / iterations).as("bytes allocated per request (%d in all)", allocated)
                .isLessThan(16.0);
    }
}
