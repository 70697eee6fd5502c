package dev.peerlink.ice;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessage.Signing;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.FlagAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.attribute.StunAttributeRegistry;
import dev.peerlink.stun.attribute.UnknownAttributesAttribute;
import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunTransactions;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.credentials.StunCredentials;
import dev.peerlink.turn.client.TurnClientConfig;
import dev.peerlink.turn.client.TurnClientCore;
import dev.peerlink.turn.client.TurnEvent;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A full ICE agent (RFC 8445) for one data stream with one component, as WebRTC uses with BUNDLE and rtcp-mux, with
 * trickle (RFC 8838) and consent freshness (RFC 7675). Sans-IO: it never touches a socket or the clock. The driver
 * opens sockets, feeds in what arrives ({@link #handleInput}) and the time ({@link #handleTimeout} when
 * {@link #nextTimeoutNanos} is due), sends what {@link #pollTransmit} hands out from the named local socket, and
 * acts on {@link #pollEvent}. All calls come from one thread.
 *
 * <p>Nomination (RFC 8445 §8.1.1, regular nomination): the controlling agent nominates the first pair that
 * succeeds, at once, rather than waiting for better pairs. When a pair of higher priority succeeds later, it
 * nominates that one too ("renomination", on by default, {@link IceAgentConfig#renomination}); the controlled side
 * always follows the highest-priority nominated pair (§7.3.1.5, §8.1.1). RFC 8445 asks for one nomination per
 * session; Chromium, as the controlled agent, switches to a later nominated pair, which is what this relies on.
 *
 * <p>Consent (RFC 7675): on the selected pair a consent check goes out every 4–6 s; when one stays unanswered for
 * {@link IceAgentConfig#disconnectedTimeout} the state is DISCONNECTED, and when nothing has answered for 30 s the
 * agent stops sending on the pair and the state is FAILED until {@link #restart}.
 *
 * <p>Relayed candidates (RFC 8445 §5.1.1.2): for every host candidate and every configured TURN server of its
 * address family, the agent drives a {@link TurnClientCore} allocation itself, composed sans-IO: datagrams from the
 * TURN server arriving on that host socket go to the TURN client, the TURN client's datagrams leave as the agent's
 * transmits from that host socket, and its timers run inside {@link #nextTimeoutNanos}/{@link #handleTimeout}. The
 * driver sees only host sockets. A relayed candidate's base is its relayed address (§5.1.1.1), so its pairs are
 * never pruned against host pairs; before the first check on such a pair the agent installs a TURN permission for
 * the peer's IP (RFC 8656 §9), checks and data then go as Send indications, and once a relayed pair is selected a
 * channel is bound (RFC 8656 §12) so that data goes as ChannelData. What the peer sends through the relay comes
 * back into the agent as if it had arrived on a socket at the relayed address.
 */
public final class IceAgent {
    /**
     * Bytes to send from the local socket bound at {@code local} to {@code remote}: a datagram when
     * {@code transport} is UDP; over TCP or TLS, the next bytes of the driver's connection to a TURN server whose
     * local end is {@code local} (see {@link #turnConnectionOpened}).
     */
    public record Transmit(InetSocketAddress local, InetSocketAddress remote, byte[] data, StunTransport transport) {
        /** A datagram from a UDP socket. */
        public Transmit(InetSocketAddress local, InetSocketAddress remote, byte[] data) {
            this(local, remote, data, StunTransport.UDP);
        }

        /** Whether this goes on a TURN server connection (TCP or TLS) rather than as a datagram. */
        public boolean onStream() {
            return transport != StunTransport.UDP;
        }
    }

    private enum Purpose { CHECK, CONSENT, GATHER }

    /** One STUN request we sent: a connectivity check, a consent check or a srflx gathering request. */
    private static final class Transaction {
        final TransactionId id;
        final Purpose purpose;
        final StunTransactions engine;
        final InetSocketAddress localBase;
        final InetSocketAddress destination;
        final CandidatePair pair;
        final IceCandidate host;
        final boolean useCandidate;
        final IceRole roleInRequest;
        final long priorityInRequest;
        final byte[] key;
        final long startedNanos;
        /** RFC 8445 §7.3.1.4: no more retransmissions and no failure on timeout; a response still counts. */
        boolean cancelled;

        Transaction(TransactionId id, Purpose purpose, StunTransactions engine, InetSocketAddress localBase,
                    InetSocketAddress destination, CandidatePair pair, IceCandidate host, boolean useCandidate,
                    IceRole roleInRequest, long priorityInRequest, byte[] key, long startedNanos) {
            this.id = id;
            this.purpose = purpose;
            this.engine = engine;
            this.localBase = localBase;
            this.destination = destination;
            this.pair = pair;
            this.host = host;
            this.useCandidate = useCandidate;
            this.roleInRequest = roleInRequest;
            this.priorityInRequest = priorityInRequest;
            this.key = key;
            this.startedNanos = startedNanos;
        }
    }

    private enum PermissionState { PENDING, INSTALLED, FAILED }

    /**
     * One TURN allocation (RFC 8445 §5.1.1.2): from one host socket on one UDP server, or over the driver's
     * connection to one TCP or TLS server.
     */
    private static final class Relay {
        /** The host candidate whose socket carries a UDP allocation; null over a connection. */
        final IceCandidate host;
        final IceTurnServer server;
        /** The local end: the host socket's address, or the connection's. */
        final InetSocketAddress base;
        final int localPreference;
        TurnClientCore core;
        /** The relayed candidate, once allocated. */
        IceCandidate candidate;
        /** Allocated, refused or timed out: gathering need not wait for it any more. */
        boolean settled;
        /** Over TCP or TLS: the driver reported the connection closed. */
        boolean connectionClosed;
        /** RFC 8656 §9: permissions by peer IP, asked for as pairs with the relayed candidate form. */
        final Map<InetAddress, PermissionState> permissions = new HashMap<>();

        Relay(IceCandidate host, IceTurnServer server, InetSocketAddress base, int localPreference) {
            this.host = host;
            this.server = server;
            this.base = base;
            this.localPreference = localPreference;
        }

        boolean onStream() {
            return server.transport() != StunTransport.UDP;
        }
    }

    private static final StunAttributeRegistry REGISTRY = StunAttributeRegistry.standard();
    private static final int COMPONENT = 1;
    /**
     * Consent checks: 3 transmissions 0.5 s apart then doubling, given up after 3.5 s, before the next one is due
     * (RFC 7675 §5.1 leaves the retransmission schedule to the implementation).
     */
    private static final int CONSENT_TRANSMISSIONS = 3;
    private static final int CONSENT_FINAL_WAIT_RTOS = 4;

    private final IceAgentConfig config;
    private final RandomGenerator random;
    private final long tieBreaker;
    private final long taNanos;
    private final StunMessageReader reader = new StunMessageReader();
    private final int[] unknownAttributes = new int[16];
    private final IceFoundations foundations = new IceFoundations();

    private IceRole role;
    private String localUfrag;
    private String localPassword;
    private byte[] localKey;
    private String remoteUfrag;
    private byte[] remoteKey;

    private final List<IceCandidate> localCandidates = new ArrayList<>();
    private final List<IceCandidate> remoteCandidates = new ArrayList<>();
    private final List<IceCandidate> unresolvedRemoteCandidates = new ArrayList<>();
    /** Checklist and valid pairs, highest priority first. */
    private final List<CandidatePair> pairs = new ArrayList<>();
    private final ArrayDeque<CandidatePair> triggeredChecks = new ArrayDeque<>();
    private final Map<TransactionId, Transaction> transactions = new LinkedHashMap<>();
    private final List<Relay> relays = new ArrayList<>();
    /** TCP and TLS TURN servers the driver has not yet connected to, or reported failing to. */
    private final List<IceTurnServer> awaitingTurnConnections = new ArrayList<>();
    private final boolean relayOnly;
    private final ArrayDeque<Transmit> transmits = new ArrayDeque<>();
    private final ArrayDeque<IceEvent> events = new ArrayDeque<>();

    private boolean hostCandidatesComplete;
    private boolean gatheringComplete;
    private boolean remoteCandidatesComplete;
    private int peerReflexiveRemoteCount;
    private CandidatePair selected;
    /** Controlling: the pair whose USE-CANDIDATE check is under way. */
    private CandidatePair nominating;
    /** After an ICE restart, until a pair of the new session is selected: data still goes on the old pair. */
    private boolean restarting;
    /** {@link IceEvent.Writable} has been announced. */
    private boolean writable;
    /** Consent expired with no other pair to use: FAILED until an ICE restart. */
    private boolean consentLost;
    private boolean closed;
    private IceConnectionState state = IceConnectionState.NEW;

    private long now;
    private boolean knowsTime;
    private long lastCheckNanos;
    private boolean checkSentThisSession;
    private long nextConsentNanos;

    public IceAgent(IceAgentConfig config, RandomGenerator random) {
        this.config = config;
        this.random = random;
        this.role = config.role();
        this.tieBreaker = random.nextLong(); // RFC 8445 §7.1.3: a random 64-bit number
        this.taNanos = config.ta().toNanos();
        this.relayOnly = config.transportPolicy() == IceTransportPolicy.RELAY;
        for (IceTurnServer server : config.turnServers()) {
            if (server.transport() != StunTransport.UDP) {
                awaitingTurnConnections.add(server);
            }
        }
        setLocalCredentials(config.localUfrag() != null ? config.localUfrag() : IceCredentials.randomUfrag(random),
                config.localPassword() != null ? config.localPassword() : IceCredentials.randomPassword(random));
    }

    private void setLocalCredentials(String ufrag, String password) {
        IceCredentials.requireValidUfrag(ufrag, "the local");
        IceCredentials.requireValidPassword(password, "the local");
        localUfrag = ufrag;
        localPassword = password;
        localKey = StunCredentials.shortTermKey(password); // RFC 8445 §7.2.2: short-term credentials
    }

    // ---------------------------------------------------------------------------------------------- accessors

    public IceRole role() {
        return role;
    }

    public long tieBreaker() {
        return tieBreaker;
    }

    public String localUfrag() {
        return localUfrag;
    }

    /** For the local description; never log it. */
    public String localPassword() {
        return localPassword;
    }

    public IceConnectionState state() {
        return state;
    }

    /**
     * The local candidates; under {@link IceTransportPolicy#RELAY} only the relayed ones (the host bases behind them
     * are never offered).
     */
    public List<IceCandidate> localCandidates() {
        if (relayOnly) {
            return localCandidates.stream().filter(candidate -> candidate.type() == IceCandidate.Type.RELAY).toList();
        }
        return List.copyOf(localCandidates);
    }

    public List<IceCandidate> remoteCandidates() {
        return List.copyOf(remoteCandidates);
    }

    /** Every checklist and valid pair, highest priority first. */
    public List<CandidatePairStats> pairStats() {
        List<CandidatePairStats> stats = new ArrayList<>(pairs.size());
        for (CandidatePair pair : pairs) {
            stats.add(pair.stats(pair == selected));
        }
        return stats;
    }

    /** The pair data goes on, with both candidates (and so their types) and its statistics. */
    public Optional<CandidatePairStats> selectedPair() {
        return selected == null || selected.consentExpired ? Optional.empty() : Optional.of(selected.stats(true));
    }

    // ---------------------------------------------------------------------------------------- local candidates

    /**
     * The driver opened a UDP socket at {@code base}: a host candidate is made (and announced as an event), a
     * Binding request goes to each configured STUN server of the same address family for a server-reflexive
     * candidate, and an allocation is asked of each TURN server of that family for a relayed one (RFC 8445
     * §5.1.1). Under {@link IceTransportPolicy#RELAY} the host candidate is only a base: not announced, not paired,
     * and no STUN server is asked. The local preference follows {@link IcePriorities#localPreference} with the
     * order in which host candidates of that precedence were added.
     */
    public IceCandidate addHostCandidate(InetSocketAddress base, long nowNanos) {
        int rank = 0;
        int precedence = IcePriorities.localPreference(base.getAddress(), 0);
        for (IceCandidate candidate : localCandidates) {
            if (candidate.type() == IceCandidate.Type.HOST
                    && IcePriorities.localPreference(candidate.address().getAddress(), 0) == precedence) {
                rank++;
            }
        }
        return addHostCandidate(base, IcePriorities.localPreference(base.getAddress(), rank), nowNanos);
    }

    /** As {@link #addHostCandidate(InetSocketAddress, long)} with a local preference (0–65535) the driver chose. */
    public IceCandidate addHostCandidate(InetSocketAddress base, int localPreference, long nowNanos) {
        requireOpen();
        if (base.isUnresolved() || base.getAddress().isAnyLocalAddress()) {
            throw new IllegalArgumentException("a host candidate needs the socket's own IP address, not " + base);
        }
        tick(nowNanos);
        for (IceCandidate existing : localCandidates) {
            if (existing.type() == IceCandidate.Type.HOST && existing.base().equals(base)) {
                return existing;
            }
        }
        IceCandidate host = new IceCandidate(
                foundations.foundationOf(IceCandidate.Type.HOST, base.getAddress(), null, IceCandidate.Transport.UDP),
                COMPONENT, IceCandidate.Transport.UDP,
                IcePriorities.candidatePriority(IceCandidate.Type.HOST, localPreference, COMPONENT),
                base, IceCandidate.Type.HOST, null, base);
        localCandidates.add(host);
        if (!relayOnly) {
            events.add(new IceEvent.LocalCandidate(host));
            for (IceCandidate remote : remoteCandidates) {
                addPair(host, remote);
            }
            startServerReflexiveGathering(host);
        }
        startRelayGathering(host);
        updateState();
        return host;
    }

    /**
     * The driver will add no more host candidates; once the STUN and TURN servers have answered or timed out,
     * {@link IceEvent.GatheringComplete} follows (RFC 8838 §4.2, end-of-candidates).
     */
    public void endOfHostCandidates() {
        requireOpen();
        hostCandidatesComplete = true;
        announceGatheringCompleteWhenDone();
        updateState();
    }

    private void startServerReflexiveGathering(IceCandidate host) {
        if (relayOnly) {
            return;
        }
        for (InetSocketAddress server : config.stunServers()) {
            if ((server.getAddress() instanceof Inet6Address) != (host.address().getAddress() instanceof Inet6Address)) {
                continue;
            }
            TransactionId id = TransactionId.random(random);
            byte[] request = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, id).toBytes(Signing.FINGERPRINT);
            StunTransactions engine = new StunTransactions(config.stunServerRetransmission(), false);
            engine.start(id, request, server, now);
            Transaction transaction = new Transaction(id, Purpose.GATHER, engine, host.base(), server, null, host,
                    false, role, 0, null, now);
            transactions.put(id, transaction);
            drainTransmits(transaction);
        }
    }

    private void onGatheringAnswered(Transaction transaction, StunMessage response) {
        if (response.messageClass() != StunClass.SUCCESS_RESPONSE) {
            return;
        }
        Optional<InetSocketAddress> mapped = response.address(StunAttributeType.XOR_MAPPED_ADDRESS)
                .or(() -> response.address(StunAttributeType.MAPPED_ADDRESS));
        if (mapped.isEmpty()) {
            return;
        }
        addServerReflexive(transaction.host, mapped.get(), transaction.destination.getAddress());
    }

    /** A server-reflexive candidate learnt from a STUN Binding or a TURN Allocate response (RFC 8445 §5.1.1.2). */
    private void addServerReflexive(IceCandidate host, InetSocketAddress mapped, InetAddress serverIp) {
        if (relayOnly) {
            return;
        }
        // RFC 8445 §5.1.3: a srflx candidate equal to its base (no NAT) or to one we have is redundant.
        for (IceCandidate existing : localCandidates) {
            if (existing.address().equals(mapped) && existing.base().equals(host.base())) {
                return;
            }
        }
        IceCandidate serverReflexive = new IceCandidate(
                foundations.foundationOf(IceCandidate.Type.SRFLX, host.base().getAddress(), serverIp,
                        IceCandidate.Transport.UDP),
                COMPONENT, IceCandidate.Transport.UDP,
                IcePriorities.candidatePriority(IceCandidate.Type.SRFLX,
                        IcePriorities.localPreferenceOf(host.priority()), COMPONENT),
                mapped, IceCandidate.Type.SRFLX, host.base(), host.base());
        localCandidates.add(serverReflexive);
        // RFC 8445 §6.1.2.4: it is not paired, since it would be replaced by its base, whose pairs exist.
        events.add(new IceEvent.LocalCandidate(serverReflexive));
    }

    private void announceGatheringCompleteWhenDone() {
        if (gatheringComplete || !hostCandidatesComplete) {
            return;
        }
        for (Transaction transaction : transactions.values()) {
            if (transaction.purpose == Purpose.GATHER) {
                return;
            }
        }
        for (Relay relay : relays) {
            if (!relay.settled) {
                return;
            }
        }
        if (!awaitingTurnConnections.isEmpty()) {
            return;
        }
        gatheringComplete = true;
        events.add(new IceEvent.GatheringComplete());
    }

    // ---------------------------------------------------------------------------------------- relayed candidates

    /**
     * RFC 8445 §5.1.1.2: an allocation on every UDP TURN server of the host candidate's address family from its
     * socket. (TCP and TLS servers get one allocation each, over a connection: {@link #turnConnectionOpened}.)
     */
    private void startRelayGathering(IceCandidate host) {
        for (IceTurnServer server : config.turnServers()) {
            boolean serverV6 = server.address().getAddress() instanceof Inet6Address;
            if (server.transport() != StunTransport.UDP
                    || serverV6 != (host.address().getAddress() instanceof Inet6Address)) {
                continue;
            }
            Relay relay = new Relay(host, server, host.base(), IcePriorities.localPreferenceOf(host.priority()));
            relays.add(relay);
            allocate(relay);
        }
    }

    /**
     * The TCP and TLS TURN servers of the configuration (RFC 8656 §3.1): the driver connects to each, then reports
     * {@link #turnConnectionOpened} or {@link #turnConnectionClosed}; gathering completes only after that.
     */
    public List<IceTurnServer> turnServersToConnect() {
        return config.turnServers().stream().filter(server -> server.transport() != StunTransport.UDP).toList();
    }

    /**
     * The driver connected to the TCP or TLS TURN server {@code server} (one of {@link #turnServersToConnect}); the
     * connection's local end is {@code local}. An allocation starts over it (RFC 8656 §7, the allocation lives as
     * long as the connection, §3.1): its bytes leave as {@link Transmit}s from {@code local} with the server's
     * transport, and what the connection reads goes to {@link #handleTurnStreamInput}. The relayed candidate it
     * yields is ranked below those relayed over UDP, TLS lowest (RFC 8445 §5.1.2.1 leaves the local preference to
     * the agent; UDP to the server costs no head-of-line blocking).
     */
    public void turnConnectionOpened(IceTurnServer server, InetSocketAddress local, long nowNanos) {
        requireOpen();
        tick(nowNanos);
        if (!awaitingTurnConnections.remove(server)) {
            throw new IllegalArgumentException("the TURN server " + server + " is not a TCP or TLS server of this"
                    + " agent awaiting a connection");
        }
        int precedence = IcePriorities.localPreference(local.getAddress(), 0);
        int transportPenalty = server.transport() == StunTransport.TLS ? 0x2000 : 0x1000;
        Relay relay = new Relay(null, server, local, precedence - transportPenalty - relays.size());
        relays.add(relay);
        allocate(relay);
        updateState();
    }

    /** The next bytes (any split) read from the TURN server connection whose local end is {@code local}. */
    public void handleTurnStreamInput(InetSocketAddress local, ByteBuffer bytes, long nowNanos) {
        if (closed) {
            return;
        }
        tick(nowNanos);
        for (Relay relay : relays) {
            if (relay.onStream() && relay.base.equals(local)) {
                relay.core.handleInput(bytes, relay.server.address(), now);
                drainRelay(relay);
                break;
            }
        }
        sendCheckIfDue();
        updateState();
    }

    /**
     * The connection to the TCP or TLS TURN server {@code server} could not be made, or has closed: its allocation,
     * if any, is gone with it (RFC 8656 §3.1), and gathering does not wait for it.
     */
    public void turnConnectionClosed(IceTurnServer server, long nowNanos) {
        if (closed) {
            return;
        }
        tick(nowNanos);
        awaitingTurnConnections.remove(server);
        for (Relay relay : relays) {
            if (relay.onStream() && relay.server.equals(server) && !relay.connectionClosed) {
                relay.connectionClosed = true;
                relayLost(relay);
            }
        }
        announceGatheringCompleteWhenDone();
        updateState();
    }

    private void allocate(Relay relay) {
        TurnClientConfig turn = TurnClientConfig.of(relay.server.address(), relay.server.transport(),
                relay.server.username(), relay.server.password());
        if (relay.server.address().getAddress() instanceof Inet6Address) {
            turn = turn.withRequestedFamily(AddressFamilyAttribute.IPV6); // RFC 8656 §7.1: a relay of the same family
        }
        relay.core = new TurnClientCore(turn, random);
        relay.candidate = null;
        relay.settled = false;
        relay.permissions.clear();
        relay.core.allocate(now);
        drainRelay(relay);
    }

    /** The allocation made from the host socket {@code base} on the UDP TURN server at {@code server}, if any. */
    private Relay relayFrom(InetSocketAddress base, InetSocketAddress server) {
        for (Relay relay : relays) {
            if (!relay.onStream() && relay.base.equals(base) && relay.core.server().equals(server)) {
                return relay;
            }
        }
        return null;
    }

    /**
     * RFC 8656 §3.1 / W3C {@code RTCIceCandidateStats.relayProtocol}: how a local relayed candidate reaches its
     * TURN server (UDP, TCP or TLS); empty for other candidates.
     */
    public Optional<StunTransport> relayProtocol(IceCandidate local) {
        Relay relay = local.type() == IceCandidate.Type.RELAY ? relayAt(local.base()) : null;
        return relay == null ? Optional.empty() : Optional.of(relay.server.transport());
    }

    /** The allocation whose relayed candidate has {@code base} (its relayed address), if any. */
    private Relay relayAt(InetSocketAddress base) {
        for (Relay relay : relays) {
            if (relay.candidate != null && relay.candidate.base().equals(base)) {
                return relay;
            }
        }
        return null;
    }

    /** Hands what the TURN client produced to the agent: its datagrams as transmits from the host socket. */
    private void drainRelay(Relay relay) {
        while (true) {
            flushRelayTransmits(relay);
            Optional<TurnEvent> event = relay.core.pollEvent();
            if (event.isEmpty()) {
                return;
            }
            onRelayEvent(relay, event.get());
        }
    }

    private void flushRelayTransmits(Relay relay) {
        Optional<TurnClientCore.Transmit> transmit;
        while ((transmit = relay.core.pollTransmit()).isPresent()) {
            transmits.add(new Transmit(relay.base, transmit.get().destination(), transmit.get().data(),
                    relay.server.transport()));
        }
    }

    private void onRelayEvent(Relay relay, TurnEvent event) {
        switch (event) {
            case TurnEvent.Allocated allocated -> onAllocated(relay, allocated);
            case TurnEvent.PermissionCreated created -> {
                // RFC 8656 §9: the server now relays from and to that IP; checks waiting on it may go.
                relay.permissions.put(created.peer(), PermissionState.INSTALLED);
            }
            case TurnEvent.DataReceived data -> {
                // RFC 8656 §11.4, §12.6: as if it had arrived on a socket at the relayed address.
                if (relay.candidate != null) {
                    dispatch(relay.candidate.base(), data.peer(), ByteBuffer.wrap(data.data()));
                }
            }
            case TurnEvent.ErrorResponse error -> {
                if (error.fatal()) {
                    relayLost(relay);
                } else if (error.method() == StunMethod.CREATE_PERMISSION) {
                    permissionsAnswered(relay);
                }
            }
            case TurnEvent.TimedOut timedOut -> {
                if (timedOut.fatal()) {
                    relayLost(relay);
                } else if (timedOut.method() == StunMethod.CREATE_PERMISSION) {
                    permissionsAnswered(relay);
                }
            }
            case TurnEvent.Failed failed -> relayLost(relay);
            default -> {
                // Refreshed, ChannelBound, Redirected, Deallocated: the TURN client handles them itself.
            }
        }
    }

    /**
     * RFC 8445 §5.1.1.2: the relayed candidate, with type preference 0 (§5.1.2.2) and the mapped address as its
     * related address (RFC 8839 §5.1); the mapped address is also a server-reflexive candidate.
     */
    private void onAllocated(Relay relay, TurnEvent.Allocated allocated) {
        relay.settled = true;
        InetAddress serverIp = relay.server.address().getAddress();
        if (allocated.mappedAddress() != null && relay.host != null) {
            addServerReflexive(relay.host, allocated.mappedAddress(), serverIp); // over TCP it maps a TCP flow: no use
        }
        InetSocketAddress relayed = allocated.relayedAddress();
        // RFC 8445 §5.1.1.3: the foundation also tells apart the transport the relay was obtained over.
        relay.candidate = new IceCandidate(
                foundations.foundationOf(IceCandidate.Type.RELAY, relay.base.getAddress(), serverIp,
                        IceCandidate.Transport.UDP, relay.server.transport()),
                COMPONENT, IceCandidate.Transport.UDP,
                IcePriorities.candidatePriority(IceCandidate.Type.RELAY, relay.localPreference, COMPONENT),
                relayed, IceCandidate.Type.RELAY, allocated.mappedAddress(), relayed);
        localCandidates.add(relay.candidate);
        events.add(new IceEvent.LocalCandidate(relay.candidate));
        for (IceCandidate remote : List.copyOf(remoteCandidates)) {
            addPair(relay.candidate, remote);
        }
        announceGatheringCompleteWhenDone();
    }

    /** The allocation was refused, timed out or ended: no relayed candidate, and nothing more checked from it. */
    private void relayLost(Relay relay) {
        relay.settled = true;
        if (relay.candidate != null) {
            for (CandidatePair pair : pairs) {
                if (pair.local == relay.candidate && pair.state != CandidatePairState.SUCCEEDED) {
                    failCheck(pair);
                }
            }
        }
        announceGatheringCompleteWhenDone();
    }

    /** A CreatePermission failed: pairs to the IPs that are now neither installed nor pending cannot be checked. */
    private void permissionsAnswered(Relay relay) {
        for (Map.Entry<InetAddress, PermissionState> entry : relay.permissions.entrySet()) {
            InetAddress ip = entry.getKey();
            if (entry.getValue() == PermissionState.PENDING && !relay.core.hasPermission(ip)
                    && !relay.core.isPermissionPending(ip)) {
                entry.setValue(PermissionState.FAILED);
                for (CandidatePair pair : pairs) {
                    if (pair.local == relay.candidate && pair.remote.address().getAddress().equals(ip)
                            && pair.state != CandidatePairState.SUCCEEDED) {
                        failCheck(pair);
                    }
                }
            }
        }
    }

    /** RFC 8656 §9: a permission for the remote IP of a new pair on a relayed candidate, asked for once. */
    private void requestPermission(CandidatePair pair) {
        Relay relay = relayAt(pair.local.base());
        if (relay == null || relay.connectionClosed || relay.core.state() != TurnClientCore.State.ALLOCATED) {
            failCheck(pair);
            return;
        }
        InetAddress ip = pair.remote.address().getAddress();
        PermissionState state = relay.permissions.get(ip);
        if (state == null) {
            relay.permissions.put(ip, PermissionState.PENDING);
            relay.core.createPermission(now, ip);
            drainRelay(relay);
        } else if (state == PermissionState.FAILED) {
            failCheck(pair);
        }
    }

    /** Whether a check may go on {@code pair} now: always, unless its relayed local still waits for a permission. */
    private boolean readyToCheck(CandidatePair pair) {
        if (pair.local.type() != IceCandidate.Type.RELAY) {
            return true;
        }
        Relay relay = relayAt(pair.local.base());
        return relay != null
                && relay.permissions.get(pair.remote.address().getAddress()) == PermissionState.INSTALLED;
    }

    /**
     * Sends {@code data} from the local base: a host socket directly, a relayed address through its TURN
     * allocation (a Send indication, or ChannelData once a channel is bound, RFC 8656 §11, §12). False when the
     * allocation cannot carry it (gone, or no permission for the peer).
     */
    private boolean emit(InetSocketAddress localBase, InetSocketAddress remote, byte[] data) {
        Relay relay = relayAt(localBase);
        if (relay == null) {
            transmits.add(new Transmit(localBase, remote, data));
            return true;
        }
        if (relay.connectionClosed) {
            return false;
        }
        boolean sent = relay.core.send(remote, ByteBuffer.wrap(data));
        flushRelayTransmits(relay);
        return sent;
    }

    // --------------------------------------------------------------------------------------- remote candidates

    /** The peer's ufrag and password from its description; trickled candidates may have come before. */
    public void setRemoteCredentials(String ufrag, String password) {
        requireOpen();
        IceCredentials.requireValidUfrag(ufrag, "the remote");
        IceCredentials.requireValidPassword(password, "the remote");
        remoteUfrag = ufrag;
        remoteKey = StunCredentials.shortTermKey(password);
        updateState();
    }

    /**
     * A candidate from the peer (RFC 8838 §11: at any time, before or after its credentials). One with an mDNS
     * host name waits for {@link #resolveRemoteCandidate}; TCP and other components are ignored (returns false).
     */
    public boolean addRemoteCandidate(IceCandidate candidate) {
        requireOpen();
        if (candidate.component() != COMPONENT || candidate.transport() != IceCandidate.Transport.UDP) {
            return false;
        }
        if (!candidate.isResolved()) {
            unresolvedRemoteCandidates.add(candidate);
            return true;
        }
        addResolvedRemoteCandidate(candidate);
        updateState();
        return true;
    }

    /**
     * The driver resolved an mDNS name (draft-ietf-mmusic-mdns-ice-candidates): candidates waiting on it join the
     * checklist. Returns how many did.
     */
    public int resolveRemoteCandidate(String hostName, InetAddress address) {
        requireOpen();
        int resolved = 0;
        for (var iterator = unresolvedRemoteCandidates.iterator(); iterator.hasNext(); ) {
            IceCandidate candidate = iterator.next();
            if (candidate.address().getHostString().toLowerCase(Locale.ROOT)
                    .equals(hostName.toLowerCase(Locale.ROOT))) {
                iterator.remove();
                addResolvedRemoteCandidate(
                        candidate.withAddress(new InetSocketAddress(address, candidate.address().getPort())));
                resolved++;
            }
        }
        updateState();
        return resolved;
    }

    /** RFC 8838 §4.2: the peer signalled end-of-candidates. */
    public void endOfRemoteCandidates() {
        requireOpen();
        remoteCandidatesComplete = true;
        updateState();
    }

    private void addResolvedRemoteCandidate(IceCandidate candidate) {
        for (int i = 0; i < remoteCandidates.size(); i++) {
            IceCandidate known = remoteCandidates.get(i);
            if (known.address().equals(candidate.address())) {
                if (known.type() == IceCandidate.Type.PRFLX && candidate.type() != IceCandidate.Type.PRFLX) {
                    // RFC 8838 §11.1 (and RFC 8445 §7.3.1.3): the signalled candidate replaces the peer-reflexive
                    // one learnt from a check; its pairs take the signalled priority and foundation.
                    remoteCandidates.set(i, candidate);
                    for (CandidatePair pair : pairs) {
                        if (pair.remote == known) {
                            pair.remote = candidate;
                        }
                    }
                    recomputePairPriorities();
                }
                return;
            }
        }
        remoteCandidates.add(candidate);
        for (IceCandidate local : List.copyOf(localCandidates)) {
            if ((local.type() == IceCandidate.Type.HOST && !relayOnly) || local.type() == IceCandidate.Type.RELAY) {
                addPair(local, candidate);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- pairing

    /** Adds a checklist pair unless it cannot be formed or is redundant (RFC 8445 §6.1.2.2 – §6.1.2.6). */
    private CandidatePair addPair(IceCandidate local, IceCandidate remote) {
        if (!IcePairing.canPair(local, remote)) {
            return null;
        }
        for (CandidatePair existing : pairs) {
            if (existing.inChecklist && existing.isOnPath(local.base(), remote.address())) {
                return existing; // §6.1.2.4: same base and remote address is redundant
            }
        }
        CandidatePair pair = new CandidatePair(local, remote,
                IcePriorities.pairPriority(role == IceRole.CONTROLLING, local.priority(), remote.priority()),
                CandidatePairState.FROZEN);
        pair.inChecklist = true;
        // §6.1.2.6 as trickle ICE applies it to pairs added later (RFC 8838 §10): a pair starts Waiting unless one
        // of its foundation is already Waiting or In-Progress.
        if (!foundationBusy(pair.foundation())) {
            pair.state = CandidatePairState.WAITING;
        }
        insertByPriority(pair);
        enforcePairLimit();
        if (!pairs.contains(pair)) {
            return null;
        }
        if (local.type() == IceCandidate.Type.RELAY) {
            requestPermission(pair); // RFC 8656 §9: the relay forwards nothing to or from the peer without one
        }
        return pair;
    }

    private boolean foundationBusy(String foundation) {
        for (CandidatePair other : pairs) {
            if (other.inChecklist && other.foundation().equals(foundation)
                    && (other.state == CandidatePairState.WAITING || other.state == CandidatePairState.IN_PROGRESS)) {
                return true;
            }
        }
        return false;
    }

    private void insertByPriority(CandidatePair pair) {
        int index = 0;
        while (index < pairs.size() && Long.compareUnsigned(pairs.get(index).priority, pair.priority) >= 0) {
            index++;
        }
        pairs.add(index, pair);
    }

    /** RFC 8445 §6.1.2.5: beyond the limit, the lowest-priority pairs not yet checked go. */
    private void enforcePairLimit() {
        int inChecklist = 0;
        for (CandidatePair pair : pairs) {
            inChecklist += pair.inChecklist ? 1 : 0;
        }
        for (int i = pairs.size() - 1; i >= 0 && inChecklist > config.maxPairs(); i--) {
            CandidatePair pair = pairs.get(i);
            if (pair.inChecklist && !pair.valid
                    && (pair.state == CandidatePairState.FROZEN || pair.state == CandidatePairState.WAITING)) {
                pairs.remove(i);
                triggeredChecks.remove(pair);
                inChecklist--;
            }
        }
    }

    private void recomputePairPriorities() {
        for (CandidatePair pair : pairs) {
            pair.priority = IcePriorities.pairPriority(role == IceRole.CONTROLLING, pair.local.priority(),
                    pair.remote.priority());
        }
        pairs.sort((a, b) -> Long.compareUnsigned(b.priority, a.priority));
    }

    private CandidatePair findPair(InetSocketAddress localBase, InetSocketAddress remoteAddress) {
        for (CandidatePair pair : pairs) {
            if (pair.inChecklist && pair.isOnPath(localBase, remoteAddress)) {
                return pair;
            }
        }
        return null;
    }

    private void enqueueTriggeredCheck(CandidatePair pair, boolean first) {
        if (pair.queuedForTriggeredCheck) {
            if (first) {
                triggeredChecks.remove(pair);
                triggeredChecks.addFirst(pair);
            }
            return;
        }
        pair.queuedForTriggeredCheck = true;
        if (first) {
            triggeredChecks.addFirst(pair);
        } else {
            triggeredChecks.addLast(pair);
        }
    }

    // ------------------------------------------------------------------------------------------------- input

    /**
     * A packet arrived on the local socket bound at {@code local} from {@code remote}. What a TURN server the agent
     * allocated on sends to that socket goes to the allocation (and what it relays comes back as arriving on the
     * relayed candidate); STUN is handled here; anything else on a pair the peer has proven becomes
     * {@link IceEvent.DataReceived}, and from unknown sources is dropped. The buffer is read from its position to
     * its limit and not kept.
     */
    public void handleInput(InetSocketAddress local, InetSocketAddress remote, ByteBuffer packet, long nowNanos) {
        if (closed) {
            return;
        }
        tick(nowNanos);
        Relay relay = relayFrom(local, remote);
        if (relay != null && !isAnswerToOurRequest(packet)) {
            relay.core.handleInput(packet, remote, now);
            drainRelay(relay);
        } else {
            dispatch(local, remote, packet);
        }
        sendCheckIfDue();
        updateState();
    }

    /** A STUN response to one of the agent's own requests (a TURN server may also be the STUN server). */
    private boolean isAnswerToOurRequest(ByteBuffer packet) {
        return StunMessageReader.looksLikeStun(packet) && reader.wrap(packet) == StunParseStatus.OK
                && reader.messageClass().isResponse() && transactions.containsKey(reader.transactionId());
    }

    /** A packet on a host socket, or one relayed to a relayed candidate (then {@code local} is its address). */
    private void dispatch(InetSocketAddress local, InetSocketAddress remote, ByteBuffer packet) {
        if (relayOnly && relayAt(local) == null) {
            return; // iceTransportPolicy "relay": the host sockets are only the allocations' bases
        }
        if (StunMessageReader.looksLikeStun(packet)) {
            if (reader.wrap(packet) != StunParseStatus.OK) {
                return; // RFC 8489 §6.3: malformed STUN is discarded
            }
            switch (reader.messageClass()) {
                case REQUEST -> onRequest(local, remote);
                case SUCCESS_RESPONSE, ERROR_RESPONSE -> onResponse(local, remote, packet);
                case INDICATION -> {
                    // RFC 8445 §11: a keepalive; nothing to answer.
                }
            }
        } else {
            onData(local, remote, packet);
        }
    }

    private void onRequest(InetSocketAddress local, InetSocketAddress remote) {
        if (reader.method() != StunMethod.BINDING) {
            sendError(local, remote, ErrorCodeAttribute.BAD_REQUEST, "ICE answers Binding requests only", null);
            return;
        }
        int unknown = reader.unknownComprehensionRequired(REGISTRY::knows, unknownAttributes);
        if (unknown > 0) { // RFC 8489 §6.3.1
            List<Integer> types = new ArrayList<>(unknown);
            for (int i = 0; i < unknown; i++) {
                types.add(unknownAttributes[i]);
            }
            sendError(local, remote, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, "Unknown Attribute",
                    new UnknownAttributesAttribute(types));
            return;
        }
        // RFC 8489 §9.1.3: without USERNAME and MESSAGE-INTEGRITY, 400; with a wrong one, 401 (RFC 8445 §7.3).
        if (!reader.has(StunAttributeType.USERNAME) || !reader.has(StunAttributeType.MESSAGE_INTEGRITY)) {
            sendError(local, remote, ErrorCodeAttribute.BAD_REQUEST, "USERNAME and MESSAGE-INTEGRITY required", null);
            return;
        }
        StunMessage request;
        try {
            request = StunMessage.decode(reader, REGISTRY);
        } catch (StunDecodeException e) {
            sendError(local, remote, ErrorCodeAttribute.BAD_REQUEST, "Malformed attribute", null);
            return;
        }
        String username = request.string(StunAttributeType.USERNAME).orElse("");
        int colon = username.indexOf(':');
        String ourPart = colon < 0 ? username : username.substring(0, colon);
        // RFC 8445 §7.3: the USERNAME starts with our ufrag, and MESSAGE-INTEGRITY uses our password.
        if (!ourPart.equals(localUfrag) || !reader.verifyMessageIntegrity(localKey)) {
            sendError(local, remote, ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated", null);
            return;
        }
        Optional<NumberAttribute> priority = request.attribute(StunAttributeType.PRIORITY, NumberAttribute.class);
        // RFC 8445 §7.1.1: PRIORITY is mandatory; §5.1.2.1 keeps it within 1 to 2^31 − 1.
        if (priority.isEmpty() || priority.get().value() == 0 || priority.get().value() > IceCandidate.MAX_PRIORITY) {
            sendError(local, remote, ErrorCodeAttribute.BAD_REQUEST, "PRIORITY required", null);
            return;
        }
        // RFC 8445 §7.3.1.1: detecting and repairing role conflicts.
        Optional<NumberAttribute> theirControlling =
                request.attribute(StunAttributeType.ICE_CONTROLLING, NumberAttribute.class);
        Optional<NumberAttribute> theirControlled =
                request.attribute(StunAttributeType.ICE_CONTROLLED, NumberAttribute.class);
        if (role == IceRole.CONTROLLING && theirControlling.isPresent()) {
            if (Long.compareUnsigned(tieBreaker, theirControlling.get().value()) >= 0) {
                sendSignedError(local, remote, request.transactionId(), ErrorCodeAttribute.ROLE_CONFLICT);
                return;
            }
            switchRole(IceRole.CONTROLLED);
        } else if (role == IceRole.CONTROLLED && theirControlled.isPresent()) {
            if (Long.compareUnsigned(tieBreaker, theirControlled.get().value()) >= 0) {
                switchRole(IceRole.CONTROLLING);
            } else {
                sendSignedError(local, remote, request.transactionId(), ErrorCodeAttribute.ROLE_CONFLICT);
                return;
            }
        }
        // RFC 8445 §7.3.1.2: the success response, sent from where the request arrived to where it came from.
        emit(local, remote, new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE,
                request.transactionId(), new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS, remote))
                .toBytes(Signing.integrity(localKey)));

        IceCandidate localCandidate = localCandidateAtBase(local);
        if (localCandidate == null) {
            return; // a socket the driver never announced: answered, but nothing to pair
        }
        IceCandidate remoteCandidate = remoteCandidateAt(remote);
        if (remoteCandidate == null) {
            // RFC 8445 §7.3.1.3: a peer-reflexive remote candidate, with the priority the peer put in the request.
            remoteCandidate = new IceCandidate("prflx" + (++peerReflexiveRemoteCount), COMPONENT,
                    IceCandidate.Transport.UDP, priority.get().value(), remote, IceCandidate.Type.PRFLX, null, null);
            remoteCandidates.add(remoteCandidate);
        }
        CandidatePair pair = findPair(local, remote);
        if (pair == null) {
            pair = addPair(localCandidate, remoteCandidate);
            if (pair == null) {
                return;
            }
        }
        pair.requestsReceived++;
        pair.responsesSent++;
        pair.peerProven = true;
        boolean useCandidate = role == IceRole.CONTROLLED && request.has(StunAttributeType.USE_CANDIDATE);
        // RFC 8445 §7.3.1.4: triggered checks.
        switch (pair.state) {
            case SUCCEEDED -> {
                // Nothing to check again; §7.3.1.5: a nomination takes effect on the valid pair at once.
                if (useCandidate) {
                    (pair.validPair != null ? pair.validPair : pair).nominated = true;
                    updateSelection();
                }
            }
            case IN_PROGRESS -> {
                cancelChecks(pair);
                pair.state = CandidatePairState.WAITING;
                enqueueTriggeredCheck(pair, false);
            }
            default -> {
                pair.state = CandidatePairState.WAITING;
                enqueueTriggeredCheck(pair, false);
            }
        }
        if (useCandidate && pair.state != CandidatePairState.SUCCEEDED) {
            pair.nominateOnSuccess = true; // §7.3.1.5: nominated once our own check on it succeeds
        }
    }

    private void cancelChecks(CandidatePair pair) {
        for (Transaction transaction : transactions.values()) {
            if (transaction.pair == pair && transaction.purpose == Purpose.CHECK) {
                transaction.cancelled = true;
            }
        }
    }

    private IceCandidate localCandidateAtBase(InetSocketAddress base) {
        for (IceCandidate candidate : localCandidates) {
            if ((candidate.type() == IceCandidate.Type.HOST || candidate.type() == IceCandidate.Type.RELAY)
                    && candidate.base().equals(base)) {
                return candidate;
            }
        }
        return null;
    }

    private IceCandidate remoteCandidateAt(InetSocketAddress address) {
        for (IceCandidate candidate : remoteCandidates) {
            if (candidate.address().equals(address)) {
                return candidate;
            }
        }
        return null;
    }

    private void sendError(InetSocketAddress local, InetSocketAddress remote, int code, String reason,
                           StunAttribute extra) {
        List<StunAttribute> attributes = new ArrayList<>(2);
        attributes.add(new ErrorCodeAttribute(code, reason));
        if (extra != null) {
            attributes.add(extra);
        }
        StunMessage response = new StunMessage(reader.method(), StunClass.ERROR_RESPONSE, reader.transactionId(),
                attributes);
        emit(local, remote, response.toBytes(Signing.FINGERPRINT));
    }

    /** An error to an authenticated request carries MESSAGE-INTEGRITY, so the peer can trust it (487). */
    private void sendSignedError(InetSocketAddress local, InetSocketAddress remote, TransactionId id, int code) {
        StunMessage response = new StunMessage(StunMethod.BINDING, StunClass.ERROR_RESPONSE, id,
                new ErrorCodeAttribute(code, "Role Conflict"));
        emit(local, remote, response.toBytes(Signing.integrity(localKey)));
    }

    private void switchRole(IceRole newRole) {
        role = newRole;
        events.add(new IceEvent.RoleChanged(newRole));
        recomputePairPriorities(); // RFC 8445 §7.3.1.1: pair priorities depend on the role
        if (newRole == IceRole.CONTROLLED) {
            nominating = null;
            for (CandidatePair pair : pairs) {
                pair.useCandidateNext = false;
            }
        } else {
            for (CandidatePair pair : pairs) {
                if (pair.valid && !pair.consentExpired) {
                    nominate(pair); // the first valid pair is the highest-priority one
                    break;
                }
            }
        }
    }

    private void onResponse(InetSocketAddress local, InetSocketAddress source, ByteBuffer packet) {
        Transaction transaction = transactions.get(reader.transactionId());
        if (transaction == null) {
            return;
        }
        // RFC 8445 §7.2.5: responses to checks are authenticated with the password the request used; anything
        // else is dropped before it can end the transaction.
        if (transaction.purpose != Purpose.GATHER && !reader.verifyMessageIntegrity(transaction.key)) {
            return;
        }
        if (!transaction.engine.handleInput(packet, source, now)) {
            return;
        }
        transactions.remove(transaction.id);
        StunTransactions.Outcome outcome = transaction.engine.pollOutcome().orElseThrow();
        StunMessage response = ((StunTransactions.Answered) outcome).response();
        if (transaction.purpose == Purpose.GATHER) {
            onGatheringAnswered(transaction, response);
            announceGatheringCompleteWhenDone();
        } else {
            onCheckAnswered(transaction, response, local, source);
        }
    }

    private void onCheckAnswered(Transaction transaction, StunMessage response, InetSocketAddress local,
                                 InetSocketAddress source) {
        CandidatePair pair = transaction.pair;
        boolean check = transaction.purpose == Purpose.CHECK;
        if (response.messageClass() == StunClass.ERROR_RESPONSE) {
            int code = response.errorCode().map(ErrorCodeAttribute::code).orElse(0);
            if (code == ErrorCodeAttribute.ROLE_CONFLICT && check) {
                // RFC 8445 §7.2.5.1: take the other role than the request claimed, and check the pair again.
                if (role == transaction.roleInRequest) {
                    switchRole(transaction.roleInRequest.opposite());
                }
                if (nominating == pair) {
                    nominating = null;
                }
                pair.state = CandidatePairState.WAITING;
                enqueueTriggeredCheck(pair, true);
            } else if (check) {
                failCheck(pair); // §7.2.5.2.4: an unrecoverable error
            }
            return;
        }
        // RFC 8445 §7.2.5.2.1: the response must come from where the request went, to where it left from.
        if (!source.equals(transaction.destination) || !local.equals(transaction.localBase)) {
            if (check) {
                failCheck(pair);
            }
            return;
        }
        Optional<InetSocketAddress> mapped = response.address(StunAttributeType.XOR_MAPPED_ADDRESS);
        if (mapped.isEmpty()) {
            if (check) {
                failCheck(pair);
            }
            return;
        }
        pair.responsesReceived++;
        pair.recordRtt(now - transaction.startedNanos);
        pair.lastResponseNanos = now;
        pair.awaitingAnswer = false;
        if (check) {
            onCheckSucceeded(transaction, pair, mapped.get());
        }
    }

    private void failCheck(CandidatePair pair) {
        if (pair.state != CandidatePairState.SUCCEEDED) {
            pair.state = CandidatePairState.FAILED;
        }
        if (nominating == pair) {
            nominating = null;
        }
    }

    private void onCheckSucceeded(Transaction transaction, CandidatePair pair, InetSocketAddress mapped) {
        // RFC 8445 §7.2.5.3.1: the mapped address names the local candidate; unknown, it is peer-reflexive.
        IceCandidate local = null;
        for (IceCandidate candidate : localCandidates) {
            if (candidate.address().equals(mapped) && candidate.base().equals(transaction.localBase)) {
                local = candidate;
                break;
            }
        }
        if (local == null) {
            local = new IceCandidate(
                    foundations.foundationOf(IceCandidate.Type.PRFLX, transaction.localBase.getAddress(), null,
                            IceCandidate.Transport.UDP),
                    COMPONENT, IceCandidate.Transport.UDP, transaction.priorityInRequest, mapped,
                    IceCandidate.Type.PRFLX, transaction.localBase, transaction.localBase);
            localCandidates.add(local); // not signalled: the peer learns it from our checks
        }
        // §7.2.5.3.2: the valid pair is the checked one, another checklist pair, or a new one.
        CandidatePair valid = pair;
        if (!local.address().equals(pair.local.address())) {
            valid = null;
            for (CandidatePair other : pairs) {
                if (other.local.address().equals(local.address()) && other.isOnPath(transaction.localBase,
                        pair.remote.address())) {
                    valid = other;
                    break;
                }
            }
            if (valid == null) {
                valid = new CandidatePair(local, pair.remote,
                        IcePriorities.pairPriority(role == IceRole.CONTROLLING, local.priority(),
                                pair.remote.priority()),
                        CandidatePairState.SUCCEEDED);
                insertByPriority(valid);
            }
            valid.lastResponseNanos = now;
            valid.awaitingAnswer = false;
        }
        valid.valid = true;
        valid.peerProven = true;
        pair.validPair = valid;
        if (!writable) {
            writable = true;
            events.add(new IceEvent.Writable());
        }
        // §7.2.5.3.3: success, and pairs of the same foundation may now go.
        pair.state = CandidatePairState.SUCCEEDED;
        String foundation = pair.foundation();
        for (CandidatePair other : pairs) {
            if (other.state == CandidatePairState.FROZEN && other.foundation().equals(foundation)) {
                other.state = CandidatePairState.WAITING;
            }
        }
        // §7.2.5.3.4: a check with USE-CANDIDATE (ours), or a nomination that arrived while it ran (theirs).
        if (transaction.useCandidate || pair.nominateOnSuccess) {
            valid.nominated = true;
            pair.nominateOnSuccess = false;
            if (nominating == pair) {
                nominating = null;
            }
        }
        if (role == IceRole.CONTROLLING && !transaction.useCandidate && shouldNominate(valid)) {
            nominate(pair);
        }
        updateSelection();
    }

    /** §8.1.1: nominate the first valid pair at once, and (renomination) a better one that succeeds later. */
    private boolean shouldNominate(CandidatePair valid) {
        if (valid.nominated || valid.consentExpired) {
            return false;
        }
        CandidatePair current = nominating != null ? nominating : (restarting ? null : selected);
        if (current == null) {
            return true;
        }
        long currentPriority = (current.validPair != null ? current.validPair : current).priority;
        return config.renomination() && Long.compareUnsigned(valid.priority, currentPriority) > 0;
    }

    /** Repeats the check that produced the valid pair, with USE-CANDIDATE, ahead of other checks (§8.1.1). */
    private void nominate(CandidatePair checked) {
        CandidatePair generating = checked;
        for (CandidatePair pair : pairs) {
            if (pair.validPair == checked && pair.inChecklist) {
                generating = pair;
                break;
            }
        }
        generating.useCandidateNext = true;
        nominating = generating;
        enqueueTriggeredCheck(generating, true);
    }

    private void updateSelection() {
        CandidatePair best = null;
        for (CandidatePair pair : pairs) {
            if (pair.valid && pair.nominated && !pair.consentExpired) {
                best = pair; // pairs are in priority order
                break;
            }
        }
        if (best == null || best == selected) {
            return;
        }
        selected = best;
        restarting = false;
        best.awaitingAnswer = false;
        Relay relay = relayAt(best.local.base());
        if (relay != null && relay.core.state() == TurnClientCore.State.ALLOCATED) {
            // RFC 8656 §12: data on the selected relayed pair goes as ChannelData (4 bytes of overhead, not 36).
            relay.core.bindChannel(best.remote.address(), now);
            drainRelay(relay);
        }
        nextConsentNanos = now + randomisedConsentInterval();
        events.add(new IceEvent.SelectedPairChanged(best.local, best.remote));
    }

    /** RFC 7675 §5.1: uniformly over 0.8 to 1.2 times the interval, so that checks do not synchronise. */
    private long randomisedConsentInterval() {
        long mean = config.consentInterval().toNanos();
        return mean * 8 / 10 + (long) (random.nextDouble() * (mean * 4 / 10));
    }

    private void onData(InetSocketAddress local, InetSocketAddress remote, ByteBuffer packet) {
        CandidatePair pair = null;
        if (selected != null && selected.isOnPath(local, remote)) {
            pair = selected;
        } else {
            for (CandidatePair candidate : pairs) {
                if ((candidate.peerProven || candidate.valid) && candidate.isOnPath(local, remote)) {
                    pair = candidate;
                    break;
                }
            }
        }
        if (pair == null) {
            return; // RFC 8445 §12.1: data only on pairs ICE has checked; anything else could be spoofed
        }
        byte[] data = new byte[packet.remaining()];
        packet.get(packet.position(), data);
        pair.packetsReceived++;
        pair.bytesReceived += data.length;
        events.add(new IceEvent.DataReceived(local, remote, data));
    }

    // --------------------------------------------------------------------------------------------- sending

    /**
     * Queues {@code data} (position to limit, copied) on the selected pair — before one is selected, on the best
     * valid pair ({@link IceEvent.Writable}) — through the TURN allocation when its local candidate is relayed; false
     * when there is none, consent for it expired, or its allocation is gone.
     */
    public boolean send(ByteBuffer data, long nowNanos) {
        if (closed) {
            return false;
        }
        tick(nowNanos);
        CandidatePair pair = dataPair();
        if (pair == null) {
            return false;
        }
        byte[] bytes = new byte[data.remaining()];
        data.get(data.position(), bytes);
        if (!emit(pair.local.base(), pair.remote.address(), bytes)) {
            return false;
        }
        pair.packetsSent++;
        pair.bytesSent += bytes.length;
        pair.lastSentNanos = now;
        return true;
    }

    /**
     * The selected pair; before there is one, the highest-priority valid pair (RFC 8445 §12.1: an agent "MAY send data
     * on any valid pair before selected pairs have been produced"). Null without consent.
     */
    private CandidatePair dataPair() {
        CandidatePair pair = selected;
        if (pair != null) {
            return pair.consentExpired ? null : pair;
        }
        if (consentLost) {
            return null;
        }
        for (CandidatePair candidate : pairs) {
            if (candidate.valid && !candidate.consentExpired) {
                return candidate; // pairs are in priority order
            }
        }
        return null;
    }

    public Optional<Transmit> pollTransmit() {
        return Optional.ofNullable(transmits.poll());
    }

    public Optional<IceEvent> pollEvent() {
        return Optional.ofNullable(events.poll());
    }

    // ---------------------------------------------------------------------------------------------- timers

    public void handleTimeout(long nowNanos) {
        if (closed) {
            return;
        }
        tick(nowNanos);
        for (Transaction transaction : List.copyOf(transactions.values())) {
            if (!transactions.containsKey(transaction.id)) {
                continue;
            }
            transaction.engine.handleTimeout(now);
            drainTransmits(transaction);
            Optional<StunTransactions.Outcome> outcome = transaction.engine.pollOutcome();
            if (outcome.isPresent() && outcome.get() instanceof StunTransactions.TimedOut) {
                transactions.remove(transaction.id);
                onTimedOut(transaction);
            }
        }
        for (Relay relay : List.copyOf(relays)) {
            if (relay.connectionClosed) {
                continue;
            }
            long due = relay.core.nextTimeoutNanos();
            if (due != Long.MAX_VALUE && due - now <= 0) {
                relay.core.handleTimeout(now);
                drainRelay(relay);
            }
        }
        serviceSelectedPair();
        sendCheckIfDue();
        updateState();
    }

    private void onTimedOut(Transaction transaction) {
        switch (transaction.purpose) {
            case GATHER -> announceGatheringCompleteWhenDone();
            case CHECK -> {
                if (!transaction.cancelled) {
                    failCheck(transaction.pair); // §7.2.5.2.2 (via RFC 8489 §6.2.1): no response
                }
            }
            case CONSENT -> {
                // Consent is judged by time since the last response, not by single checks.
            }
        }
    }

    private void drainTransmits(Transaction transaction) {
        Optional<StunTransactions.Transmit> transmit;
        while ((transmit = transaction.engine.pollTransmit()).isPresent()) {
            CandidatePair pair = transaction.pair;
            if (transaction.cancelled || (pair != null && pair.consentExpired)) {
                continue;
            }
            emit(transaction.localBase, transmit.get().destination(), transmit.get().bytes());
            if (pair != null) {
                pair.requestsSent++;
                pair.lastSentNanos = now;
            }
        }
    }

    /** Consent freshness (RFC 7675) and keepalives (RFC 8445 §11) on the selected pair. */
    private void serviceSelectedPair() {
        CandidatePair pair = selected;
        if (pair == null || pair.consentExpired) {
            return;
        }
        if (now - pair.lastResponseNanos >= config.consentTimeout().toNanos()) {
            expireConsent(pair);
            return;
        }
        if (remoteKey != null && now - nextConsentNanos >= 0) {
            startRequest(Purpose.CONSENT, pair, false);
            if (!pair.awaitingAnswer) {
                pair.awaitingAnswer = true;
                pair.unansweredSinceNanos = now;
            }
            nextConsentNanos = now + randomisedConsentInterval();
        }
        if (now - pair.lastSentNanos >= config.keepaliveInterval().toNanos()) {
            byte[] indication = new StunMessage(StunMethod.BINDING, StunClass.INDICATION,
                    TransactionId.random(random)).toBytes(Signing.FINGERPRINT);
            emit(pair.local.base(), pair.remote.address(), indication);
            pair.lastSentNanos = now;
        }
    }

    /** RFC 7675 §5.1: without consent, stop sending on the path at once, retransmissions included. */
    private void expireConsent(CandidatePair pair) {
        pair.consentExpired = true;
        pair.state = CandidatePairState.FAILED;
        pair.valid = false;
        transactions.values().removeIf(transaction -> transaction.pair == pair);
        boolean wasPreviousSession = restarting;
        selected = null;
        restarting = false;
        updateSelection();
        if (selected == null && !wasPreviousSession) {
            consentLost = true;
        }
    }

    private void sendCheckIfDue() {
        if (remoteKey == null || consentLost || closed) {
            return;
        }
        if (checkSentThisSession && now - lastCheckNanos < taNanos) {
            return; // RFC 8445 §6.1.4.2: one check per Ta
        }
        CandidatePair pair = nextTriggeredCheck(true);
        if (pair == null) {
            pair = nextOrdinaryCheck(true);
        }
        if (pair == null) {
            return;
        }
        boolean useCandidate = role == IceRole.CONTROLLING && pair.useCandidateNext;
        pair.useCandidateNext = false;
        startRequest(Purpose.CHECK, pair, useCandidate);
        if (pair.state != CandidatePairState.SUCCEEDED) {
            pair.state = CandidatePairState.IN_PROGRESS;
        }
        lastCheckNanos = now;
        checkSentThisSession = true;
    }

    /** The next pair in the triggered-check queue that still needs a check (RFC 8445 §6.1.4.2 step 1). */
    private CandidatePair nextTriggeredCheck(boolean take) {
        for (var iterator = triggeredChecks.iterator(); iterator.hasNext(); ) {
            CandidatePair pair = iterator.next();
            boolean stale = !pairs.contains(pair) || pair.consentExpired
                    || (pair.state == CandidatePairState.SUCCEEDED && !pair.useCandidateNext);
            if (!stale && !readyToCheck(pair)) {
                continue; // its TURN permission is still being installed
            }
            if (stale || take) {
                iterator.remove();
                pair.queuedForTriggeredCheck = false;
            }
            if (!stale) {
                return pair;
            }
        }
        return null;
    }

    /**
     * RFC 8445 §6.1.4.2 steps 2 and 3: the highest-priority Waiting pair, unfreezing one per idle foundation when
     * none waits. Once a pair is selected, only better pairs are worth checking. A Waiting pair on a relayed
     * candidate waits until the TURN permission for its remote IP is installed (RFC 8656 §9), so that the check is
     * not dropped by the relay.
     */
    private CandidatePair nextOrdinaryCheck(boolean unfreeze) {
        CandidatePair floor = restarting ? null : selected;
        CandidatePair waiting = null;
        boolean anyWaiting = false;
        for (CandidatePair pair : pairs) {
            if (pair.inChecklist && pair.state == CandidatePairState.WAITING) {
                anyWaiting = true;
                if (waiting == null && isAbove(pair, floor) && readyToCheck(pair)) {
                    waiting = pair;
                }
            }
        }
        if (waiting != null || anyWaiting) {
            return waiting;
        }
        CandidatePair first = null;
        for (CandidatePair pair : pairs) {
            if (pair.inChecklist && pair.state == CandidatePairState.FROZEN && isAbove(pair, floor)
                    && !foundationBusy(pair.foundation())) {
                if (!unfreeze) {
                    return pair;
                }
                pair.state = CandidatePairState.WAITING;
                if (first == null) {
                    first = pair;
                }
            }
        }
        return first;
    }

    private static boolean isAbove(CandidatePair pair, CandidatePair floor) {
        return floor == null || Long.compareUnsigned(pair.priority, floor.priority) > 0;
    }

    /** Starts a connectivity or consent check on {@code pair} (RFC 8445 §7.2.2, RFC 7675 §5.1). */
    private void startRequest(Purpose purpose, CandidatePair pair, boolean useCandidate) {
        TransactionId id = TransactionId.random(random);
        // §7.1.1: PRIORITY is what a peer-reflexive candidate learnt from this check would have.
        long priority = IcePriorities.candidatePriority(IceCandidate.Type.PRFLX,
                IcePriorities.localPreferenceOf(pair.local.priority()), pair.local.component());
        List<StunAttribute> attributes = new ArrayList<>(5);
        attributes.add(new StringAttribute(StunAttributeType.USERNAME, remoteUfrag + ":" + localUfrag));
        attributes.add(NumberAttribute.uint32(StunAttributeType.PRIORITY, priority));
        attributes.add(NumberAttribute.uint64(role == IceRole.CONTROLLING ? StunAttributeType.ICE_CONTROLLING
                : StunAttributeType.ICE_CONTROLLED, tieBreaker)); // §7.1.3
        if (useCandidate) {
            attributes.add(new FlagAttribute(StunAttributeType.USE_CANDIDATE)); // §7.1.2
        }
        byte[] request = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, id, attributes)
                .toBytes(Signing.integrity(remoteKey));
        RetransmissionPolicy base = config.checkRetransmission();
        RetransmissionPolicy policy;
        if (purpose == Purpose.CHECK) {
            // RFC 8445 §14.3: RTO = MAX(500 ms, Ta × (Num-Waiting + Num-In-Progress)).
            long active = pairs.stream().filter(p -> p.state == CandidatePairState.WAITING
                    || p.state == CandidatePairState.IN_PROGRESS).count();
            Duration rto = Duration.ofNanos(Math.max(base.rto().toNanos(), taNanos * active));
            policy = new RetransmissionPolicy(rto, base.rc(), base.rm(), base.reliableTimeout());
        } else {
            policy = new RetransmissionPolicy(base.rto(), CONSENT_TRANSMISSIONS, CONSENT_FINAL_WAIT_RTOS,
                    base.reliableTimeout());
        }
        StunTransactions engine = new StunTransactions(policy, false);
        engine.start(id, request, pair.remote.address(), now);
        Transaction transaction = new Transaction(id, purpose, engine, pair.local.base(), pair.remote.address(),
                pair, null, useCandidate, role, priority, remoteKey, now);
        transactions.put(id, transaction);
        drainTransmits(transaction);
    }

    /** When {@link #handleTimeout} is next due (possibly already), or {@link Long#MAX_VALUE} for never. */
    public long nextTimeoutNanos() {
        if (closed || !knowsTime) {
            return Long.MAX_VALUE;
        }
        long next = Long.MAX_VALUE;
        for (Transaction transaction : transactions.values()) {
            next = earliest(next, transaction.engine.nextTimeoutNanos());
        }
        for (Relay relay : relays) {
            if (!relay.connectionClosed) {
                next = earliest(next, relay.core.nextTimeoutNanos());
            }
        }
        if (remoteKey != null && !consentLost
                && (nextTriggeredCheck(false) != null || nextOrdinaryCheck(false) != null)) {
            next = earliest(next, checkSentThisSession ? lastCheckNanos + taNanos : now);
        }
        CandidatePair pair = selected;
        if (pair != null && !pair.consentExpired) {
            next = earliest(next, pair.lastResponseNanos + config.consentTimeout().toNanos());
            next = earliest(next, pair.lastSentNanos + config.keepaliveInterval().toNanos());
            if (remoteKey != null) {
                next = earliest(next, nextConsentNanos);
            }
            if (pair.awaitingAnswer && state != IceConnectionState.DISCONNECTED) {
                next = earliest(next, pair.unansweredSinceNanos + config.disconnectedTimeout().toNanos());
            }
        }
        return next;
    }

    private static long earliest(long a, long b) {
        if (a == Long.MAX_VALUE) {
            return b;
        }
        if (b == Long.MAX_VALUE) {
            return a;
        }
        return a - b <= 0 ? a : b; // nanoTime values compare by difference
    }

    private void tick(long nowNanos) {
        now = nowNanos;
        knowsTime = true;
    }

    // ----------------------------------------------------------------------------------------------- state

    private void updateState() {
        IceConnectionState next = computeState();
        if (next == IceConnectionState.COMPLETED
                && (state == IceConnectionState.NEW || state == IceConnectionState.CHECKING)) {
            // Everything may settle in one step; users (DTLS above) still see CONNECTED first, as in browsers.
            events.add(new IceEvent.StateChanged(IceConnectionState.CONNECTED));
        }
        if (next != state) {
            state = next;
            events.add(new IceEvent.StateChanged(next));
        }
    }

    private IceConnectionState computeState() {
        if (closed) {
            return IceConnectionState.CLOSED;
        }
        if (consentLost) {
            return IceConnectionState.FAILED;
        }
        CandidatePair pair = selected;
        if (pair != null && !pair.consentExpired) {
            if (pair.awaitingAnswer && now - pair.unansweredSinceNanos >= config.disconnectedTimeout().toNanos()) {
                return IceConnectionState.DISCONNECTED;
            }
            return !restarting && isComplete(pair) ? IceConnectionState.COMPLETED : IceConnectionState.CONNECTED;
        }
        if (allChecksExhausted()) {
            return IceConnectionState.FAILED;
        }
        boolean anyPair = false;
        for (CandidatePair candidatePair : pairs) {
            anyPair |= candidatePair.inChecklist;
        }
        return anyPair && remoteKey != null ? IceConnectionState.CHECKING : IceConnectionState.NEW;
    }

    /** Completed (RFC 8445 §8.1.2, W3C "completed"): nothing better can still turn up. */
    private boolean isComplete(CandidatePair pair) {
        if (!remoteCandidatesComplete || !gatheringComplete || nominating != null
                || !unresolvedRemoteCandidates.isEmpty()) {
            return false;
        }
        for (CandidatePair other : pairs) {
            if (other.inChecklist && isAbove(other, pair) && (other.state == CandidatePairState.FROZEN
                    || other.state == CandidatePairState.WAITING || other.state == CandidatePairState.IN_PROGRESS)) {
                return false;
            }
        }
        return true;
    }

    /**
     * FAILED without a selected pair (RFC 8838 §8: only once the peer's end-of-candidates arrived and our gathering
     * ended): every pair failed and no check is pending.
     */
    private boolean allChecksExhausted() {
        if (remoteKey == null || !remoteCandidatesComplete || !gatheringComplete || restarting) {
            return false;
        }
        if (nextTriggeredCheck(false) != null) {
            return false;
        }
        for (CandidatePair pair : pairs) {
            if (pair.inChecklist && pair.state != CandidatePairState.FAILED) {
                return false;
            }
        }
        for (Transaction transaction : transactions.values()) {
            if (transaction.purpose == Purpose.CHECK && !transaction.cancelled) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------- restart and close

    /** ICE restart (RFC 8445 §9) with fresh random credentials. */
    public void restart(long nowNanos) {
        restart(IceCredentials.randomUfrag(random), IceCredentials.randomPassword(random), nowNanos);
    }

    /**
     * ICE restart (RFC 8445 §9): new local credentials, the peer's credentials and candidates forgotten, the
     * checklist cleared and gathering run again (host candidates are announced again, srflx re-learnt; TURN
     * allocations that stand are kept and their relayed candidates announced again, failed ones are retried).
     * Data keeps flowing on the old selected pair until a pair of the new session is selected.
     */
    public void restart(String newUfrag, String newPassword, long nowNanos) {
        requireOpen();
        tick(nowNanos);
        if (newUfrag.equals(localUfrag)) {
            throw new IllegalArgumentException("an ICE restart needs a new ufrag (RFC 8445 §9)");
        }
        setLocalCredentials(newUfrag, newPassword);
        remoteUfrag = null;
        remoteKey = null;
        remoteCandidates.clear();
        unresolvedRemoteCandidates.clear();
        remoteCandidatesComplete = false;
        transactions.values().removeIf(transaction -> transaction.purpose != Purpose.CONSENT);
        triggeredChecks.clear();
        pairs.clear();
        // The old selected pair stays outside the new checklist: it carries data, and consent checks, until a
        // pair of the new session is selected.
        if (selected != null && !selected.consentExpired) {
            restarting = true;
        } else {
            selected = null;
        }
        nominating = null;
        consentLost = false;
        checkSentThisSession = false;
        localCandidates.removeIf(candidate -> candidate.type() != IceCandidate.Type.HOST);
        gatheringComplete = false;
        for (IceCandidate host : List.copyOf(localCandidates)) {
            if (!relayOnly) {
                events.add(new IceEvent.LocalCandidate(host));
            }
            startServerReflexiveGathering(host);
        }
        // Allocations that stand are kept, with their permissions, and their candidates announced again; ones that
        // failed or were lost are asked for afresh.
        for (Relay relay : relays) {
            if (relay.candidate != null && relay.core.state() == TurnClientCore.State.ALLOCATED) {
                if (relay.host != null) {
                    relay.core.mappedAddress().ifPresent(mapped ->
                            addServerReflexive(relay.host, mapped, relay.server.address().getAddress()));
                }
                localCandidates.add(relay.candidate);
                events.add(new IceEvent.LocalCandidate(relay.candidate));
            } else if (relay.settled && !relay.onStream()) {
                // Over TCP/TLS the server ties an allocation to the connection's 5-tuple (RFC 8656 §3.1): a new one
                // needs a new connection, which only the driver can open.
                allocate(relay);
            }
        }
        announceGatheringCompleteWhenDone();
        updateState();
    }

    /**
     * Stops everything: no more events or timers (W3C "closed"), and no more transmits but one Refresh with
     * LIFETIME 0 per TURN allocation, which releases it at the server (RFC 8656 §8.1); it is sent once, and if it
     * is lost the allocation simply expires.
     */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        transactions.clear();
        transmits.clear();
        triggeredChecks.clear();
        for (Relay relay : relays) {
            if (!relay.connectionClosed && relay.core.state() == TurnClientCore.State.ALLOCATED) {
                relay.core.deallocate(now);
                flushRelayTransmits(relay);
            }
        }
        Arrays.fill(localKey, (byte) 0);
        updateState();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the ICE agent is closed");
        }
    }
}
