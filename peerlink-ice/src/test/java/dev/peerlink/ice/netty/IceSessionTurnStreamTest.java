package dev.peerlink.ice.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.IceConnectionState;
import dev.peerlink.ice.IceEvent;
import dev.peerlink.ice.IceRole;
import dev.peerlink.ice.IceTransportPolicy;
import dev.peerlink.ice.IceTurnServer;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.testkit.CoturnServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TURN over TLS and over TCP from the ICE driver (RFC 8656 §3.1), against coturn's turnserver on 127.0.0.1: two
 * relay-only sessions, one allocating over a TLS connection and one over a TCP connection, connect through their
 * relays and exchange data both ways; a TLS server whose certificate is not trusted gives no relayed candidate,
 * and gathering still completes.
 */
class IceSessionTurnStreamTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final HostAddressGatherer LOOPBACK_ONLY = HostAddressGatherer.builder().allowLoopback(true)
            .includeAddress("127.0.0.1").build();

    @TempDir
    Path temp;

    private static IceSession open(IceRole role, IceTurnServer turn, boolean insecureTls) throws Exception {
        IceAgentConfig config = IceAgentConfig.builder(role).turnServer(turn)
                .transportPolicy(IceTransportPolicy.RELAY).build();
        return IceSession.builder(config).gatherer(LOOPBACK_ONLY).insecureTurnTls(insecureTls).open();
    }

    private static void signal(IceSession from, IceSession to) {
        to.setRemoteCredentials(from.localUfrag(), from.localPassword()).join();
        for (IceCandidate candidate : from.localCandidates()) {
            assertThat(to.addRemoteCandidate(IceCandidate.fromSdp(candidate.toSdpLine())).join()).isTrue();
        }
        to.endOfRemoteCandidates().join();
    }

    private static boolean connected(IceSession session) {
        return session.state() == IceConnectionState.CONNECTED || session.state() == IceConnectionState.COMPLETED;
    }

    private static byte[] takeData(BlockingQueue<IceEvent> events) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            IceEvent event = events.poll(100, TimeUnit.MILLISECONDS);
            if (event instanceof IceEvent.DataReceived data) {
                return data.data();
            }
        }
        throw new AssertionError("no data within " + PATIENCE);
    }

    @Test
    void relayOnlySessionsConnectThroughAllocationsMadeOverTlsAndTcp() throws Exception {
        try (CoturnServer coturn = CoturnServer.start(temp, List.of("--user", "alice:secret"))) {
            IceTurnServer overTls = new IceTurnServer(coturn.tlsAddress(), StunTransport.TLS, "alice", "secret");
            IceTurnServer overTcp = new IceTurnServer(coturn.address(), StunTransport.TCP, "alice", "secret");
            try (IceSession a = open(IceRole.CONTROLLING, overTls, true);
                 IceSession b = open(IceRole.CONTROLLED, overTcp, false)) {
                await().atMost(PATIENCE).until(() -> a.isGatheringComplete() && b.isGatheringComplete());
                for (IceSession session : List.of(a, b)) {
                    assertThat(session.localCandidates()).as("relay-only: the relayed candidate alone")
                            .singleElement().satisfies(candidate -> {
                                assertThat(candidate.type()).isEqualTo(IceCandidate.Type.RELAY);
                                assertThat(candidate.address().getPort())
                                        .isBetween(coturn.minRelayPort(), coturn.maxRelayPort());
                            });
                }
                assertThat(a.relayProtocol(a.localCandidates().get(0)).join()).contains(StunTransport.TLS);
                assertThat(b.relayProtocol(b.localCandidates().get(0)).join()).contains(StunTransport.TCP);

                signal(a, b);
                signal(b, a);
                await().atMost(PATIENCE).until(() -> connected(a) && connected(b)
                        && a.selectedPair().isPresent() && b.selectedPair().isPresent());
                assertThat(a.selectedPair().get().local().type()).isEqualTo(IceCandidate.Type.RELAY);
                assertThat(a.selectedPair().get().remote().address()).isEqualTo(b.localCandidates().get(0).address());

                byte[] hello = {23, 'o', 'v', 'e', 'r', ' ', 't', 'l', 's'};
                byte[] reply = {23, 'o', 'v', 'e', 'r', ' ', 't', 'c', 'p'};
                assertThat(a.send(hello).join()).isTrue();
                assertThat(takeData(b.events())).containsExactly(hello);
                assertThat(b.send(reply).join()).isTrue();
                assertThat(takeData(a.events())).containsExactly(reply);
            }
        }
    }

    /** A listener that reads the session's candidates on hearing that gathering completed sees every candidate. */
    @Test
    void theSnapshotIsCurrentWhenTheListenerHearsOfAnEvent() throws Exception {
        try (CoturnServer coturn = CoturnServer.start(temp, List.of("--user", "alice:secret"))) {
            java.util.concurrent.atomic.AtomicReference<IceSession> session = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.CompletableFuture<List<IceCandidate>> seenAtCompletion =
                    new java.util.concurrent.CompletableFuture<>();
            IceAgentConfig config = IceAgentConfig.builder(IceRole.CONTROLLING)
                    .turnServer(new IceTurnServer(coturn.address(), StunTransport.TCP, "alice", "secret")).build();
            try (IceSession opened = IceSession.builder(config).gatherer(LOOPBACK_ONLY)
                    .listener(Runnable::run, event -> {
                        if (event instanceof IceEvent.GatheringComplete) {
                            IceSession current = session.get(); // set as open() returns; the relay comes later
                            if (current == null) {
                                seenAtCompletion.completeExceptionally(new AssertionError("gathering completed "
                                        + "before open() returned, without waiting for the TURN server"));
                            } else {
                                seenAtCompletion.complete(current.localCandidates());
                            }
                        }
                    }).open()) {
                session.set(opened);
                assertThat(seenAtCompletion.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                        .extracting(IceCandidate::type).contains(IceCandidate.Type.HOST, IceCandidate.Type.RELAY);
            }
        }
    }

    @Test
    void aTlsServerWithAnUntrustedCertificateGivesNoRelayButGatheringCompletes() throws Exception {
        try (CoturnServer coturn = CoturnServer.start(temp, List.of("--user", "alice:secret"));
             IceSession session = open(IceRole.CONTROLLING,
                     new IceTurnServer(coturn.tlsAddress(), StunTransport.TLS, "alice", "secret"), false)) {
            await().atMost(PATIENCE).until(session::isGatheringComplete);
            assertThat(session.localCandidates()).isEmpty();
        }
    }
}
