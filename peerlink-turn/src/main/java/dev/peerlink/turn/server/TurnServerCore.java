package dev.peerlink.turn.server;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMessageType;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.attribute.UnknownAttributesAttribute;
import dev.peerlink.stun.server.BindingResponder;
import dev.peerlink.turn.TurnConfig;
import dev.peerlink.turn.auth.AuthOutcome;
import dev.peerlink.turn.auth.Authenticator;
import dev.peerlink.turn.auth.FailureRateLimiter;
import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.policy.PeerAddressPolicy;
import dev.peerlink.turn.quota.AllocationLimits;
import dev.peerlink.turn.quota.AllocationQuotas;
import dev.peerlink.turn.wire.AddressErrorCodeAttribute;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.ChannelData;
import dev.peerlink.turn.wire.ChannelNumberAttribute;
import dev.peerlink.turn.wire.EvenPortAttribute;
import dev.peerlink.turn.wire.RequestedTransportAttribute;
import dev.peerlink.turn.wire.TurnAttributes;
import dev.peerlink.turn.wire.TurnErrorCodes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * The TURN server's allocation state machine (RFC 8656), sans-IO: it never touches a socket, a thread or the
 * clock. A driver feeds it what arrives and sends what it asks for.
 *
 * <h2>How a driver uses it</h2>
 * <ol>
 *   <li>Build one core per event loop with {@link #builder()}: an {@link Authenticator}, a
 *       {@link PeerAddressPolicy} that knows the server's own addresses, and a {@link RelayAllocator} that binds
 *       relay sockets on that same loop. Every call into the core comes from that one thread.</li>
 *   <li>For every UDP datagram on a TURN listener, and every whole message framed by
 *       {@code StreamFramer.STUN} on a TCP or TLS connection, call {@link #handleClientPacket}. STUN Binding
 *       requests are answered too, so one listener serves STUN and TURN.</li>
 *   <li>For every datagram arriving on a relay socket, call {@link #handlePeerPacket} with the socket's
 *       {@link RelayHandle}.</li>
 *   <li>After each call, drain {@link #pollTransmit()} until it returns null and send each {@link Transmit}: to the
 *       client on its 5-tuple, or to the peer from the relay socket named by its handle. Then drain
 *       {@link #pollEvent()} for logs.</li>
 *   <li>Arm one timer for {@link #nextTimeoutNanos()} and call {@link #handleTimeout} when it fires (and whenever
 *       the value moved earlier after a call); expiring allocations release their relay sockets through
 *       {@link RelayAllocator#release}.</li>
 * </ol>
 * Time comes in twice: {@code nowNanos} from a monotonic clock drives lifetimes and rate limits; the wall clock
 * ({@code Instant}, second resolution suffices, so a driver may reuse one instance per second) checks nonces and
 * REST credential expiry.
 *
 * <h2>What it guarantees</h2>
 * <ul>
 *   <li>No exception escapes: malformed input is answered with the protocol's error or dropped, and a bug is
 *       counted in {@link TurnServerCounters#internalErrors()} and the packet dropped.</li>
 *   <li>No state for unauthenticated requests, and a reply to one is never more than {@value #MAX_AMPLIFICATION}
 *       times its size; 401 answers are rate limited per source address.</li>
 *   <li>The ChannelData relay path allocates nothing in either direction.</li>
 *   <li>Secrets never reach events, counters or {@code toString}.</li>
 * </ul>
 */
public final class TurnServerCore {
    /** RFC 8656 §7.2: the default allocation lifetime, also the least a LIFETIME can ask for. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(600);
    /** RFC 8656 §7.2 recommends a maximum lifetime of no more than an hour. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofSeconds(3600);
    /** RFC 8656 §9: a permission lasts 300 seconds from its last refresh. */
    public static final Duration PERMISSION_LIFETIME = Duration.ofSeconds(300);
    /** RFC 8656 §12: a channel binding lasts 10 minutes from its last refresh. */
    public static final Duration CHANNEL_LIFETIME = Duration.ofSeconds(600);
    /**
     * RFC 8656 §12: after a binding expires, a client must wait 5 minutes before binding the number or the peer to
     * anything else, so that packets still in flight on the old binding are not delivered to a new peer. The core
     * holds the pair for that long, so a client that does not wait gets 400 instead of misdelivered data.
     */
    public static final Duration CHANNEL_REUSE_DELAY = Duration.ofSeconds(300);
    /**
     * How long the success of an Allocate is kept to answer its retransmissions (RFC 8656 §7.2 step 2 would
     * otherwise answer them 437): 40 s, the span of a STUN client's retransmissions over UDP (RFC 8489 §6.2.1).
     */
    public static final Duration ALLOCATE_RETRANSMISSION_WINDOW = Duration.ofSeconds(40);
    /** How long a port reserved by EVEN-PORT's R bit is held for its RESERVATION-TOKEN (RFC 8656 §7.2). */
    public static final Duration RESERVATION_LIFETIME = Duration.ofSeconds(30);
    /** An answer to an unauthenticated request is never more than this many times the request's size. */
    public static final int MAX_AMPLIFICATION = 4;

    private static final long NANOS = 1_000_000_000L;
    private static final long DEFAULT_LIFETIME_SECONDS = DEFAULT_LIFETIME.toSeconds();
    private static final long PERMISSION_NANOS = PERMISSION_LIFETIME.toNanos();
    private static final long CHANNEL_NANOS = CHANNEL_LIFETIME.toNanos();
    private static final long CHANNEL_REUSE_NANOS = CHANNEL_REUSE_DELAY.toNanos();
    private static final long RETRANSMISSION_NANOS = ALLOCATE_RETRANSMISSION_WINDOW.toNanos();
    private static final long RESERVATION_NANOS = RESERVATION_LIFETIME.toNanos();
    private static final int MAX_PENDING_EVENTS = 65_536;
    private static final int MAX_UNKNOWN_REPORTED = 16;
    private static final int RESPONSE_CAPACITY = 2048;
    private static final int DATA_INDICATION = StunMessageType.of(StunMethod.DATA, StunClass.INDICATION);
    private static final byte[] NO_REASON = new byte[0];
    private static final byte[] REASON_400 = TurnErrorCodes.reason(400).getBytes(StandardCharsets.UTF_8);
    private static final byte[] REASON_401 = TurnErrorCodes.reason(401).getBytes(StandardCharsets.UTF_8);
    private static final byte[] REASON_438 = TurnErrorCodes.reason(438).getBytes(StandardCharsets.UTF_8);

    private final Authenticator authenticator;
    private final FailureRateLimiter challengeLimiter;
    private final PeerAddressPolicy policy;
    private final AllocationQuotas quotas;
    private final AllocationLimits limits;
    private final RelayAllocator relayAllocator;
    private final boolean ipv4Relays;
    private final boolean ipv6Relays;
    private final long maxLifetimeSeconds;
    private final String software;
    private final RandomGenerator tokenRandom;
    private final SplittableRandom transactionRandom;
    private final byte[] realmBytes;

    private final StunMessageReader reader = new StunMessageReader();
    private final StunMessageWriter writer = new StunMessageWriter();
    private final ChannelData channelData;
    private final boolean rfc5766Channels;
    private final int channelDataMaxFirstByte;
    private final BindingResponder bindingResponder;
    private final BitSet understood = new BitSet(0x8000);
    /** Made once: a method reference per packet would allocate. */
    private final IntPredicate isUnderstood = understood::get;
    private final int[] unknownTypes = new int[MAX_UNKNOWN_REPORTED];

    private final HashMap<FiveTuple, Allocation> allocations = new HashMap<>();
    private final HashMap<RelayHandle, Relay> relays = new HashMap<>();
    private final HashMap<Long, Reservation> reservations = new HashMap<>();
    private final TimerHeap timers = new TimerHeap();
    private final ArrayDeque<Transmit> pending = new ArrayDeque<>();
    private final ArrayDeque<Transmit> free = new ArrayDeque<>();
    private Transmit lent;
    private final ArrayDeque<TurnServerEvent> events = new ArrayDeque<>();
    private final TurnServerCounters counters = new TurnServerCounters();
    private long nextAllocationId = 1;

    private TurnServerCore(Builder builder) {
        this.authenticator = Objects.requireNonNull(builder.authenticator, "an authenticator is required");
        this.policy = Objects.requireNonNull(builder.policy, "a peer address policy is required");
        this.relayAllocator = Objects.requireNonNull(builder.relayAllocator, "a relay allocator is required");
        this.challengeLimiter = builder.challengeLimiter != null ? builder.challengeLimiter
                : new FailureRateLimiter(10, 2, 16_384);
        this.quotas = builder.quotas != null ? builder.quotas : new AllocationQuotas(0, 0);
        this.limits = builder.limits != null ? builder.limits : AllocationLimits.DEFAULTS;
        this.ipv4Relays = builder.ipv4Relays;
        this.ipv6Relays = builder.ipv6Relays;
        this.maxLifetimeSeconds = builder.maxLifetime.toSeconds();
        this.software = builder.software;
        this.tokenRandom = builder.random != null ? builder.random : new SecureRandom();
        this.transactionRandom = new SplittableRandom(tokenRandom.nextLong());
        this.realmBytes = authenticator.realm().getBytes(StandardCharsets.UTF_8);
        this.rfc5766Channels = builder.rfc5766Channels;
        this.channelData = new ChannelData(rfc5766Channels);
        this.channelDataMaxFirstByte = rfc5766Channels ? 0x7F : 0x4F;
        // Without RFC 5780's alternate address, the responder needs no real local address: it only answers
        // XOR-MAPPED-ADDRESS, and CHANGE-REQUEST gets 420.
        this.bindingResponder = new BindingResponder(software, new InetSocketAddress(0), null);
        for (int type = 0; type < 0x8000; type++) {
            if (TurnAttributes.registry().knows(type)) {
                understood.set(type);
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /**
     * A STUN message or ChannelData message from a client: one UDP datagram, or one whole message framed out of a
     * TCP or TLS stream. The buffer is read from its position to its limit and not modified or kept.
     */
    public void handleClientPacket(FiveTuple client, ByteBuffer packet, long nowNanos, Instant wallClock) {
        try {
            if (!packet.hasRemaining()) {
                counters.malformedDropped++;
                return;
            }
            int first = packet.get(packet.position()) & 0xFF;
            // RFC 7983 §7: 64–79 is ChannelData; RFC 5766 §11 channels reach 0x7F when the builder allows them.
            if (first >= 0x40 && first <= channelDataMaxFirstByte) {
                clientChannelData(client, packet, nowNanos);
            } else if (first <= 3) { // 0–3 is STUN
                clientStun(client, packet, nowNanos, wallClock);
            } else {
                counters.malformedDropped++;
            }
        } catch (RuntimeException bug) {
            counters.internalErrors++;
        }
    }

    /**
     * A UDP datagram that arrived on the relay socket {@code relay} from {@code peer} (RFC 8656 §11.3). The payload
     * is read from its position to its limit and not modified or kept.
     */
    public void handlePeerPacket(RelayHandle relay, InetSocketAddress peer, ByteBuffer payload, long nowNanos) {
        try {
            peerPacket(relay, peer, payload, nowNanos);
        } catch (RuntimeException bug) {
            counters.internalErrors++;
        }
    }

    /**
     * The TCP or TLS connection of {@code client} closed. Its allocation, if any, is deleted at once: no later
     * packet can arrive on that 5-tuple (a new connection has a new source port), so keeping it until it expires
     * would only hold a relay port and a quota slot. coturn does the same.
     */
    public void handleClientClosed(FiveTuple client) {
        try {
            Allocation allocation = allocations.get(client);
            if (allocation != null) {
                delete(allocation, TurnServerEvent.Reason.CONNECTION_CLOSED);
            }
        } catch (RuntimeException bug) {
            counters.internalErrors++;
        }
    }

    /** Expires what is due at {@code nowNanos}: allocations, permissions, channel bindings, reservations. */
    public void handleTimeout(long nowNanos) {
        try {
            while (true) {
                TimerNode node = timers.peek();
                if (node == null || node.deadline - nowNanos > 0) {
                    return;
                }
                timers.poll();
                expire(node);
            }
        } catch (RuntimeException bug) {
            counters.internalErrors++;
        }
    }

    // ----------------------------------------------------------------------------------------------- outputs

    /**
     * The next message to send, or null when there is none. The returned object is valid until the next call of
     * this method: send or copy its bytes first.
     */
    public Transmit pollTransmit() {
        if (lent != null) {
            free.push(lent);
            lent = null;
        }
        Transmit next = pending.poll();
        lent = next;
        return next;
    }

    /** The next lifecycle event, if any. */
    public Optional<TurnServerEvent> pollEvent() {
        return Optional.ofNullable(events.poll());
    }

    /** When {@link #handleTimeout} is next due, in the {@code nowNanos} clock; {@link Long#MAX_VALUE} for never. */
    public long nextTimeoutNanos() {
        TimerNode next = timers.peek();
        return next == null ? Long.MAX_VALUE : next.deadline;
    }

    public TurnServerCounters counters() {
        return counters;
    }

    /** Allocations alive now. */
    public int allocationCount() {
        return allocations.size();
    }

    /** Timers pending: allocations, permissions, channels (bound or cooling down) and reservations. */
    public int timerCount() {
        return timers.size();
    }

    // ------------------------------------------------------------------------------------------ client → core

    private void clientChannelData(FiveTuple tuple, ByteBuffer packet, long now) {
        Allocation allocation = allocations.get(tuple);
        if (allocation == null) {
            counters.droppedNoAllocation++;
            return;
        }
        // RFC 8656 §12.6: a datagram too short for its length is discarded; over a stream the padding is required.
        boolean stream = tuple.transport().isStream();
        ChannelData.Status status = stream ? channelData.wrapStream(packet) : channelData.wrapDatagram(packet);
        if (status != ChannelData.Status.OK || stream && channelData.frameLength() != packet.remaining()) {
            counters.malformedDropped++;
            return;
        }
        Channel channel = allocation.channels.get(channelData.channel());
        if (channel == null || !channel.bound) { // RFC 8656 §12.6: not bound to any peer, discarded
            counters.droppedUnboundChannel++;
            return;
        }
        if (!allocation.permissions.containsKey(channel.peer.getAddress())) { // RFC 8656 §9
            counters.droppedNoPermission++;
            return;
        }
        int length = channelData.dataLength();
        if (allocation.toPeerBucket != null && !allocation.toPeerBucket.tryConsume(length, now)) {
            counters.droppedOverBandwidth++;
            return;
        }
        Transmit transmit = newTransmit(length);
        ByteBuffer out = transmit.data();
        out.put(0, packet, channelData.dataOffset(), length).position(length);
        transmit.toPeer(channel.relay.handle, channel.peer, allocation.dontFragment);
        pending.add(transmit);
        counters.packetsToPeer++;
        counters.bytesToPeer += length;
    }

    private void clientStun(FiveTuple tuple, ByteBuffer packet, long now, Instant wallClock) {
        if (reader.wrap(packet) != StunParseStatus.OK) {
            counters.malformedDropped++; // RFC 8489 §6.3: malformed messages are silently discarded
            return;
        }
        StunClass messageClass = reader.messageClass();
        int method = reader.method();
        if (messageClass == StunClass.INDICATION) {
            if (method == StunMethod.SEND) {
                sendIndication(tuple, now);
            }
            return; // other indications (Binding keep-alives, a client's Data) need nothing
        }
        if (messageClass != StunClass.REQUEST) {
            return; // the server asked nothing, so responses are ignored
        }
        if (method == StunMethod.BINDING) {
            binding(tuple, packet);
            return;
        }
        boolean fingerprint = reader.has(StunAttributeType.FINGERPRINT);
        if (method != StunMethod.ALLOCATE && method != StunMethod.REFRESH && method != StunMethod.CREATE_PERMISSION
                && method != StunMethod.CHANNEL_BIND) {
            counters.badRequests++;
            respondUnauthenticated(tuple, method, ErrorCodeAttribute.BAD_REQUEST, REASON_400, null, null, fingerprint);
            return;
        }
        // RFC 8656 §5: every request is authenticated with the long-term credential mechanism.
        AuthOutcome outcome = authenticator.authenticate(reader, tuple.client(), wallClock);
        switch (outcome) {
            case AuthOutcome.Challenge challenge -> {
                if (reader.has(StunAttributeType.MESSAGE_INTEGRITY)
                        || reader.has(StunAttributeType.MESSAGE_INTEGRITY_SHA256)) {
                    counters.authFailures++; // credentials were tried and were wrong (not a first request)
                }
                if (!challengeLimiter.tryAcquire(tuple.client().getAddress(), now)) {
                    counters.challengesRateLimited++;
                    return;
                }
                if (respondUnauthenticated(tuple, method, ErrorCodeAttribute.UNAUTHENTICATED, REASON_401,
                        challenge.realm(), challenge.nonce(), fingerprint)) {
                    counters.challenges++;
                }
            }
            case AuthOutcome.StaleNonce stale -> {
                counters.staleNonces++;
                respondUnauthenticated(tuple, method, ErrorCodeAttribute.STALE_NONCE, REASON_438, stale.realm(),
                        stale.nonce(), fingerprint);
            }
            case AuthOutcome.Rejected rejected -> {
                counters.authRejected++;
                respondUnauthenticated(tuple, method, ErrorCodeAttribute.BAD_REQUEST, REASON_400, null, null,
                        fingerprint);
            }
            case AuthOutcome.Authenticated authenticated -> authenticatedRequest(tuple, method, authenticated,
                    fingerprint, now);
        }
    }

    private void binding(FiveTuple tuple, ByteBuffer packet) {
        Transmit transmit = newTransmit(RESPONSE_CAPACITY);
        InetSocketAddress client = tuple.client();
        int length = bindingResponder.respond(packet, client.getAddress(), client.getPort(), transmit.data());
        if (length == 0) {
            free.push(transmit);
            return;
        }
        counters.bindingRequests++;
        transmit.toClient(tuple);
        pending.add(transmit);
    }

    /** What answering an authenticated request needs. */
    private record Request(FiveTuple tuple, int method, TransactionId id, StunMessage.Signing signing,
                           String username, String realm, long now) {
    }

    private void authenticatedRequest(FiveTuple tuple, int method, AuthOutcome.Authenticated auth,
                                      boolean fingerprint, long now) {
        // RFC 8489 §9.2.4: responses carry the same kind of integrity as the request, and FINGERPRINT if it did.
        boolean sha256 = auth.integritySha256();
        Request request = new Request(tuple, method, reader.transactionId(),
                new StunMessage.Signing(auth.key(), !sha256, sha256, fingerprint), auth.username(), auth.realm(),
                now);
        int unknown = reader.unknownComprehensionRequired(isUnderstood, unknownTypes);
        if (unknown > 0) { // RFC 8489 §6.3.1
            List<Integer> types = new ArrayList<>(unknown);
            for (int i = 0; i < unknown; i++) {
                types.add(unknownTypes[i]);
            }
            respondError(request, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, new UnknownAttributesAttribute(types));
            return;
        }
        StunMessage message;
        try {
            message = StunMessage.decode(reader, TurnAttributes.registry());
        } catch (StunDecodeException malformed) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        switch (method) {
            case StunMethod.ALLOCATE -> allocate(request, message);
            case StunMethod.REFRESH -> refresh(request, message);
            case StunMethod.CREATE_PERMISSION -> createPermission(request, message);
            default -> channelBind(request, message);
        }
    }

    // -------------------------------------------------------------------------------------------- Allocate

    /** RFC 8656 §7.2, step by step. */
    private void allocate(Request request, StunMessage message) {
        Allocation existing = allocations.get(request.tuple());
        if (existing != null) {
            // Step 2. A retransmission of the request that made it gets that success again, not 437.
            if (existing.allocateTransaction.equals(request.id())
                    && request.now() - existing.createdNanos <= RETRANSMISSION_NANOS) {
                Transmit transmit = newTransmit(existing.successResponse.length);
                transmit.data().put(existing.successResponse);
                transmit.toClient(request.tuple());
                pending.add(transmit);
                return;
            }
            respondError(request, TurnErrorCodes.ALLOCATION_MISMATCH);
            return;
        }
        // Step 3: UDP is the only relayed transport.
        Optional<RequestedTransportAttribute> transport =
                message.attribute(StunAttributeType.REQUESTED_TRANSPORT, RequestedTransportAttribute.class);
        if (transport.isEmpty()) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        if (transport.get().protocol() != RequestedTransportAttribute.UDP) {
            respondError(request, TurnErrorCodes.UNSUPPORTED_TRANSPORT_PROTOCOL);
            return;
        }
        // Step 4: DONT-FRAGMENT is supported: the flag goes to the relay socket and every datagram to peers.
        boolean dontFragment = message.has(StunAttributeType.DONT_FRAGMENT);
        Optional<NumberAttribute> token =
                message.attribute(StunAttributeType.RESERVATION_TOKEN, NumberAttribute.class);
        Optional<EvenPortAttribute> evenPort = message.attribute(StunAttributeType.EVEN_PORT, EvenPortAttribute.class);
        Optional<AddressFamilyAttribute> requestedFamily =
                message.attribute(StunAttributeType.REQUESTED_ADDRESS_FAMILY, AddressFamilyAttribute.class);
        Optional<AddressFamilyAttribute> additionalFamily =
                message.attribute(StunAttributeType.ADDITIONAL_ADDRESS_FAMILY, AddressFamilyAttribute.class);
        // Step 5: a RESERVATION-TOKEN names the relay already; it cannot come with a port or family request.
        Reservation reservation = null;
        if (token.isPresent()) {
            if (evenPort.isPresent() || requestedFamily.isPresent() || additionalFamily.isPresent()) {
                respondError(request, ErrorCodeAttribute.BAD_REQUEST);
                return;
            }
            reservation = reservations.get(token.get().value());
            if (reservation == null || !reservation.username.equals(request.username())) {
                respondError(request, TurnErrorCodes.INSUFFICIENT_CAPACITY);
                return;
            }
        }
        // Step 6.
        if (requestedFamily.isPresent() && additionalFamily.isPresent()) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        // Step 7: IPv4 unless REQUESTED-ADDRESS-FAMILY says otherwise; 440 for a family not offered.
        int family = reservation != null ? reservation.family
                : requestedFamily.map(AddressFamilyAttribute::family).orElse(AddressFamilyAttribute.IPV4);
        if (!supports(family)) {
            respondError(request, TurnErrorCodes.ADDRESS_FAMILY_NOT_SUPPORTED);
            return;
        }
        // Step 8: reserving the next port of a dual allocation is not defined.
        boolean reserveNext = evenPort.isPresent() && evenPort.get().reserveNextPort();
        if (reserveNext && additionalFamily.isPresent()) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        // Step 9: ADDITIONAL-ADDRESS-FAMILY asks for an IPv6 address besides the IPv4 one; if IPv6 is not offered
        // the allocation is IPv4 only and says why in ADDRESS-ERROR-CODE.
        boolean dual = false;
        int additionalError = 0;
        if (additionalFamily.isPresent()) {
            if (additionalFamily.get().family() != AddressFamilyAttribute.IPV6) {
                respondError(request, ErrorCodeAttribute.BAD_REQUEST);
                return;
            }
            if (supports(AddressFamilyAttribute.IPV6)) {
                dual = true;
            } else {
                additionalError = TurnErrorCodes.ADDRESS_FAMILY_NOT_SUPPORTED;
            }
        }
        // Step 10.
        if (!quotas.tryAcquire(request.username())) {
            respondError(request, TurnErrorCodes.ALLOCATION_QUOTA_REACHED);
            return;
        }
        long id = nextAllocationId++;
        RelayAllocator.PortRule rule;
        long relayToken = 0;
        long newToken = 0;
        if (reservation != null) {
            rule = RelayAllocator.PortRule.RESERVED;
            relayToken = reservation.token;
            reservations.remove(reservation.token);
            timers.cancel(reservation);
        } else if (reserveNext) {
            rule = RelayAllocator.PortRule.EVEN_RESERVE_NEXT;
            newToken = newReservationToken();
            relayToken = newToken;
        } else {
            rule = evenPort.isPresent() ? RelayAllocator.PortRule.EVEN : RelayAllocator.PortRule.ANY;
        }
        Relay first = bindRelay(new RelayAllocator.RelayRequest(id, family, rule, relayToken, dontFragment));
        if (first == null) {
            quotas.release(request.username());
            respondError(request, TurnErrorCodes.INSUFFICIENT_CAPACITY);
            return;
        }
        Relay second = null;
        if (dual) {
            RelayAllocator.PortRule secondRule =
                    evenPort.isPresent() ? RelayAllocator.PortRule.EVEN : RelayAllocator.PortRule.ANY;
            second = bindRelay(new RelayAllocator.RelayRequest(id, AddressFamilyAttribute.IPV6, secondRule, 0,
                    dontFragment));
            if (second == null) {
                additionalError = TurnErrorCodes.INSUFFICIENT_CAPACITY;
            }
        }
        if (newToken != 0) {
            Reservation held = new Reservation(newToken, request.username(), family);
            reservations.put(newToken, held);
            timers.schedule(held, request.now() + RESERVATION_NANOS);
        }
        Relay[] allocated = second == null ? new Relay[] {first} : new Relay[] {first, second};
        long lifetime = desiredLifetime(message.attribute(StunAttributeType.LIFETIME, NumberAttribute.class));
        Allocation allocation = new Allocation(id, request.tuple(), request.username(), request.realm(), allocated,
                dontFragment, limits.newBandwidthBucket(), limits.newBandwidthBucket(), request.id(),
                request.now());
        allocations.put(request.tuple(), allocation);
        for (Relay relay : allocated) {
            relays.put(relay.handle, relay);
        }
        timers.schedule(allocation, request.now() + lifetime * NANOS);

        List<StunAttribute> attributes = new ArrayList<>();
        List<InetSocketAddress> relayedAddresses = new ArrayList<>();
        for (Relay relay : allocated) {
            attributes.add(new AddressAttribute(StunAttributeType.XOR_RELAYED_ADDRESS, relay.address));
            relayedAddresses.add(relay.address);
        }
        attributes.add(NumberAttribute.uint32(StunAttributeType.LIFETIME, lifetime));
        if (newToken != 0) {
            attributes.add(NumberAttribute.uint64(StunAttributeType.RESERVATION_TOKEN, newToken));
        }
        attributes.add(new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS, request.tuple().client()));
        if (additionalError != 0) {
            attributes.add(new AddressErrorCodeAttribute(AddressFamilyAttribute.IPV6, additionalError,
                    TurnErrorCodes.reason(additionalError)));
        }
        addSoftware(attributes);
        allocation.successResponse = respond(request, StunClass.SUCCESS_RESPONSE, attributes);
        counters.allocationsCreated++;
        event(new TurnServerEvent.AllocationCreated(id, request.tuple(), request.username(), relayedAddresses,
                Duration.ofSeconds(lifetime)));
    }

    private boolean supports(int family) {
        return family == AddressFamilyAttribute.IPV4 ? ipv4Relays : family == AddressFamilyAttribute.IPV6 && ipv6Relays;
    }

    private Relay bindRelay(RelayAllocator.RelayRequest relayRequest) {
        RelayAllocator.RelayResult result;
        try {
            result = relayAllocator.allocate(relayRequest);
        } catch (RuntimeException driverBug) {
            counters.internalErrors++;
            return null;
        }
        if (result instanceof RelayAllocator.RelayResult.Allocated allocated) {
            return new Relay(allocated.handle(), allocated.relayedAddress());
        }
        return null;
    }

    private long newReservationToken() {
        long token;
        do {
            token = tokenRandom.nextLong();
        } while (token == 0 || reservations.containsKey(token));
        return token;
    }

    /**
     * RFC 8656 §7.2 and §8.2: the smaller of the requested and the maximum lifetime, but never less than the
     * default; the default when LIFETIME is absent.
     */
    private long desiredLifetime(Optional<NumberAttribute> lifetime) {
        if (lifetime.isEmpty()) {
            return DEFAULT_LIFETIME_SECONDS;
        }
        long computed = Math.min(lifetime.get().value(), maxLifetimeSeconds);
        return Math.max(computed, DEFAULT_LIFETIME_SECONDS);
    }

    // --------------------------------------------------------------------------------------------- Refresh

    /** RFC 8656 §8.2. */
    private void refresh(Request request, StunMessage message) {
        Allocation allocation = allocationOf(request);
        if (allocation == null) {
            return;
        }
        Optional<AddressFamilyAttribute> family =
                message.attribute(StunAttributeType.REQUESTED_ADDRESS_FAMILY, AddressFamilyAttribute.class);
        if (family.isPresent() && !allocation.hasFamily(family.get().family())) {
            respondError(request, TurnErrorCodes.PEER_ADDRESS_FAMILY_MISMATCH);
            return;
        }
        Optional<NumberAttribute> lifetime = message.attribute(StunAttributeType.LIFETIME, NumberAttribute.class);
        List<StunAttribute> attributes = new ArrayList<>();
        if (lifetime.isPresent() && lifetime.get().value() == 0) {
            delete(allocation, TurnServerEvent.Reason.DELETED_BY_CLIENT);
            attributes.add(NumberAttribute.uint32(StunAttributeType.LIFETIME, 0));
        } else {
            long seconds = desiredLifetime(lifetime);
            timers.schedule(allocation, request.now() + seconds * NANOS);
            attributes.add(NumberAttribute.uint32(StunAttributeType.LIFETIME, seconds));
        }
        addSoftware(attributes);
        respond(request, StunClass.SUCCESS_RESPONSE, attributes);
    }

    /**
     * The allocation on the request's 5-tuple, or null after answering 437 when there is none (RFC 8656 §5) or 441
     * when it belongs to another user (RFC 8656 §5: later requests must use the credentials that created it).
     */
    private Allocation allocationOf(Request request) {
        Allocation allocation = allocations.get(request.tuple());
        if (allocation == null) {
            respondError(request, TurnErrorCodes.ALLOCATION_MISMATCH);
            return null;
        }
        if (!allocation.username.equals(request.username()) || !allocation.realm.equals(request.realm())) {
            respondError(request, TurnErrorCodes.WRONG_CREDENTIALS);
            return null;
        }
        return allocation;
    }

    // ------------------------------------------------------------------------------------ CreatePermission

    /** RFC 8656 §10.2: all addresses are checked before any permission is installed, so it succeeds or fails whole. */
    private void createPermission(Request request, StunMessage message) {
        Allocation allocation = allocationOf(request);
        if (allocation == null) {
            return;
        }
        List<InetAddress> peers = new ArrayList<>();
        for (StunAttribute attribute : message.attributes()) {
            if (attribute.type() == StunAttributeType.XOR_PEER_ADDRESS && attribute instanceof AddressAttribute peer) {
                peers.add(peer.address().getAddress());
            }
        }
        if (peers.isEmpty()) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        for (InetAddress peer : peers) {
            if (allocation.relayFor(peer) == null) {
                respondError(request, TurnErrorCodes.PEER_ADDRESS_FAMILY_MISMATCH);
                return;
            }
        }
        for (InetAddress peer : peers) {
            if (!policy.check(peer).allowed()) {
                respondError(request, TurnErrorCodes.FORBIDDEN);
                return;
            }
        }
        Set<InetAddress> added = new HashSet<>();
        for (InetAddress peer : peers) {
            if (!allocation.permissions.containsKey(peer)) {
                added.add(peer);
            }
        }
        if (!added.isEmpty() && allocation.permissions.size() + added.size() > limits.maxPermissions()) {
            respondError(request, TurnErrorCodes.INSUFFICIENT_CAPACITY);
            return;
        }
        for (InetAddress peer : peers) {
            installPermission(allocation, peer, request.now());
        }
        respond(request, StunClass.SUCCESS_RESPONSE, List.of());
    }

    /** RFC 8656 §9: installs or refreshes the permission for {@code peer}'s IP address, for 300 s. */
    private void installPermission(Allocation allocation, InetAddress peer, long now) {
        Permission permission = allocation.permissions.get(peer);
        if (permission == null) {
            permission = new Permission(allocation, peer);
            allocation.permissions.put(peer, permission);
        }
        timers.schedule(permission, now + PERMISSION_NANOS);
    }

    // ----------------------------------------------------------------------------------------- ChannelBind

    /** RFC 8656 §12.2. */
    private void channelBind(Request request, StunMessage message) {
        Allocation allocation = allocationOf(request);
        if (allocation == null) {
            return;
        }
        Optional<ChannelNumberAttribute> number =
                message.attribute(StunAttributeType.CHANNEL_NUMBER, ChannelNumberAttribute.class);
        Optional<AddressAttribute> peerAttribute =
                message.attribute(StunAttributeType.XOR_PEER_ADDRESS, AddressAttribute.class);
        if (number.isEmpty() || peerAttribute.isEmpty() || !(number.get().isValid()
                || rfc5766Channels && ChannelData.isRfc5766Channel(number.get().channel()))) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        int channelNumber = number.get().channel();
        InetSocketAddress peer = peerAttribute.get().address();
        Relay relay = allocation.relayFor(peer.getAddress());
        if (relay == null) {
            respondError(request, TurnErrorCodes.PEER_ADDRESS_FAMILY_MISMATCH);
            return;
        }
        // Bound (or cooling down) to another peer, or the peer to another number: 400.
        Channel byNumber = allocation.channels.get(channelNumber);
        Channel byPeer = allocation.channelsByPeer.get(peer);
        if (byNumber != null && !byNumber.peer.equals(peer) || byPeer != null && byPeer.number != channelNumber) {
            respondError(request, ErrorCodeAttribute.BAD_REQUEST);
            return;
        }
        if (!policy.check(peer).allowed()) {
            respondError(request, TurnErrorCodes.FORBIDDEN);
            return;
        }
        if (!allocation.permissions.containsKey(peer.getAddress())
                && !limits.mayAddPermission(allocation.permissions.size())) {
            respondError(request, TurnErrorCodes.INSUFFICIENT_CAPACITY);
            return;
        }
        Channel channel = byNumber;
        if (channel == null) {
            channel = new Channel(allocation, channelNumber, peer, relay);
            allocation.channels.put(channel);
            allocation.channelsByPeer.put(peer, channel);
        }
        channel.bound = true;
        timers.schedule(channel, request.now() + CHANNEL_NANOS);
        installPermission(allocation, peer.getAddress(), request.now()); // the binding also installs a permission
        respond(request, StunClass.SUCCESS_RESPONSE, List.of());
    }

    // ------------------------------------------------------------------------------------------------ Send

    /** RFC 8656 §11.2: never answered; anything wrong discards the indication. */
    private void sendIndication(FiveTuple tuple, long now) {
        Allocation allocation = allocations.get(tuple);
        if (allocation == null) {
            counters.droppedNoAllocation++;
            return;
        }
        int peerIndex = reader.indexOf(StunAttributeType.XOR_PEER_ADDRESS);
        int dataIndex = reader.indexOf(StunAttributeType.DATA);
        if (peerIndex < 0 || dataIndex < 0 || reader.unknownComprehensionRequired(isUnderstood, unknownTypes) > 0) {
            counters.droppedSend++; // RFC 8489 §6.3.2: unknown comprehension-required attributes discard it
            return;
        }
        InetSocketAddress peer;
        try {
            int offset = reader.attributeValueOffset(peerIndex);
            StunAttribute decoded = TurnAttributes.registry().decode(StunAttributeType.XOR_PEER_ADDRESS,
                    reader.buffer().slice(offset, reader.attributeLength(peerIndex)), reader.transactionId());
            peer = ((AddressAttribute) decoded).address();
        } catch (StunDecodeException malformed) {
            counters.droppedSend++;
            return;
        }
        Relay relay = allocation.relayFor(peer.getAddress());
        if (relay == null) {
            counters.droppedSend++;
            return;
        }
        if (!policy.check(peer).allowed()) {
            counters.peersRefused++;
            return;
        }
        if (!allocation.permissions.containsKey(peer.getAddress())) { // a Send never refreshes a permission
            counters.droppedNoPermission++;
            return;
        }
        int length = reader.attributeLength(dataIndex);
        if (allocation.toPeerBucket != null && !allocation.toPeerBucket.tryConsume(length, now)) {
            counters.droppedOverBandwidth++;
            return;
        }
        boolean dontFragment = allocation.dontFragment || reader.has(StunAttributeType.DONT_FRAGMENT);
        Transmit transmit = newTransmit(length);
        transmit.data().put(0, reader.buffer(), reader.attributeValueOffset(dataIndex), length).position(length);
        transmit.toPeer(relay.handle, peer, dontFragment);
        pending.add(transmit);
        counters.packetsToPeer++;
        counters.bytesToPeer += length;
    }

    // -------------------------------------------------------------------------------------------- peer → client

    private void peerPacket(RelayHandle handle, InetSocketAddress peer, ByteBuffer payload, long now) {
        Relay relay = relays.get(handle);
        if (relay == null) {
            counters.droppedNoAllocation++;
            return;
        }
        Allocation allocation = relay.allocation;
        InetAddress peerIp = peer.getAddress();
        // RFC 8656 §9: without a permission for the source IP the datagram is silently discarded.
        if (peerIp == null || !allocation.permissions.containsKey(peerIp)) {
            counters.droppedNoPermission++;
            return;
        }
        int length = payload.remaining();
        if (allocation.toClientBucket != null && !allocation.toClientBucket.tryConsume(length, now)) {
            counters.droppedOverBandwidth++;
            return;
        }
        Channel channel = allocation.channelsByPeer.get(peer);
        if (channel != null && channel.bound) {
            // RFC 8656 §12.7: ChannelData, padded to 4 bytes over TCP and TLS only (§12.5).
            if (length > 0xFFFF) {
                counters.malformedDropped++;
                return;
            }
            Transmit transmit = newTransmit(ChannelData.HEADER_LENGTH + length + 3);
            ChannelData.write(transmit.data(), channel.number, payload, payload.position(), length,
                    allocation.tuple.transport().isStream());
            transmit.toClient(allocation.tuple);
            pending.add(transmit);
        } else {
            // RFC 8656 §11.3: a Data indication with XOR-PEER-ADDRESS and DATA.
            byte[] ip = peerIp.getAddress();
            int total = StunMessageReader.HEADER_LENGTH + 8 + ip.length + 4 + ((length + 3) & ~3);
            if (total > StunMessageReader.MAX_MESSAGE_LENGTH) {
                counters.malformedDropped++;
                return;
            }
            Transmit transmit = newTransmit(total);
            writer.begin(transmit.data(), DATA_INDICATION, transactionRandom.nextLong(), transactionRandom.nextInt())
                    .addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, ip, peer.getPort())
                    .addBytes(StunAttributeType.DATA, payload, payload.position(), length)
                    .finish();
            transmit.toClient(allocation.tuple);
            pending.add(transmit);
        }
        counters.packetsToClient++;
        counters.bytesToClient += length;
    }

    // ------------------------------------------------------------------------------------------------ timers

    private void expire(TimerNode node) {
        if (node instanceof Allocation allocation) {
            delete(allocation, TurnServerEvent.Reason.EXPIRED);
        } else if (node instanceof Permission permission) {
            permission.allocation.permissions.remove(permission.peer);
        } else if (node instanceof Channel channel) {
            if (channel.bound) { // RFC 8656 §12: unbound, but the pair is held for the reuse delay
                channel.bound = false;
                timers.schedule(channel, channel.deadline + CHANNEL_REUSE_NANOS);
            } else {
                channel.allocation.channels.remove(channel.number);
                channel.allocation.channelsByPeer.remove(channel.peer);
            }
        } else if (node instanceof Reservation reservation) {
            reservations.remove(reservation.token);
            try {
                relayAllocator.cancelReservation(reservation.token);
            } catch (RuntimeException driverBug) {
                counters.internalErrors++;
            }
        }
    }

    private void delete(Allocation allocation, TurnServerEvent.Reason reason) {
        allocations.remove(allocation.tuple);
        timers.cancel(allocation);
        for (Permission permission : allocation.permissions.values()) {
            timers.cancel(permission);
        }
        allocation.permissions.clear();
        for (Channel channel : allocation.channelsByPeer.values()) {
            timers.cancel(channel);
            allocation.channels.remove(channel.number);
        }
        allocation.channelsByPeer.clear();
        for (Relay relay : allocation.relays) {
            relays.remove(relay.handle);
            try {
                relayAllocator.release(relay.handle);
            } catch (RuntimeException driverBug) {
                counters.internalErrors++;
            }
        }
        quotas.release(allocation.username);
        if (reason == TurnServerEvent.Reason.EXPIRED) {
            counters.allocationsExpired++;
        } else if (reason == TurnServerEvent.Reason.CONNECTION_CLOSED) {
            counters.allocationsClosedWithConnection++;
        } else {
            counters.allocationsDeletedByClient++;
        }
        event(new TurnServerEvent.AllocationDeleted(allocation.id, allocation.tuple, allocation.username, reason));
    }

    // ------------------------------------------------------------------------------------------- responses

    private Transmit newTransmit(int capacity) {
        Transmit transmit = free.poll();
        if (transmit == null) {
            transmit = new Transmit();
        }
        transmit.begin(capacity);
        return transmit;
    }

    private void event(TurnServerEvent event) {
        if (events.size() >= MAX_PENDING_EVENTS) {
            events.poll(); // a driver that never polls events must not make memory grow
        }
        events.add(event);
    }

    private void addSoftware(List<StunAttribute> attributes) {
        if (software != null) { // RFC 8656 §5: SHOULD be in Allocate and Refresh responses
            attributes.add(new StringAttribute(StunAttributeType.SOFTWARE, software));
        }
    }

    /** Writes a signed response to an authenticated request and returns its bytes. */
    private byte[] respond(Request request, StunClass messageClass, List<StunAttribute> attributes) {
        StunMessage response = new StunMessage(request.method(), messageClass, request.id(), attributes);
        Transmit transmit = newTransmit(RESPONSE_CAPACITY);
        int length = response.encode(transmit.data(), request.signing());
        transmit.toClient(request.tuple());
        pending.add(transmit);
        byte[] bytes = new byte[length];
        transmit.data().get(0, bytes);
        return bytes;
    }

    private void respondError(Request request, int code, StunAttribute... extra) {
        switch (code) {
            case TurnErrorCodes.ALLOCATION_MISMATCH -> counters.allocationMismatches++;
            case TurnErrorCodes.WRONG_CREDENTIALS -> counters.wrongCredentials++;
            case TurnErrorCodes.ALLOCATION_QUOTA_REACHED -> counters.quotaRejections++;
            case TurnErrorCodes.INSUFFICIENT_CAPACITY -> counters.capacityRejections++;
            case TurnErrorCodes.FORBIDDEN -> counters.peersRefused++;
            default -> counters.badRequests++;
        }
        List<StunAttribute> attributes = new ArrayList<>();
        attributes.add(new ErrorCodeAttribute(code, TurnErrorCodes.reason(code)));
        attributes.addAll(List.of(extra));
        if (request.method() == StunMethod.ALLOCATE || request.method() == StunMethod.REFRESH) {
            addSoftware(attributes);
        }
        respond(request, StunClass.ERROR_RESPONSE, attributes);
    }

    /**
     * An unsigned error to a request that is not authenticated (401, 438 and 400), written so that it is never more
     * than {@value #MAX_AMPLIFICATION} times the request: REALM and NONCE must fit or nothing is sent; then the
     * reason phrase and FINGERPRINT are added while they fit (RFC 8489 §14.8 allows an empty reason phrase).
     */
    private boolean respondUnauthenticated(FiveTuple tuple, int method, int code, byte[] reason, String realm,
                                           String nonce, boolean fingerprint) {
        int budget = reader.totalLength() * MAX_AMPLIFICATION;
        byte[] realmValue = realm == null ? null
                : realm.equals(authenticator.realm()) ? realmBytes : realm.getBytes(StandardCharsets.UTF_8);
        byte[] nonceValue = nonce == null ? null : nonce.getBytes(StandardCharsets.UTF_8);
        int length = StunMessageReader.HEADER_LENGTH + 8
                + (realmValue == null ? 0 : 4 + padded(realmValue.length))
                + (nonceValue == null ? 0 : 4 + padded(nonceValue.length));
        if (length > budget) {
            counters.challengesTooLarge++;
            return false;
        }
        boolean withReason = length + padded(reason.length) <= budget;
        length += withReason ? padded(reason.length) : 0;
        boolean withFingerprint = fingerprint && length + 8 <= budget;
        Transmit transmit = newTransmit(length + 8);
        writer.begin(transmit.data(), StunMessageType.of(method, StunClass.ERROR_RESPONSE), reader.transactionIdHigh(),
                reader.transactionIdLow());
        writer.addErrorCode(code, withReason ? reason : NO_REASON);
        if (realmValue != null) {
            writer.addBytes(StunAttributeType.REALM, realmValue);
        }
        if (nonceValue != null) {
            writer.addBytes(StunAttributeType.NONCE, nonceValue);
        }
        if (withFingerprint) {
            writer.addFingerprint();
        }
        writer.finish();
        transmit.toClient(tuple);
        pending.add(transmit);
        return true;
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    @Override
    public String toString() {
        return "TurnServerCore[allocations=" + allocations.size() + ", timers=" + timers.size() + "]";
    }

    /** Assembles a {@link TurnServerCore}; the authenticator, policy and relay allocator are required. */
    public static final class Builder {
        private Authenticator authenticator;
        private FailureRateLimiter challengeLimiter;
        private PeerAddressPolicy policy;
        private AllocationQuotas quotas;
        private AllocationLimits limits;
        private RelayAllocator relayAllocator;
        private boolean ipv4Relays = true;
        private boolean ipv6Relays;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private String software;
        private RandomGenerator random;
        private boolean rfc5766Channels;

        private Builder() {
        }

        /**
         * Also bind channel numbers 0x5000–0x7FFF, which RFC 5766 §11 allowed and RFC 8656 §12 took back (they put
         * ChannelData's first byte outside RFC 7983's 64–79). Off by default; a server's own TURN listeners carry
         * nothing else, so accepting them there harms nothing and lets RFC 5766 clients such as coturn's
         * turnutils_uclient bind channels.
         */
        public Builder rfc5766ChannelRange(boolean accept) {
            this.rfc5766Channels = accept;
            return this;
        }

        /** Authenticator, quotas and per-allocation limits from the configuration. */
        public Builder config(TurnConfig config, StatelessNonces nonces) {
            this.authenticator = config.authenticator(nonces);
            this.quotas = config.allocationQuotas();
            this.limits = config.allocationLimits();
            return this;
        }

        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /** Limits 401 answers per source address; the default allows a burst of 10, then 2 a second. */
        public Builder challengeRateLimiter(FailureRateLimiter limiter) {
            this.challengeLimiter = limiter;
            return this;
        }

        public Builder peerAddressPolicy(PeerAddressPolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder quotas(AllocationQuotas quotas) {
            this.quotas = quotas;
            return this;
        }

        public Builder limits(AllocationLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder relayAllocator(RelayAllocator relayAllocator) {
            this.relayAllocator = relayAllocator;
            return this;
        }

        /** Which relayed address families the allocator can bind; IPv4 only by default. */
        public Builder relayFamilies(boolean ipv4, boolean ipv6) {
            if (!ipv4 && !ipv6) {
                throw new IllegalArgumentException("the TURN server must relay at least one address family");
            }
            this.ipv4Relays = ipv4;
            this.ipv6Relays = ipv6;
            return this;
        }

        /** The longest lifetime granted (RFC 8656 §7.2): at least the 600 s default, 3600 s unless set. */
        public Builder maxLifetime(Duration maxLifetime) {
            long seconds = maxLifetime.toSeconds();
            if (seconds < DEFAULT_LIFETIME_SECONDS || seconds > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("the maximum allocation lifetime must be 600 s to 2^32-1 s, got "
                        + seconds + " s");
            }
            this.maxLifetime = maxLifetime;
            return this;
        }

        /** SOFTWARE for Allocate and Refresh responses and Binding responses, or null for none. */
        public Builder software(String software) {
            if (software != null && software.length() >= 128) {
                throw new IllegalArgumentException("SOFTWARE must be fewer than 128 characters (RFC 8489 §14.14)");
            }
            this.software = software == null || software.isEmpty() ? null : software;
            return this;
        }

        /** Where reservation tokens and indication transaction ids come from; a SecureRandom by default. */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        public TurnServerCore build() {
            return new TurnServerCore(this);
        }
    }
}
