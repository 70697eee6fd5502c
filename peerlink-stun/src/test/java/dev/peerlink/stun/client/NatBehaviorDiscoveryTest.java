package dev.peerlink.stun.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * RFC 5780 discovery against a STUN server on 127.0.0.1/127.0.0.2 that pretends to sit behind each kind of NAT:
 * it reports the mapped port a NAT of that mapping behaviour would give, and drops the CHANGE-REQUEST answers that
 * a NAT of that filtering behaviour would drop. Every one of the nine combinations must be reported as such.
 */
class NatBehaviorDiscoveryTest {
    private static final RetransmissionPolicy FAST =
            new RetransmissionPolicy(Duration.ofMillis(40), 2, 2, Duration.ofSeconds(2));
    /** A made-up public address from the benchmarking range; it only appears inside STUN attributes. */
    private static final InetAddress PUBLIC_IP = ip("198.18.0.7");

    static Stream<Arguments> everyNat() {
        List<Arguments> cases = new ArrayList<>();
        for (NatBehavior.Behavior mapping : NatBehavior.Behavior.values()) {
            for (NatBehavior.Behavior filtering : NatBehavior.Behavior.values()) {
                cases.add(Arguments.of(mapping, filtering));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "mapping {0}, filtering {1}")
    @MethodSource("everyNat")
    void reportsTheBehaviourOfEveryNatKind(NatBehavior.Behavior mapping, NatBehavior.Behavior filtering)
            throws Exception {
        try (PretendNatServer server = new PretendNatServer(mapping, filtering, true)) {
            NatBehavior found = NatBehaviorDiscovery.discover(server.primary(), "pretend", FAST, line -> { });
            assertThat(found.mapping()).isEqualTo(mapping);
            assertThat(found.filtering()).isEqualTo(filtering);
            assertThat(found.behindNat()).isTrue();
            assertThat(found.mappedAddress().getAddress()).isEqualTo(PUBLIC_IP);
            assertThat(found.commonName()).isNotBlank();
            assertThat(found.p2pOutlook()).isNotBlank();
        }
    }

    @Test
    void namesTheClassicNatTypes() throws Exception {
        record Case(NatBehavior.Behavior mapping, NatBehavior.Behavior filtering, String name) {
        }
        var eim = NatBehavior.Behavior.ENDPOINT_INDEPENDENT;
        var adf = NatBehavior.Behavior.ADDRESS_DEPENDENT;
        var apd = NatBehavior.Behavior.ADDRESS_AND_PORT_DEPENDENT;
        for (Case c : List.of(new Case(eim, eim, "full-cone NAT"), new Case(eim, adf, "address-restricted-cone NAT"),
                new Case(eim, apd, "port-restricted-cone NAT"), new Case(apd, apd, "symmetric NAT"))) {
            NatBehavior behavior = new NatBehavior(new InetSocketAddress(ip("10.0.0.2"), 5000),
                    new InetSocketAddress(PUBLIC_IP, 6000), c.mapping(), c.filtering());
            assertThat(behavior.commonName()).isEqualTo(c.name());
        }
    }

    @Test
    void aServerWithoutRfc5780IsAClearError() throws Exception {
        try (PretendNatServer server = new PretendNatServer(NatBehavior.Behavior.ENDPOINT_INDEPENDENT,
                NatBehavior.Behavior.ENDPOINT_INDEPENDENT, false)) {
            assertThatThrownBy(() -> NatBehaviorDiscovery.discover(server.primary(), "plain.example", FAST, l -> { }))
                    .isInstanceOf(StunClientException.class)
                    .hasMessageContaining("plain.example")
                    .hasMessageContaining("OTHER-ADDRESS");
        }
    }

    @Test
    void anUnreachableServerIsAClearError() throws Exception {
        InetSocketAddress silent;
        try (DatagramChannel bound = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            silent = (InetSocketAddress) bound.getLocalAddress();
            assertThatThrownBy(() -> NatBehaviorDiscovery.discover(silent, "silent.example", FAST, l -> { }))
                    .isInstanceOf(StunClientException.class)
                    .hasMessageContaining("no STUN response from silent.example")
                    .hasMessageContaining("2 transmissions");
        }
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Four UDP sockets, 127.0.0.1/127.0.0.2 × two ports, answering as if the client sat behind a NAT with the given
     * behaviours. Mapping: the reported port is the client's port plus an offset per server IP (address-dependent)
     * or per server IP and port (address-and-port-dependent). Filtering keeps state per client port, as a NAT does
     * per mapping: an answer from an IP (and, for address-and-port-dependent, a port) that client port has not sent
     * to is not sent, as the NAT would drop it.
     */
    private static final class PretendNatServer implements AutoCloseable {
        private final NatBehavior.Behavior mapping;
        private final NatBehavior.Behavior filtering;
        private final boolean rfc5780;
        private final Selector selector;
        private final List<DatagramChannel> sockets = new ArrayList<>();
        /** Client port → indexes of the server sockets it has sent to (the pretend NAT's filtering state). */
        private final java.util.Map<Integer, java.util.Set<Integer>> contacted = new java.util.HashMap<>();
        private final Thread thread;

        PretendNatServer(NatBehavior.Behavior mapping, NatBehavior.Behavior filtering, boolean rfc5780)
                throws IOException {
            this.mapping = mapping;
            this.filtering = filtering;
            this.rfc5780 = rfc5780;
            this.selector = Selector.open();
            bindFourSockets();
            this.thread = Thread.ofPlatform().daemon().name("pretend-nat-server").start(this::serve);
        }

        private void bindFourSockets() throws IOException {
            for (int attempt = 0; attempt < 50; attempt++) {
                DatagramChannel first = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                int port1 = ((InetSocketAddress) first.getLocalAddress()).getPort();
                List<DatagramChannel> opened = new ArrayList<>(List.of(first));
                try {
                    opened.add(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", port1 + 1)));
                    opened.add(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.2", port1)));
                    opened.add(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.2", port1 + 1)));
                } catch (IOException taken) {
                    for (DatagramChannel channel : opened) {
                        channel.close();
                    }
                    continue;
                }
                for (DatagramChannel channel : opened) {
                    channel.configureBlocking(false);
                    channel.register(selector, SelectionKey.OP_READ);
                    sockets.add(channel);
                }
                return;
            }
            throw new IOException("no free pair of ports on 127.0.0.1 and 127.0.0.2");
        }

        InetSocketAddress primary() {
            return address(0);
        }

        private InetSocketAddress address(int index) {
            try {
                return (InetSocketAddress) sockets.get(index).getLocalAddress();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        /** Socket index: bit 0 = other port, bit 1 = other IP. */
        private void serve() {
            ByteBuffer buffer = ByteBuffer.allocate(2048);
            try {
                while (selector.isOpen()) {
                    selector.select(1000);
                    for (SelectionKey key : selector.selectedKeys()) {
                        DatagramChannel channel = (DatagramChannel) key.channel();
                        buffer.clear();
                        InetSocketAddress client = (InetSocketAddress) channel.receive(buffer);
                        if (client != null) {
                            buffer.flip();
                            answer(sockets.indexOf(channel), buffer, client);
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (ClosedSelectorException | IOException closed) {
                // the test is over
            }
        }

        private void answer(int arrivedOn, ByteBuffer packet, InetSocketAddress client) throws IOException {
            StunMessage request;
            try {
                request = StunMessage.decode(packet);
            } catch (StunDecodeException e) {
                return;
            }
            contacted.computeIfAbsent(client.getPort(), port -> new java.util.HashSet<>()).add(arrivedOn);
            int sendFrom = arrivedOn;
            var change = request.attribute(StunAttributeType.CHANGE_REQUEST, ChangeRequestAttribute.class);
            if (change.isPresent()) {
                boolean otherIp = change.get().changeIp();
                boolean otherPort = change.get().changePort();
                sendFrom = arrivedOn ^ ((otherIp ? 2 : 0) | (otherPort ? 1 : 0));
                // Like a real NAT, filtering remembers where this mapping (the client's port) has sent before:
                // an answer passes if it comes from an address (and port) the client already talked to.
                java.util.Set<Integer> talkedTo = contacted.getOrDefault(client.getPort(), java.util.Set.of());
                int from = sendFrom;
                boolean passes = switch (filtering) {
                    case ENDPOINT_INDEPENDENT -> true;
                    case ADDRESS_DEPENDENT -> talkedTo.stream().anyMatch(index -> (index >> 1) == (from >> 1));
                    case ADDRESS_AND_PORT_DEPENDENT -> talkedTo.contains(from);
                };
                if (!passes) {
                    return; // the pretend NAT drops it
                }
            }
            int offset = switch (mapping) {
                case ENDPOINT_INDEPENDENT -> 0;
                case ADDRESS_DEPENDENT -> (arrivedOn >> 1) * 1000;
                case ADDRESS_AND_PORT_DEPENDENT -> arrivedOn * 1000;
            };
            List<StunAttribute> attributes = new ArrayList<>();
            attributes.add(new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS,
                    new InetSocketAddress(PUBLIC_IP, 20000 + (client.getPort() % 10000) + offset)));
            if (rfc5780) {
                attributes.add(new AddressAttribute(StunAttributeType.OTHER_ADDRESS, address(arrivedOn ^ 3)));
                attributes.add(new AddressAttribute(StunAttributeType.RESPONSE_ORIGIN, address(sendFrom)));
            }
            StunMessage response = new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE,
                    request.transactionId(), attributes);
            sockets.get(sendFrom).send(ByteBuffer.wrap(response.toBytes(StunMessage.Signing.FINGERPRINT)), client);
        }

        @Override
        public void close() throws Exception {
            selector.close();
            for (DatagramChannel socket : sockets) {
                socket.close();
            }
            thread.join(5000);
        }
    }
}
