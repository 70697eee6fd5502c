package dev.peerlink.server.stun;

import static dev.peerlink.server.stun.StunWire.OPTIONS;
import static dev.peerlink.server.stun.StunWire.bindingRequest;
import static dev.peerlink.server.stun.StunWire.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.client.NatBehavior;
import dev.peerlink.stun.client.NatBehaviorDiscovery;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunClientException;
import dev.peerlink.stun.client.StunTransactions;
import dev.peerlink.stun.client.StunTransport;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 5780 NAT behaviour discovery against a server on 127.0.0.1 and 127.0.0.2, ports P and P+1 (every address
 * in 127.0.0.0/8 is local on Linux, so this is two "public" IPs without a network namespace).
 */
class Rfc5780Test {
    private static final int START_ATTEMPTS = 20;

    private static PeerlinkServer server;
    private static int port;
    private static String unavailable;

    private static InetSocketAddress primary;      // 127.0.0.1:P
    private static InetSocketAddress changedPort;  // 127.0.0.1:P+1
    private static InetSocketAddress changedIp;    // 127.0.0.2:P
    private static InetSocketAddress changedBoth;  // 127.0.0.2:P+1

    @BeforeAll
    static void start() throws Exception {
        if (!StunWire.canBind("127.0.0.2")) {
            unavailable = "127.0.0.2 cannot be bound on this machine, so RFC 5780 (which needs two IPs) is not tested";
            return;
        }
        ConfigException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS && server == null; attempt++) {
            int candidate = freePortPair();
            ServerConfig config = new ServerConfig(List.of("127.0.0.1", "127.0.0.2"), candidate, candidate + 1, 0,
                    null, null, true, false, false, true, null);
            try {
                server = PeerlinkServer.start(config);
                port = candidate;
            } catch (ConfigException e) { // another process took a port between our probe and the bind
                assertThat(e.getMessage()).startsWith("cannot listen on");
                last = e;
            }
        }
        if (server == null) {
            throw new AssertionError("no free port pair for RFC 5780 after " + START_ATTEMPTS + " attempts", last);
        }
        primary = new InetSocketAddress(ip("127.0.0.1"), port);
        changedPort = new InetSocketAddress(ip("127.0.0.1"), port + 1);
        changedIp = new InetSocketAddress(ip("127.0.0.2"), port);
        changedBoth = new InetSocketAddress(ip("127.0.0.2"), port + 1);
    }

    /** A port P from the system such that P+1 is free too, on both IPs, for UDP (and TCP on P). */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int candidate;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0))) {
                candidate = probe.getLocalPort();
            }
            if (candidate < 65535 && free(candidate) && free(candidate + 1)) {
                return candidate;
            }
        }
        throw new AssertionError("found no free pair of adjacent ports on 127.0.0.1 and 127.0.0.2");
    }

    private static boolean free(int candidate) {
        List<AutoCloseable> sockets = new ArrayList<>();
        try {
            for (String ip : List.of("127.0.0.1", "127.0.0.2")) {
                sockets.add(new DatagramSocket(new InetSocketAddress(ip(ip), candidate)));
                ServerSocket tcp = new ServerSocket();
                sockets.add(tcp);
                tcp.bind(new InetSocketAddress(ip(ip), candidate));
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            for (AutoCloseable socket : sockets) {
                try {
                    socket.close();
                } catch (Exception ignored) {
                    // probing only
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void requireTwoIps() {
        if (unavailable != null) {
            StunWire.skipUnlessCi(unavailable);
        }
    }

    private static StunClient client(InetSocketAddress serverAddress) throws StunClientException {
        return StunClient.open(StunTransport.UDP, serverAddress, "127.0.0.1",
                new InetSocketAddress(ip("127.0.0.1"), 0), OPTIONS);
    }

    @Test
    void listensOnFourUdpSocketsAndTcp() {
        assertThat(server.listeners()).extracting(Object::toString).containsExactlyInAnyOrder(
                "udp 127.0.0.1:" + port, "udp 127.0.0.1:" + (port + 1),
                "udp 127.0.0.2:" + port, "udp 127.0.0.2:" + (port + 1),
                "tcp 127.0.0.1:" + port, "tcp 127.0.0.2:" + port);
    }

    @Test
    void bindingNamesTheOtherAddressAndTheResponseOrigin() throws Exception {
        try (StunClient client = client(primary)) {
            StunTransactions.Answered answered = client.request(List.of(), primary);

            StunMessage response = answered.response();
            assertThat(answered.source()).isEqualTo(primary);
            assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(client.localAddress());
            assertThat(response.address(StunAttributeType.OTHER_ADDRESS)).contains(changedBoth);
            assertThat(response.address(StunAttributeType.RESPONSE_ORIGIN)).contains(primary);
            assertThat(response.string(StunAttributeType.SOFTWARE)).contains("peerlink");
        }
    }

    @Test
    void changeRequestIsAnsweredFromTheAskedSocket() throws Exception {
        try (StunClient client = client(primary)) {
            assertAnsweredFrom(client, primary, new ChangeRequestAttribute(true, true), changedBoth);
            assertAnsweredFrom(client, primary, new ChangeRequestAttribute(false, true), changedPort);
            assertAnsweredFrom(client, primary, new ChangeRequestAttribute(true, false), changedIp);
            assertAnsweredFrom(client, primary, new ChangeRequestAttribute(false, false), primary);
        }
    }

    @Test
    void everySocketKnowsItsOpposites() throws Exception {
        List<InetSocketAddress> all = List.of(primary, changedPort, changedIp, changedBoth);
        try (StunClient client = client(primary)) {
            for (InetSocketAddress to : all) {
                InetSocketAddress otherIpSamePort = opposite(to, true, false);
                InetSocketAddress otherBoth = opposite(to, true, true);

                StunMessage plain = client.request(List.of(), to).response();
                assertThat(plain.address(StunAttributeType.OTHER_ADDRESS)).as("OTHER-ADDRESS from %s", to)
                        .contains(otherBoth);
                assertThat(plain.address(StunAttributeType.RESPONSE_ORIGIN)).as("RESPONSE-ORIGIN from %s", to)
                        .contains(to);

                assertAnsweredFrom(client, to, new ChangeRequestAttribute(true, true), otherBoth);
                assertAnsweredFrom(client, to, new ChangeRequestAttribute(true, false), otherIpSamePort);
                assertAnsweredFrom(client, to, new ChangeRequestAttribute(false, true), opposite(to, false, true));
            }
        }
    }

    private InetSocketAddress opposite(InetSocketAddress of, boolean changeIp, boolean changePort) {
        String ip = of.getAddress().equals(ip("127.0.0.1")) == changeIp ? "127.0.0.2" : "127.0.0.1";
        int otherPort = (of.getPort() == port) == changePort ? port + 1 : port;
        return new InetSocketAddress(ip(ip), otherPort);
    }

    private static void assertAnsweredFrom(StunClient client, InetSocketAddress to, ChangeRequestAttribute change,
                                           InetSocketAddress expectedSource) throws StunClientException {
        StunTransactions.Answered answered = client.request(List.of(change), to);

        assertThat(answered.source()).as("%s sent to %s", change, to).isEqualTo(expectedSource);
        assertThat(answered.response().address(StunAttributeType.RESPONSE_ORIGIN)).as("%s sent to %s", change, to)
                .contains(expectedSource);
        assertThat(answered.response().address(StunAttributeType.XOR_MAPPED_ADDRESS))
                .contains(client.localAddress());
    }

    @Test
    void responsePortSendsTheAnswerToAnotherLocalPort() throws Exception {
        try (DatagramSocket sender = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0));
             DatagramSocket target = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0))) {
            TransactionId id = StunWire.newId();
            byte[] request = bindingRequest(id, responsePort(target.getLocalPort()));

            sender.send(new DatagramPacket(request, request.length, primary));

            StunWire.Received received = StunWire.receive(target);
            assertThat(received.message().transactionId()).isEqualTo(id);
            assertThat(received.message().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
            assertThat(received.source()).isEqualTo(primary);
            // RFC 5780 §7.5: the mapped address is still where the request came from
            assertThat(received.message().address(StunAttributeType.XOR_MAPPED_ADDRESS))
                    .contains((InetSocketAddress) sender.getLocalSocketAddress());
        }
    }

    @Test
    void responsePortAndChangeRequestTogether() throws Exception {
        try (DatagramSocket sender = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0));
             DatagramSocket target = new DatagramSocket(new InetSocketAddress(ip("127.0.0.1"), 0))) {
            TransactionId id = StunWire.newId();
            byte[] request = bindingRequest(id, new ChangeRequestAttribute(true, true),
                    responsePort(target.getLocalPort()));

            sender.send(new DatagramPacket(request, request.length, primary));

            StunWire.Received received = StunWire.receive(target);
            assertThat(received.message().transactionId()).isEqualTo(id);
            assertThat(received.source()).isEqualTo(changedBoth);
            assertThat(received.message().address(StunAttributeType.RESPONSE_ORIGIN)).contains(changedBoth);
        }
    }

    @Test
    void responsePortZeroIsABadRequest() throws Exception {
        try (StunClient client = client(primary)) {
            assertThatThrownBy(() -> client.request(List.of(responsePort(0)), primary))
                    .isInstanceOf(StunClientException.class)
                    .hasMessageContaining("400");
        }
    }

    /** RESPONSE-PORT (RFC 5780 §7.5): the port, then two bytes of padding. */
    private static StunAttribute responsePort(int port) {
        return new BytesAttribute(StunAttributeType.RESPONSE_PORT, new byte[] {(byte) (port >> 8), (byte) port, 0, 0});
    }

    @Test
    void natBehaviorDiscoverySeesNoNat() throws Exception {
        List<String> progress = new ArrayList<>();

        NatBehavior behavior = NatBehaviorDiscovery.discover(primary, "127.0.0.1", StunWire.FAST, progress::add);

        assertThat(behavior.mapping()).isEqualTo(NatBehavior.Behavior.ENDPOINT_INDEPENDENT);
        assertThat(behavior.filtering()).isEqualTo(NatBehavior.Behavior.ENDPOINT_INDEPENDENT);
        assertThat(behavior.behindNat()).isFalse();
        assertThat(behavior.mappedAddress()).isEqualTo(behavior.localAddress());
        assertThat(behavior.localAddress().getAddress()).isEqualTo(ip("127.0.0.1"));
        assertThat(progress).isNotEmpty();
    }

    @Test
    void tcpDoesNotChangeAddressesAndSaysSo() throws Exception {
        InetSocketAddress tcp = StunWire.listener(server, "tcp", "127.0.0.1");
        try (StunClient client = StunClient.open(StunTransport.TCP, tcp, "127.0.0.1", null, OPTIONS)) {
            assertThatThrownBy(() -> client.request(List.of(new ChangeRequestAttribute(true, true)), tcp))
                    .isInstanceOf(StunClientException.class)
                    .hasMessageContaining("420");
            assertThat(client.binding()).isEqualTo(client.localAddress());
        }
    }
}
