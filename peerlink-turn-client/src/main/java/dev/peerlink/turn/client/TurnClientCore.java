package dev.peerlink.turn.client;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
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
import dev.peerlink.stun.client.StunTransactions;
import dev.peerlink.stun.credentials.StunCredentials;
import dev.peerlink.stun.transport.PacketKind;
import dev.peerlink.stun.transport.SocketAddresses;
import dev.peerlink.stun.transport.StreamFramer;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.ChannelData;
import dev.peerlink.turn.wire.ChannelNumberAttribute;
import dev.peerlink.turn.wire.RequestedTransportAttribute;
import dev.peerlink.turn.wire.TurnAttributes;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * The client side of one TURN allocation (RFC 8656) as a sans-IO state machine: it never touches a socket, a
 * thread or the clock. The driver calls {@link #allocate}, feeds in what arrives from the server with
 * {@link #handleInput} and the time with {@link #handleTimeout} (when {@link #nextTimeoutNanos} says), sends what
 * {@link #pollTransmit} hands out to the server, and reads {@link #pollEvent}.
 *
 * <p>The core authenticates with the long-term credential mechanism (RFC 8489 §9.2), refreshes the allocation,
 * its permissions and its channel bindings before they expire, and sends application data as ChannelData once a
 * channel is bound, as Send indications before. Sending data is allocation-free with {@link #writeSend}; received
 * data reaches a {@link DataHandler} without allocation (ChannelData) or is queued as
 * {@link TurnEvent.DataReceived}.
 *
 * <p>Over TCP and TLS {@link #handleInput} takes the bytes of the stream as they come, in pieces of any size; the
 * core frames them itself (RFC 8656 §12.5: ChannelData is padded to 4 bytes there). Not thread-safe: one thread
 * (or one serial executor) drives a core.
 */
public final class TurnClientCore {
    /** Where the allocation stands. */
    public enum State {
        /** Nothing asked yet. */
        NEW,
        /** The Allocate transaction (with its authentication round trips) is under way. */
        ALLOCATING,
        /** The server holds the allocation; data can flow. */
        ALLOCATED,
        /** A Refresh with LIFETIME 0 is under way. */
        DEALLOCATING,
        /** Released cleanly (or never granted before {@link #deallocate}). */
        DEALLOCATED,
        /** Refused, lost or expired; the core does nothing more. */
        FAILED
    }

    /** Bytes to send to the server ({@code destination} only differs from it after a 300 redirect). */
    public record Transmit(InetSocketAddress destination, byte[] data) {
        @Override
        public byte[] data() {
            return data.clone();
        }

        /** The bytes without a copy; the caller must not change them. */
        public ByteBuffer buffer() {
            return ByteBuffer.wrap(data).asReadOnlyBuffer();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Transmit that && destination.equals(that.destination)
                    && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return destination.hashCode() * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Transmit[" + destination + ", " + data.length + " bytes]";
        }
    }

    /**
     * Receives relayed data without allocation. {@code data}'s position and limit enclose the application data;
     * the buffer belongs to the core or the driver and is only valid during the call. The handler must not call
     * back into the core.
     */
    @FunctionalInterface
    public interface DataHandler {
        /** @param channel the channel it came on, or 0 for a Data indication */
        void onData(InetSocketAddress peer, int channel, ByteBuffer data);
    }

    /** RFC 8656 §9: a permission lasts 300 s; refreshed a minute before it would expire. */
    static final long PERMISSION_REFRESH_NANOS = Duration.ofSeconds(240).toNanos();
    /** RFC 8656 §12: a channel binding lasts 10 minutes; refreshed a minute before it would expire. */
    static final long CHANNEL_REFRESH_NANOS = Duration.ofSeconds(540).toNanos();
    /** How often in a row a request is retried after 438 Stale Nonce before the core gives up. */
    static final int MAX_STALE_NONCE_RETRIES = 3;
    /** How many 300 Try Alternate answers are followed (RFC 8489 §10: a client must not loop). */
    static final int MAX_REDIRECTS = 3;

    private static final long NEVER = Long.MAX_VALUE;
    private static final int SEND_INDICATION = StunMessageType.of(StunMethod.SEND, StunClass.INDICATION);
    /** Over streams: the largest frame is a padded ChannelData (4 + 65535 + 1) or a STUN message (20 + 65532). */
    private static final int STREAM_BUFFER_BYTES = StunMessageReader.MAX_MESSAGE_LENGTH + 16;

    private enum Kind { ALLOCATE, REFRESH, DEALLOCATE, PERMISSION, CHANNEL_BIND }

    /** One logical request; it keeps its identity across authentication retries (each with a new transaction). */
    private static final class Request {
        final Kind kind;
        final List<Permission> permissions;
        final Channel channel;
        boolean authenticated;
        int staleNonceRetries;

        Request(Kind kind, List<Permission> permissions, Channel channel) {
            this.kind = kind;
            this.permissions = permissions;
            this.channel = channel;
        }

        int method() {
            return switch (kind) {
                case ALLOCATE -> StunMethod.ALLOCATE;
                case REFRESH, DEALLOCATE -> StunMethod.REFRESH;
                case PERMISSION -> StunMethod.CREATE_PERMISSION;
                case CHANNEL_BIND -> StunMethod.CHANNEL_BIND;
            };
        }

        String describe() {
            return switch (kind) {
                case ALLOCATE -> "Allocate";
                case REFRESH -> "Refresh";
                case DEALLOCATE -> "Refresh with LIFETIME 0 (deallocation)";
                case PERMISSION -> "CreatePermission for " + permissions.stream()
                        .map(p -> SocketAddresses.format(p.ip)).collect(Collectors.joining(", "));
                case CHANNEL_BIND -> String.format("ChannelBind of channel 0x%04X to %s", channel.number,
                        SocketAddresses.format(channel.peer));
            };
        }
    }

    private static final class Permission {
        final InetAddress ip;
        final byte[] ipBytes; // kept, so that a Send indication need not copy the address
        boolean installed;
        boolean pending;
        long refreshAt = NEVER;

        Permission(InetAddress ip) {
            this.ip = ip;
            this.ipBytes = ip.getAddress();
        }
    }

    private static final class Channel {
        final InetSocketAddress peer;
        final int number;
        final Permission permission;
        boolean bound;
        boolean pending;
        long refreshAt = NEVER;

        Channel(InetSocketAddress peer, int number, Permission permission) {
            this.peer = peer;
            this.number = number;
            this.permission = permission;
        }
    }

    private final TurnClientConfig config;
    private final DataHandler handler;
    private final RandomGenerator random;
    /** Transaction ids of Send indications: not secrets, and SecureRandom would allocate per call. */
    private final SplittableRandom indicationIds;
    private final boolean reliable;
    private final StunTransactions transactions;
    private final StunMessageReader reader = new StunMessageReader();
    private final StunMessageWriter writer = new StunMessageWriter();
    private final ChannelData channelData = new ChannelData();
    private final ByteBuffer stream;
    private final byte[] addressScratch = new byte[16];
    private final ArrayDeque<Transmit> transmits = new ArrayDeque<>();
    private final ArrayDeque<TurnEvent> events = new ArrayDeque<>();
    private final Map<TransactionId, Request> requests = new HashMap<>();
    private final Map<InetAddress, Permission> permissions = new HashMap<>();
    private final Map<InetSocketAddress, Channel> channelsByPeer = new HashMap<>();
    private final Channel[] channelsByNumber = new Channel[ChannelData.MAX_CHANNEL - ChannelData.MIN_CHANNEL + 1];

    private State state = State.NEW;
    private InetSocketAddress server;
    private int redirects;
    private String realm;
    private String nonce;
    private byte[] key;
    private List<InetSocketAddress> relayedAddresses = List.of();
    private InetSocketAddress mappedAddress;
    private Duration lifetime = Duration.ZERO;
    private long expiresAt = NEVER;
    private long refreshAt = NEVER;
    private boolean refreshPending;
    private int nextChannel = ChannelData.MIN_CHANNEL;

    /** A core that queues received data as {@link TurnEvent.DataReceived}. Pass a SecureRandom in production. */
    public TurnClientCore(TurnClientConfig config, RandomGenerator random) {
        this(config, random, null);
    }

    /** A core that hands received data to {@code handler} (null: queue it as events). */
    public TurnClientCore(TurnClientConfig config, RandomGenerator random, DataHandler handler) {
        this.config = config;
        this.random = random;
        this.handler = handler;
        this.indicationIds = new SplittableRandom(random.nextLong());
        this.reliable = config.transport().isReliable();
        this.transactions = new StunTransactions(config.policy(), reliable, TurnAttributes.registry());
        this.stream = reliable ? ByteBuffer.allocate(STREAM_BUFFER_BYTES) : null;
        this.server = config.server();
    }

    public State state() {
        return state;
    }

    public TurnClientConfig config() {
        return config;
    }

    /** Where to send; the configured server unless a 300 Try Alternate moved the allocation. */
    public InetSocketAddress server() {
        return server;
    }

    /** The relayed transport addresses (one, or two for a dual-stack allocation); empty before allocation. */
    public List<InetSocketAddress> relayedAddresses() {
        return relayedAddresses;
    }

    public Optional<InetSocketAddress> relayedAddress() {
        return relayedAddresses.isEmpty() ? Optional.empty() : Optional.of(relayedAddresses.get(0));
    }

    /** The client's address as the server saw it (XOR-MAPPED-ADDRESS of the Allocate success). */
    public Optional<InetSocketAddress> mappedAddress() {
        return Optional.ofNullable(mappedAddress);
    }

    /** The lifetime the server granted last (RFC 8656 §7.3, §8.3). */
    public Duration lifetime() {
        return lifetime;
    }

    /** Whether the server has confirmed a permission for {@code peer}. */
    public boolean hasPermission(InetAddress peer) {
        Permission permission = permissions.get(peer);
        return permission != null && permission.installed;
    }

    /** Whether a CreatePermission (or ChannelBind) for {@code peer} is under way and not yet confirmed. */
    public boolean isPermissionPending(InetAddress peer) {
        Permission permission = permissions.get(peer);
        if (permission == null || permission.installed) {
            return false;
        }
        if (permission.pending) {
            return true;
        }
        for (Channel channel : channelsByPeer.values()) {
            if (channel.permission == permission && channel.pending) {
                return true;
            }
        }
        return false;
    }

    /** The channel number bound (or being bound) to {@code peer}, or 0. */
    public int channelOf(InetSocketAddress peer) {
        Channel channel = channelsByPeer.get(peer);
        return channel == null ? 0 : channel.number;
    }

    /** Whether the server has confirmed the channel binding for {@code peer}, so that data goes as ChannelData. */
    public boolean isChannelBound(InetSocketAddress peer) {
        Channel channel = channelsByPeer.get(peer);
        return channel != null && channel.bound;
    }

    // ----------------------------------------------------------------------------------------------- requests

    /**
     * Starts the allocation: an Allocate request with REQUESTED-TRANSPORT UDP, LIFETIME and the address family
     * options (RFC 8656 §7.1), sent first without credentials so that the server names its realm and nonce.
     */
    public void allocate(long nowNanos) {
        if (state != State.NEW) {
            throw new IllegalStateException("this TURN client core has already allocated (state " + state
                    + "); one allocation per core");
        }
        state = State.ALLOCATING;
        start(new Request(Kind.ALLOCATE, List.of(), null), nowNanos);
    }

    /**
     * Asks for permissions for {@code peers} in one CreatePermission request (RFC 8656 §10.1); each is then
     * refreshed every 4 minutes until {@link #removePermission} or the end of the allocation. Asking again for an
     * installed permission refreshes it now.
     */
    public void createPermission(long nowNanos, InetAddress... peers) {
        requireAllocated("create a permission");
        List<Permission> batch = new ArrayList<>();
        for (InetAddress peer : peers) {
            Permission permission = permissions.computeIfAbsent(peer, Permission::new);
            if (!permission.pending && !batch.contains(permission)) {
                batch.add(permission);
            }
        }
        if (!batch.isEmpty()) {
            startPermissions(batch, nowNanos);
        }
    }

    /**
     * Stops refreshing the permission for {@code peer} (the server drops it when it expires, RFC 8656 §9) and
     * stops sending to it. A channel bound to an address of that peer keeps the permission alive while it lasts.
     */
    public void removePermission(InetAddress peer) {
        boolean channelUses = channelsByPeer.keySet().stream().anyMatch(address -> address.getAddress().equals(peer));
        if (!channelUses) {
            permissions.remove(peer);
        }
    }

    /**
     * Binds the next free channel number (0x4000 upwards, RFC 8656 §12) to {@code peer} and returns it; returns
     * the existing number when the peer already has one. Until the server confirms the binding, data to the peer
     * goes in Send indications. The binding (and with it the peer's permission, §12.2) is refreshed before its
     * 10 minutes run out.
     */
    public int bindChannel(InetSocketAddress peer, long nowNanos) {
        requireAllocated("bind a channel");
        if (peer.isUnresolved()) {
            throw new IllegalArgumentException("a TURN peer needs an IP address, not " + peer);
        }
        Channel existing = channelsByPeer.get(peer);
        if (existing != null) {
            return existing.number;
        }
        if (nextChannel > ChannelData.MAX_CHANNEL) {
            throw new IllegalStateException("all 4096 TURN channel numbers of this allocation are in use");
        }
        Permission permission = permissions.computeIfAbsent(peer.getAddress(), Permission::new);
        Channel channel = new Channel(peer, nextChannel++, permission);
        channelsByPeer.put(peer, channel);
        channelsByNumber[channel.number - ChannelData.MIN_CHANNEL] = channel;
        channel.pending = true;
        start(new Request(Kind.CHANNEL_BIND, List.of(), channel), nowNanos);
        return channel.number;
    }

    /**
     * Releases the allocation: a Refresh with LIFETIME 0 (RFC 8656 §8.1). {@link TurnEvent.Deallocated} follows
     * when the server confirms. Before the allocation exists this just stops the core.
     */
    public void deallocate(long nowNanos) {
        switch (state) {
            case ALLOCATED -> {
                cancelAll();
                state = State.DEALLOCATING;
                start(new Request(Kind.DEALLOCATE, List.of(), null), nowNanos);
            }
            case NEW, ALLOCATING -> {
                cancelAll();
                state = State.DEALLOCATED;
                events.add(new TurnEvent.Deallocated());
            }
            default -> {
                // already releasing, released or failed: nothing to do
            }
        }
    }

    private void requireAllocated(String what) {
        if (state != State.ALLOCATED) {
            throw new IllegalStateException("cannot " + what + " before the TURN allocation at "
                    + config.describeServer() + " exists (state " + state + ")");
        }
    }

    private void cancelAll() {
        for (TransactionId id : requests.keySet()) {
            transactions.cancel(id);
        }
        requests.clear();
        refreshAt = NEVER;
        refreshPending = false;
    }

    private void startPermissions(List<Permission> batch, long nowNanos) {
        for (Permission permission : batch) {
            permission.pending = true;
        }
        start(new Request(Kind.PERMISSION, List.copyOf(batch), null), nowNanos);
    }

    /** Encodes {@code request} with a fresh transaction id and the current credentials, and starts it. */
    private void start(Request request, long nowNanos) {
        TransactionId id = TransactionId.random(random);
        List<StunAttribute> attributes = new ArrayList<>();
        switch (request.kind) {
            case ALLOCATE -> {
                // RFC 8656 §7.1
                attributes.add(new RequestedTransportAttribute(RequestedTransportAttribute.UDP));
                attributes.add(NumberAttribute.uint32(StunAttributeType.LIFETIME, config.lifetime().toSeconds()));
                if (config.requestedFamily() != 0) {
                    attributes.add(AddressFamilyAttribute.requested(config.requestedFamily()));
                }
                if (config.dualStack()) {
                    attributes.add(AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
                }
            }
            // RFC 8656 §8.1
            case REFRESH -> attributes.add(NumberAttribute.uint32(StunAttributeType.LIFETIME,
                    config.lifetime().toSeconds()));
            case DEALLOCATE -> attributes.add(NumberAttribute.uint32(StunAttributeType.LIFETIME, 0));
            case PERMISSION -> {
                // RFC 8656 §10.1: one XOR-PEER-ADDRESS per peer; the port is ignored.
                for (Permission permission : request.permissions) {
                    attributes.add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS,
                            new InetSocketAddress(permission.ip, 0)));
                }
            }
            case CHANNEL_BIND -> {
                // RFC 8656 §12.1
                attributes.add(new ChannelNumberAttribute(request.channel.number));
                attributes.add(new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, request.channel.peer));
            }
        }
        StunMessage.Signing signing = StunMessage.Signing.FINGERPRINT;
        if (nonce != null) {
            // RFC 8489 §9.2.3: USERNAME, REALM and NONCE from the server's challenge, then MESSAGE-INTEGRITY.
            attributes.add(new StringAttribute(StunAttributeType.USERNAME, config.username()));
            attributes.add(new StringAttribute(StunAttributeType.REALM, realm));
            attributes.add(new StringAttribute(StunAttributeType.NONCE, nonce));
            signing = StunMessage.Signing.integrity(key);
            request.authenticated = true;
        } else {
            request.authenticated = false;
        }
        byte[] bytes = new StunMessage(request.method(), StunClass.REQUEST, id, attributes).toBytes(signing);
        requests.put(id, request);
        transactions.start(id, bytes, server, nowNanos);
        if (request.kind == Kind.REFRESH) {
            refreshPending = true;
        }
        drainTransactions(nowNanos);
    }

    // ------------------------------------------------------------------------------------------------ sending

    /**
     * Writes {@code payload} (position to limit, left unchanged) for {@code peer} into {@code out} at its position,
     * ready to send to {@link #server()}: a ChannelData message when the peer's channel is bound (RFC 8656 §12.5,
     * padded to 4 bytes over TCP/TLS), else a Send indication (§11.1). Allocation-free. Returns the bytes written,
     * or 0 when nothing can be sent: no allocation, or no permission asked for the peer's IP (the server would
     * drop the data, §11.2).
     */
    public int writeSend(InetSocketAddress peer, ByteBuffer payload, ByteBuffer out) {
        if (state != State.ALLOCATED) {
            return 0;
        }
        int length = payload.remaining();
        Channel channel = channelsByPeer.get(peer);
        if (channel != null && channel.bound) {
            return ChannelData.write(out, channel.number, payload, payload.position(), length, reliable);
        }
        Permission permission = permissions.get(peer.getAddress());
        if (permission == null) {
            return 0;
        }
        // RFC 8656 §11.1: XOR-PEER-ADDRESS and DATA; indications carry no credentials.
        writer.begin(out, SEND_INDICATION, indicationIds.nextLong(), indicationIds.nextInt());
        writer.addXorAddress(StunAttributeType.XOR_PEER_ADDRESS, permission.ipBytes, peer.getPort());
        writer.addBytes(StunAttributeType.DATA, payload, payload.position(), length);
        return writer.finish();
    }

    /**
     * Like {@link #writeSend} but queues the message as a {@link Transmit} (one copy per call). Returns false when
     * nothing can be sent.
     */
    public boolean send(InetSocketAddress peer, ByteBuffer payload) {
        ByteBuffer out = ByteBuffer.allocate(payload.remaining() + 64);
        int length = writeSend(peer, payload, out);
        if (length == 0) {
            return false;
        }
        transmits.add(new Transmit(server, Arrays.copyOf(out.array(), length)));
        return true;
    }

    // ---------------------------------------------------------------------------------------------- receiving

    /**
     * Offers what arrived from the server: one datagram over UDP ({@code source} must be the server, others are
     * ignored), or the next bytes of the stream over TCP/TLS (any split; {@code source} is not checked). The
     * buffer's position and limit are left as they were.
     */
    public void handleInput(ByteBuffer packet, InetSocketAddress source, long nowNanos) {
        if (state == State.FAILED || state == State.DEALLOCATED) {
            return;
        }
        if (!reliable) {
            if (source.equals(server)) {
                handlePacket(packet, false, nowNanos);
            }
        } else {
            handleStream(packet, nowNanos);
        }
        drainTransactions(nowNanos);
    }

    /** RFC 8489 §6.2.2, RFC 8656 §12.5: STUN and padded ChannelData follow each other on the stream. */
    private void handleStream(ByteBuffer bytes, long nowNanos) {
        int offset = bytes.position();
        int end = bytes.limit();
        while (offset < end) {
            int chunk = Math.min(end - offset, stream.remaining());
            stream.put(stream.position(), bytes, offset, chunk);
            stream.position(stream.position() + chunk);
            offset += chunk;
            stream.flip();
            int frame;
            while ((frame = StreamFramer.STUN.frameLength(stream)) > 0 && frame <= stream.remaining()) {
                int start = stream.position();
                int limit = stream.limit();
                stream.limit(start + frame);
                handlePacket(stream, true, nowNanos);
                stream.limit(limit).position(start + frame);
                if (state == State.FAILED || state == State.DEALLOCATED) {
                    stream.clear();
                    return;
                }
            }
            if (frame == StreamFramer.INVALID) {
                stream.clear();
                fail(new TurnEvent.Failed("the TURN server " + config.describeServer()
                        + " sent bytes that are neither STUN nor ChannelData; the stream cannot be followed"));
                return;
            }
            stream.compact();
        }
    }

    private void handlePacket(ByteBuffer packet, boolean fromStream, long nowNanos) {
        if (!packet.hasRemaining()) {
            return;
        }
        PacketKind kind = PacketKind.classify(packet.get(packet.position()));
        if (kind == PacketKind.TURN_CHANNEL_DATA) {
            handleChannelData(packet, fromStream);
        } else if (kind == PacketKind.STUN && reader.wrap(packet) == StunParseStatus.OK) {
            StunClass messageClass = reader.messageClass();
            if (messageClass.isResponse()) {
                handleResponse(packet, nowNanos);
            } else if (messageClass == StunClass.INDICATION && reader.method() == StunMethod.DATA) {
                handleDataIndication();
            }
        }
    }

    /** RFC 8656 §12.6: data on a channel this client bound (or is binding) goes to that channel's peer. */
    private void handleChannelData(ByteBuffer packet, boolean fromStream) {
        ChannelData.Status status = fromStream ? channelData.wrapStream(packet) : channelData.wrapDatagram(packet);
        if (status != ChannelData.Status.OK) {
            return;
        }
        Channel channel = channelsByNumber[channelData.channel() - ChannelData.MIN_CHANNEL];
        if (channel == null || state != State.ALLOCATED) {
            return;
        }
        deliver(channel.peer, channel.number, packet, channelData.dataOffset(), channelData.dataLength());
    }

    /** RFC 8656 §11.4: a Data indication from a peer this client has a permission for. */
    private void handleDataIndication() {
        if (state != State.ALLOCATED) {
            return;
        }
        int peerIndex = reader.indexOf(StunAttributeType.XOR_PEER_ADDRESS);
        int dataIndex = reader.indexOf(StunAttributeType.DATA);
        if (peerIndex < 0 || dataIndex < 0) {
            return; // e.g. an ICMP report (§11.6), which this client does not act on
        }
        InetSocketAddress peer = xorPeerAddress(peerIndex);
        if (peer == null || !permissions.containsKey(peer.getAddress())) {
            return;
        }
        Channel channel = channelsByPeer.get(peer);
        if (channel != null) {
            peer = channel.peer; // the caller's own instance
        }
        deliver(peer, 0, reader.buffer(), reader.attributeValueOffset(dataIndex), reader.attributeLength(dataIndex));
    }

    /** Decodes XOR-PEER-ADDRESS (RFC 8656 §18.3, encoded as RFC 8489 §14.2), or null when malformed. */
    private InetSocketAddress xorPeerAddress(int index) {
        ByteBuffer buffer = reader.buffer();
        int offset = reader.attributeValueOffset(index);
        int length = reader.attributeLength(index);
        int family = length >= 4 ? buffer.get(offset + 1) : 0;
        int addressLength = family == 1 ? 4 : family == 2 ? 16 : 0;
        if (addressLength == 0 || length != 4 + addressLength) {
            return null;
        }
        int port = (buffer.getShort(offset + 2) & 0xFFFF) ^ (StunMessageReader.MAGIC_COOKIE >>> 16);
        int start = reader.start();
        for (int i = 0; i < addressLength; i++) {
            // The XOR pad is the magic cookie followed by the transaction id: header bytes 4..19.
            addressScratch[i] = (byte) (buffer.get(offset + 4 + i) ^ buffer.get(start + 4 + i));
        }
        try {
            byte[] ip = Arrays.copyOf(addressScratch, addressLength);
            InetAddress address = addressLength == 4 ? InetAddress.getByAddress(ip)
                    : Inet6Address.getByAddress(null, ip, -1);
            return new InetSocketAddress(address, port);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }

    private void deliver(InetSocketAddress peer, int channel, ByteBuffer buffer, int offset, int length) {
        if (handler == null) {
            byte[] data = new byte[length];
            buffer.get(offset, data);
            events.add(new TurnEvent.DataReceived(peer, channel, data));
            return;
        }
        int position = buffer.position();
        int limit = buffer.limit();
        buffer.limit(offset + length).position(offset);
        try {
            handler.onData(peer, channel, buffer);
        } finally {
            buffer.limit(limit).position(position);
        }
    }

    /**
     * RFC 8489 §9.2.5: a response to an authenticated request counts only if its MESSAGE-INTEGRITY verifies with
     * our key; a success without one is discarded (over UDP a genuine answer may still come, over TCP/TLS the
     * transaction then times out). Error responses without integrity are accepted: a 401 or 438 cannot carry any.
     */
    private void handleResponse(ByteBuffer packet, long nowNanos) {
        Request request = requests.get(reader.transactionId());
        if (request == null) {
            return;
        }
        if (request.authenticated) {
            boolean hasIntegrity = reader.has(StunAttributeType.MESSAGE_INTEGRITY);
            if (hasIntegrity ? !reader.verifyMessageIntegrity(key)
                    : reader.messageClass() == StunClass.SUCCESS_RESPONSE) {
                return;
            }
        }
        transactions.handleInput(packet, server, nowNanos);
        drainTransactions(nowNanos);
    }

    // ----------------------------------------------------------------------------------------------- outcomes

    private void drainTransactions(long nowNanos) {
        Optional<StunTransactions.Outcome> outcome;
        while ((outcome = transactions.pollOutcome()).isPresent()) {
            Request request = requests.remove(outcome.get().transactionId());
            if (request == null) {
                continue;
            }
            if (outcome.get() instanceof StunTransactions.Answered answered) {
                handleAnswer(request, answered.response(), nowNanos);
            } else {
                handleTransactionTimeout(request, ((StunTransactions.TimedOut) outcome.get()).transmissions(), nowNanos);
            }
        }
        Optional<StunTransactions.Transmit> transmit;
        while ((transmit = transactions.pollTransmit()).isPresent()) {
            transmits.add(new Transmit(transmit.get().destination(), transmit.get().bytes()));
        }
    }

    private void handleAnswer(Request request, StunMessage response, long nowNanos) {
        if (response.messageClass() == StunClass.SUCCESS_RESPONSE) {
            handleSuccess(request, response, nowNanos);
            return;
        }
        Optional<ErrorCodeAttribute> error = response.errorCode();
        int code = error.map(ErrorCodeAttribute::code).orElse(ErrorCodeAttribute.BAD_REQUEST);
        String reason = error.map(ErrorCodeAttribute::reason).orElse("(no ERROR-CODE)");
        Optional<String> newNonce = response.string(StunAttributeType.NONCE);
        Optional<String> newRealm = response.string(StunAttributeType.REALM);
        if (code == ErrorCodeAttribute.UNAUTHENTICATED && !request.authenticated && newNonce.isPresent()
                && newRealm.isPresent()) {
            // RFC 8489 §9.2.4, RFC 8656 §7.1: the challenge names the realm and a nonce; retry with credentials.
            if (!useChallenge(newRealm.get(), newNonce.get(), request, code, reason)) {
                return;
            }
            start(request, nowNanos);
            return;
        }
        if (code == ErrorCodeAttribute.STALE_NONCE && newNonce.isPresent()
                && request.staleNonceRetries < MAX_STALE_NONCE_RETRIES) {
            // RFC 8489 §9.2.5: a stale nonce is replaced by the new one and the request retried.
            if (!useChallenge(newRealm.orElse(realm), newNonce.get(), request, code, reason)) {
                return;
            }
            request.staleNonceRetries++;
            start(request, nowNanos);
            return;
        }
        if (code == ErrorCodeAttribute.TRY_ALTERNATE && request.kind == Kind.ALLOCATE && !reliable
                && redirects < MAX_REDIRECTS) {
            Optional<InetSocketAddress> alternate = response.address(StunAttributeType.ALTERNATE_SERVER);
            if (alternate.isPresent() && !alternate.get().equals(server)) {
                // RFC 8489 §10, RFC 8656 §7.4: start over at the alternate server, which challenges afresh.
                redirects++;
                server = alternate.get();
                realm = null;
                nonce = null;
                key = null;
                request.staleNonceRetries = 0;
                events.add(new TurnEvent.Redirected(server));
                start(request, nowNanos);
                return;
            }
        }
        if (nonce != null && newNonce.isPresent()) {
            nonce = newNonce.get(); // RFC 8489 §9.2.5: later requests use the latest nonce
        }
        failRequest(request, code, reason);
    }

    /**
     * Takes the realm and nonce of a 401 or 438 and derives the key for that realm: MD5(username ":" realm ":"
     * SASLprep(password)), the RFC 5389 §15.4 form that RFC 8489 §9.2.2 keeps for MD5 and coturn uses. False (and
     * the request failed) when the password cannot be prepared.
     */
    private boolean useChallenge(String newRealm, String newNonce, Request request, int code, String reason) {
        if (!newRealm.equals(realm) || key == null) {
            try {
                key = StunCredentials.longTermKeyRfc5389(config.username(), newRealm, config.password());
            } catch (IllegalArgumentException e) {
                failRequest(request, code, reason + " (and the password cannot be used: " + e.getMessage() + ")");
                return false;
            }
        }
        realm = newRealm;
        nonce = newNonce;
        return true;
    }

    private void handleSuccess(Request request, StunMessage response, long nowNanos) {
        switch (request.kind) {
            case ALLOCATE -> {
                // RFC 8656 §7.3
                List<InetSocketAddress> relayed = new ArrayList<>();
                for (StunAttribute attribute : response.attributes()) {
                    if (attribute.type() == StunAttributeType.XOR_RELAYED_ADDRESS
                            && attribute instanceof AddressAttribute address) {
                        relayed.add(address.address());
                    }
                }
                if (relayed.isEmpty()) {
                    fail(new TurnEvent.Failed("the TURN server " + currentServerName()
                            + " answered Allocate with a success that names no relayed address"));
                    return;
                }
                relayedAddresses = List.copyOf(relayed);
                mappedAddress = response.address(StunAttributeType.XOR_MAPPED_ADDRESS).orElse(null);
                grantLifetime(response, nowNanos);
                state = State.ALLOCATED;
                events.add(new TurnEvent.Allocated(relayedAddresses, mappedAddress, lifetime));
            }
            case REFRESH -> {
                // RFC 8656 §8.3
                refreshPending = false;
                grantLifetime(response, nowNanos);
                events.add(new TurnEvent.Refreshed(lifetime));
            }
            case DEALLOCATE -> finishDeallocation();
            case PERMISSION -> {
                // RFC 8656 §10.3
                for (Permission permission : request.permissions) {
                    permission.pending = false;
                    installed(permission, nowNanos);
                }
            }
            case CHANNEL_BIND -> {
                // RFC 8656 §12.3: the binding, and the permission for the peer's IP, now exist.
                Channel channel = request.channel;
                channel.pending = false;
                channel.refreshAt = nowNanos + CHANNEL_REFRESH_NANOS;
                installed(channel.permission, nowNanos);
                if (!channel.bound) {
                    channel.bound = true;
                    events.add(new TurnEvent.ChannelBound(channel.peer, channel.number));
                }
            }
        }
    }

    private void installed(Permission permission, long nowNanos) {
        permission.refreshAt = nowNanos + PERMISSION_REFRESH_NANOS;
        if (!permission.installed) {
            permission.installed = true;
            events.add(new TurnEvent.PermissionCreated(permission.ip));
        }
    }

    /**
     * LIFETIME of a success (the requested one when absent); the allocation is refreshed a minute before it ends,
     * or at half of it when it is 2 minutes or shorter.
     */
    private void grantLifetime(StunMessage response, long nowNanos) {
        long seconds = response.attribute(StunAttributeType.LIFETIME, NumberAttribute.class)
                .map(NumberAttribute::value).orElse(config.lifetime().toSeconds());
        lifetime = Duration.ofSeconds(seconds);
        long lifetimeNanos = lifetime.toNanos();
        expiresAt = nowNanos + lifetimeNanos;
        refreshAt = nowNanos + (seconds > 120 ? lifetimeNanos - Duration.ofSeconds(60).toNanos() : lifetimeNanos / 2);
    }

    private void failRequest(Request request, int code, String reason) {
        String server = currentServerName();
        switch (request.kind) {
            case ALLOCATE -> fail(new TurnEvent.ErrorResponse(request.method(), request.describe(), code, reason,
                    server, true));
            case REFRESH -> {
                // RFC 8656 §8.3: 437 means the allocation is gone; any other refusal leaves it to expire unrefreshed.
                refreshPending = false;
                fail(new TurnEvent.ErrorResponse(request.method(), request.describe(), code, reason, server, true));
            }
            case DEALLOCATE -> {
                if (code != 437) { // 437 Allocation Mismatch: it is gone already, which is what was asked
                    events.add(new TurnEvent.ErrorResponse(request.method(), request.describe(), code, reason,
                            server, false));
                }
                finishDeallocation();
            }
            case PERMISSION -> {
                for (Permission permission : request.permissions) {
                    permission.pending = false;
                    forgetPermission(permission);
                }
                events.add(new TurnEvent.ErrorResponse(request.method(), request.describe(), code, reason, server,
                        false));
            }
            case CHANNEL_BIND -> {
                forgetChannel(request.channel);
                events.add(new TurnEvent.ErrorResponse(request.method(), request.describe(), code, reason, server,
                        false));
            }
        }
    }

    private void handleTransactionTimeout(Request request, int transmissionCount, long nowNanos) {
        String server = currentServerName();
        switch (request.kind) {
            case ALLOCATE -> fail(new TurnEvent.TimedOut(request.method(), request.describe(), server,
                    transmissionCount, true));
            case REFRESH -> {
                // Try again while the allocation lasts; handleTimeout fails it when it expires.
                refreshPending = false;
                refreshAt = nowNanos;
                events.add(new TurnEvent.TimedOut(request.method(), request.describe(), server, transmissionCount,
                        false));
            }
            case DEALLOCATE -> {
                events.add(new TurnEvent.TimedOut(request.method(), request.describe(), server, transmissionCount,
                        false));
                finishDeallocation();
            }
            case PERMISSION -> {
                for (Permission permission : request.permissions) {
                    permission.pending = false;
                    if (permission.installed) {
                        permission.refreshAt = nowNanos; // retry; the server keeps it for another minute
                    } else {
                        forgetPermission(permission);
                    }
                }
                events.add(new TurnEvent.TimedOut(request.method(), request.describe(), server, transmissionCount,
                        false));
            }
            case CHANNEL_BIND -> {
                Channel channel = request.channel;
                channel.pending = false;
                if (channel.bound) {
                    channel.refreshAt = nowNanos;
                } else {
                    forgetChannel(channel);
                }
                events.add(new TurnEvent.TimedOut(request.method(), request.describe(), server, transmissionCount,
                        false));
            }
        }
    }

    private void forgetPermission(Permission permission) {
        boolean channelUses = channelsByPeer.values().stream().anyMatch(channel -> channel.permission == permission);
        if (!channelUses) {
            permissions.remove(permission.ip, permission);
        }
    }

    /** The number stays taken: the server may still hold the binding, and rebinding it elsewhere is refused. */
    private void forgetChannel(Channel channel) {
        channelsByPeer.remove(channel.peer, channel);
        channelsByNumber[channel.number - ChannelData.MIN_CHANNEL] = null;
        if (!channel.permission.installed && !channel.permission.pending) {
            forgetPermission(channel.permission);
        }
    }

    private String currentServerName() {
        return server.equals(config.server()) ? config.describeServer()
                : TurnClientConfig.describe(SocketAddresses.format(server), server, config.transport());
    }

    private void finishDeallocation() {
        cancelAll();
        state = State.DEALLOCATED;
        permissions.clear();
        channelsByPeer.clear();
        Arrays.fill(channelsByNumber, null);
        events.add(new TurnEvent.Deallocated());
    }

    private void fail(TurnEvent event) {
        cancelAll();
        state = State.FAILED;
        events.add(event);
    }

    // ----------------------------------------------------------------------------------------------- timers

    /** Retransmits, expires transactions, and sends the refreshes that are due. */
    public void handleTimeout(long nowNanos) {
        transactions.handleTimeout(nowNanos);
        drainTransactions(nowNanos);
        if (state != State.ALLOCATED) {
            return;
        }
        if (due(expiresAt, nowNanos)) {
            fail(new TurnEvent.Failed("the TURN allocation at " + currentServerName() + " expired: no Refresh "
                    + "succeeded within its lifetime of " + lifetime.toSeconds() + " s"));
            return;
        }
        if (!refreshPending && due(refreshAt, nowNanos)) {
            refreshAt = NEVER;
            start(new Request(Kind.REFRESH, List.of(), null), nowNanos);
        }
        // RFC 8656 §9: permissions that are due are refreshed together in one CreatePermission.
        List<Permission> duePermissions = null;
        for (Permission permission : permissions.values()) {
            if (permission.installed && !permission.pending && due(permission.refreshAt, nowNanos)) {
                if (duePermissions == null) {
                    duePermissions = new ArrayList<>();
                }
                duePermissions.add(permission);
            }
        }
        if (duePermissions != null) {
            startPermissions(duePermissions, nowNanos);
        }
        // RFC 8656 §12.1: rebinding the same channel to the same peer refreshes it.
        for (Channel channel : channelsByPeer.values()) {
            if (channel.bound && !channel.pending && due(channel.refreshAt, nowNanos)) {
                channel.pending = true;
                channel.refreshAt = NEVER;
                start(new Request(Kind.CHANNEL_BIND, List.of(), channel), nowNanos);
            }
        }
    }

    /** When {@link #handleTimeout} is next due, or {@link Long#MAX_VALUE} when nothing is scheduled. */
    public long nextTimeoutNanos() {
        long next = transactions.nextTimeoutNanos();
        if (state != State.ALLOCATED) {
            return next;
        }
        next = earlier(next, expiresAt);
        if (!refreshPending) {
            next = earlier(next, refreshAt);
        }
        for (Permission permission : permissions.values()) {
            if (permission.installed && !permission.pending) {
                next = earlier(next, permission.refreshAt);
            }
        }
        for (Channel channel : channelsByPeer.values()) {
            if (channel.bound && !channel.pending) {
                next = earlier(next, channel.refreshAt);
            }
        }
        return next;
    }

    private static boolean due(long deadline, long nowNanos) {
        return deadline != NEVER && nowNanos - deadline >= 0;
    }

    private static long earlier(long a, long b) {
        if (a == NEVER) {
            return b;
        }
        if (b == NEVER) {
            return a;
        }
        return a - b <= 0 ? a : b;
    }

    public Optional<Transmit> pollTransmit() {
        return Optional.ofNullable(transmits.poll());
    }

    public Optional<TurnEvent> pollEvent() {
        return Optional.ofNullable(events.poll());
    }
}
