package dev.peerlink.server.stun;

import static dev.peerlink.server.stun.StunWire.INSECURE_TLS;
import static dev.peerlink.server.stun.StunWire.OPTIONS;
import static dev.peerlink.server.stun.StunWire.bindingRequest;
import static dev.peerlink.server.stun.StunWire.ip;
import static dev.peerlink.server.stun.StunWire.listener;
import static dev.peerlink.server.stun.StunWire.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunClientException;
import dev.peerlink.stun.client.StunTransactions;
import dev.peerlink.stun.client.StunTransport;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** peerlink server's STUN listeners on real loopback sockets: UDP, TCP and TLS, IPv4 and IPv6. */
class StunServerTest {
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(10);

    private static PeerlinkServer server;
    private static boolean ipv6;

    @BeforeAll
    static void start() throws Exception {
        ipv6 = StunWire.canBind("::1");
        List<String> ips = ipv6 ? List.of("127.0.0.1", "::1") : List.of("127.0.0.1");
        // Port 0 everywhere: the system picks free ports; listeners() says which.
        server = PeerlinkServer.start(new ServerConfig(ips, 0, 0, 0, null, null, false, false, false, false, null));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void requireIpv6() {
        if (!ipv6) {
            StunWire.skipUnlessCi("::1 cannot be bound on this machine (IPv6 is off), so the IPv6 listeners "
                    + "are not tested");
        }
    }

    private static InetSocketAddress serverAddress(StunTransport transport, String ip) {
        return listener(server, transport == StunTransport.TLS ? "tls" : transport.name().toLowerCase(), ip);
    }

    private static StunClient open(StunTransport transport, String ip, InetSocketAddress local) throws Exception {
        return StunClient.open(transport, serverAddress(transport, ip), "localhost", local, INSECURE_TLS);
    }

    // --- listeners ---

    @Test
    void listensOnEveryProtocolAndAddress() {
        List<String> expected = new ArrayList<>();
        for (String protocol : List.of("udp", "tcp", "tls")) {
            expected.add(protocol + " 127.0.0.1");
            if (ipv6) {
                expected.add(protocol + " 0:0:0:0:0:0:0:1");
            }
        }

        assertThat(server.listeners()).extracting(l -> l.protocol() + " " + l.address().getAddress().getHostAddress())
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(server.listeners()).allSatisfy(l -> assertThat(l.address().getPort()).isPositive());
        assertThat(server.tls()).isNotNull();
        assertThat(server.tls().selfSigned()).isTrue();
    }

    // --- Binding over each transport ---

    @Test
    void udpBindingMapsToTheClientsOwnAddress() throws Exception {
        try (StunClient client = open(StunTransport.UDP, "127.0.0.1", null)) { // bound to the wildcard
            InetSocketAddress mapped = client.binding();

            assertThat(mapped.getAddress()).isEqualTo(ip("127.0.0.1"));
            assertThat(mapped.getPort()).isEqualTo(client.localAddress().getPort());
        }
        try (StunClient client = open(StunTransport.UDP, "127.0.0.1", new InetSocketAddress(ip("127.0.0.1"), 0))) {
            assertThat(client.binding()).isEqualTo(client.localAddress());
        }
    }

    @ParameterizedTest
    @EnumSource(value = StunTransport.class, names = {"TCP", "TLS"})
    void streamBindingMapsToTheClientsOwnAddress(StunTransport transport) throws Exception {
        try (StunClient client = open(transport, "127.0.0.1", null)) {
            assertThat(client.binding()).isEqualTo(client.localAddress());
            // the connection stays open for more requests
            assertThat(client.binding()).isEqualTo(client.localAddress());
        }
    }

    @ParameterizedTest
    @EnumSource(StunTransport.class)
    void ipv6BindingMapsToLoopback(StunTransport transport) throws Exception {
        requireIpv6();
        InetSocketAddress local = transport == StunTransport.UDP ? new InetSocketAddress(ip("::1"), 0) : null;
        try (StunClient client = open(transport, "::1", local)) {
            InetSocketAddress mapped = client.binding();

            assertThat(mapped.getAddress()).isEqualTo(ip("::1"));
            assertThat(mapped).isEqualTo(client.localAddress());
        }
    }

    @ParameterizedTest
    @EnumSource(StunTransport.class)
    void responsesCarrySoftwareAndFingerprint(StunTransport transport) throws Exception {
        try (StunClient client = open(transport, "127.0.0.1", null)) {
            StunTransactions.Answered answered = client.request(List.of(), serverAddress(transport, "127.0.0.1"));

            StunMessage response = answered.response();
            assertThat(response.method()).isEqualTo(StunMethod.BINDING);
            assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
            assertThat(response.string(StunAttributeType.SOFTWARE)).contains("peerlink");
            assertThat(response.has(StunAttributeType.FINGERPRINT)).isTrue();
            // Without RFC 5780 the server says nothing about other addresses.
            assertThat(response.has(StunAttributeType.OTHER_ADDRESS)).isFalse();
            assertThat(response.has(StunAttributeType.RESPONSE_ORIGIN)).isFalse();
        }
    }

    @Test
    void udpAnswersComeFromTheListeningSocket() throws Exception {
        InetSocketAddress udp = serverAddress(StunTransport.UDP, "127.0.0.1");
        try (StunClient client = open(StunTransport.UDP, "127.0.0.1", null)) {
            assertThat(client.request(List.of(), udp).source()).isEqualTo(udp);
        }
    }

    @Test
    void aUdpRequestLargerThanAnEthernetMtuIsReadWholeAndAnswered() throws Exception {
        // RFC 5780 §7.6: PADDING makes a Binding request as large as a client wants to test fragmentation with
        // (turnutils_stunclient sends ~1,532 bytes); a receive slot of 1,500 bytes once cut it and left it unanswered.
        // This server runs without RFC 5780, so it answers 420 (PADDING is a comprehension-required attribute it
        // does not take, RFC 8489 §14): an answer at all shows the whole datagram was read — a cut one fails its
        // length check and is dropped.
        InetSocketAddress udp = serverAddress(StunTransport.UDP, "127.0.0.1");
        try (StunClient client = open(StunTransport.UDP, "127.0.0.1", null)) {
            assertThatThrownBy(() -> client.request(
                    List.of(new BytesAttribute(StunAttributeType.PADDING, new byte[1600])), udp))
                    .isInstanceOf(StunClientException.class).hasMessageContaining("420 Unknown Attribute");
        }
    }

    // --- TLS certificates ---

    @Test
    void tlsWithoutInsecureRefusesTheSelfSignedCertificate() {
        InetSocketAddress tls = serverAddress(StunTransport.TLS, "127.0.0.1");

        assertThatThrownBy(() -> StunClient.open(StunTransport.TLS, tls, "localhost", null, OPTIONS).close())
                .isInstanceOf(StunClientException.class)
                .hasMessageContaining("over TLS")
                .hasMessageContaining("certificate");
    }

    @Test
    void tlsPresentsTheServersCertificateValidForItsAddress() throws Exception {
        // Trust exactly the server's certificate, and check the address against its names as browsers do.
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", server.tls().chain().get(0));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        InetSocketAddress tls = serverAddress(StunTransport.TLS, "127.0.0.1");

        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(tls.getAddress(), tls.getPort())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(StunWire.RECEIVE_BOUND_MILLIS);
            socket.startHandshake();

            assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(server.tls().chain().get(0));
            TransactionId id = newId();
            socket.getOutputStream().write(bindingRequest(id));
            StunMessage response = StunWire.readFrame(socket);
            assertThat(response.transactionId()).isEqualTo(id);
            assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                    .contains((InetSocketAddress) socket.getLocalSocketAddress());
        }
    }

    // --- RFC 5780 is off ---

    @Test
    void changeRequestIsRefusedWith420WhenRfc5780IsOff() throws Exception {
        InetSocketAddress udp = serverAddress(StunTransport.UDP, "127.0.0.1");
        try (StunClient client = open(StunTransport.UDP, "127.0.0.1", null)) {
            assertThatThrownBy(() -> client.request(List.of(new ChangeRequestAttribute(true, true)), udp))
                    .isInstanceOf(StunClientException.class)
                    .hasMessageContaining("420");
            // and the socket is fine afterwards
            assertThat(client.binding().getPort()).isEqualTo(client.localAddress().getPort());
        }
    }

    @Test
    void changeRequestOverTcpIsRefusedWith420() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (StunClient client = open(StunTransport.TCP, "127.0.0.1", null)) {
            assertThatThrownBy(() -> client.request(List.of(new ChangeRequestAttribute(false, true)), tcp))
                    .isInstanceOf(StunClientException.class)
                    .hasMessageContaining("420");
            assertThat(client.binding()).isEqualTo(client.localAddress());
        }
    }

    // --- robustness: UDP ---

    @Test
    void udpGarbageIsDroppedAndTheNextRequestAnswered() throws Exception {
        InetSocketAddress udp = serverAddress(StunTransport.UDP, "127.0.0.1");
        byte[] valid = bindingRequest(newId());
        Random random = new Random(5780);
        List<byte[]> garbage = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] bytes = new byte[1 + random.nextInt(600)];
            random.nextBytes(bytes);
            garbage.add(bytes);
        }
        byte[] stunLooking = new byte[64]; // first byte 0x00 and a plausible length, but no magic cookie
        random.nextBytes(stunLooking);
        stunLooking[0] = 0x00;
        stunLooking[1] = 0x01;
        stunLooking[2] = 0x00;
        stunLooking[3] = 44;
        garbage.add(stunLooking);
        byte[] dtls = new byte[120]; // a DTLS 1.2 handshake record header (RFC 6347 §4.1), then zeros
        dtls[0] = 22;
        dtls[1] = (byte) 0xFE;
        dtls[2] = (byte) 0xFD;
        dtls[12] = 107;
        garbage.add(dtls);
        garbage.add(Arrays.copyOf(valid, 12)); // a truncated STUN header
        garbage.add(Arrays.copyOf(valid, 24)); // a whole header whose body is cut short
        byte[] longer = Arrays.copyOf(valid, valid.length);
        longer[3] += 4; // the header claims more than the datagram holds
        garbage.add(longer);
        byte[] badFingerprint = bindingRequest(newId());
        badFingerprint[badFingerprint.length - 1] ^= 1;
        garbage.add(badFingerprint);
        garbage.add(new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, newId()).toBytes());
        garbage.add(new StunMessage(StunMethod.BINDING, StunClass.INDICATION, newId()).toBytes());
        garbage.add(new byte[0]);
        garbage.add(new byte[9000]);

        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0))) {
            for (byte[] bytes : garbage) {
                socket.send(new DatagramPacket(bytes, bytes.length, udp));
            }
            socket.send(new DatagramPacket(valid, valid.length, udp));

            // Nothing answered the garbage: the first datagram back is the answer to the valid request.
            StunWire.Received received = StunWire.receive(socket);
            assertThat(received.message().transactionId()).isEqualTo(StunMessage.decode(valid).transactionId());
            assertThat(received.message().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
            assertThat(received.message().address(StunAttributeType.XOR_MAPPED_ADDRESS))
                    .contains((InetSocketAddress) socket.getLocalSocketAddress());
            assertThat(received.source()).isEqualTo(udp);
        }
        try (StunClient client = open(StunTransport.UDP, "127.0.0.1", null)) {
            assertThat(client.binding().getPort()).isEqualTo(client.localAddress().getPort());
        }
    }

    // --- robustness and framing: TCP and TLS ---

    @Test
    void tcpConnectionThatIsNotStunIsClosedWhileOthersAreServed() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (StunClient before = open(StunTransport.TCP, "127.0.0.1", null);
             Socket http = new Socket()) {
            assertThat(before.binding()).isEqualTo(before.localAddress());
            http.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            http.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            await().atMost(CLOSE_BOUND).until(() -> StunWire.closedByPeer(http));

            assertThat(before.binding()).isEqualTo(before.localAddress());
            try (StunClient after = open(StunTransport.TCP, "127.0.0.1", null)) {
                assertThat(after.binding()).isEqualTo(after.localAddress());
            }
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "HEAD / HTTP/1.1\r\n\r\n",         // 'H' (0x48), like 'G', looks like TURN ChannelData
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", // HTTP/2 preface
        "16030100a5010000a10303",              // a TLS ClientHello on the plain TCP port
        "0001000021124443000000000000000000000000", // a STUN header with the wrong magic cookie
    })
    void tcpStreamsThatAreNotStunAreClosed(String opening) throws Exception {
        byte[] bytes = opening.matches("[0-9a-f]+") ? java.util.HexFormat.of().parseHex(opening)
                : opening.getBytes(StandardCharsets.US_ASCII);
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (Socket socket = new Socket()) {
            socket.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            socket.getOutputStream().write(bytes);

            await().atMost(CLOSE_BOUND).until(() -> StunWire.closedByPeer(socket));
        }
    }

    @Test
    void tcpConnectionThatTurnsToGarbageAfterARequestIsClosed() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (Socket socket = new Socket()) {
            socket.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            TransactionId id = newId();
            OutputStream out = socket.getOutputStream();
            out.write(concat(bindingRequest(id), "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

            assertThat(StunWire.readFrame(socket).transactionId()).isEqualTo(id);
            await().atMost(CLOSE_BOUND).until(() -> StunWire.closedByPeer(socket));
        }
    }

    @Test
    void tlsPortClosesPlainText() throws Exception {
        InetSocketAddress tls = serverAddress(StunTransport.TLS, "127.0.0.1");
        try (Socket plain = new Socket()) {
            plain.connect(tls, StunWire.RECEIVE_BOUND_MILLIS);
            plain.getOutputStream().write(bindingRequest(newId()));

            await().atMost(CLOSE_BOUND).until(() -> StunWire.closedByPeer(plain));
        }
        try (StunClient client = open(StunTransport.TLS, "127.0.0.1", null)) {
            assertThat(client.binding()).isEqualTo(client.localAddress());
        }
    }

    @Test
    void twoRequestsInOneTcpWriteAreBothAnsweredInOrder() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            TransactionId first = newId();
            TransactionId second = newId();

            socket.getOutputStream().write(concat(bindingRequest(first), bindingRequest(second)));

            StunMessage one = StunWire.readFrame(socket);
            StunMessage two = StunWire.readFrame(socket);
            assertThat(List.of(one.transactionId(), two.transactionId())).containsExactly(first, second);
            for (StunMessage response : List.of(one, two)) {
                assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
                assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS))
                        .contains((InetSocketAddress) socket.getLocalSocketAddress());
            }
        }
    }

    @Test
    void requestsSplitAcrossWritesAreReassembled() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            OutputStream out = socket.getOutputStream();
            TransactionId first = newId();
            TransactionId second = newId();
            TransactionId third = newId();
            byte[] a = bindingRequest(first);
            byte[] b = bindingRequest(second);
            byte[] c = bindingRequest(third);

            // a: cut inside the header; then its rest together with the first half of b; then b's rest and all of c
            out.write(a, 0, 3);
            out.flush();
            out.write(concat(Arrays.copyOfRange(a, 3, a.length), Arrays.copyOf(b, b.length / 2)));
            out.flush();
            out.write(concat(Arrays.copyOfRange(b, b.length / 2, b.length), c));
            out.flush();

            assertThat(StunWire.readFrame(socket).transactionId()).isEqualTo(first);
            assertThat(StunWire.readFrame(socket).transactionId()).isEqualTo(second);
            assertThat(StunWire.readFrame(socket).transactionId()).isEqualTo(third);
        }
    }

    @Test
    void aRequestDribbledByteByByteIsAnswered() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            OutputStream out = socket.getOutputStream();
            TransactionId id = newId();

            for (byte b : bindingRequest(id)) {
                out.write(b);
                out.flush();
            }

            assertThat(StunWire.readFrame(socket).transactionId()).isEqualTo(id);
        }
    }

    @Test
    void aStunResponseOnTcpGetsNoAnswerButKeepsTheConnection() throws Exception {
        InetSocketAddress tcp = serverAddress(StunTransport.TCP, "127.0.0.1");
        try (Socket socket = new Socket()) {
            socket.connect(tcp, StunWire.RECEIVE_BOUND_MILLIS);
            TransactionId id = newId();
            byte[] response = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, newId()).toBytes();

            socket.getOutputStream().write(concat(response, bindingRequest(id)));

            // the first (and only) answer is to the request
            assertThat(StunWire.readFrame(socket).transactionId()).isEqualTo(id);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
