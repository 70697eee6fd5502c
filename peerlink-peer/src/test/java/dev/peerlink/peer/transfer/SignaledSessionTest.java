package dev.peerlink.peer.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.ice.netty.HostAddressGatherer;
import dev.peerlink.peer.PeerConnection;
import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.PeerConnectionState;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.client.SignalingClient;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import dev.peerlink.signaling.server.SignalingServer;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Offer, answer and trickled candidates between a {@link SignaledSession} and a peer, through a loopback server. */
class SignaledSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private EventLoopGroup group;
    private SignalingServer server;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        group = NettyTransport.best().newEventLoopGroup(1, new DefaultThreadFactory("signaled-session-test", true));
        server = SignalingServer.start(SignalingConfig.defaults()
                .withListenAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), group,
                NettyTransport.best());
    }

    @AfterEach
    void stopServer() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        server.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static PeerConnectionConfig loopback() {
        return PeerConnectionConfig.builder()
                .gatherer(HostAddressGatherer.builder().allowLoopback(true).includeAddress("127.0.0.1/32").build())
                .mdns(false)
                .build();
    }

    private URI uri() {
        return server.uri();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /**
     * The offerer's candidates are gathered while it makes the offer, and used to leave before it: the answerer
     * dropped them, then heard end-of-candidates with no candidates, and ICE failed with every check exhausted.
     */
    @Test
    void theOfferGoesBeforeItsCandidates() throws Exception {
        SignalingClient bob = closing(SignalingClient.connect(uri(), "r", "bob", null));
        SignaledSession alice = closing(SignaledSession.join(uri(), "r", "alice", null, warning -> { }));
        alice.open("bob", loopback(), new PeerConnectionListener() { })
                .createDataChannel(FileTransfer.LABEL, DataChannelOptions.DEFAULT);

        alice.offer();

        List<SignalKind> kinds = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!kinds.contains(SignalKind.END_OF_CANDIDATES) && System.nanoTime() < deadline) {
            if (bob.poll(Duration.ofMillis(200)) instanceof ServerMessage.Signal signal) {
                kinds.add(signal.kind());
            }
        }
        assertThat(kinds).as("what bob heard from alice, in order").hasSizeGreaterThanOrEqualTo(3);
        assertThat(kinds.getFirst()).isEqualTo(SignalKind.OFFER);
        assertThat(kinds.subList(1, kinds.size() - 1)).containsOnly(SignalKind.CANDIDATE);
        assertThat(kinds.getLast()).isEqualTo(SignalKind.END_OF_CANDIDATES);
    }

    /**
     * A sender that trickles before its offer arrives (any client may): the answering session keeps those
     * candidates and uses them once it has the offer, so the end-of-candidates after it does not end ICE with none.
     */
    @Test
    void candidatesThatArriveBeforeTheOfferAreKept() throws Exception {
        SignaledSession bob = closing(SignaledSession.join(uri(), "r", "bob", null, warning -> { }));
        SignalingClient aliceSignaling = closing(SignalingClient.connect(uri(), "r", "alice", null));
        List<String> aliceCandidates = new CopyOnWriteArrayList<>();
        PeerConnection alice = closing(PeerConnection.create(loopback(), new PeerConnectionListener() {
            @Override
            public void onIceCandidate(String candidate) {
                aliceCandidates.add(candidate == null ? "" : candidate);
            }
        }));
        alice.createDataChannel(FileTransfer.LABEL, DataChannelOptions.DEFAULT);
        String offer = alice.createOffer();
        alice.setLocalDescription(offer);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!aliceCandidates.contains("") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(aliceCandidates).as("alice's gathering").contains("").hasSizeGreaterThan(1);
        // Candidates first, then the offer without them, then end-of-candidates: the order of a racing sender.
        for (String candidate : aliceCandidates) {
            if (!candidate.isEmpty()) {
                aliceSignaling.candidate("bob", candidate, "0", 0);
            }
        }
        aliceSignaling.offer("bob", offer.lines().filter(line -> !line.startsWith("a=candidate")
                && !line.startsWith("a=end-of-candidates")).collect(Collectors.joining("\r\n", "", "\r\n")));
        aliceSignaling.endOfCandidates("bob");

        ServerMessage.Signal received = bob.awaitOffer(System.nanoTime() + WAIT.toNanos(), WAIT, "no offer");
        List<PeerConnectionState> bobStates = new CopyOnWriteArrayList<>();
        bob.open(received.from(), loopback(), new PeerConnectionListener() {
            @Override
            public void onConnectionStateChange(PeerConnectionState state) {
                bobStates.add(state);
            }
        });
        bob.answer(SignaledSession.text(received.payload(), "sdp"));

        deadline = System.nanoTime() + WAIT.toNanos();
        while (!bobStates.contains(PeerConnectionState.CONNECTED) && !bobStates.contains(PeerConnectionState.FAILED)
                && System.nanoTime() < deadline) {
            bob.pump(Duration.ofMillis(20));
            for (ServerMessage message; (message = aliceSignaling.poll()) != null; ) {
                if (message instanceof ServerMessage.Signal signal) {
                    switch (signal.kind()) {
                        case ANSWER -> alice.setRemoteDescription(SignaledSession.text(signal.payload(), "sdp"));
                        case CANDIDATE -> alice.addIceCandidate(SignaledSession.text(signal.payload(), "candidate"));
                        case END_OF_CANDIDATES -> alice.addIceCandidate(null);
                        default -> { }
                    }
                }
            }
        }
        assertThat(bobStates).as("bob's connection states").contains(PeerConnectionState.CONNECTED)
                .doesNotContain(PeerConnectionState.FAILED);
        assertThatCode(bob::check).doesNotThrowAnyException();
    }
}
