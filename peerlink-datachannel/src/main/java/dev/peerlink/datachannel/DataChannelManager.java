package dev.peerlink.datachannel;

import dev.peerlink.sctp.SctpAssociation;
import dev.peerlink.sctp.SctpEvent;
import dev.peerlink.sctp.SctpState;
import dev.peerlink.sctp.SendOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * WebRTC data channels (RFC 8831) with DCEP (RFC 8832) on one {@link SctpAssociation}, sans-IO like the
 * association underneath: feed SCTP packets (the DTLS application data) to {@link #handleInput}, call
 * {@link #handleTimeout} when {@link #nextTimeoutNanos} is due, send every {@link #pollTransmit} over DTLS and read
 * {@link #pollEvent}. All calls from one thread.
 */
public final class DataChannelManager {

    // PPIDs (RFC 8831 §8).
    public static final int PPID_DCEP = 50;
    public static final int PPID_STRING = 51;
    public static final int PPID_BINARY_PARTIAL = 52;
    public static final int PPID_BINARY = 53;
    public static final int PPID_STRING_PARTIAL = 54;
    public static final int PPID_STRING_EMPTY = 56;
    public static final int PPID_BINARY_EMPTY = 57;

    private final SctpAssociation sctp;
    private final boolean dtlsClient;
    private final Map<Integer, DataChannel> channels = new HashMap<>();
    private final ArrayDeque<DataChannelEvent> events = new ArrayDeque<>();
    private int nextId;
    private boolean closed;
    private long lastNow;

    /**
     * @param sctp       the association to run on (not yet connected, or connected)
     * @param dtlsClient whether this side is the DTLS client: it then picks even stream ids, the server odd ones
     *                   (RFC 8832 §6)
     */
    public DataChannelManager(SctpAssociation sctp, boolean dtlsClient) {
        this.sctp = sctp;
        this.dtlsClient = dtlsClient;
        this.nextId = dtlsClient ? 0 : 1;
    }

    public SctpAssociation association() {
        return sctp;
    }

    /** Starts the SCTP handshake (the DTLS client does this in WebRTC). */
    public void connect(long nowNanos) {
        sctp.connect(nowNanos);
    }

    public void handleInput(ByteBuffer packet, long nowNanos) {
        sctp.handleInput(packet, nowNanos);
        pump(nowNanos);
    }

    public void handleTimeout(long nowNanos) {
        sctp.handleTimeout(nowNanos);
        pump(nowNanos);
    }

    public long nextTimeoutNanos() {
        return sctp.nextTimeoutNanos();
    }

    public Optional<ByteBuffer> pollTransmit() {
        Optional<ByteBuffer> p = sctp.pollTransmit();
        pump(lastNow); // sending can lower a buffered amount below its threshold
        return p;
    }

    public Optional<DataChannelEvent> pollEvent() {
        pump(lastNow);
        return Optional.ofNullable(events.poll());
    }

    /** The channels that are not closed, by stream id. */
    public Map<Integer, DataChannel> channels() {
        return Map.copyOf(channels);
    }

    /**
     * Creates a channel, open (with {@link DataChannelEvent.ChannelOpened}) as soon as the association is. One that is
     * not negotiated sends a DATA_CHANNEL_OPEN first and does not wait for the DATA_CHANNEL_ACK: RFC 8832 §6 lets
     * the opener send user data right after the OPEN (ordered until the ACK comes), as browsers do, which saves the
     * opener a round trip.
     */
    public DataChannel createChannel(String label, DataChannelOptions options, long nowNanos) {
        if (closed || sctp.isTerminated()) {
            throw new IllegalStateException("the SCTP association is closed, so no data channel can be created");
        }
        if (label == null) {
            throw new IllegalArgumentException("the data channel label is null");
        }
        if (label.getBytes(StandardCharsets.UTF_8).length > 0xffff
                || options.protocol().getBytes(StandardCharsets.UTF_8).length > 0xffff) {
            throw new IllegalArgumentException("a data channel label or protocol must fit in 65535 UTF-8 bytes");
        }
        int id;
        if (options.negotiated()) {
            id = options.id();
            if (channels.containsKey(id)) {
                throw new IllegalArgumentException("stream id " + id + " is already used by " + channels.get(id));
            }
        } else {
            id = allocateId();
        }
        boolean up = sctp.state() == SctpState.ESTABLISHED;
        DataChannel ch = new DataChannel(this, id, label, options,
                up ? DataChannelState.OPEN : DataChannelState.CONNECTING);
        channels.put(id, ch);
        if (options.negotiated()) {
            ch.acked = true;
        } else {
            // RFC 8832 §6: the OPEN goes reliably and in order on the channel's stream, ahead of any user data.
            byte[] open = new DcepMessage.Open(options.channelType(), options.priority(), options.reliabilityParameter(),
                    label, options.protocol()).encode();
            sctp.send(id, PPID_DCEP, ByteBuffer.wrap(open), SendOptions.RELIABLE_ORDERED, nowNanos);
        }
        if (up) {
            events.add(new DataChannelEvent.ChannelOpened(ch, false));
        }
        pump(nowNanos);
        return ch;
    }

    private int allocateId() {
        int limit = sctp.state() == SctpState.ESTABLISHED ? sctp.outboundStreams() : 65535;
        for (int tries = 0; tries < 32768; tries++) {
            int id = nextId;
            nextId += 2;
            if (nextId >= limit) {
                nextId = dtlsClient ? 0 : 1;
            }
            if (id < limit && !channels.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("every stream id of this DTLS role is in use");
    }

    void sendText(DataChannel ch, String text, long now) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0) {
            send(ch, PPID_STRING_EMPTY, new byte[1], now); // RFC 8831 §6.6
        } else {
            send(ch, PPID_STRING, utf8, now);
        }
    }

    void sendBinary(DataChannel ch, byte[] data, long now) {
        if (data.length == 0) {
            send(ch, PPID_BINARY_EMPTY, new byte[1], now); // RFC 8831 §6.6
        } else {
            send(ch, PPID_BINARY, data, now);
        }
    }

    private void send(DataChannel ch, int ppid, byte[] data, long now) {
        if (ch.state != DataChannelState.OPEN) {
            throw new IllegalStateException("data channel '" + ch.label() + "' is " + ch.state + ", not open");
        }
        DataChannelOptions o = ch.options();
        // RFC 8832 §6: until the ACK arrives, messages are sent ordered.
        SendOptions so = new SendOptions(o.ordered() || !ch.acked, o.maxRetransmits(), o.maxPacketLifeTime());
        ch.userDataQueued = true;
        sctp.send(ch.id(), ppid, ByteBuffer.wrap(data), so, now);
        pump(now);
    }

    void close(DataChannel ch, long now) {
        if (ch.state == DataChannelState.CLOSING || ch.state == DataChannelState.CLOSED) {
            return;
        }
        ch.state = DataChannelState.CLOSING;
        requestReset(ch, now);
        pump(now);
    }

    private void requestReset(DataChannel ch, long now) {
        if (!ch.resetRequested) {
            ch.resetRequested = true;
            if (sctp.state() == SctpState.ESTABLISHED) {
                sctp.resetStreams(List.of(ch.id()), now);
            } else {
                finish(ch);
            }
        }
    }

    long bufferedAmount(DataChannel ch) {
        return sctp.bufferedAmount(ch.id());
    }

    void setBufferedAmountLowThreshold(DataChannel ch, long bytes) {
        sctp.setBufferedAmountLowThreshold(ch.id(), bytes);
    }

    /** Closes every channel with a graceful SCTP SHUTDOWN. */
    public void shutdown(long nowNanos) {
        sctp.shutdown(nowNanos);
        pump(nowNanos);
    }

    /** Drains the association's events into data channel events. */
    private void pump(long now) {
        lastNow = now;
        for (Optional<SctpEvent> e = sctp.pollEvent(); e.isPresent(); e = sctp.pollEvent()) {
            switch (e.get()) {
                case SctpEvent.Connected c -> {
                    events.add(new DataChannelEvent.Connected());
                    for (DataChannel ch : channels.values()) {
                        if (ch.state == DataChannelState.CONNECTING) {
                            ch.state = DataChannelState.OPEN;
                            events.add(new DataChannelEvent.ChannelOpened(ch, false));
                        }
                    }
                }
                case SctpEvent.MessageReceived m -> onMessage(m, now);
                case SctpEvent.IncomingStreamsReset r -> onIncomingReset(r.streamIds(), now);
                case SctpEvent.OutgoingStreamsReset r -> onOutgoingReset(r.streamIds());
                case SctpEvent.StreamResetFailed r -> onOutgoingReset(r.streamIds());
                case SctpEvent.BufferedAmountLow b -> {
                    DataChannel ch = channels.get(b.streamId());
                    // Not for the DCEP OPEN leaving before any user data: bufferedAmount counts user data only.
                    if (ch != null && ch.state == DataChannelState.OPEN && ch.userDataQueued) {
                        events.add(new DataChannelEvent.BufferedAmountLow(ch));
                    }
                }
                case SctpEvent.Closed c -> endAll(true, "closed");
                case SctpEvent.Aborted a -> endAll(false, a.reason());
            }
        }
    }

    private void onMessage(SctpEvent.MessageReceived m, long now) {
        int id = m.streamId();
        DataChannel ch = channels.get(id);
        if (m.ppid() == PPID_DCEP) {
            DcepMessage msg;
            try {
                msg = DcepMessage.decode(m.data());
            } catch (DcepFormatException bad) {
                return; // RFC 8832 §7: a malformed DCEP message is ignored
            }
            switch (msg) {
                case DcepMessage.Open open -> {
                    if (ch != null) {
                        return; // the id is taken (RFC 8832 §6: roles keep ids apart, so this is the peer's mistake)
                    }
                    DataChannel incoming = new DataChannel(this, id, open.label(), DataChannelOptions.fromOpen(open, id),
                            DataChannelState.OPEN);
                    incoming.acked = true;
                    channels.put(id, incoming);
                    // RFC 8832 §6: answer with DATA_CHANNEL_ACK on the same stream.
                    sctp.send(id, PPID_DCEP, ByteBuffer.wrap(new DcepMessage.Ack().encode()), SendOptions.RELIABLE_ORDERED, now);
                    events.add(new DataChannelEvent.ChannelOpened(incoming, true));
                }
                case DcepMessage.Ack ack -> {
                    if (ch != null) {
                        acknowledge(ch);
                    }
                }
            }
            return;
        }
        if (ch == null || ch.state == DataChannelState.CLOSED) {
            return;
        }
        acknowledge(ch); // RFC 8832 §6: user data before the ACK implies it
        switch (m.ppid()) {
            case PPID_STRING -> {
                String text = new String(m.data(), StandardCharsets.UTF_8);
                if (!ch.partialText.isEmpty()) {
                    text = ch.partialText.append(text).toString();
                    ch.partialText.setLength(0);
                }
                events.add(new DataChannelEvent.TextMessage(ch, text));
            }
            case PPID_BINARY -> {
                byte[] data = m.data();
                if (ch.partialBinary != null) {
                    ch.partialBinary.writeBytes(data);
                    data = ch.partialBinary.toByteArray();
                    ch.partialBinary = null;
                }
                events.add(new DataChannelEvent.BinaryMessage(ch, data));
            }
            // RFC 8831 §8: 54 and 52 are deprecated partial string/binary messages; accepted and joined.
            case PPID_STRING_PARTIAL -> ch.partialText.append(new String(m.data(), StandardCharsets.UTF_8));
            case PPID_BINARY_PARTIAL -> {
                if (ch.partialBinary == null) {
                    ch.partialBinary = new java.io.ByteArrayOutputStream();
                }
                ch.partialBinary.writeBytes(m.data());
            }
            case PPID_STRING_EMPTY -> events.add(new DataChannelEvent.TextMessage(ch, ""));
            case PPID_BINARY_EMPTY -> events.add(new DataChannelEvent.BinaryMessage(ch, new byte[0]));
            default -> {
                // An unknown PPID is not a WebRTC message; dropped.
            }
        }
    }

    /** The peer has the channel (RFC 8832 §6): from now on its messages go as its options say, unordered too. */
    private void acknowledge(DataChannel ch) {
        ch.acked = true;
    }

    /** RFC 8831 §6.7: the peer reset its outgoing stream; reset ours too, and the channel is closed when both are. */
    private void onIncomingReset(Collection<Integer> ids, long now) {
        for (int id : ids) {
            DataChannel ch = channels.get(id);
            if (ch == null) {
                continue;
            }
            ch.incomingReset = true;
            if (ch.state != DataChannelState.CLOSED) {
                ch.state = DataChannelState.CLOSING;
            }
            requestReset(ch, now);
            if (ch.outgoingReset) {
                finish(ch);
            }
        }
    }

    private void onOutgoingReset(Collection<Integer> ids) {
        for (int id : ids) {
            DataChannel ch = channels.get(id);
            if (ch == null) {
                continue;
            }
            ch.outgoingReset = true;
            if (ch.incomingReset) {
                finish(ch);
            }
        }
    }

    private void finish(DataChannel ch) {
        if (ch.state == DataChannelState.CLOSED) {
            return;
        }
        ch.state = DataChannelState.CLOSED;
        channels.remove(ch.id());
        events.add(new DataChannelEvent.ChannelClosed(ch));
    }

    private void endAll(boolean graceful, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        for (DataChannel ch : List.copyOf(channels.values())) {
            finish(ch);
        }
        events.add(new DataChannelEvent.AssociationClosed(graceful, reason));
    }
}
