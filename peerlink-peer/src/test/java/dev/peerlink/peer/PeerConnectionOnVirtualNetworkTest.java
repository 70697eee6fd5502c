package dev.peerlink.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.ice.IceCandidate.Type;
import dev.peerlink.ice.TurnServerOnNetwork;
import dev.peerlink.ice.VirtualNetworkIceTransport;
import dev.peerlink.netsim.ForwardingRouter;
import dev.peerlink.netsim.Host;
import dev.peerlink.netsim.Link;
import dev.peerlink.netsim.NatBehavior;
import dev.peerlink.netsim.NatRouter;
import dev.peerlink.netsim.RealTimeDriver;
import dev.peerlink.netsim.VirtualNetwork;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two Java peer connections — ICE, DTLS, SCTP and data channels, the whole stack — each on a host behind its own
 * NAT on the virtual network ({@code peerlink-netsim}), with a STUN/TURN server ({@link TurnServerOnNetwork}) on the
 * virtual internet and packet loss on both hosts' links. ICE runs on {@link VirtualNetworkIceTransport} (the
 * sans-IO agent on a netsim host), handed to the peer connection through {@link PeerConnectionConfig.Builder#iceTransport};
 * DTLS and SCTP keep their wall-clock timers, so a {@link RealTimeDriver} runs the network in real time.
 *
 * <p>What the NATs allow decides the path (see peerlink-ice's {@code ConnectivityMatrixTest} for the theory):
 * port-restricted cone on both sides hole-punches a direct path between the NATs' mappings (server-reflexive or
 * peer-reflexive candidates, never the private host addresses nor the relay); symmetric NATs on both sides leave
 * only the TURN relay; a firewall that drops all UDP leaves a relay allocated over TLS on 443. On each path, with a few percent of packets lost, reliable channels must deliver everything
 * intact and in order (a bulk transfer checked by SHA-256; empty, small and 256 KiB messages), a reliable unordered
 * channel everything intact, and a {@code maxRetransmits: 0} channel nothing corrupt or duplicated.
 *
 * <p>Loss and port choices come from a fixed seed; in real time, though, how the packets interleave with the
 * peers' threads varies, so which packets are lost does too. The assertions hold for any loss pattern. Each test
 * prints one line with the path, the time to open channels, the bulk transfer's time and the packets lost.
 */
class PeerConnectionOnVirtualNetworkTest {
    private static final long SEED = 20_261_121L;
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /**
     * Between a host and its NAT: 1 ms and 1 % loss each way (a packet crosses two such links: 2 %). No jitter:
     * netsim has no queue, so jitter reorders packets sent back to back many deep, and a chunk overtaken by three
     * others counts as lost to SCTP (RFC 9260 §7.2.4) — which for maxRetransmits 0 means abandoned (RFC 3758 §3.5).
     */
    private static final Link LOSSY_LAN = Link.withDelay(Duration.ofMillis(1)).withLoss(0.01);
    /** Each interface on the internet (the NATs' public sides, the TURN server): 4 ms. */
    private static final Link INTERNET_LEG = Link.withDelay(Duration.ofMillis(4));
    private static final int CHUNK = 64 * 1024;

    private final Recorder aEvents = new Recorder();
    private final Recorder bEvents = new Recorder();
    private RealTimeDriver driver;
    private PeerConnection a;
    private PeerConnection b;

    @AfterEach
    void tearDown() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (driver != null) {
            driver.close();
        }
    }

    /**
     * Two hosts, each behind a NAT of its kind (null: behind a firewall that drops all UDP and lets TCP out to 443
     * only); the same STUN/TURN server for both, which a host behind the firewall reaches over TLS on 443.
     */
    private final class World {
        final VirtualNetwork network = new VirtualNetwork(SEED);
        final TurnServerOnNetwork turn;
        final NatRouter aNat;
        final NatRouter bNat;
        final Host aHost;
        final Host bHost;
        long connectNanos;

        private final Link lan;
        private final Link internetLeg;

        World(NatBehavior aBehavior, NatBehavior bBehavior) {
            this(aBehavior, bBehavior, LOSSY_LAN, INTERNET_LEG);
        }

        World(NatBehavior aBehavior, NatBehavior bBehavior, Link lan, Link internetLeg) {
            this.lan = lan;
            this.internetLeg = internetLeg;
            turn = new TurnServerOnNetwork(network, network.internet().addHost("turn", INTERNET_LEG), SEED);
            aNat = aBehavior == null ? null : network.addNatRouter("a-nat", aBehavior);
            aHost = place("a", aNat);
            bNat = bBehavior == null ? null : network.addNatRouter("b-nat", bBehavior);
            bHost = place("b", bNat);
        }

        private Host place(String name, NatRouter nat) {
            if (nat != null) {
                nat.outsideInterface().setLink(internetLeg);
                return nat.lan().addHost(name, lan);
            }
            ForwardingRouter firewall = network.addUdpBlockingFirewall(name + "-firewall").allowOnlyTcpToPorts(443);
            firewall.outsideInterface().setLink(INTERNET_LEG);
            return firewall.lan().addHost(name, LOSSY_LAN);
        }

        PeerConnectionConfig configFor(Host host, long seed) {
            String server = turn.address().getAddress().getHostAddress() + ":" + turn.address().getPort();
            PeerConnectionConfig.Builder config = PeerConnectionConfig.builder()
                    .iceServer(IceServer.stun("stun:" + server))
                    .iceServer(IceServer.turn("turn:" + server, TurnServerOnNetwork.USERNAME,
                            TurnServerOnNetwork.PASSWORD))
                    .iceTransport(VirtualNetworkIceTransport.factory(driver, host, seed));
            if (host == aHost && aNat == null || host == bHost && bNat == null) {
                // The TURN server's TLS port; the virtual network carries the stream without the TLS records.
                config.iceServer(IceServer.turn("turns:" + turn.address().getAddress().getHostAddress() + ":"
                        + TurnServerOnNetwork.TLS_PORT, TurnServerOnNetwork.USERNAME, TurnServerOnNetwork.PASSWORD));
            }
            return config.build();
        }

        /** Starts the network in real time; a offers and b answers, and a's channels open at both ends. */
        Channels connectAndOpenChannels() throws InterruptedException {
            driver = RealTimeDriver.start(network, "netsim-pc");
            long start = System.nanoTime();
            a = PeerConnection.create(configFor(aHost, SEED + 1), aEvents);
            b = PeerConnection.create(configFor(bHost, SEED + 2), bEvents);
            Channels channels = openChannels();
            connectNanos = System.nanoTime() - start;
            return channels;
        }
    }

    @Test
    void portRestrictedConesOnBothSidesConnectDirectlyAndCarryEveryKindOfMessageThroughLoss() throws Exception {
        World world = new World(NatBehavior.PORT_RESTRICTED, NatBehavior.PORT_RESTRICTED);
        Channels channels = world.connectAndOpenChannels();

        // Under loss the relayed pair's check can come back first and be nominated; the controlling side then
        // renominates the direct pair once a check on it gets through (renomination, IceAgent). Judge the path ICE
        // settles on, as the lab does.
        Set<Type> reflexive = Set.of(Type.SRFLX, Type.PRFLX);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            for (PeerConnection peer : List.of(a, b)) {
                PeerConnectionStats stats = peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                if (!reflexive.contains(stats.localCandidateType())
                        || !reflexive.contains(stats.remoteCandidateType())) {
                    return false;
                }
            }
            return true;
        });
        for (PeerConnection peer : List.of(a, b)) {
            PeerConnectionStats stats = peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            // Hole-punched between the NATs' endpoint-independent mappings: reflexive on both ends, no relay.
            assertThat(stats.localCandidateType()).isIn(Type.SRFLX, Type.PRFLX);
            assertThat(stats.remoteCandidateType()).isIn(Type.SRFLX, Type.PRFLX);
            assertThat(stats.relayProtocol()).isNull();
        }
        assertSelectedAddresses(a, world.aNat.publicAddress(), world.bNat.publicAddress());
        assertSelectedAddresses(b, world.bNat.publicAddress(), world.aNat.publicAddress());

        carryEveryKindOfMessage(world, channels, 3 * 1024 * 1024, "port-restricted × port-restricted, 3 MiB");
    }

    /**
     * Path MTU discovery (RFC 8899 over DTLS, RFC 8261 §5) on a direct path whose NATs' internet links drop
     * datagrams above 5,000 bytes, as routers drop don't-fragment datagrams above their MTU: the hosts' own links
     * carry anything, so each side's cap is DTLS's 2^14 bytes of plaintext and the search must find the path's
     * limit itself. Probes of 1,400 and 4,096 bytes (4,133-byte DTLS datagrams) get through, 8,192 never does: both
     * sides settle at 4,096, and the data (bulk, every size) flows in packets that large.
     */
    @Test
    void onADirectPathTheMtuSearchSettlesBelowALinksLimitAndDataFlows() throws Exception {
        Link limited = INTERNET_LEG.withMaxPayload(5000);
        World world = new World(NatBehavior.PORT_RESTRICTED, NatBehavior.PORT_RESTRICTED,
                Link.withDelay(Duration.ofMillis(1)), limited);
        Channels channels = world.connectAndOpenChannels();
        Set<Type> reflexive = Set.of(Type.SRFLX, Type.PRFLX);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            for (PeerConnection peer : List.of(a, b)) {
                PeerConnectionStats stats = peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                if (!reflexive.contains(stats.localCandidateType()) || stats.sctpPathMtu() != 4096) {
                    return false;
                }
            }
            return true;
        });
        long bulkNanos = bulkTransferArrivesWithTheSameSha256(channels, 2 * 1024 * 1024);
        messagesOfEverySizeArriveIntactAndInOrder(channels);
        unorderedMessagesAllArriveIntact(channels);
        for (PeerConnection peer : List.of(a, b)) {
            // Still 4,096: nothing larger was used, so no black hole fallback (RFC 8899 §4.3) was needed.
            assertThat(peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS).sctpPathMtu()).isEqualTo(4096);
        }
        assertThat(world.network.lostPackets()).as("no random loss on these links").isZero();
        assertThat(driver.failures()).isEmpty();
        System.out.printf("path MTU 4096 behind a 5,000-byte link: bulk transfer of 2 MiB in %d ms%n",
                bulkNanos / 1_000_000);
    }

    @Test
    void symmetricNatsOnBothSidesConnectThroughTheTurnRelayAndCarryDataThroughLoss() throws Exception {
        World world = new World(NatBehavior.SYMMETRIC, NatBehavior.SYMMETRIC);
        Channels channels = world.connectAndOpenChannels();

        InetAddress relayIp = world.turn.address().getAddress();
        for (PeerConnection peer : List.of(a, b)) {
            PeerConnectionStats stats = peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            // No direct path survives two address-and-port-dependent mappings: one end of the pair is a relayed
            // candidate on the TURN server, the other is that relay or the far NAT's new mapping (peer-reflexive).
            assertThat(List.of(stats.localCandidateType(), stats.remoteCandidateType())).contains(Type.RELAY)
                    .allMatch(type -> type == Type.RELAY || type == Type.PRFLX);
            InetAddress relayEnd = stats.localCandidateType() == Type.RELAY ? stats.localAddress().getAddress()
                    : stats.remoteAddress().getAddress();
            assertThat(relayEnd).isEqualTo(relayIp);
            if (stats.localCandidateType() == Type.RELAY) {
                assertThat(stats.relayProtocol()).isEqualTo("udp");
            }
        }
        assertThat(world.turn.relayedAddresses()).isNotEmpty();

        carryEveryKindOfMessage(world, channels, 1024 * 1024, "symmetric × symmetric, 1 MiB");
        for (PeerConnection peer : List.of(a, b)) {
            // RFC 8899 is not run over a relay: the TURN server's paths are not ours to probe.
            assertThat(peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS).sctpPathMtu())
                    .isBetween(1100, 1200);
        }
    }

    @Test
    void behindAUdpBlockingFirewallAPeerConnectsThroughItsRelayOverTlsAndCarriesData() throws Exception {
        World world = new World(null, NatBehavior.PORT_RESTRICTED);
        Channels channels = world.connectAndOpenChannels();

        // a's only way out is its allocation over TLS on 443; b reaches a's relayed address from its NAT's mapping.
        PeerConnectionStats aStats = a.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(aStats.localCandidateType()).isEqualTo(Type.RELAY);
        assertThat(aStats.relayProtocol()).isEqualTo("tls");
        assertThat(aStats.localAddress().getAddress()).isEqualTo(world.turn.address().getAddress());
        assertThat(aStats.remoteCandidateType()).isIn(Type.SRFLX, Type.PRFLX);
        assertThat(aStats.remoteAddress().getAddress()).isEqualTo(world.bNat.publicAddress());
        PeerConnectionStats bStats = b.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(bStats.remoteCandidateType()).isEqualTo(Type.RELAY);
        assertThat(bStats.remoteAddress()).isEqualTo(aStats.localAddress());
        assertThat(bStats.localCandidateType()).isIn(Type.SRFLX, Type.PRFLX);

        carryEveryKindOfMessage(world, channels, 1024 * 1024, "UDP blocked × port-restricted, 1 MiB");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** a's three channels, b's inboxes for them, and b's end of the ordered one with a's inbox for what it sends. */
    private record Channels(DataChannel ordered, DataChannel unordered, DataChannel unreliable, Inbox orderedAtB,
                            Inbox unorderedAtB, Inbox unreliableAtB, DataChannel orderedFromB, Inbox orderedAtA) {
    }

    /** Opens a reliable ordered, a reliable unordered and a maxRetransmits=0 channel, a to b, and waits for both ends. */
    private Channels openChannels() throws InterruptedException {
        DataChannel ordered = a.createDataChannel("ordered", DataChannelOptions.DEFAULT);
        DataChannel unordered = a.createDataChannel("unordered", DataChannelOptions.unordered());
        DataChannel unreliable = a.createDataChannel("unreliable",
                DataChannelOptions.unordered().withMaxRetransmits(0));
        Inbox orderedOpen = Inbox.of(ordered);
        Inbox unorderedOpen = Inbox.of(unordered);
        Inbox unreliableOpen = Inbox.of(unreliable);
        Trickle.offerAndAnswer(a, aEvents, b, bEvents);
        await().atMost(PATIENCE).until(() -> a.connectionState() == PeerConnectionState.CONNECTED
                && b.connectionState() == PeerConnectionState.CONNECTED);
        orderedOpen.awaitOpen(PATIENCE);
        unorderedOpen.awaitOpen(PATIENCE);
        unreliableOpen.awaitOpen(PATIENCE);
        await().atMost(PATIENCE).until(() -> bEvents.remoteInboxes.keySet()
                .containsAll(List.of("ordered", "unordered", "unreliable")));
        assertThat(bEvents.remoteByLabel.get("unordered").ordered()).isFalse();
        assertThat(bEvents.remoteByLabel.get("unreliable").options().maxRetransmits()).isZero();
        return new Channels(ordered, unordered, unreliable, bEvents.remoteInboxes.get("ordered"),
                bEvents.remoteInboxes.get("unordered"), bEvents.remoteInboxes.get("unreliable"),
                bEvents.remoteByLabel.get("ordered"), orderedOpen);
    }

    /**
     * The bulk transfer, messages of every size, the unordered and the unreliable channel, in turn; then one line
     * for the test log: the path, and how it went (figures, not assertions).
     */
    private void carryEveryKindOfMessage(World world, Channels channels, int bulkSize, String path) throws Exception {
        long bulkNanos = bulkTransferArrivesWithTheSameSha256(channels, bulkSize);
        messagesOfEverySizeArriveIntactAndInOrder(channels);
        unorderedMessagesAllArriveIntact(channels);
        unreliableMessagesArriveIntactOrNotAtAll(channels);
        assertThat(world.network.lostPackets()).as("the links lost packets on the way").isPositive();
        assertThat(driver.failures()).isEmpty();
        PeerConnectionStats stats = a.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        System.out.printf("%s: %s/%s, channels open in %d ms, bulk transfer in %d ms, %d packets lost%n",
                path, stats.localCandidateType(), stats.remoteCandidateType(),
                world.connectNanos / 1_000_000, bulkNanos / 1_000_000, world.network.lostPackets());
    }

    private static void assertSelectedAddresses(PeerConnection peer, InetAddress localPublic, InetAddress remotePublic)
            throws Exception {
        PeerConnectionStats stats = peer.getStats().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(stats.localAddress().getAddress()).as("our NAT's public address").isEqualTo(localPublic);
        assertThat(stats.remoteAddress().getAddress()).as("the peer's NAT's public address").isEqualTo(remotePublic);
    }

    /** {@code size} random bytes in 64 KiB messages on the ordered channel; b hashes what arrives. */
    private static long bulkTransferArrivesWithTheSameSha256(Channels channels, int size) throws Exception {
        long start = System.nanoTime();
        byte[] payload = new byte[size];
        new SplittableRandom(SEED).nextBytes(payload);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        sent.update(payload);
        for (int offset = 0; offset < size; offset += CHUNK) {
            channels.ordered().send(java.util.Arrays.copyOfRange(payload, offset, Math.min(size, offset + CHUNK)));
        }
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long receivedBytes = 0;
        while (receivedBytes < size) {
            byte[] chunk = channels.orderedAtB().next(PATIENCE).data();
            received.update(chunk);
            receivedBytes += chunk.length;
        }
        assertThat(receivedBytes).isEqualTo(size);
        assertThat(received.digest()).as("SHA-256 of what arrived").isEqualTo(sent.digest());
        return System.nanoTime() - start;
    }

    /**
     * Empty, 1-byte, text and 256 KiB messages on the ordered channel, back to back: all arrive, in order; and the
     * largest one back from b.
     */
    private static void messagesOfEverySizeArriveIntactAndInOrder(Channels channels) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(SEED + 7);
        List<byte[]> sent = new ArrayList<>();
        for (int size : new int[] {0, 1, 100, 1200, 64 * 1024, 256 * 1024, 0}) {
            byte[] message = new byte[size];
            random.nextBytes(message);
            sent.add(message);
            channels.ordered().send(message);
            channels.ordered().send("text of " + size + " bytes");
        }
        for (byte[] message : sent) {
            DataChannel.Message binary = channels.orderedAtB().next(PATIENCE);
            assertThat(binary.isBinary()).isTrue();
            assertThat(binary.data()).isEqualTo(message);
            assertThat(channels.orderedAtB().next(PATIENCE).text()).isEqualTo("text of " + message.length + " bytes");
        }
        assertThat(channels.orderedAtB().messages).isEmpty();
        byte[] largest = sent.get(sent.size() - 2);
        channels.orderedFromB().send(largest);
        assertThat(channels.orderedAtA().next(PATIENCE).data()).isEqualTo(largest);
    }

    /** 200 numbered messages on the unordered channel: every one arrives exactly once, intact, in any order. */
    private static void unorderedMessagesAllArriveIntact(Channels channels) throws InterruptedException {
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String message = "unordered " + i + " " + "u".repeat(i * 7);
            sent.add(message);
            channels.unordered().send(message);
        }
        Set<String> received = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertThat(received.add(channels.unorderedAtB().next(PATIENCE).text())).as("no duplicate").isTrue();
        }
        assertThat(received).isEqualTo(sent);
    }

    /**
     * 300 numbered messages with maxRetransmits 0: a lost one stays lost (RFC 3758), so only what arrives can be
     * checked — each intact, none twice, none made up — and, the loss being a few percent, at least 80 % of them.
     */
    private static void unreliableMessagesArriveIntactOrNotAtAll(Channels channels) throws InterruptedException {
        int count = 300;
        for (int i = 0; i < count; i++) {
            channels.unreliable().send(unreliableMessage(i));
        }
        // Lost ones are abandoned, not waited for; most of the burst must come through.
        await().atMost(PATIENCE).until(() -> channels.unreliableAtB().messages.size() >= count * 8 / 10);
        Set<Integer> seen = new HashSet<>();
        DataChannel.Message message;
        while ((message = channels.unreliableAtB().messages.poll()) != null) {
            String text = message.text();
            int number = Integer.parseInt(text.substring(0, text.indexOf(':')));
            assertThat(text).isEqualTo(unreliableMessage(number));
            assertThat(seen.add(number)).as("message " + number + " arrived once").isTrue();
        }
        assertThat(seen).hasSizeGreaterThanOrEqualTo(count * 8 / 10).allMatch(number -> number >= 0 && number < count);
    }

    private static String unreliableMessage(int number) {
        return number + ":" + Integer.toHexString(number * 0x9E3779B1).repeat(1 + number % 5);
    }
}
