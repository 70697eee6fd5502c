package dev.peerlink.ice.netty;

import dev.peerlink.ice.CandidatePairStats;
import dev.peerlink.ice.DatagramLimit;
import dev.peerlink.ice.IceAgent;
import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.IceConnectionState;
import dev.peerlink.ice.IceEvent;
import dev.peerlink.ice.IceRole;
import dev.peerlink.ice.IceTransport;
import dev.peerlink.ice.IceTurnServer;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.ClientSockets;
import dev.peerlink.ice.mdns.MdnsResolver;
import dev.peerlink.ice.netty.HostAddressGatherer.HostAddress;
import dev.peerlink.stun.transport.DatagramReads;
import dev.peerlink.stun.transport.DatagramWrites;
import dev.peerlink.stun.transport.DontFragment;
import dev.peerlink.stun.transport.NettyTransport;
import dev.peerlink.stun.transport.PacketKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ICE session over real UDP sockets: the Netty driver of an {@link IceAgent}. {@link Builder#open()} gathers
 * the local addresses ({@link HostAddressGatherer}), binds one UDP socket per address ({@link PortPolicy}), makes
 * each a host candidate and ends host gathering; from then on one event loop drives the agent:
 * <ul>
 *   <li>each datagram a socket reads is demultiplexed by its first byte (RFC 7983 §7): STUN, DTLS, RTP/RTCP and
 *       TURN ChannelData go to {@link IceAgent#handleInput}, which answers STUN, hands what its TURN servers send to
 *       its allocations (relayed candidates, RFC 8445 §5.1.1.2) and passes the rest up as
 *       {@link IceEvent.DataReceived}; anything else is dropped (no ZRTP here);</li>
 *   <li>every {@link IceAgent#pollTransmit} goes out on the socket bound at the transmit's base, or on the TCP/TLS
 *       connection to a TURN server it names;</li>
 *   <li>for each TURN server reached over TCP or TLS ({@code turn:...?transport=tcp}, {@code turns:}; RFC 8656
 *       §3.1) one connection is opened at the start; once it is up (for TLS, after the handshake, the certificate
 *       checked against the server's name unless {@link Builder#insecureTurnTls}) the agent allocates over it, and
 *       its bytes go to {@link IceAgent#handleTurnStreamInput}; a refused, failed or closed connection is reported
 *       so that gathering goes on without it;</li>
 *   <li>one timer stands at the earliest {@link IceAgent#nextTimeoutNanos} (and the mDNS resolver's), re-armed after
 *       every call into the agent;</li>
 *   <li>events go to the listener on the caller's executor, or else to {@link #events()};</li>
 *   <li>remote candidates with {@code .local} names are resolved by multicast DNS ({@link MdnsResolver}, RFC 6762)
 *       on the gathered interfaces only; one that nobody answers for stays out of the checklist, and the agent may
 *       still learn the peer's address as a peer-reflexive candidate from its checks (RFC 8445 §7.3.1.3).</li>
 * </ul>
 * The public methods may be called from any thread: they hop onto the event loop and return a future completed
 * there. {@link #close()} releases every socket.
 */
public final class IceSession implements IceTransport {
    private static final Logger log = LoggerFactory.getLogger(IceSession.class);
    private static final int SHARED_PORT_ATTEMPTS = 16;
    private static final int TURN_CONNECT_TIMEOUT_MILLIS = 10_000;

    /** The pair data goes on. */
    public record SelectedPair(IceCandidate local, IceCandidate remote) {
    }

    private final IceAgent agent;
    private final MdnsResolver mdnsResolver;
    private final MdnsChannels mdnsChannels;
    private final boolean mdnsEnabled;
    private final EventLoopGroup ownedGroup;
    private final EventLoop loop;
    private final NettyTransport transport;
    private final Consumer<IceEvent> listener;
    private final Executor listenerExecutor;
    private final BlockingQueue<IceEvent> eventQueue = new LinkedBlockingQueue<>();
    private final Map<InetSocketAddress, Channel> socketsByBase = new HashMap<>();
    /** TCP/TLS connections to TURN servers, by their local end, once the agent knows them (event loop only). */
    private final Map<InetSocketAddress, Channel> turnConnectionsByLocal = new HashMap<>();
    private final boolean insecureTurnTls;
    private final List<Channel> sockets = new ArrayList<>();
    /** TURN server connections written to in this pass (event loop only). */
    private final Set<Channel> unflushed = new LinkedHashSet<>();
    /** Datagrams written in this pass: batched, segmented where the kernel can (event loop only). */
    private final DatagramWrites datagramWrites;
    /** Data queued by {@link #sendQueued}, and whether a drain task is already on its way. */
    private record Outgoing(byte[] data, Consumer<byte[]> notSent) {
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Outgoing> outgoing =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean outgoingDrainScheduled = new AtomicBoolean();
    /** The agent's events of one call, reused (event loop only). */
    private final ArrayDeque<IceEvent> pendingEvents = new ArrayDeque<>();
    private final Map<String, InetAddress> resolvedMdnsNames = new ConcurrentHashMap<>();
    /** Host sockets by base: whether DF is set on each (RFC 8899 §3), from binding on. */
    private final Map<InetSocketAddress, Boolean> dontFragmentByBase = new ConcurrentHashMap<>();
    /** {@link #datagramLimit}'s answers by base, worked out once (an interface lookup takes ~0.1 ms). */
    private final Map<InetSocketAddress, DatagramLimit> datagramLimitByBase = new ConcurrentHashMap<>();
    private final Set<String> unresolvedMdnsNames = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closing = new AtomicBoolean();

    private ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;

    private volatile IceConnectionState state = IceConnectionState.NEW;
    private volatile IceRole role;
    private volatile SelectedPair selectedPair;
    private volatile List<IceCandidate> localCandidates = List.of();
    private volatile String localUfrag;
    private volatile String localPassword;
    private volatile boolean gatheringComplete;

    private IceSession(Builder builder, EventLoopGroup group, boolean ownsGroup, List<HostAddress> addresses) {
        this.agent = new IceAgent(builder.config, builder.random);
        this.mdnsEnabled = builder.mdns;
        this.mdnsResolver = new MdnsResolver();
        this.ownedGroup = ownsGroup ? group : null;
        this.loop = group.next();
        this.transport = builder.transport;
        this.datagramWrites = new DatagramWrites(transport);
        this.listener = builder.listener;
        this.listenerExecutor = builder.listenerExecutor;
        this.insecureTurnTls = builder.insecureTurnTls;
        this.mdnsChannels = new MdnsChannels(loop, transport, addresses, this::onMdnsResponse);
        refreshSnapshot();
    }

    public static Builder builder(IceAgentConfig config) {
        return new Builder(config);
    }

    // ------------------------------------------------------------------------------------------------ opening

    private static IceSession open(Builder builder, boolean awaitHostCandidates) throws IOException {
        List<HostAddress> addresses = builder.gatherer.gather();
        if (addresses.isEmpty()) {
            throw new IOException("no local address is usable for ICE host candidates with " + builder.gatherer);
        }
        boolean ownsGroup = builder.group == null;
        EventLoopGroup group = ownsGroup ? builder.transport.newEventLoopGroup(1,
                Thread.ofPlatform().name("peerlink-ice-", 0).daemon().factory()) : builder.group;
        IceSession session = new IceSession(builder, group, ownsGroup, addresses);
        try {
            List<Channel> bound = session.bindSockets(addresses, builder.ports);
            for (Channel socket : bound) {
                session.register(socket);
            }
            // One hop onto the loop for all of it, queued behind the registrations: each hop wakes the loop's
            // thread, and a connect waits on this one when the caller waits for the host candidates.
            CompletableFuture<Void> added = session.onLoop(() -> {
                for (Channel socket : bound) {
                    if (!socket.isRegistered()) { // its registration ran before this, and failed (logged)
                        throw new IllegalStateException("the ICE socket " + socket.localAddress() + " could not"
                                + " join the event loop; does the transport match the event loop group?");
                    }
                }
                long now = System.nanoTime();
                for (Channel socket : bound) {
                    InetSocketAddress base = (InetSocketAddress) socket.localAddress();
                    session.socketsByBase.put(base, socket);
                    session.agent.addHostCandidate(base, now);
                }
                session.agent.endOfHostCandidates();
                for (IceTurnServer server : session.agent.turnServersToConnect()) {
                    session.connectToTurnServer(server);
                }
                return null;
            });
            if (awaitHostCandidates) {
                try {
                    added.join();
                } catch (java.util.concurrent.CompletionException e) {
                    throw new IOException("opening the ICE session failed: " + e.getCause().getMessage(),
                            e.getCause());
                }
            } else {
                added.whenComplete((done, failure) -> {
                    if (failure != null) {
                        log.warn("opening the ICE session failed, so it is closed: {}", failure.toString());
                        session.close();
                    }
                });
            }
            return session;
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * The host sockets, one per address, bound but neither registered with the loop nor in {@link #socketsByBase}
     * (the caller does both).
     */
    private List<Channel> bindSockets(List<HostAddress> addresses, PortPolicy ports) throws IOException {
        if (!ports.samePortOnEveryAddress()) {
            List<Channel> bound = new ArrayList<>();
            try {
                for (HostAddress address : addresses) {
                    bound.add(bindInRange(address.address(), ports));
                }
            } catch (IOException | RuntimeException e) {
                bound.forEach(this::forget);
                throw e;
            }
            return bound;
        }
        int attempts = ports.isEphemeral() ? SHARED_PORT_ATTEMPTS : ports.size();
        int start = ports.isEphemeral() ? 0 : randomStart(ports.size());
        for (int attempt = 0; attempt < attempts; attempt++) {
            int port = ports.isEphemeral() ? 0 : ports.minPort() + (start + attempt) % ports.size();
            List<Channel> bound = new ArrayList<>();
            try {
                for (HostAddress address : addresses) {
                    Channel channel = bind(new InetSocketAddress(address.address(), port));
                    if (channel == null) {
                        break;
                    }
                    bound.add(channel);
                    port = ((InetSocketAddress) channel.localAddress()).getPort();
                }
            } catch (IOException | RuntimeException e) {
                bound.forEach(this::forget);
                throw e;
            }
            if (bound.size() == addresses.size()) {
                return bound;
            }
            bound.forEach(this::forget);
        }
        throw new IOException("no UDP port " + (ports.isEphemeral() ? "" : "in " + ports.minPort() + "–"
                + ports.maxPort() + " ") + "is free on every one of " + addresses.stream()
                .map(address -> address.address().getHostAddress()).toList());
    }

    private Channel bindInRange(InetAddress address, PortPolicy ports) throws IOException {
        if (ports.isEphemeral()) {
            Channel channel = bind(new InetSocketAddress(address, 0));
            if (channel == null) {
                throw new IOException("cannot bind a UDP socket on " + address.getHostAddress());
            }
            return channel;
        }
        int start = randomStart(ports.size());
        for (int i = 0; i < ports.size(); i++) {
            Channel channel = bind(new InetSocketAddress(address, ports.minPort() + (start + i) % ports.size()));
            if (channel != null) {
                return channel;
            }
        }
        throw new IOException("no UDP port in " + ports.minPort() + "–" + ports.maxPort() + " is free on "
                + address.getHostAddress());
    }

    /**
     * Binds one host socket on the calling thread (binding through the loop would cost the caller a round trip to
     * it) and sets it up; not yet registered with the loop. Null when the address or port is taken.
     *
     * @throws IOException when no socket can be made or set up at all (no file descriptors left, say)
     */
    private Channel bind(InetSocketAddress local) throws IOException {
        Channel channel;
        try {
            channel = transport.bindDatagramChannel(local);
        } catch (IOException e) {
            log.debug("cannot bind {}: {}", local, e.toString());
            return null;
        } catch (RuntimeException e) {
            throw new IOException("cannot open a UDP socket on " + local + ": " + e.getMessage(), e);
        }
        try {
            // Large socket buffers: a data channel sends in bursts of a congestion window, and a datagram dropped
            // by a full buffer costs SCTP a retransmission timeout.
            channel.config().setOption(ChannelOption.SO_RCVBUF, 4 << 20);
            channel.config().setOption(ChannelOption.SO_SNDBUF, 4 << 20);
            // Whole datagrams (a peer's larger one is not cut short), a batch per read (recvmmsg).
            DatagramReads.apply(channel.config(), transport);
            channel.pipeline().addLast(new HostSocketHandler());
            // RFC 8899 §3: path MTU probes must not be fragmented; where DF cannot be set, probing stays off.
            dontFragmentByBase.put((InetSocketAddress) channel.localAddress(), DontFragment.apply(channel));
            return channel;
        } catch (RuntimeException e) {
            forget(channel);
            throw new IOException("cannot set up the UDP socket on " + local + ": " + e.getMessage(), e);
        }
    }

    /** Hands a socket {@link #bind} made to the loop, which reads from it from then on; closing closes it. */
    private void register(Channel channel) {
        synchronized (sockets) {
            sockets.add(channel);
        }
        loop.register(channel).addListener(registered -> {
            if (!registered.isSuccess()) {
                log.warn("the ICE socket {} could not join the event loop: {}", channel.localAddress(),
                        registered.cause().toString());
                channel.unsafe().closeForcibly();
            }
        });
    }

    /** Closes a socket {@link #bind} opened that is not used after all (never registered). */
    private void forget(Channel channel) {
        dontFragmentByBase.remove((InetSocketAddress) channel.localAddress());
        channel.unsafe().closeForcibly();
    }

    // ------------------------------------------------------------------------------ TURN over TCP and TLS

    /** RFC 8656 §3.1: one connection to a TCP or TLS TURN server; the agent allocates over it once it is up. */
    private void connectToTurnServer(IceTurnServer server) {
        if (closing.get()) {
            return;
        }
        new Bootstrap().group(loop).channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, TURN_CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new TurnConnectionHandler(server))
                .connect(server.address()).addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        log.info("TURN server {}: cannot connect: {}", server.serverName(), describe(connected.cause()));
                        turnConnectionEnded(server, null);
                    }
                });
    }

    /** Reads one TURN server connection: up (after the TLS handshake), bytes, closed. */
    private final class TurnConnectionHandler extends ChannelInboundHandlerAdapter {
        private final IceTurnServer server;
        private InetSocketAddress local;

        TurnConnectionHandler(IceTurnServer server) {
            this.server = server;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext context) throws Exception {
            if (server.transport() == StunTransport.TLS) {
                SslHandler tls = new SslHandler(ClientSockets.tlsClientEngine(server.serverName(),
                        server.address().getPort(), insecureTurnTls));
                context.pipeline().addBefore(context.name(), "tls", tls);
                tls.handshakeFuture().addListener(handshake -> {
                    if (handshake.isSuccess()) {
                        opened(context.channel());
                    } else {
                        log.info("TURN server {}: the TLS handshake failed: {}", server.serverName(),
                                describe(handshake.cause()));
                        context.close();
                    }
                });
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext context) throws Exception {
            if (server.transport() == StunTransport.TCP) {
                opened(context.channel());
            }
            super.channelActive(context);
        }

        private void opened(Channel channel) {
            if (closing.get() || agent.state() == IceConnectionState.CLOSED) {
                channel.close();
                return;
            }
            local = (InetSocketAddress) channel.localAddress();
            turnConnectionsByLocal.put(local, channel);
            synchronized (sockets) {
                sockets.add(channel);
            }
            agent.turnConnectionOpened(server, local, System.nanoTime());
            afterAgentCall();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            ByteBuf bytes = (ByteBuf) message;
            try {
                if (local != null && bytes.isReadable()) {
                    agent.handleTurnStreamInput(local, bytes.nioBuffer(), System.nanoTime());
                    afterAgentCall();
                }
            } finally {
                bytes.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) throws Exception {
            turnConnectionEnded(server, local);
            super.channelInactive(context);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            log.debug("TURN server {} connection: {}", server.serverName(), cause.toString());
            context.close();
        }
    }

    private void turnConnectionEnded(IceTurnServer server, InetSocketAddress local) {
        if (local != null) {
            turnConnectionsByLocal.remove(local);
        }
        if (agent.state() != IceConnectionState.CLOSED) {
            agent.turnConnectionClosed(server, System.nanoTime());
            afterAgentCall();
        }
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /** Spreads the first port tried over the range, so that sessions opened together rarely collide. */
    private static int randomStart(int rangeSize) {
        return java.util.concurrent.ThreadLocalRandom.current().nextInt(rangeSize);
    }

    // ------------------------------------------------------------------------------------------ the event loop

    /** Reads one host socket. */
    private final class HostSocketHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        private InetSocketAddress base;

        @Override
        public void channelActive(ChannelHandlerContext context) throws Exception {
            base = (InetSocketAddress) context.channel().localAddress();
            super.channelActive(context);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
            ByteBuf content = packet.content();
            if (!content.isReadable() || base == null) {
                return;
            }
            // RFC 7983 §7: STUN (0–3), DTLS (20–63), TURN ChannelData (64–79) and RTP/RTCP (128–191) belong to
            // this socket's users; the agent answers STUN, routes its TURN servers' messages to its allocations and
            // passes the rest up. No ZRTP here, and unknown kinds are dropped.
            PacketKind kind = PacketKind.classify(content.getByte(content.readerIndex()));
            if (kind != PacketKind.STUN && kind != PacketKind.DTLS && kind != PacketKind.RTP_RTCP
                    && kind != PacketKind.TURN_CHANNEL_DATA) {
                return;
            }
            agent.handleInput(base, packet.sender(), content.nioBuffer(), System.nanoTime());
            afterAgentCall();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            // A UDP socket reports ICMP errors (port unreachable) as read errors; ICE treats silence as failure.
            log.debug("ICE socket {}: {}", base, cause.toString());
        }
    }

    private void onMdnsResponse(ByteBuffer response) {
        mdnsResolver.handleInput(response, System.nanoTime());
        afterAgentCall();
    }

    private void onTimer() {
        timer = null;
        timerDeadline = Long.MAX_VALUE;
        long now = System.nanoTime();
        agent.handleTimeout(now);
        mdnsResolver.handleTimeout(now);
        afterAgentCall();
    }

    /** After every call into the agent or the resolver: act on their outcomes, send, deliver, re-arm the timer. */
    private void afterAgentCall() {
        boolean open = agent.state() != IceConnectionState.CLOSED;
        Optional<MdnsResolver.Outcome> outcome;
        while ((outcome = mdnsResolver.pollOutcome()).isPresent()) {
            if (outcome.get() instanceof MdnsResolver.Resolved resolved) {
                resolvedMdnsNames.put(resolved.name(), resolved.address());
                if (open) {
                    agent.resolveRemoteCandidate(resolved.name(), resolved.address());
                }
            } else {
                unresolvedMdnsNames.add(outcome.get().name());
                log.debug("nobody answered for mDNS name {}", outcome.get().name());
            }
        }
        Optional<byte[]> query;
        while ((query = mdnsResolver.pollQuery()).isPresent()) {
            mdnsChannels.send(query.get());
        }
        Optional<IceAgent.Transmit> transmit;
        while ((transmit = agent.pollTransmit()).isPresent()) {
            if (transmit.get().onStream()) {
                Channel connection = turnConnectionsByLocal.get(transmit.get().local());
                if (connection != null) {
                    connection.write(Unpooled.wrappedBuffer(transmit.get().data()));
                    unflushed.add(connection);
                }
                continue;
            }
            Channel socket = socketsByBase.get(transmit.get().local());
            if (socket == null) {
                continue; // the socket is closing
            }
            datagramWrites.write(socket, transmit.get().remote(), transmit.get().data());
        }
        datagramWrites.flush();
        for (Channel connection : unflushed) {
            connection.flush();
        }
        unflushed.clear();
        // The snapshots (candidates, state, selected pair) are brought up to date before any event goes out, so a
        // listener that reads them on hearing of an event sees what the event says; events keep their order.
        boolean changed = false;
        Optional<IceEvent> event;
        while ((event = agent.pollEvent()).isPresent()) {
            changed |= !(event.get() instanceof IceEvent.DataReceived);
            pendingEvents.add(event.get());
        }
        if (changed) {
            refreshSnapshot();
        }
        // Taken one at a time: a listener on an inline executor may call back in (send, say), and that call
        // delivers what is left here, in order.
        IceEvent happened;
        while ((happened = pendingEvents.poll()) != null) {
            if (happened instanceof IceEvent.GatheringComplete) {
                gatheringComplete = true;
            }
            deliver(happened);
        }
        rearmTimer();
    }

    private void deliver(IceEvent event) {
        if (listener == null) {
            eventQueue.add(event);
            return;
        }
        try {
            listenerExecutor.execute(() -> listener.accept(event));
        } catch (RejectedExecutionException e) {
            log.debug("the listener's executor refused an event: {}", e.toString());
        }
    }

    private void refreshSnapshot() {
        state = agent.state();
        role = agent.role();
        localUfrag = agent.localUfrag();
        localPassword = agent.localPassword();
        localCandidates = agent.localCandidates();
        selectedPair = agent.selectedPair().map(pair -> new SelectedPair(pair.local(), pair.remote())).orElse(null);
    }

    private void rearmTimer() {
        long next = earliest(agent.nextTimeoutNanos(), mdnsResolver.nextTimeoutNanos());
        if (timer != null && next == timerDeadline) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        timerDeadline = next;
        if (next != Long.MAX_VALUE && !closing.get()) {
            timer = loop.schedule(this::onTimer, Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static long earliest(long a, long b) {
        if (a == Long.MAX_VALUE) {
            return b;
        }
        if (b == Long.MAX_VALUE) {
            return a;
        }
        return a - b <= 0 ? a : b;
    }

    /** Runs {@code action} on the event loop (at once when already there), then sends and delivers what follows. */
    private <T> CompletableFuture<T> onLoop(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                afterAgentCall();
            }
        };
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                result.completeExceptionally(new IllegalStateException("the ICE session is closed", e));
            }
        }
        return result;
    }

    // ------------------------------------------------------------------------------------------- public calls

    /** The peer's ice-ufrag and ice-pwd (RFC 8839 §5.4). */
    @Override
    public CompletableFuture<Void> setRemoteCredentials(String ufrag, String password) {
        return onLoop(() -> {
            agent.setRemoteCredentials(ufrag, password);
            return null;
        });
    }

    /**
     * A candidate from the peer, from its description or trickled (RFC 8838). A {@code .local} name is resolved by
     * mDNS first (when enabled); completes with false for a candidate the agent does not use (TCP, other
     * components).
     */
    @Override
    public CompletableFuture<Boolean> addRemoteCandidate(IceCandidate candidate) {
        return onLoop(() -> {
            boolean accepted = agent.addRemoteCandidate(candidate);
            String name = candidate.address().getHostString();
            if (accepted && !candidate.isResolved() && mdnsEnabled && MdnsResolver.isMdnsName(name)) {
                mdnsResolver.resolve(name, System.nanoTime());
            }
            return accepted;
        });
    }

    /** The peer signalled end-of-candidates (RFC 8838 §4.2). */
    @Override
    public CompletableFuture<Void> endOfRemoteCandidates() {
        return onLoop(() -> {
            agent.endOfRemoteCandidates();
            return null;
        });
    }

    /** Sends {@code data} (copied) on the selected pair; completes with false when there is none. */
    @Override
    public CompletableFuture<Boolean> send(byte[] data) {
        byte[] copy = data.clone();
        return onLoop(() -> agent.send(ByteBuffer.wrap(copy), System.nanoTime()));
    }

    /**
     * Queues {@code data} for the selected pair, from any thread, without a future: what is queued goes out in order,
     * many datagrams per event-loop task and one flush for them all (so Netty's epoll transport can hand the kernel a
     * batch, sendmmsg), which is what a data channel's stream of DTLS records wants. The array becomes the session's;
     * do not change it afterwards. Data that cannot go (no selected pair yet, or the session closed) is handed to
     * {@code notSent} on the event loop.
     */
    @Override
    public void sendQueued(byte[] data, Consumer<byte[]> notSent) {
        outgoing.add(new Outgoing(data, notSent));
        if (outgoingDrainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drainOutgoing);
            } catch (RejectedExecutionException e) {
                outgoingDrainScheduled.set(false);
                Outgoing dropped;
                while ((dropped = outgoing.poll()) != null) {
                    dropped.notSent().accept(dropped.data());
                }
            }
        }
    }

    private void drainOutgoing() {
        outgoingDrainScheduled.set(false); // from here on a new send schedules another drain
        long now = System.nanoTime();
        Outgoing next;
        while ((next = outgoing.poll()) != null) {
            if (agent.state() == IceConnectionState.CLOSED || !agent.send(ByteBuffer.wrap(next.data()), now)) {
                next.notSent().accept(next.data());
            }
        }
        afterAgentCall();
    }

    /** ICE restart (RFC 8445 §9) with fresh credentials, read from {@link #localUfrag()} once this completes. */
    public CompletableFuture<Void> restart() {
        return onLoop(() -> {
            agent.restart(System.nanoTime());
            return null;
        });
    }

    /**
     * How a local relayed candidate reaches its TURN server — UDP, TCP or TLS (W3C
     * {@code RTCIceCandidateStats.relayProtocol}); empty for other candidates.
     */
    @Override
    public CompletableFuture<Optional<StunTransport>> relayProtocol(IceCandidate local) {
        return onLoop(() -> agent.relayProtocol(local));
    }

    @Override
    public DatagramLimit datagramLimit(IceCandidate local) {
        if (local == null || local.type() == IceCandidate.Type.RELAY || local.transport() != IceCandidate.Transport.UDP
                || local.base() == null || !dontFragmentByBase.getOrDefault(local.base(), false)) {
            return DatagramLimit.NO_PROBING; // RFC 8899 §3: no DF, no probing; a relay's path is not ours to probe
        }
        return datagramLimitByBase.computeIfAbsent(local.base(), IceSession::interfaceLimit);
    }

    /** DF is set on the socket at {@code base}: the interface's MTU less the IP and UDP headers caps the search. */
    private static DatagramLimit interfaceLimit(InetSocketAddress base) {
        try {
            java.net.NetworkInterface nic = java.net.NetworkInterface.getByInetAddress(base.getAddress());
            int mtu = nic == null ? -1 : nic.getMTU();
            int payload = mtu - DontFragment.udpHeaders(base);
            return payload > 0 ? new DatagramLimit(true, payload) : DatagramLimit.NO_PROBING;
        } catch (java.net.SocketException e) {
            log.debug("no MTU for the interface of {}: {}", base, e.toString());
            return DatagramLimit.NO_PROBING;
        }
    }

    /** A snapshot of every checklist and valid pair, taken on the event loop. */
    @Override
    public CompletableFuture<List<CandidatePairStats>> pairStats() {
        return onLoop(agent::pairStats);
    }

    // --------------------------------------------------------------------------------------------- snapshots

    @Override
    public IceConnectionState state() {
        return state;
    }

    public IceRole role() {
        return role;
    }

    public Optional<SelectedPair> selectedPair() {
        return Optional.ofNullable(selectedPair);
    }

    /** The host (and server-reflexive) candidates to signal; complete once {@link #isGatheringComplete()}. */
    public List<IceCandidate> localCandidates() {
        return localCandidates;
    }

    public boolean isGatheringComplete() {
        return gatheringComplete;
    }

    @Override
    public String localUfrag() {
        return localUfrag;
    }

    /** For the local description; never log it. */
    @Override
    public String localPassword() {
        return localPassword;
    }

    /** The bound host sockets. */
    public List<InetSocketAddress> localAddresses() {
        synchronized (sockets) {
            return sockets.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
        }
    }

    /** The events, when no listener was given: state changes, local candidates, data. */
    public BlockingQueue<IceEvent> events() {
        return eventQueue;
    }

    /** The {@code .local} names mDNS resolved, and to what. */
    public Map<String, InetAddress> resolvedMdnsNames() {
        return Map.copyOf(resolvedMdnsNames);
    }

    /** The {@code .local} names nobody answered for within the query schedule. */
    public Set<String> unresolvedMdnsNames() {
        return Set.copyOf(unresolvedMdnsNames);
    }

    // ------------------------------------------------------------------------------------------------ closing

    /**
     * Closes the agent and releases every socket, the mDNS ones included; waits for that unless called on the
     * event loop itself. Closing twice does nothing.
     */
    @Override
    public void close() {
        if (closing.getAndSet(true)) {
            return;
        }
        CompletableFuture<List<ChannelFuture>> released = onLoop(() -> {
            agent.close();
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            List<ChannelFuture> closes = new ArrayList<>();
            synchronized (sockets) {
                for (Channel socket : sockets) {
                    if (socket.isRegistered()) {
                        closes.add(socket.close());
                    } else {
                        socket.unsafe().closeForcibly(); // its registration failed: no pipeline to close through
                    }
                }
            }
            socketsByBase.clear();
            turnConnectionsByLocal.clear();
            mdnsChannels.close();
            closes.addAll(mdnsChannels.closeFutures());
            return closes;
        });
        if (!loop.inEventLoop()) {
            try {
                for (ChannelFuture closed : released.join()) {
                    closed.awaitUninterruptibly();
                }
            } catch (java.util.concurrent.CompletionException e) {
                log.debug("closing the ICE session: {}", e.getCause().toString());
            }
        }
        if (ownedGroup != null) {
            if (loop.inEventLoop()) {
                ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            } else {
                ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    public static final class Builder {
        private final IceAgentConfig config;
        private HostAddressGatherer gatherer = HostAddressGatherer.defaults();
        private PortPolicy ports = PortPolicy.EPHEMERAL;
        private NettyTransport transport = NettyTransport.best();
        private EventLoopGroup group;
        private boolean mdns = true;
        private RandomGenerator random = new SecureRandom();
        private Consumer<IceEvent> listener;
        private Executor listenerExecutor;
        private boolean insecureTurnTls;

        private Builder(IceAgentConfig config) {
            if (config == null) {
                throw new NullPointerException("an ICE session needs an agent configuration");
            }
            this.config = config;
        }

        public Builder gatherer(HostAddressGatherer value) {
            this.gatherer = value;
            return this;
        }

        public Builder ports(PortPolicy value) {
            this.ports = value;
            return this;
        }

        /**
         * The Netty transport, which must match the {@link #eventLoopGroup} given; the best one available
         * ({@link NettyTransport#best()}) by default.
         */
        public Builder transport(NettyTransport value) {
            this.transport = value;
            return this;
        }

        /**
         * Runs on one loop of {@code value} (which the session does not shut down); by default the session owns a
         * one-thread group of its own.
         */
        public Builder eventLoopGroup(EventLoopGroup value) {
            this.group = value;
            return this;
        }

        /**
         * Accept any certificate from TURN servers reached over TLS ({@code turns:}) — for a development or lab server
         * with a self-signed certificate, never in production. Off by default: the certificate must chain to the
         * JDK's trusted roots and name the server ({@link IceTurnServer#serverName()}).
         */
        public Builder insecureTurnTls(boolean value) {
            this.insecureTurnTls = value;
            return this;
        }

        /** Resolve {@code .local} candidates by multicast DNS (on by default). */
        public Builder mdns(boolean value) {
            this.mdns = value;
            return this;
        }

        /** Credentials, tie-breaker and transaction IDs come from here; a SecureRandom by default. */
        public Builder random(RandomGenerator value) {
            this.random = value;
            return this;
        }

        /**
         * Events go to {@code value} on {@code executor} (a serial one keeps their order) instead of
         * {@link IceSession#events()}.
         */
        public Builder listener(Executor executor, Consumer<IceEvent> value) {
            this.listenerExecutor = executor;
            this.listener = value;
            return this;
        }

        /**
         * Gathers, binds and starts the session; host candidates are ready when it returns.
         *
         * @throws IOException when no address is usable or no socket can be bound
         */
        public IceSession open() throws IOException {
            return IceSession.open(this, true);
        }

        /**
         * Gathers and binds as {@link #open} does (and throws as it does when no socket can be bound), but returns
         * without waiting for the event loop to take the host candidates: they come as events, as every later
         * candidate does, and are in {@link IceSession#localCandidates()} from then on. Saves the caller a round trip
         * to the loop's thread. Should the loop fail to take them, that is logged and the session closes.
         */
        public IceSession openWithoutWaiting() throws IOException {
            return IceSession.open(this, false);
        }
    }
}
