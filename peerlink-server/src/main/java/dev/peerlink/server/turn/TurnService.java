package dev.peerlink.server.turn;

import dev.peerlink.server.ConfigException;
import dev.peerlink.server.TurnSettings;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.transport.DatagramReads;
import dev.peerlink.stun.transport.NettyTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import dev.peerlink.turn.TurnConfig;
import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.policy.PeerAddressPolicy;
import dev.peerlink.turn.server.FiveTuple;
import dev.peerlink.turn.server.Transmit;
import dev.peerlink.turn.server.TurnServerCore;
import dev.peerlink.turn.server.TurnServerCounters;
import dev.peerlink.turn.server.TurnServerEvent;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty driver of {@link TurnServerCore}: one core on one event loop, fed by the STUN+TURN listeners
 * ({@link TurnDatagramHandler} for UDP, {@link TurnStreamHandler} for TCP and TLS, all on this loop) and by the
 * relay sockets of {@link RelaySockets} (also on this loop), so that every call into the core comes from one thread
 * and the core needs no locks (DESIGN.md).
 *
 * <p>Why one loop and not one core per loop: an allocation is reached by two keys, its client 5-tuple and its relay
 * socket, and both must land on the thread that owns it. With one core per loop, UDP datagrams from one client could
 * arrive on any loop (SO_REUSEPORT spreads them by hash) and would have to be handed over. One loop keeps that
 * simple and allocation-free; its cost is that TURN uses one core of the machine. Sharding would not speed up one
 * flow anyway: one allocation is one client 5-tuple and one relay socket, so it would stay on one loop (coturn, too,
 * relays one flow on one thread). Measured with {@code peerlink bench turn} (docs/benchmarks.md), the thread's time
 * goes to the kernel (UDP send and receive, wake-ups); the Java side is a small part.
 *
 * <p>Per packet: the datagram or stream frame is copied into one reused buffer, the UDP 5-tuple comes from a cache
 * keyed by source address, the core's transmits are copied into pooled Netty buffers and written to the right channel
 * (a client's UDP listener or TCP/TLS connection, or a peer's relay socket). Datagrams are read a batch per system
 * call ({@link DatagramReads}), and channels are flushed once per loop iteration, after every ready socket was
 * read, so what a batch produced leaves in one {@code sendmmsg} per channel.
 */
public final class TurnService implements RelaySockets.PeerSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TurnService.class);
    /** Bound on the UDP 5-tuple cache; when full it is emptied (entries are only a saving, not state). */
    private static final int MAX_CACHED_TUPLES = 65_536;
    /** Large enough for any STUN message and any ChannelData frame with padding (4 + 65535 + 3). */
    private static final int INBOUND_CAPACITY = Math.max(StunMessageReader.MAX_MESSAGE_LENGTH, 4 + 0xFFFF + 3);

    private final EventLoop loop;
    private final TurnSettings settings;
    private final TurnConfig config;
    private final String software;
    private final RelaySockets relays;
    private final ByteBuffer inbound = ByteBuffer.allocate(INBOUND_CAPACITY);
    private final HashMap<InetSocketAddress, Channel> udpListeners = new HashMap<>();
    private final HashMap<InetSocketAddress, HashMap<InetSocketAddress, FiveTuple>> udpTuples = new HashMap<>();
    private final HashMap<FiveTuple, Channel> streams = new HashMap<>();
    private final HashSet<FiveTuple> allocatedStreams = new HashSet<>();
    /** Channels written to and not yet flushed. */
    private final ArrayList<Channel> toFlush = new ArrayList<>();
    private final Runnable flushTask = this::flushWritten;
    private boolean flushScheduled;
    private TurnServerCore core;
    private ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;
    private long wallSecond = Long.MIN_VALUE;
    private Instant wallClock = Instant.EPOCH;
    private boolean closed;

    private TurnService(EventLoop loop, TurnSettings settings, TurnConfig config, String software,
                        NettyTransport transport, List<RelaySockets.RelayAddress> relayAddresses) {
        this.loop = loop;
        this.settings = settings;
        this.config = config;
        this.software = software;
        this.relays = new RelaySockets(loop, transport, relayAddresses, settings.minPort(), settings.maxPort(), this);
    }

    /**
     * Prepares TURN on {@code loop}; the core starts with {@link #start} once the listeners are bound, because the
     * peer policy must know their addresses.
     *
     * @param listeningIps the configured listening IPs (empty for every address)
     */
    public static TurnService create(TurnSettings settings, List<InetAddress> listeningIps, String software,
                                     NettyTransport transport, EventLoop loop) throws ConfigException {
        TurnConfig config = settings.toTurnConfig();
        List<InetAddress> bindIps = relayBindAddresses(settings, listeningIps);
        InetAddress external = settings.externalAddress();
        if (external != null && bindIps.stream().noneMatch(ip -> ip.getClass() == external.getClass())) {
            throw new ConfigException("--external-ip " + settings.externalIp() + " and the relay address"
                    + (bindIps.size() > 1 ? "es " : " ") + bindIps.stream().map(InetAddress::getHostAddress).toList()
                    + " are of different families: give a --relay-ip of the same family");
        }
        List<RelaySockets.RelayAddress> relayAddresses = new ArrayList<>();
        for (InetAddress bindIp : bindIps) {
            // Behind 1:1 NAT the public address stands for the relay of its own family (RFC 8656 §3.9 leaves it to us).
            boolean behindNat = external != null && external.getClass() == bindIp.getClass();
            relayAddresses.add(new RelaySockets.RelayAddress(bindIp, behindNat ? external : bindIp));
        }
        return new TurnService(loop, settings, config, software, transport, relayAddresses);
    }

    /**
     * Where relay sockets bind: {@code --relay-ip} (one address, or one IPv4 and one IPv6 for dual-stack relays), else
     * the PRIVATE part of {@code --external-ip}, else the first specific listening IP, else the first IPv4 address of
     * an interface that is up and not loopback (loopback when there is none). A relay never binds the wildcard,
     * because the address it reports must be one peers can reach.
     */
    private static List<InetAddress> relayBindAddresses(TurnSettings settings, List<InetAddress> listeningIps)
            throws ConfigException {
        List<InetAddress> configured = settings.relayAddresses();
        if (!configured.isEmpty()) {
            return configured;
        }
        InetAddress chosen = settings.privateAddress();
        if (chosen == null) {
            chosen = listeningIps.stream().filter(ip -> !ip.isAnyLocalAddress()).findFirst().orElse(null);
        }
        if (chosen == null) {
            chosen = firstInterfaceIpv4().orElse(InetAddress.getLoopbackAddress());
        }
        return List.of(chosen);
    }

    private static Optional<InetAddress> firstInterfaceIpv4() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(nic -> {
                        try {
                            return nic.isUp() && !nic.isLoopback();
                        } catch (SocketException e) {
                            return false;
                        }
                    })
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(ip -> ip instanceof Inet4Address && !ip.isLinkLocalAddress())
                    .findFirst();
        } catch (SocketException e) {
            return Optional.empty();
        }
    }

    public EventLoop loop() {
        return loop;
    }

    /** What the relays bind and the addresses they are reported at (the external IP behind 1:1 NAT), per family. */
    public String describeRelayAddresses() {
        StringBuilder text = new StringBuilder();
        for (RelaySockets.RelayAddress address : relays.addresses()) {
            text.append(text.isEmpty() ? "" : " and ").append(address.bindIp().getHostAddress());
            if (!address.advertisedIp().equals(address.bindIp())) {
                text.append(" (advertised as ").append(address.advertisedIp().getHostAddress()).append(')');
            }
        }
        return text.toString();
    }

    /** The addresses relay sockets bind, one per address family offered. */
    public List<InetAddress> relayBindIps() {
        return relays.addresses().stream().map(RelaySockets.RelayAddress::bindIp).toList();
    }

    public TurnSettings settings() {
        return settings;
    }

    public TurnConfig config() {
        return config;
    }

    /**
     * Builds the core on the loop, with a peer policy that refuses the server's own listening addresses (every
     * interface address for a wildcard listener) and, outside the relay ports, its own IPs (RFC 8656 §21.1.7 loops).
     */
    public void start(List<InetSocketAddress> listenerAddresses) {
        List<InetSocketAddress> own = new ArrayList<>();
        for (InetSocketAddress listener : listenerAddresses) {
            if (listener.getAddress().isAnyLocalAddress()) {
                interfaceAddresses().forEach(ip -> own.add(new InetSocketAddress(ip, listener.getPort())));
            } else {
                own.add(listener);
            }
        }
        // The relay IPs (bound and advertised) are the server's own too: outside the relay ports they reach its
        // services, and on the listening port they reach the server itself.
        int listeningPort = listenerAddresses.isEmpty() ? 1 : listenerAddresses.get(0).getPort();
        for (RelaySockets.RelayAddress relay : relays.addresses()) {
            own.add(new InetSocketAddress(relay.bindIp(), listeningPort));
            own.add(new InetSocketAddress(relay.advertisedIp(), listeningPort));
        }
        PeerAddressPolicy policy = config.peerAddressPolicy(own, settings.minPort(), settings.maxPort());
        StatelessNonces nonces = StatelessNonces.withRandomSecret(config.nonceLifetime());
        TurnServerCore built = TurnServerCore.builder()
                .config(config, nonces)
                .peerAddressPolicy(policy)
                .relayAllocator(relays)
                .relayFamilies(relays.offers(AddressFamilyAttribute.IPV4), relays.offers(AddressFamilyAttribute.IPV6))
                .software(software)
                .rfc5766ChannelRange(true) // coturn's tools and other RFC 5766 clients bind up to 0x7FFF
                .build();
        loop.submit(() -> {
            core = built;
        }).syncUninterruptibly();
        LOG.info("TURN relaying on {} (ports {}-{}), realm {}, {} user(s), {} REST secret(s)",
                describeRelayAddresses(), settings.minPort(), settings.maxPort(), config.realm(), config.users().size(), config.staticAuthSecrets().size());
    }

    private static List<InetAddress> interfaceAddresses() {
        try {
            return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses).toList();
        } catch (SocketException e) {
            return List.of();
        }
    }

    // ------------------------------------------------------------------------------------ from the listeners

    /** A UDP listener bound on this loop; transmits to clients that came in on it go out on it. */
    void udpListenerActive(Channel channel) {
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        udpListeners.put(local, channel);
        udpTuples.put(local, new HashMap<>());
    }

    /** One datagram from a client on the UDP listener {@code listener}. */
    void clientDatagram(Channel listener, DatagramPacket packet) {
        if (core == null || closed) {
            return;
        }
        ByteBuf content = packet.content();
        int length = content.readableBytes();
        if (length > inbound.capacity()) {
            return;
        }
        InetSocketAddress local = (InetSocketAddress) listener.localAddress();
        HashMap<InetSocketAddress, FiveTuple> tuples = udpTuples.get(local);
        InetSocketAddress sender = packet.sender();
        FiveTuple tuple = tuples.get(sender);
        if (tuple == null) {
            if (sender.isUnresolved() || sender.getAddress() == null) {
                return;
            }
            if (tuples.size() >= MAX_CACHED_TUPLES) {
                tuples.clear();
            }
            tuple = new FiveTuple(sender, local, FiveTuple.Transport.UDP);
            tuples.put(sender, tuple);
        }
        inbound.clear();
        content.getBytes(content.readerIndex(), inbound.array(), 0, length);
        inbound.limit(length);
        long now = System.nanoTime();
        core.handleClientPacket(tuple, inbound, now, wallClock());
        drain();
    }

    /** A TCP or TLS connection opened; its 5-tuple is made once and reused for every frame. */
    void streamOpened(FiveTuple tuple, Channel channel) {
        streams.put(tuple, channel);
    }

    /** One whole frame (STUN message or padded ChannelData) from a TCP/TLS client, already in {@link #inbound()}. */
    void streamFrame(FiveTuple tuple) {
        if (core == null || closed) {
            return;
        }
        core.handleClientPacket(tuple, inbound, System.nanoTime(), wallClock());
        drain();
    }

    /** The shared frame buffer the stream handlers copy into (all handlers run on this loop). */
    ByteBuffer inbound() {
        return inbound;
    }

    /** Whether the connection holds an allocation: then idleness is the allocation's business, not the socket's. */
    boolean hasAllocation(FiveTuple tuple) {
        return allocatedStreams.contains(tuple);
    }

    void streamClosed(FiveTuple tuple) {
        streams.remove(tuple);
        if (core != null && !closed) {
            core.handleClientClosed(tuple);
            drain();
        }
        allocatedStreams.remove(tuple);
    }

    // -------------------------------------------------------------------------------------- from the relays

    @Override
    public void peerPacket(RelaySockets.RelaySocket relay, DatagramPacket packet) {
        if (core == null || closed) {
            return;
        }
        ByteBuf content = packet.content();
        int length = content.readableBytes();
        if (length > inbound.capacity()) {
            return;
        }
        inbound.clear();
        content.getBytes(content.readerIndex(), inbound.array(), 0, length);
        inbound.limit(length);
        core.handlePeerPacket(relay, packet.sender(), inbound, System.nanoTime());
        drain();
    }

    // ------------------------------------------------------------------------------------------ to the wire

    /** Sends what the core produced, flushes each channel once, logs events and re-arms the timer. */
    private void drain() {
        Transmit transmit;
        while ((transmit = core.pollTransmit()) != null) {
            Channel channel;
            Object message;
            ByteBuffer data = transmit.data();
            if (transmit.destination() == Transmit.Destination.PEER) {
                RelaySockets.RelaySocket relay = (RelaySockets.RelaySocket) transmit.relay();
                channel = relay.channel;
                if (channel == null || !relay.active) {
                    continue;
                }
                ByteBuf out = channel.alloc().ioBuffer(data.remaining()).writeBytes(data);
                message = new DatagramPacket(out, transmit.peer());
            } else {
                FiveTuple client = transmit.client();
                if (client.transport() == FiveTuple.Transport.UDP) {
                    channel = udpListeners.get(client.server());
                    if (channel == null) {
                        continue;
                    }
                    ByteBuf out = channel.alloc().ioBuffer(data.remaining()).writeBytes(data);
                    message = new DatagramPacket(out, client.client());
                } else {
                    channel = streams.get(client);
                    if (channel == null) {
                        continue; // the connection closed while the answer was being made
                    }
                    message = channel.alloc().ioBuffer(data.remaining()).writeBytes(data);
                }
            }
            channel.write(message, channel.voidPromise());
            if (!toFlush.contains(channel)) {
                toFlush.add(channel);
            }
        }
        if (!toFlush.isEmpty() && !flushScheduled) {
            flushScheduled = true;
            try {
                loop.execute(flushTask);
            } catch (RejectedExecutionException shuttingDown) {
                flushWritten(); // the loop takes no more tasks: send now rather than never
            }
        }
        Optional<TurnServerEvent> event;
        while ((event = core.pollEvent()).isPresent()) {
            log(event.get());
        }
        armTimer();
    }

    /**
     * Flushes every channel written to since the last flush, once each. It runs as a task of the loop, and Netty runs
     * tasks after it has read every socket that was ready, so what one wake-up's datagrams produced leaves together:
     * the epoll transport hands a channel's queued datagrams to one sendmmsg rather than one sendto each.
     */
    private void flushWritten() {
        flushScheduled = false;
        for (int i = 0; i < toFlush.size(); i++) {
            toFlush.get(i).flush();
        }
        toFlush.clear();
    }

    private void log(TurnServerEvent event) {
        switch (event) {
            case TurnServerEvent.AllocationCreated created -> {
                if (created.client().transport().isStream()) {
                    allocatedStreams.add(created.client());
                }
                LOG.info("TURN allocation {} for {} on {}: relayed at {}, {} s", created.allocationId(),
                        created.username(), created.client(), created.relayedAddresses().stream()
                                .map(SocketAddresses::format).toList(), created.lifetime().toSeconds());
            }
            case TurnServerEvent.AllocationDeleted deleted -> {
                allocatedStreams.remove(deleted.client());
                LOG.info("TURN allocation {} for {} ended: {}", deleted.allocationId(), deleted.username(),
                        deleted.reason().name().toLowerCase().replace('_', ' '));
            }
        }
    }

    /** One timer at the core's next deadline; moved only when the deadline moved earlier. */
    private void armTimer() {
        long next = core.nextTimeoutNanos();
        if (next == Long.MAX_VALUE || timer != null && next - timerDeadline >= 0) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerDeadline = next;
        long delay = Math.max(0, next - System.nanoTime());
        timer = loop.schedule(this::onTimer, delay, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        timerDeadline = Long.MAX_VALUE;
        if (core == null || closed) {
            return;
        }
        core.handleTimeout(System.nanoTime());
        drain();
    }

    /** The wall clock to second resolution, one Instant per second (the core checks nonces and REST expiry). */
    private Instant wallClock() {
        long millis = System.currentTimeMillis();
        long second = Math.floorDiv(millis, 1000);
        if (second != wallSecond) {
            wallSecond = second;
            wallClock = Instant.ofEpochSecond(second);
        }
        return wallClock;
    }

    // --------------------------------------------------------------------------------------------- metrics

    /** A consistent copy of the counters, taken on the loop. */
    public record Snapshot(int allocations, int relaySockets, long allocationsCreated, long packetsToPeer,
                           long bytesToPeer, long packetsToClient, long bytesToClient, long authFailures,
                           long challenges, long peersRefused, long quotaRejections, long capacityRejections,
                           long bindingResponses, long droppedNoPermission, long droppedOverBandwidth,
                           long internalErrors) {
    }

    /** The counters, read on the loop and handed to whichever thread asks. */
    public CompletableFuture<Snapshot> snapshot() {
        CompletableFuture<Snapshot> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                if (core == null) {
                    result.complete(new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
                    return;
                }
                TurnServerCounters c = core.counters();
                result.complete(new Snapshot(core.allocationCount(), relays.openCount(), c.allocationsCreated(),
                        c.packetsToPeer(), c.bytesToPeer(), c.packetsToClient(), c.bytesToClient(), c.authFailures(),
                        c.challenges(), c.peersRefused(), c.quotaRejections(), c.capacityRejections(),
                        c.bindingRequests(), c.droppedNoPermission(), c.droppedOverBandwidth(), c.internalErrors()));
            });
        } catch (RuntimeException rejected) { // the loop is shutting down
            result.completeExceptionally(rejected);
        }
        return result;
    }

    /** Closes every relay socket and stops the timer; the listeners are closed by their owner. */
    @Override
    public void close() {
        if (loop.isShutdown()) {
            return;
        }
        try {
            loop.submit(() -> {
                closed = true;
                if (timer != null) {
                    timer.cancel(false);
                    timer = null;
                }
                relays.closeAll();
            }).awaitUninterruptibly(5, TimeUnit.SECONDS);
        } catch (RuntimeException rejected) {
            // the loop is already shutting down and takes its channels with it
        }
    }
}
