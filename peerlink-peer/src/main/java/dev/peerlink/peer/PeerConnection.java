package dev.peerlink.peer;

import dev.peerlink.datachannel.DataChannelEvent;
import dev.peerlink.datachannel.DataChannelManager;
import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.dtls.Dtls13ServerSecrets;
import dev.peerlink.dtls.DtlsEvent;
import dev.peerlink.dtls.DtlsRole;
import dev.peerlink.dtls.DtlsTransport;
import dev.peerlink.ice.CandidatePairStats;
import dev.peerlink.ice.DatagramLimit;
import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.IceConnectionState;
import dev.peerlink.ice.IceEvent;
import dev.peerlink.ice.IceRole;
import dev.peerlink.ice.IceTransport;
import dev.peerlink.ice.netty.IceSession;
import dev.peerlink.sctp.SctpAssociation;
import dev.peerlink.sctp.SctpConfig;
import dev.peerlink.sdp.Attribute;
import dev.peerlink.sdp.Connection;
import dev.peerlink.sdp.Fingerprint;
import dev.peerlink.sdp.Group;
import dev.peerlink.sdp.IceCandidateLine;
import dev.peerlink.sdp.MediaDescription;
import dev.peerlink.sdp.Origin;
import dev.peerlink.sdp.SdpParseException;
import dev.peerlink.sdp.SessionDescription;
import dev.peerlink.sdp.SetupRole;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A W3C-style peer connection for data channels: JSEP (RFC 8829) offers and answers with one
 * {@code m=application UDP/DTLS/SCTP webrtc-datachannel} section (RFC 8841), ICE ({@link IceSession}, or the
 * {@link IceTransport} that {@link PeerConnectionConfig#iceTransport()} opens), DTLS
 * ({@link DtlsTransport}) and SCTP data channels ({@link DataChannelManager}).
 *
 * <p>Threads: every call into the data channel manager happens on the connection's "peer loop" ({@link PeerLoop}:
 * its tasks run in order on one of a few threads all connections share), which also receives the ICE and DTLS
 * events and drives the SCTP timers; public methods hop onto it and wait for it (they are fine from listeners,
 * which run on a separate thread). Listener callbacks run in order on the connection's own virtual thread.
 *
 * <p>Wiring: ICE data whose first byte is 20–63 (RFC 7983) goes to DTLS; DTLS records go out through ICE; DTLS
 * application data is SCTP (RFC 8261) for the manager, whose packets go back out through DTLS.
 */
public final class PeerConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);
    private static final AtomicInteger NUMBER = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Bytes a channel's send queue holds before {@code send} refuses more (W3C: OperationError). */
    public static final long MAX_SEND_BUFFER = 16L * 1024 * 1024;
    /** What we advertise and reassemble (RFC 8841 §6). */
    public static final int MAX_MESSAGE_SIZE = 256 * 1024;
    /**
     * The SCTP receive window we advertise (a_rwnd, RFC 9260 §6.2.1): twice the sctp module's 1 MiB default, so a
     * fast sender is not held to 1 MiB per round trip while the receiving side (DTLS, then the peer loop) queues
     * packets. Not more: what the window lets the peer send must fit the UDP socket's receive buffer (4 MiB asked
     * for), or a stalled reader loses packets there and SCTP halves its congestion window; at 4 MiB the benchmark
     * saw such losses (RcvbufErrors), at 2 MiB none.
     */
    static final int RECEIVE_WINDOW = 2 * 1024 * 1024;
    /**
     * SCTP's RTO.Min for data channels: 400 ms, not the 1 s RFC 9260 §16 suggests. On the short paths data channels
     * mostly take, the computed RTO (§6.3.1) is the minimum, and a chunk lost again after its fast retransmit (§7.2.4
     * retransmits it fast only once) waits for T3-rtx, holding up its ordered channel meanwhile; in 128 MiB transfers
     * to Chromium each such wait cost ~1–1.5 s at 1 s, ~0.75 s at 400 ms (docs/benchmarks.md). Twice the 200 ms a
     * peer should delay its SACK at most (§6.2), so that a delayed SACK on a path of up to ~200 ms is no loss.
     */
    static final Duration SCTP_RTO_MIN = Duration.ofMillis(400);
    /**
     * The ICE pacing interval Ta (RFC 8445 §14.2: configurable, never below 5 ms; 50 ms is the library default).
     * With regular nomination the controlling side nominates one Ta after its check succeeds; DTLS no longer waits
     * for that ({@link IceEvent.Writable}), but the nomination still ends the connect when the handshake is quicker
     * than Ta. One data-channel session has few candidate pairs, so checks every 5 ms are still a few small packets.
     */
    static final java.time.Duration ICE_TA = java.time.Duration.ofMillis(5);
    /** RFC 8841 §6.1: the peer's limit when its description has no {@code a=max-message-size}. */
    private static final long DEFAULT_PEER_MAX_MESSAGE_SIZE = 65536;
    private static final int SCTP_PORT = 5000;
    /**
     * The largest DTLS datagram sent to a peer that did not say, with record_size_limit (RFC 8449), that it takes
     * full-size records: an Ethernet frame's UDP payload over IPv4 (1,500 − 28). Chromium 156 sends no such limit and
     * its DTLS transport fails on a 4,133-byte record datagram (a probe on a 9,000-byte link,
     * ChromiumPeerConnectionTest) although RFC 6347 allows 2^14 bytes of plaintext; 1,472 works with it.
     */
    private static final int UNSIGNALLED_PEER_MAX_DATAGRAM = 1500 - 28;

    private final PeerConnectionConfig config;
    private final PeerConnectionListener listener;
    private final PeerLoop loop;
    private final ExecutorService listenerThread;
    private final String sessionId = Long.toString(RANDOM.nextLong() & Long.MAX_VALUE);
    private final AtomicLong messagesSent = new AtomicLong();
    private final AtomicLong messagesReceived = new AtomicLong();
    private volatile Thread listenerThreadRef;
    private volatile PeerConnectionState state = PeerConnectionState.NEW;
    private volatile long peerMaxMessageSize = DEFAULT_PEER_MAX_MESSAGE_SIZE;

    // ---- peer-loop state
    private IceTransport ice;
    private boolean offerer;
    private long sessionVersion = 1;
    private String mid = "0";
    private SessionDescription localDescription;
    private SessionDescription remoteDescription;
    private boolean remoteIsOffer;
    private List<Fingerprint> remoteFingerprints;
    private SetupRole remoteSetup;
    private int remoteSctpPort = SCTP_PORT;
    private DtlsRole dtlsRole;
    private DtlsTransport dtls;
    /** From {@link #prepareAhead} until the DTLS transport is made (which may take them) or the connection closes. */
    private Dtls13ServerSecrets dtlsServerSecrets;
    /**
     * {@link #dtls} once the datagrams that came before it are queued: ICE's thread then hands DTLS datagrams to it
     * directly ({@link DtlsTransport#handleIncoming} may be called from any thread: it queues a copy, or a DTLS 1.3
     * server handles the datagram there and then), saving the peer loop one task per received packet.
     */
    private volatile DtlsTransport dtlsForIce;
    private final List<byte[]> earlyDtls = new ArrayList<>();
    /**
     * DTLS records ICE could not send yet (no valid pair): a DTLS server answers the ClientHello as soon as it
     * arrives, which can be before our own check on that path has succeeded; dropped, that flight would wait for the
     * peer's retransmission timer (RFC 6347 §4.2.4). Sent on {@link IceEvent.Writable}. Peer loop only.
     */
    private final List<byte[]> dtlsAwaitingIce = new ArrayList<>();
    /** ICE has a valid pair ({@link IceEvent.Writable}): data, DTLS first, can go. */
    private boolean iceWritable;
    private static final int MAX_DTLS_AWAITING_ICE = 64;
    private DataChannelManager manager;
    /**
     * Local candidates and gathering-complete as the ICE events reached this loop, in order: the descriptions use
     * these, so an {@code a=end-of-candidates} always comes with every candidate before it (IceSession's own
     * snapshot can briefly say complete before it lists the last candidates).
     */
    private final List<IceCandidate> announcedCandidates = new ArrayList<>();
    private boolean gatheringAnnouncedComplete;
    private boolean sctpConnected;
    /** The selected pair ({@link IceEvent.SelectedPairChanged}), null before the nomination. */
    private IceCandidate selectedLocal;
    private IceCandidate selectedRemote;
    /** BASE_PLPMTU of the SCTP association (RFC 8899 §5.1.2): what fits a 1,200-byte DTLS datagram. */
    private int sctpBaseMtu;
    /** The DTLS record datagram size set so far; it only grows (chunks already cut keep their size). */
    private int dtlsRecordDatagramSize = DtlsTransport.DEFAULT_MTU;
    private final List<DataChannel> pendingChannels = new ArrayList<>();
    private final Map<dev.peerlink.datachannel.DataChannel, DataChannel> handles = new IdentityHashMap<>();
    /** SCTP packets taken since the last {@link #pump}, and whether a pump is queued ({@link #pumpAfterInput}). */
    private int inputsSincePump;
    private boolean pumpQueued;
    private static final int PUMP_EVERY = 4;
    private ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;
    private boolean closed;

    private PeerConnection(PeerConnectionConfig config, PeerConnectionListener listener) {
        this.config = config;
        this.listener = listener;
        int number = NUMBER.incrementAndGet();
        this.loop = PeerLoop.next();
        // The listener's thread is virtual: an idle connection parks no platform thread (DESIGN.md), and a listener
        // that blocks (on this connection's own methods, say) holds up only its own connection's events.
        this.listenerThread = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = Thread.ofVirtual().name("peerlink-peer-listener-" + number).unstarted(runnable);
            listenerThreadRef = thread;
            return thread;
        });
    }

    public static PeerConnection create(PeerConnectionConfig config, PeerConnectionListener listener) {
        PeerConnection connection = new PeerConnection(Objects.requireNonNull(config, "the configuration is null"),
                Objects.requireNonNull(listener, "the listener is null"));
        connection.execute(connection::prepareAhead);
        return connection;
    }

    public static PeerConnection create(PeerConnectionConfig config) {
        return create(config, new PeerConnectionListener() { });
    }

    // ------------------------------------------------------------------------------------------------ JSEP

    /** RFC 8829 §5.2: an offer with one data channel section; we become the ICE controlling agent. */
    public String createOffer() {
        return call(() -> {
            checkOpen();
            if (remoteDescription != null && remoteIsOffer) {
                throw new IllegalStateException("a remote offer is set; create an answer, not an offer");
            }
            if (ice == null) {
                offerer = true;
                openIce(IceRole.CONTROLLING);
            }
            return description(SetupRole.ACTPASS, null).toString();
        });
    }

    /**
     * RFC 8829 §5.3: an answer to the remote offer; to an {@code actpass} offer with the setup of
     * {@link PeerConnectionConfig#answeringDtlsRole()} ({@code passive}, the DTLS server, by default).
     */
    public String createAnswer() {
        return call(() -> {
            checkOpen();
            if (remoteDescription == null || !remoteIsOffer) {
                throw new IllegalStateException("an answer needs a remote offer; call setRemoteDescription first");
            }
            return description(DtlsRole.answerSetup(remoteSetup, config.answeringDtlsRole()), remoteMedia())
                    .toString();
        });
    }

    /** Applies our own offer or answer (the text {@link #createOffer}/{@link #createAnswer} returned). */
    public void setLocalDescription(String sdp) {
        SessionDescription description = parse(sdp, "local");
        run(() -> {
            checkOpen();
            if (ice == null) {
                throw new IllegalStateException("create an offer or an answer before setting a local description");
            }
            MediaDescription media = applicationSection(description, "local");
            String ufrag = media.iceUfrag().or(description::iceUfrag).orElse(null);
            if (!ice.localUfrag().equals(ufrag)) {
                throw new IllegalArgumentException("the local description's ice-ufrag " + ufrag
                        + " is not this connection's (" + ice.localUfrag() + ")");
            }
            localDescription = description;
            startTransportsIfReady();
        });
    }

    /**
     * Applies the peer's offer or answer: its ICE credentials and candidates, DTLS fingerprints and setup role,
     * SCTP port and max-message-size.
     *
     * @throws IllegalArgumentException when the description is not valid SDP or lacks what a data channel needs
     */
    public void setRemoteDescription(String sdp) {
        SessionDescription description = parse(sdp, "remote");
        MediaDescription media = applicationSection(description, "remote");
        String ufrag = media.iceUfrag().or(description::iceUfrag)
                .orElseThrow(() -> new IllegalArgumentException("the remote description has no a=ice-ufrag"));
        String pwd = media.icePwd().or(description::icePwd)
                .orElseThrow(() -> new IllegalArgumentException("the remote description has no a=ice-pwd"));
        List<Fingerprint> fingerprints = media.fingerprints().isEmpty() ? description.fingerprints()
                : media.fingerprints();
        if (fingerprints.isEmpty()) {
            throw new IllegalArgumentException("the remote description has no a=fingerprint (RFC 8122)");
        }
        SetupRole setup = media.setup().or(description::setup).orElse(SetupRole.ACTPASS);
        run(() -> {
            checkOpen();
            boolean isOffer = localDescription == null;
            if (isOffer && setup == SetupRole.HOLDCONN) {
                throw new IllegalArgumentException("the remote offer has a=setup:holdconn; no DTLS role can be chosen");
            }
            if (!isOffer && setup != SetupRole.ACTIVE && setup != SetupRole.PASSIVE) {
                throw new IllegalArgumentException("the remote answer has a=setup:" + setup.name().toLowerCase()
                        + "; an answer must be active or passive (RFC 8842 §5.2)");
            }
            if (isOffer && ice == null) {
                offerer = false;
                openIce(IceRole.CONTROLLED);
            }
            remoteDescription = description;
            remoteIsOffer = isOffer;
            remoteFingerprints = fingerprints;
            remoteSetup = setup;
            remoteSctpPort = media.sctpPort().orElse(SCTP_PORT);
            peerMaxMessageSize = media.maxMessageSize().isPresent()
                    ? (media.maxMessageSize().getAsLong() == 0 ? Long.MAX_VALUE : media.maxMessageSize().getAsLong())
                    : DEFAULT_PEER_MAX_MESSAGE_SIZE;
            if (isOffer) {
                mid = media.mid().orElse("0");
            }
            ice.setRemoteCredentials(ufrag, pwd);
            for (IceCandidateLine line : media.candidates()) {
                addRemoteCandidate(line);
            }
            if (media.endOfCandidates() || description.endOfCandidates()) {
                ice.endOfRemoteCandidates();
            }
            startTransportsIfReady();
        });
    }

    /** A trickled remote candidate ({@code candidate:...} or {@code a=candidate:...}); null or "" for the end. */
    public void addIceCandidate(String candidate) {
        IceCandidateLine line = null;
        if (candidate != null && !candidate.isBlank()) {
            try {
                line = IceCandidateLine.parse(candidate.strip());
            } catch (SdpParseException e) {
                throw new IllegalArgumentException("the ICE candidate \"" + candidate + "\" is invalid: "
                        + e.getMessage(), e);
            }
        }
        IceCandidateLine parsed = line;
        run(() -> {
            checkOpen();
            if (remoteDescription == null) {
                throw new IllegalStateException("a remote candidate needs a remote description first");
            }
            if (parsed == null) {
                ice.endOfRemoteCandidates();
            } else {
                addRemoteCandidate(parsed);
            }
        });
    }

    /**
     * A data channel (W3C {@code createDataChannel}); it opens once the SCTP association is up (its DCEP OPEN goes
     * first; RFC 8832 §6 lets data follow without waiting for the ACK, as browsers do).
     */
    public DataChannel createDataChannel(String label, DataChannelOptions options) {
        Objects.requireNonNull(label, "the data channel label is null");
        DataChannelOptions opts = options != null ? options : DataChannelOptions.DEFAULT;
        return call(() -> {
            checkOpen();
            DataChannel handle = new DataChannel(this, label, opts, opts.negotiated() ? opts.id() : -1);
            if (manager != null && sctpConnected) {
                openOnManager(handle);
            } else {
                pendingChannels.add(handle);
            }
            return handle;
        });
    }

    public DataChannel createDataChannel(String label) {
        return createDataChannel(label, DataChannelOptions.DEFAULT);
    }

    public PeerConnectionState connectionState() {
        return state;
    }

    public IceConnectionState iceConnectionState() {
        IceTransport session = call(() -> ice);
        return session == null ? IceConnectionState.NEW : session.state();
    }

    public Optional<String> localDescription() {
        return Optional.ofNullable(call(() -> localDescription)).map(SessionDescription::toString);
    }

    public Optional<String> remoteDescription() {
        return Optional.ofNullable(call(() -> remoteDescription)).map(SessionDescription::toString);
    }

    /** The DTLS certificate's fingerprint as it appears in our descriptions. */
    public Fingerprint localFingerprint() {
        return config.certificate().fingerprint();
    }

    /** The selected pair and traffic counters. */
    public CompletableFuture<PeerConnectionStats> getStats() {
        record LoopState(IceTransport session, int pathMtu) {
        }
        LoopState loopState = call(() -> new LoopState(ice, manager == null ? 0 : manager.association().pathMtu()));
        IceTransport session = loopState.session();
        int pathMtu = loopState.pathMtu();
        PeerConnectionState now = state;
        if (session == null) {
            return CompletableFuture.completedFuture(new PeerConnectionStats(now, null, null, null, null, 0, 0, -1,
                    messagesSent.get(), messagesReceived.get(), null, pathMtu));
        }
        return session.pairStats().thenCompose(pairs -> {
            CandidatePairStats selected = pairs.stream().filter(CandidatePairStats::selected).findFirst().orElse(null);
            if (selected == null) {
                return CompletableFuture.completedFuture(new PeerConnectionStats(now, null, null, null, null, 0, 0,
                        -1, messagesSent.get(), messagesReceived.get(), null, pathMtu));
            }
            long rtt = selected.smoothedRttNanos() > 0 ? selected.smoothedRttNanos() : selected.lastRttNanos();
            return session.relayProtocol(selected.local()).thenApply(relay -> new PeerConnectionStats(now,
                    selected.local().type(), selected.remote().type(), selected.local().address(),
                    selected.remote().address(), selected.bytesSent(), selected.bytesReceived(), rtt > 0 ? rtt : -1,
                    messagesSent.get(), messagesReceived.get(),
                    relay.map(transport -> transport.name().toLowerCase(java.util.Locale.ROOT)).orElse(null),
                    pathMtu));
        });
    }

    /** Closes every channel, the SCTP association (gracefully), DTLS (close_notify) and ICE. */
    @Override
    public void close() {
        if (loop.isShutdown()) {
            return;
        }
        try {
            run(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                long now = System.nanoTime();
                if (manager != null) {
                    log.debug("closing; SCTP counters: {}", manager.association().stats());
                    try {
                        manager.shutdown(now);
                        flush();
                    } catch (RuntimeException e) {
                        log.debug("SCTP shutdown: {}", e.toString());
                    }
                }
                for (DataChannel handle : handles.values()) {
                    deliver(handle::fireClose);
                }
                for (DataChannel handle : pendingChannels) {
                    deliver(handle::fireClose);
                }
                pendingChannels.clear();
                if (timer != null) {
                    timer.cancel(false);
                }
                if (dtls != null) {
                    dtls.close();
                }
                discardDtlsServerSecrets();
                if (ice != null) {
                    ice.close();
                }
                setState(PeerConnectionState.CLOSED);
            });
        } catch (RuntimeException e) {
            log.debug("closing: {}", e.toString());
        }
        loop.shutdown();
        listenerThread.shutdown();
        if (Thread.currentThread() == listenerThreadRef) {
            return; // closed from a callback: the remaining callbacks run after this one returns
        }
        try {
            listenerThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --------------------------------------------------------------------------------------- channel calls

    long peerMaxMessageSize() {
        return peerMaxMessageSize;
    }

    void sendOnLoop(DataChannel handle, String text, byte[] data, int length) {
        handle.queuedForLoop.addAndGet(length);
        execute(() -> {
            handle.queuedForLoop.addAndGet(-length);
            if (handle.core == null || closed) {
                return;
            }
            long now = System.nanoTime();
            try {
                if (text != null) {
                    handle.core.send(text, now);
                } else {
                    handle.core.send(data, now);
                }
                messagesSent.incrementAndGet();
            } catch (RuntimeException e) {
                log.warn("data channel '{}': a message could not be sent: {}", handle.label(), e.getMessage());
            }
            pump(now);
        });
    }

    void applyLowThresholdOnLoop(DataChannel handle) {
        execute(() -> {
            if (handle.core != null && !closed) {
                handle.core.setBufferedAmountLowThreshold(handle.bufferedAmountLowThreshold());
            }
        });
    }

    void closeOnLoop(DataChannel handle) {
        execute(() -> {
            if (closed) {
                return;
            }
            if (handle.core == null) {
                pendingChannels.remove(handle);
                deliver(handle::fireClose);
                return;
            }
            long now = System.nanoTime();
            handle.core.close(now);
            pump(now);
        });
    }

    // ------------------------------------------------------------------------------------- peer loop only

    /**
     * What a connection will want that needs nothing from the peer, made as soon as the connection is rather than
     * on the way from a description to connected: the DTLS 1.3 server's key share and signature nonce (~0.15 ms of
     * CPU, wasted when we turn out to be the DTLS client).
     */
    private void prepareAhead() {
        if (!closed && dtls == null && Dtls13ServerSecrets.canPrepare(config.certificate())) {
            dtlsServerSecrets = Dtls13ServerSecrets.prepare(config.certificate());
        }
    }

    private void discardDtlsServerSecrets() {
        if (dtlsServerSecrets != null) {
            dtlsServerSecrets.discardUnlessTaken();
            dtlsServerSecrets = null;
        }
    }

    private void openIce(IceRole role) throws IOException {
        IceAgentConfig.Builder iceConfig = IceAgentConfig.builder(role).transportPolicy(config.iceTransportPolicy())
                .ta(ICE_TA);
        for (IceServer server : config.iceServers()) {
            server.applyTo(iceConfig);
        }
        ice = config.iceTransport().open(iceConfig.build(), this::onIceEventOnIceThread);
    }

    private SessionDescription description(SetupRole setup, MediaDescription offered) {
        MediaDescription media = MediaDescription.of("application", 9,
                        offered != null ? offered.protocol() : "UDP/DTLS/SCTP", List.of("webrtc-datachannel"))
                .withConnection(Connection.ipv4("0.0.0.0"));
        if (offered != null) {
            media = media.withFormats(offered.formats());
        }
        for (IceCandidate candidate : announcedCandidates) {
            media = media.withCandidate(candidate.toSdpLine());
        }
        if (gatheringAnnouncedComplete) {
            media = media.withAttribute(Attribute.flag("end-of-candidates"));
        }
        media = media.withAttributeValue("ice-ufrag", ice.localUfrag())
                .withAttributeValue("ice-pwd", ice.localPassword())
                .withAttributeValue("ice-options", "trickle")
                .withAttribute(config.certificate().fingerprint().toAttribute())
                .withAttribute(setup.toAttribute())
                .withAttributeValue("mid", mid)
                .withAttributeValue("sctp-port", Integer.toString(SCTP_PORT))
                .withAttributeValue("max-message-size", Integer.toString(MAX_MESSAGE_SIZE));
        return SessionDescription.of(Origin.of(sessionId, sessionVersion++))
                .withAttribute(Group.bundle(List.of(mid)).toAttribute())
                .withMediaDescription(media);
    }

    private MediaDescription remoteMedia() {
        return applicationSection(remoteDescription, "remote");
    }

    private static SessionDescription parse(String sdp, String which) {
        if (sdp == null || sdp.isBlank()) {
            throw new IllegalArgumentException("the " + which + " description is empty");
        }
        try {
            return SessionDescription.parse(sdp);
        } catch (SdpParseException e) {
            throw new IllegalArgumentException("the " + which + " description is not valid SDP: " + e.getMessage(), e);
        }
    }

    private static MediaDescription applicationSection(SessionDescription description, String which) {
        return description.mediaDescriptions().stream()
                .filter(m -> m.isApplication() && m.protocol().toUpperCase().contains("DTLS/SCTP") && m.port() != 0)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the " + which
                        + " description has no m=application UDP/DTLS/SCTP webrtc-datachannel section"));
    }

    private void addRemoteCandidate(IceCandidateLine line) {
        if (line.transportProtocol() != IceCandidateLine.Transport.UDP) {
            return; // ICE-TCP is not gathered here, so TCP candidates cannot pair
        }
        ice.addRemoteCandidate(IceCandidate.fromSdp(line));
    }

    /** The a=setup of our own description (media-level, else session-level); active when it has none. */
    private SetupRole localSetup() {
        MediaDescription media = applicationSection(localDescription, "local");
        return media.setup().or(localDescription::setup).orElse(SetupRole.ACTIVE);
    }

    /** Once both descriptions are in, the DTLS role is known: build DTLS (RFC 8842 §5). */
    private void startTransportsIfReady() {
        if (dtls != null || localDescription == null || remoteDescription == null) {
            return;
        }
        // An answerer's role is the one its answer states (RFC 8842 §5.3), the offerer's the opposite of that.
        dtlsRole = remoteIsOffer ? DtlsRole.fromLocalSetup(localSetup()) : DtlsRole.forOfferer(remoteSetup);
        dtls = DtlsTransport.builder(dtlsRole, config.certificate(), remoteFingerprints)
                .outbound(datagram -> {
                    byte[] bytes = new byte[datagram.remaining()];
                    datagram.get(bytes);
                    IceTransport session = ice;
                    if (session != null) {
                        session.sendQueued(bytes, unsent -> execute(() -> holdForIce(unsent)));
                    }
                })
                .listener(this::execute, this::onDtlsEvent)
                .serverSecrets(dtlsServerSecrets)
                .build();
        discardDtlsServerSecrets();
        for (byte[] early : earlyDtls) {
            dtls.handleIncoming(ByteBuffer.wrap(early));
        }
        earlyDtls.clear();
        dtlsForIce = dtls;
        setState(PeerConnectionState.CONNECTING);
        if (dtlsRole == DtlsRole.SERVER || iceWritable) {
            dtls.start();
        }
    }

    private void holdForIce(byte[] record) {
        if (closed) {
            return;
        }
        if (ice != null && iceWritable) {
            ice.send(record); // ICE found a valid pair meanwhile
        } else if (dtlsAwaitingIce.size() < MAX_DTLS_AWAITING_ICE) {
            dtlsAwaitingIce.add(record);
        }
    }

    private void sendDtlsAwaitingIce() {
        for (byte[] record : dtlsAwaitingIce) {
            ice.send(record);
        }
        dtlsAwaitingIce.clear();
    }

    /** Runs on ICE's thread: DTLS datagrams go straight to DTLS once it exists; every other event, in order, to the loop. */
    private void onIceEventOnIceThread(IceEvent event) {
        DtlsTransport direct = dtlsForIce;
        if (direct != null && event instanceof IceEvent.DataReceived data && isDtls(data.data())) {
            direct.handleIncoming(ByteBuffer.wrap(data.data()));
            return;
        }
        execute(() -> onIceEvent(event));
    }

    /** RFC 7983 §7: a first byte of 20–63 is DTLS. */
    private static boolean isDtls(byte[] datagram) {
        int first = datagram.length == 0 ? -1 : datagram[0] & 0xFF;
        return first >= 20 && first <= 63;
    }

    private void onIceEvent(IceEvent event) {
        if (closed) {
            return;
        }
        switch (event) {
            case IceEvent.DataReceived data -> {
                if (isDtls(data.data())) {
                    if (dtls != null) {
                        dtls.handleIncoming(ByteBuffer.wrap(data.data()));
                    } else if (earlyDtls.size() < 64) {
                        earlyDtls.add(data.data());
                    }
                }
            }
            case IceEvent.LocalCandidate local -> {
                announcedCandidates.add(local.candidate());
                String line = local.candidate().toSdpLine().toString();
                String jsep = line.startsWith("a=") ? line.substring(2) : line;
                deliver(() -> listener.onIceCandidate(jsep));
            }
            case IceEvent.GatheringComplete done -> {
                gatheringAnnouncedComplete = true;
                deliver(() -> listener.onIceCandidate(null));
            }
            case IceEvent.SelectedPairChanged changed -> onSelectedPairChanged(changed.local(), changed.remote());
            case IceEvent.Writable writable -> {
                // RFC 8445 §12.1: a valid pair carries data before the nomination, so DTLS need not wait for it.
                iceWritable = true;
                sendDtlsAwaitingIce();
                if (dtls != null) {
                    dtls.start(); // the client speaks first once ICE has a pair (a no-op when started)
                }
            }
            case IceEvent.StateChanged changed -> {
                IceConnectionState iceState = changed.state();
                deliver(() -> listener.onIceConnectionStateChange(iceState));
                switch (iceState) {
                    case CHECKING -> {
                        if (state == PeerConnectionState.NEW) {
                            setState(PeerConnectionState.CONNECTING);
                        }
                    }
                    case FAILED -> fail("ICE failed");
                    case DISCONNECTED -> {
                        if (state == PeerConnectionState.CONNECTED) {
                            setState(PeerConnectionState.DISCONNECTED);
                        }
                    }
                    case CONNECTED, COMPLETED -> {
                        if (state == PeerConnectionState.DISCONNECTED) {
                            setState(PeerConnectionState.CONNECTED);
                        }
                    }
                    default -> { }
                }
            }
            default -> { }
        }
    }

    private void onDtlsEvent(DtlsEvent event) {
        if (closed) {
            return;
        }
        switch (event) {
            case DtlsEvent.Connected connected -> {
                int mtu = Math.min(1200, dtls.maxApplicationDataSize());
                sctpBaseMtu = mtu;
                SctpConfig sctpConfig = SctpConfig.builder()
                        .localPort(SCTP_PORT).remotePort(remoteSctpPort).mtu(mtu).maxMtu(capPathMtuForSelectedPair())
                        .maxMessageSize(MAX_MESSAGE_SIZE)
                        .peerMaxMessageSize(peerMaxMessageSize == Long.MAX_VALUE ? 1L << 40 : peerMaxMessageSize)
                        .maxSendBuffer(MAX_SEND_BUFFER)
                        .receiveWindow(RECEIVE_WINDOW)
                        .rtoMin(SCTP_RTO_MIN)
                        .build();
                boolean client = dtlsRole == DtlsRole.CLIENT;
                SctpAssociation association = client ? SctpAssociation.client(sctpConfig, RANDOM)
                        : SctpAssociation.server(sctpConfig, RANDOM);
                manager = new DataChannelManager(association, client);
                long now = System.nanoTime();
                if (client) {
                    manager.connect(now); // RFC 8831 §6.2 (the DTLS client initiates here, like browsers)
                }
                pump(now);
            }
            case DtlsEvent.DataReceived data -> {
                if (manager != null) {
                    long now = System.nanoTime();
                    try {
                        manager.handleInput(data.data(), now);
                    } catch (RuntimeException e) {
                        log.debug("dropped an SCTP packet: {}", e.toString());
                    }
                    pumpAfterInput(now);
                }
            }
            case DtlsEvent.Closed closedEvent -> {
                closeAllChannels();
                if (state != PeerConnectionState.FAILED) {
                    setState(PeerConnectionState.CLOSED);
                }
            }
            case DtlsEvent.Failed failed -> fail("DTLS failed: " + failed.reason());
        }
    }

    /**
     * MAX_PLPMTU for the selected pair (RFC 8899 §5.1.2, Datagram PLPMTUD over DTLS as RFC 8261 §5 has it): SCTP
     * packets in DTLS records as large as the pair's local interface carries (DF set on its socket, RFC 8899 §3),
     * their plaintext within 2^14 (RFC 6347 §4.1); DTLS's record datagram size is raised here to match. The base —
     * no probing — before a pair is selected and on pairs that cannot be probed: relayed at either end (TURN over any
     * transport), no DF.
     */
    private int capPathMtuForSelectedPair() {
        // A relay at either end (our allocation or the peer's) puts a TURN server's paths in between: not probed.
        DatagramLimit limit = selectedLocal == null || ice == null || selectedRemote.type() == IceCandidate.Type.RELAY
                ? DatagramLimit.NO_PROBING : ice.datagramLimit(selectedLocal);
        if (!limit.allowsProbing()) {
            return sctpBaseMtu;
        }
        int datagram = Math.min(limit.maxPayload(), DtlsTransport.MAX_RECORD_DATAGRAM_SIZE);
        OptionalInt peerRecordLimit = dtls.peerRecordSizeLimit();
        if (peerRecordLimit.isEmpty()) {
            datagram = Math.min(datagram, UNSIGNALLED_PEER_MAX_DATAGRAM);
        }
        int maxMtu = Math.min(dtls.maxApplicationDataSize(datagram),
                peerRecordLimit.orElse(DtlsTransport.MAX_PLAINTEXT));
        if (maxMtu <= sctpBaseMtu) {
            return sctpBaseMtu;
        }
        if (datagram > dtlsRecordDatagramSize) {
            dtlsRecordDatagramSize = datagram;
            dtls.setMaxRecordDatagramSize(datagram);
        }
        return maxMtu;
    }

    /**
     * RFC 8899 §4.6: another selected pair is another path. The SCTP association starts again from the base size
     * and searches up to the new pair's cap (none for a relay). The first selection, when SCTP came up before it,
     * only lets the search begin.
     */
    private void onSelectedPairChanged(IceCandidate local, IceCandidate remote) {
        selectedLocal = local;
        selectedRemote = remote;
        if (manager == null) {
            return; // SCTP is created with this pair's cap
        }
        long now = System.nanoTime();
        manager.association().pathChanged(capPathMtuForSelectedPair(), now);
        pump(now);
    }

    private void fail(String reason) {
        if (state == PeerConnectionState.FAILED || state == PeerConnectionState.CLOSED) {
            return;
        }
        log.info("peer connection failed: {}", reason);
        closeAllChannels();
        setState(PeerConnectionState.FAILED);
    }

    private void closeAllChannels() {
        for (DataChannel handle : handles.values()) {
            deliver(handle::fireClose);
        }
        handles.clear();
        for (DataChannel handle : pendingChannels) {
            deliver(handle::fireClose);
        }
        pendingChannels.clear();
    }

    private void openOnManager(DataChannel handle) {
        long now = System.nanoTime();
        try {
            dev.peerlink.datachannel.DataChannel core = manager.createChannel(handle.label(), handle.options(), now);
            handle.core = core;
            handles.put(core, handle);
            core.setBufferedAmountLowThreshold(handle.bufferedAmountLowThreshold());
            int id = core.id();
            deliver(() -> handle.setId(id));
        } catch (RuntimeException e) {
            log.warn("data channel '{}' could not be opened: {}", handle.label(), e.getMessage());
            deliver(handle::fireClose);
        }
        pump(now);
    }

    /** Drains the manager: its packets go to DTLS, its events to the listener thread; re-arms the timer. */
    /**
     * DTLS hands over the records that queued up in one batch, one call each, within one task of this loop: SCTP
     * takes them and answers after the batch (a task queued behind it) or every {@link #PUMP_EVERY} packets, so a
     * burst costs a flush and a timer check per few packets instead of per packet. The bound is small because the
     * peer's congestion window grows by at most one MTU per SACK in slow start (RFC 9260 §7.2.1): fewer SACKs would
     * slow its ramp-up.
     */
    private void pumpAfterInput(long now) {
        if (++inputsSincePump >= PUMP_EVERY) {
            pump(now);
            return;
        }
        if (!pumpQueued) {
            pumpQueued = true;
            execute(() -> {
                if (!closed) {
                    pump(System.nanoTime());
                }
            });
        }
    }

    private void pump(long now) {
        pumpQueued = false;
        inputsSincePump = 0;
        if (manager == null) {
            return;
        }
        flush();
        Optional<DataChannelEvent> next;
        while ((next = manager.pollEvent()).isPresent()) {
            onChannelEvent(next.get());
            flush();
        }
        for (DataChannel handle : handles.values()) {
            if (handle.core != null) {
                handle.sctpBuffered = handle.core.bufferedAmount();
            }
        }
        schedule(manager.nextTimeoutNanos(), now);
    }

    private void flush() {
        Optional<ByteBuffer> packet;
        while ((packet = manager.pollTransmit()).isPresent()) {
            DtlsTransport transport = dtls;
            if (transport != null) {
                transport.send(packet.get());
            }
        }
    }

    private void onChannelEvent(DataChannelEvent event) {
        switch (event) {
            case DataChannelEvent.Connected connected -> {
                sctpConnected = true;
                setState(PeerConnectionState.CONNECTED);
                List<DataChannel> waiting = List.copyOf(pendingChannels);
                pendingChannels.clear();
                for (DataChannel handle : waiting) {
                    openOnManager(handle);
                }
            }
            case DataChannelEvent.ChannelOpened opened -> {
                DataChannel handle = handles.get(opened.channel());
                if (handle == null) {
                    dev.peerlink.datachannel.DataChannel core = opened.channel();
                    DataChannel remote = new DataChannel(this, core.label(), core.options(), core.id());
                    remote.core = core;
                    handles.put(core, remote);
                    deliver(() -> {
                        remote.fireOpen();
                        listener.onDataChannel(remote);
                    });
                } else {
                    deliver(handle::fireOpen);
                }
            }
            case DataChannelEvent.TextMessage text -> {
                DataChannel handle = handles.get(text.channel());
                if (handle != null) {
                    messagesReceived.incrementAndGet();
                    DataChannel.Message message = new DataChannel.Message(text.text(), null);
                    deliver(() -> handle.fireMessage(message));
                }
            }
            case DataChannelEvent.BinaryMessage binary -> {
                DataChannel handle = handles.get(binary.channel());
                if (handle != null) {
                    messagesReceived.incrementAndGet();
                    DataChannel.Message message = new DataChannel.Message(null, binary.data());
                    deliver(() -> handle.fireMessage(message));
                }
            }
            case DataChannelEvent.ChannelClosed closedChannel -> {
                DataChannel handle = handles.remove(closedChannel.channel());
                if (handle != null) {
                    deliver(handle::fireClose);
                }
            }
            case DataChannelEvent.BufferedAmountLow low -> {
                DataChannel handle = handles.get(low.channel());
                if (handle != null) {
                    deliver(handle::fireBufferedAmountLow);
                }
            }
            case DataChannelEvent.AssociationClosed ended -> {
                closeAllChannels();
                if (ended.graceful()) {
                    setState(PeerConnectionState.CLOSED);
                } else {
                    fail("SCTP association closed: " + ended.reason());
                }
            }
        }
    }

    private void schedule(long deadline, long now) {
        if (deadline == Long.MAX_VALUE || deadline <= 0 && deadline != 0) {
            return; // nothing due: a timer still pending wakes the loop once for nothing, cheaper than cancelling
        }
        if (timer != null && !timer.isDone() && timerDeadline - deadline <= 0) {
            // Already due no later: an early wake-up finds nothing due and schedules the real deadline. SCTP moves
            // its T3-rtx deadline with every SACK, and a new timer each time (the old one cancelled but left in the
            // executor's queue) cost more than the packets themselves.
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerDeadline = deadline;
        long delay = Math.max(0, deadline - now);
        timer = loop.schedule(() -> {
            if (closed || manager == null) {
                return;
            }
            long at = System.nanoTime();
            timer = null;
            timerDeadline = Long.MAX_VALUE;
            try {
                manager.handleTimeout(at);
            } catch (RuntimeException e) {
                log.warn("SCTP timer: {}", e.toString());
            }
            pump(at);
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void setState(PeerConnectionState next) {
        if (state == next || state == PeerConnectionState.CLOSED
                || (state == PeerConnectionState.FAILED && next != PeerConnectionState.CLOSED)) {
            return;
        }
        state = next;
        deliver(() -> listener.onConnectionStateChange(next));
    }

    private void deliver(Runnable callback) {
        try {
            listenerThread.execute(() -> {
                try {
                    callback.run();
                } catch (RuntimeException e) {
                    log.warn("a peer connection listener threw", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("listener thread gone; dropped an event");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the peer connection is closed");
        }
    }

    // ------------------------------------------------------------------------------------------ thread hops

    private void execute(Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("peer loop task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("peer loop gone; dropped a task");
        }
    }

    private interface LoopTask {
        void run() throws Exception;
    }

    private void run(LoopTask task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    private <T> T call(Callable<T> task) {
        if (loop.inLoop()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        Future<T> future;
        try {
            future = loop.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("the peer connection is closed", e);
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the peer loop", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }
}
