package dev.peerlink.ice.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peerlink.ice.DatagramLimit;
import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.IceConnectionState;
import dev.peerlink.ice.IceEvent;
import dev.peerlink.ice.IceRole;
import dev.peerlink.sdp.IceCandidateLine;
import dev.peerlink.stun.transport.NettyTransport;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Two {@link IceSession}s over real UDP sockets on 127.0.0.1: nothing leaves this machine. */
class IceSessionLoopbackTest {
    private static final Duration PATIENCE = Duration.ofSeconds(15);
    private static final HostAddressGatherer LOOPBACK_ONLY = HostAddressGatherer.builder().allowLoopback(true)
            .includeAddress("127.0.0.1").build();

    private static IceSession open(IceRole role) throws Exception {
        return IceSession.builder(IceAgentConfig.defaults(role)).gatherer(LOOPBACK_ONLY).open();
    }

    /** Signals {@code from}'s credentials and candidates to {@code to} the way SDP would carry them, as text. */
    private static void signal(IceSession from, IceSession to) throws Exception {
        to.setRemoteCredentials(from.localUfrag(), from.localPassword()).join();
        for (IceCandidate candidate : from.localCandidates()) {
            IceCandidateLine line = IceCandidateLine.parse(candidate.toSdpLine().toString());
            assertThat(to.addRemoteCandidate(IceCandidate.fromSdp(line)).join()).isTrue();
        }
        to.endOfRemoteCandidates().join();
    }

    /** A UDP port on 127.0.0.1 that was free a moment ago. */
    private static int freeLoopbackPort() throws Exception {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return probe.getLocalPort();
        }
    }

    /** Opening a session on {@code port} alone fails, and says why: the port is taken. */
    private static void assertTaken(int port, org.assertj.core.api.ThrowableAssert.ThrowingCallable open) {
        org.assertj.core.api.Assertions.assertThatThrownBy(open).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("no UDP port in " + port + "–" + port + " is free on 127.0.0.1");
    }

    private static boolean connected(IceSession session) {
        return session.state() == IceConnectionState.CONNECTED || session.state() == IceConnectionState.COMPLETED;
    }

    private static byte[] takeData(BlockingQueue<IceEvent> events) throws InterruptedException {
        while (true) {
            IceEvent event = events.poll(PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(event).as("an event within " + PATIENCE).isNotNull();
            if (event instanceof IceEvent.DataReceived data) {
                return data.data();
            }
        }
    }

    @Test
    void twoSessionsConnectOverLoopbackAndExchangeDataBothWays() throws Exception {
        try (IceSession controlling = open(IceRole.CONTROLLING); IceSession controlled = open(IceRole.CONTROLLED)) {
            assertThat(controlling.localAddresses()).singleElement()
                    .satisfies(address -> assertThat(address.getAddress()).isEqualTo(InetAddress.getLoopbackAddress()));
            assertThat(controlling.localCandidates()).singleElement()
                    .satisfies(candidate -> assertThat(candidate.type()).isEqualTo(IceCandidate.Type.HOST));
            assertThat(controlling.isGatheringComplete()).isTrue();

            signal(controlling, controlled);
            signal(controlled, controlling);

            await().atMost(PATIENCE).until(() -> connected(controlling) && connected(controlled));
            await().atMost(PATIENCE).until(() -> controlling.selectedPair().isPresent()
                    && controlled.selectedPair().isPresent());
            assertThat(controlling.selectedPair().get().remote().address())
                    .isEqualTo(controlled.localAddresses().get(0));
            assertThat(controlled.selectedPair().get().remote().address())
                    .isEqualTo(controlling.localAddresses().get(0));

            // First bytes in the DTLS range (RFC 7983): what a DTLS layer above would send.
            byte[] hello = {23, 'h', 'e', 'l', 'l', 'o'};
            byte[] reply = {23, 'r', 'e', 'p', 'l', 'y'};
            assertThat(controlling.send(hello).join()).isTrue();
            assertThat(takeData(controlled.events())).containsExactly(hello);
            assertThat(controlled.send(reply).join()).isTrue();
            assertThat(takeData(controlling.events())).containsExactly(reply);

            assertThat(controlling.pairStats().join()).anySatisfy(pair -> {
                assertThat(pair.selected()).isTrue();
                assertThat(pair.packetsSent()).isEqualTo(1);
                assertThat(pair.packetsReceived()).isEqualTo(1);
            });
        }
    }

    @Test
    void hostPairsSetDontFragmentAndReportTheInterfaceMtuForPathMtuProbing() throws Exception {
        try (IceSession controlling = open(IceRole.CONTROLLING); IceSession controlled = open(IceRole.CONTROLLED)) {
            signal(controlling, controlled);
            signal(controlled, controlling);
            await().atMost(PATIENCE).until(() -> controlling.selectedPair().isPresent()
                    && controlled.selectedPair().isPresent());
            IceCandidate local = controlling.selectedPair().get().local();
            DatagramLimit limit = controlling.datagramLimit(local);
            int loopbackMtu = java.net.NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress()).getMTU();
            if (NettyTransport.best() == NettyTransport.EPOLL) {
                assertThat(limit).isEqualTo(new DatagramLimit(true, loopbackMtu - 28));
                assertThat(limit.allowsProbing()).isTrue();
            } else {
                assertThat(limit).isEqualTo(DatagramLimit.NO_PROBING); // no DF without epoll: no probing
            }
            // A large datagram with DF set crosses loopback whole (received whole: DatagramReads).
            byte[] large = new byte[16_421];
            large[0] = 23;
            new java.util.Random(1).nextBytes(large);
            large[0] = 23;
            assertThat(controlling.send(large).join()).isTrue();
            assertThat(takeData(controlled.events())).isEqualTo(large);

            // Relayed pairs are never probed: their path is the TURN server's business.
            IceCandidate relayed = new IceCandidate("r1", 1, IceCandidate.Transport.UDP, 5, local.address(),
                    IceCandidate.Type.RELAY, local.address(), local.base());
            assertThat(controlling.datagramLimit(relayed)).isEqualTo(DatagramLimit.NO_PROBING);
        }
        try (IceSession nio = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLING))
                .gatherer(LOOPBACK_ONLY).transport(NettyTransport.NIO).open()) {
            InetSocketAddress base = nio.localAddresses().get(0);
            IceCandidate host = new IceCandidate("h1", 1, IceCandidate.Transport.UDP, 5, base, IceCandidate.Type.HOST,
                    null, base);
            assertThat(nio.datagramLimit(host)).isEqualTo(DatagramLimit.NO_PROBING);
        }
    }

    @Test
    void eventsGoToTheListenerOnTheCallersExecutor() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("listener").factory());
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        try (IceSession controlling = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLING))
                .gatherer(LOOPBACK_ONLY)
                .listener(executor, event -> {
                    if (event instanceof IceEvent.StateChanged changed) {
                        seen.add(Thread.currentThread().getName() + ":" + changed.state());
                    }
                }).open();
             IceSession controlled = open(IceRole.CONTROLLED)) {
            signal(controlling, controlled);
            signal(controlled, controlling);

            await().atMost(PATIENCE).until(() -> seen.contains("listener:CONNECTED"));
            assertThat(controlling.events()).isEmpty();
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A listener run inline on ICE's thread may call back into the session while it delivers (a DTLS server answering
     * a ClientHello as it arrives does): each event is delivered once, and the session keeps working.
     */
    @Test
    void anInlineListenerMaySendFromInsideAnEvent() throws Exception {
        java.util.concurrent.atomic.AtomicReference<IceSession> echoing = new java.util.concurrent.atomic.AtomicReference<>();
        try (IceSession controlling = open(IceRole.CONTROLLING);
             IceSession controlled = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLED))
                     .gatherer(LOOPBACK_ONLY)
                     .listener(Runnable::run, event -> {
                         if (event instanceof IceEvent.DataReceived data) {
                             byte[] echo = data.data().clone();
                             echo[1] = 'e';
                             echoing.get().send(echo); // inside the delivery, on ICE's thread
                         }
                     }).open()) {
            echoing.set(controlled);
            signal(controlling, controlled);
            signal(controlled, controlling);
            await().atMost(PATIENCE).until(() -> controlling.selectedPair().isPresent()
                    && controlled.selectedPair().isPresent());

            for (int i = 0; i < 6; i++) {
                assertThat(controlling.send(new byte[] {23, 'x', (byte) i}).join()).isTrue();
            }
            // Echoes in order and one each: a second delivery of an event would show up before the next echo.
            for (int i = 0; i < 6; i++) {
                assertThat(takeData(controlling.events())).containsExactly(23, 'e', i);
            }
            assertThat(controlled.state()).isNotEqualTo(IceConnectionState.FAILED);
        }
    }

    @Test
    void samePortOnEveryAddressAndClosingReleasesTheSockets() throws Exception {
        List<InetSocketAddress> bound = new ArrayList<>();
        try (IceSession session = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLING))
                .gatherer(LOOPBACK_ONLY).ports(PortPolicy.EPHEMERAL.withSamePortOnEveryAddress()).open()) {
            bound.addAll(session.localAddresses());
            assertThat(bound).singleElement().satisfies(address -> assertThat(address.getPort()).isPositive());
        }
        // Closed: the very same port can be bound again at once.
        try (DatagramSocket again = new DatagramSocket(bound.get(0))) {
            assertThat(again.getLocalSocketAddress()).isEqualTo(bound.get(0));
        }
    }

    @Test
    void portRangeIsHonoured() throws Exception {
        int free = freeLoopbackPort();
        try (IceSession session = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLING))
                .gatherer(LOOPBACK_ONLY).ports(PortPolicy.range(free, free)).open()) {
            assertThat(session.localAddresses()).singleElement()
                    .satisfies(address -> assertThat(address.getPort()).isEqualTo(free));
            // The only port of the range is taken now: a second session cannot open, and says why.
            assertTaken(free, () -> IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLED))
                    .gatherer(LOOPBACK_ONLY).ports(PortPolicy.range(free, free)).open());
        }
    }

    @Test
    void openWithoutWaitingHasItsSocketBoundAtOnceAndItsHostCandidateComesAsAnEvent() throws Exception {
        int free = freeLoopbackPort();
        try (IceSession controlling = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLING))
                .gatherer(LOOPBACK_ONLY).ports(PortPolicy.range(free, free)).openWithoutWaiting();
             IceSession controlled = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLED))
                     .gatherer(LOOPBACK_ONLY).openWithoutWaiting()) {
            // Bound before it returned: the port is this session's, and opening fails as open() does when none is free.
            assertThat(controlling.localAddresses()).singleElement()
                    .satisfies(address -> assertThat(address.getPort()).isEqualTo(free));
            assertTaken(free, () -> IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLED))
                    .gatherer(LOOPBACK_ONLY).ports(PortPolicy.range(free, free)).openWithoutWaiting());

            IceEvent first = controlling.events().poll(PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(first).isInstanceOfSatisfying(IceEvent.LocalCandidate.class,
                    event -> assertThat(event.candidate().address().getPort()).isEqualTo(free));
            await().atMost(PATIENCE).until(() -> !controlled.localCandidates().isEmpty());
            signal(controlling, controlled);
            signal(controlled, controlling);
            await().atMost(PATIENCE).until(() -> connected(controlling) && connected(controlled));
        }
    }

    @Test
    void socketsThatCannotJoinTheEventLoopFailOpeningInsteadOfGivingDeadCandidates() throws Exception {
        // NIO sockets cannot register with an epoll loop: a transport that does not match the group given.
        io.netty.channel.EventLoopGroup epoll = NettyTransport.EPOLL.newEventLoopGroup(1,
                Thread.ofPlatform().daemon().factory());
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> IceSession.builder(
                            IceAgentConfig.defaults(IceRole.CONTROLLING)).gatherer(LOOPBACK_ONLY)
                            .transport(NettyTransport.NIO).eventLoopGroup(epoll).open())
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("could not join the event loop");

            IceSession unwaited = IceSession.builder(IceAgentConfig.defaults(IceRole.CONTROLLING))
                    .gatherer(LOOPBACK_ONLY).transport(NettyTransport.NIO).eventLoopGroup(epoll).openWithoutWaiting();
            await().atMost(PATIENCE).until(() -> unwaited.state() == IceConnectionState.CLOSED);
            assertThat(unwaited.localCandidates()).isEmpty();
        } finally {
            epoll.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).await(5,
                    java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void callsAfterCloseFailClearly() throws Exception {
        IceSession session = open(IceRole.CONTROLLING);
        session.close();
        session.close();
        assertThat(session.state()).isEqualTo(IceConnectionState.CLOSED);
        assertThat(session.send(new byte[] {23}))
                .failsWithin(PATIENCE).withThrowableThat().withMessageContaining("closed");
    }
}
