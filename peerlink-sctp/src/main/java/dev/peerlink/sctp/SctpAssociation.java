package dev.peerlink.sctp;

import static dev.peerlink.sctp.SctpPacket.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One SCTP association (RFC 9260) over a datagram carrier such as DTLS (RFC 8261): no IP addresses, one path,
 * fixed ports. A sans-IO state machine: feed received packets to {@link #handleInput}, call
 * {@link #handleTimeout} when {@link #nextTimeoutNanos} is due, send everything {@link #pollTransmit} returns and
 * read {@link #pollEvent}. Every method that takes {@code now} advances the association's clock; all calls must come
 * from one thread. After {@link #pollEvent}, {@link #send}, {@link #resetStreams}, {@link #shutdown} or
 * {@link #abort}, drain {@link #pollTransmit} again: reading messages can open the receive window (a window update
 * SACK), and the others queue chunks.
 *
 * <p>Implemented: the four-way handshake with a signed State Cookie (RFC 9260 §5.1, §5.1.3, §5.1.5), INIT
 * collision (§5.2.1, §5.2.4 cases B and D), DATA with fragmentation and reassembly (§6.9), ordered and unordered
 * delivery (§6.6), SACK with gap blocks and duplicate TSNs and delayed acknowledgement (§6.2), receive window
 * (§6.2.1), T3-rtx with the RTO of §6.3, fast retransmit (§7.2.4), congestion control (§7.2), heartbeats (§8.3),
 * failure detection (§8.1), verification tags (§8.5), out-of-the-blue packets (§8.4), ABORT and graceful
 * SHUTDOWN (§9), unknown chunk handling (§3.2), PR-SCTP with FORWARD TSN (RFC 3758) and stream reset
 * (RFC 6525 Outgoing and Incoming SSN Reset Requests), and Datagram PLPMTUD (RFC 8899 §6.2.1, as §6.2.3 has it
 * over DTLS) when {@link SctpConfig#maxMtu()} exceeds {@link SctpConfig#mtu()}: HEARTBEAT+PAD probes raise the
 * packet size ({@link #pathMtu()}), two T3-rtx expirations in a row with nothing acknowledged above the base size
 * drop it back, and the search runs again after PMTU_RAISE_TIMER (600 s). PTB messages (ICMP) do not reach this
 * layer and are not used.
 *
 * <p>Not implemented: association restart (§5.2.2/§5.2.4 case A; an INIT on an established association is
 * ignored), multi-homing and ADDIP, ECN, AUTH (RFC 4895), I-DATA (RFC 8260), SSN/TSN reset and adding streams
 * (answered with "Denied").
 */
public final class SctpAssociation {

    private static final long NONE = Long.MAX_VALUE;
    private static final int MAX_RECEIVE_SPAN = 1 << 16;
    private static final int COOKIE_BODY = 56;
    private static final int COOKIE_LENGTH = COOKIE_BODY + 32;
    private static final int MAX_DUPLICATES_REPORTED = 32;
    private static final long CLOCK_GRANULARITY = 1_000_000L;

    private final SctpConfig config;
    private final RandomGenerator random;
    private final boolean client;
    private final CRC32C crc = new CRC32C();
    private final Mac cookieMac;
    /** Holds a packet being built: {@link #maxPlpmtu} bytes (grown by {@link #pathChanged}). */
    private byte[] scratch;
    /** The largest DATA payload a packet of {@link #plpmtu} bytes carries. */
    private int maxPayload;
    private final long rtoMin;
    private final long rtoMax;

    private long now;
    private SctpState state = SctpState.CLOSED;
    private boolean started;
    private boolean terminated;
    private long peerMaxMessageSize;

    // Tags and negotiated parameters (RFC 9260 §5.1).
    private int myTag;
    private int peerTag;
    private int outboundStreams;
    private int inboundStreams;
    private boolean peerSupportsForwardTsn;
    private boolean peerSupportsReconfig;
    private byte[] initPacket;
    private byte[] cookieEchoChunk;
    private long t1Deadline = NONE;
    private long t1Rto;
    private int t1Count;

    // Sender (RFC 9260 §6.1, §6.3, §7).
    private int nextTsn;
    private int cumAckPoint;
    private int advancedPeerAckPoint;
    private final ChunkRing inflight = new ChunkRing();
    /**
     * Bookkeeping over {@link #inflight} so that a SACK without gap blocks (the common case: nothing lost) is
     * processed in time proportional to what it acknowledges, not to everything outstanding: the bytes of all
     * chunks in the queue, and how many of them are gap-acked or abandoned.
     */
    private long inflightQueuedBytes;
    private int inflightGapAcked;
    private int inflightAbandoned;
    private final ArrayDeque<OutChunk> pending = new ArrayDeque<>();
    private OutStream[] outStreams = new OutStream[16];
    private long totalBuffered;
    private long flightSize;
    private int retransmitCount;
    private boolean fastRetransmitBurst;
    private long peerRwnd;
    private long lastPeerArwnd;
    private long cwnd;
    private long ssthresh;
    private long partialBytesAcked;
    private boolean inFastRecovery;
    private int fastRecoveryExit;
    private long srtt;
    private long rttvar;
    private boolean haveRtt;
    private long rto;
    private boolean rttMeasuring;
    private int rttTsn;
    private long rttSentAt;
    private long t3Deadline = NONE;
    private int errorCount;
    private boolean forwardTsnPending;
    private boolean sackSinceT3;
    private long forwardTsnSentAt = Long.MIN_VALUE / 2;

    // Receiver (RFC 9260 §6.2, §6.9).
    private int cumTsn;
    private int highestTsn;
    private boolean[] seen = new boolean[1024];
    private final HashMap<Integer, Fragment> fragments = new HashMap<>();
    private InStream[] inStreams = new InStream[16];
    private long receiveBuffered;
    private long lastAdvertisedRwnd;
    private final int[] duplicates = new int[MAX_DUPLICATES_REPORTED];
    private int duplicateCount;
    private boolean sackNeeded;
    private long sackDeadline = NONE;
    private int packetsSinceSack;
    private boolean sackImmediately;
    private int dataChunksInPacket;

    // Datagram PLPMTUD (RFC 8899 §5, §6.2.1 for SCTP).
    /** The current PLPMTU: the size of the SCTP packets this side builds (BASE_PLPMTU = config.mtu() at first). */
    private int plpmtu;
    /** MAX_PLPMTU (RFC 8899 §5.1.2) of the current path: {@link SctpConfig#maxMtu()}, then {@link #pathChanged}'s. */
    private int maxPlpmtu;
    private long probeDeadline = NONE;
    /** The size being probed (PROBED_SIZE), 0 while no probe is outstanding. */
    private int probedSize;
    private int probeCount;
    private long probeNonce;
    private boolean searchComplete;
    /** T3-rtx expirations in a row with nothing acknowledged, while the PLPMTU is above BASE (black hole, §4.3). */
    private int t3WithoutAckAboveBase;
    /** Whether the packet last returned by pollTransmit is larger than the PLPMTU (see lastTransmitExceedsPathMtu). */
    private boolean lastTransmitOversized;

    // Heartbeat (RFC 9260 §8.3), shutdown (§9.2).
    private long hbDeadline = NONE;
    private boolean hbOutstanding;
    private long hbNonce;
    private long t2Deadline = NONE;
    private long t2Rto;

    // Stream reconfiguration (RFC 6525).
    private int myReqSeq;
    private int peerReqSeqExpected;
    private ResetRequest outstandingReset;
    private final LinkedHashSet<Integer> resetQueue = new LinkedHashSet<>();
    private int incomingRequestToAnswer = -1;
    private boolean answerIncomingRequest;
    private long reconfigDeadline = NONE;
    private long reconfigRto;
    private int lastResetSeq;
    private int lastResetResult = RESULT_SUCCESS_NOTHING_TO_DO;
    private ResetRequest deferredReset;

    private final ArrayDeque<byte[]> soloPackets = new ArrayDeque<>();
    private final ArrayDeque<byte[]> controlChunks = new ArrayDeque<>();
    private final ArrayDeque<SctpEvent> events = new ArrayDeque<>();

    private long packetsSent;
    private long packetsReceived;
    private long checksumErrors;
    private long dataChunksSent;
    private long retransmittedChunks;
    private long fastRetransmits;
    private long t3Expirations;
    private long duplicateTsnsReceived;
    private long abandonedMessages;
    private long receiveWindowDrops;

    private SctpAssociation(SctpConfig config, RandomGenerator random, boolean client) {
        if (config == null || random == null) {
            throw new NullPointerException("an SCTP association needs a config and a random generator");
        }
        this.config = config;
        this.random = random;
        this.client = client;
        this.scratch = new byte[config.maxMtu()];
        this.plpmtu = config.mtu();
        this.maxPlpmtu = config.maxMtu();
        this.maxPayload = maxPayloadFor(plpmtu);
        this.rtoMin = config.rtoMin().toNanos();
        this.rtoMax = config.rtoMax().toNanos();
        this.rto = Math.min(rtoMax, config.rtoInitial().toNanos());
        this.peerMaxMessageSize = config.peerMaxMessageSize();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        try {
            cookieMac = Mac.getInstance("HmacSHA256");
            cookieMac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256, which signs SCTP state cookies", e);
        }
        this.cwnd = initialCwnd();
        this.ssthresh = Integer.MAX_VALUE;
    }

    /** The side that sends INIT (the DTLS client in WebRTC); call {@link #connect}. */
    public static SctpAssociation client(SctpConfig config, RandomGenerator random) {
        return new SctpAssociation(config, random, true);
    }

    /** The side that waits for INIT; it may still {@link #connect} (both sides may, RFC 9260 §5.2.1). */
    public static SctpAssociation server(SctpConfig config, RandomGenerator random) {
        return new SctpAssociation(config, random, false);
    }

    // ------------------------------------------------------------------------------------------------ public API

    public boolean isClient() {
        return client;
    }

    public SctpState state() {
        return state;
    }

    /** Whether the association has ended (closed, aborted or failed) and will do nothing more. */
    public boolean isTerminated() {
        return terminated;
    }

    public SctpConfig config() {
        return config;
    }

    /** Sends INIT (RFC 9260 §5.1 step A). */
    public void connect(long nowNanos) {
        now = nowNanos;
        if (started || terminated || state != SctpState.CLOSED) {
            throw new IllegalStateException("the association is " + state + "; connect() may be called once, before it starts");
        }
        started = true;
        myTag = randomTag();
        initSendState(random.nextInt());
        state = SctpState.COOKIE_WAIT;
        initPacket = buildInitPacket();
        soloPackets.add(initPacket);
        t1Rto = Math.min(rtoMax, config.rtoInitial().toNanos());
        t1Count = 0;
        t1Deadline = now + t1Rto;
    }

    /** The peer's max-message-size from SDP (RFC 8841 §6); {@link #send} refuses larger messages. */
    public void setPeerMaxMessageSize(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("the peer's max message size must be positive, not " + bytes);
        }
        peerMaxMessageSize = bytes;
    }

    public long peerMaxMessageSize() {
        return peerMaxMessageSize;
    }

    /**
     * Queues one user message. It is fragmented to the packet size now and sent when the association is
     * established and the congestion and receive windows allow. The message's remaining bytes are copied; its
     * position does not change.
     *
     * @throws IllegalArgumentException for an empty message (RFC 9260 §6.2 forbids DATA without user data; WebRTC
     *                                  sends PPID 56/57 with one byte instead), a message above the peer's max
     *                                  message size, or a stream id out of range
     * @throws IllegalStateException    when the association is shutting down or ended, the stream is being reset,
     *                                  or the send buffer is full
     */
    public void send(int streamId, int ppid, ByteBuffer message, SendOptions options, long nowNanos) {
        now = nowNanos;
        if (terminated || state.ordinal() > SctpState.ESTABLISHED.ordinal()) {
            throw new IllegalStateException("the SCTP association is " + (terminated ? "closed" : state)
                    + ", so it takes no more messages");
        }
        int len = message.remaining();
        if (len == 0) {
            throw new IllegalArgumentException("SCTP cannot carry an empty message (RFC 9260 §6.2); WebRTC sends "
                    + "PPID 56 or 57 with a single byte instead (RFC 8831 §6.6)");
        }
        if (len > peerMaxMessageSize) {
            throw new IllegalArgumentException("the message has " + len + " bytes, more than the peer's max message size of "
                    + peerMaxMessageSize);
        }
        if (streamId < 0 || streamId > 65534 || (state == SctpState.ESTABLISHED && streamId >= outboundStreams)) {
            throw new IllegalArgumentException("stream id " + streamId + " is out of range (the association has "
                    + (state == SctpState.ESTABLISHED ? outboundStreams : config.streams()) + " outbound streams)");
        }
        if (totalBuffered + len > config.maxSendBuffer()) {
            throw new IllegalStateException("the send buffer is full (" + totalBuffered + " of " + config.maxSendBuffer()
                    + " bytes queued); wait for the buffered amount to fall");
        }
        OutStream os = outStream(streamId);
        if (os.resetting) {
            throw new IllegalStateException("stream " + streamId + " is being reset and takes no more messages");
        }
        byte[] data = new byte[len];
        message.get(message.position(), data);
        long expires = options.maxPacketLifeTimeMillis() >= 0 ? now + options.maxPacketLifeTimeMillis() * 1_000_000L : NONE;
        OutMessage m = new OutMessage(streamId, ppid, options.ordered(), options.maxRetransmits(), expires, data,
                (len + maxPayload - 1) / maxPayload);
        for (int off = 0; off < len; off += maxPayload) {
            int fl = Math.min(maxPayload, len - off);
            int flags = (off == 0 ? FLAG_BEGIN : 0) | (off + fl == len ? FLAG_END : 0);
            pending.add(new OutChunk(m, off, fl, flags));
        }
        os.buffered += len;
        totalBuffered += len;
    }

    /** Bytes queued on this stream that have not been sent yet. */
    public long bufferedAmount(int streamId) {
        OutStream os = streamId >= 0 && streamId < outStreams.length ? outStreams[streamId] : null;
        return os == null ? 0 : os.buffered;
    }

    /** Bytes queued on all streams that have not been sent yet. */
    public long bufferedAmount() {
        return totalBuffered;
    }

    /** When the stream's buffered amount falls from above this to at or below it, a BufferedAmountLow event follows. */
    public void setBufferedAmountLowThreshold(int streamId, long threshold) {
        if (threshold < 0) {
            throw new IllegalArgumentException("the buffered amount low threshold must not be negative, not " + threshold);
        }
        outStream(streamId).lowThreshold = threshold;
    }

    /**
     * Resets these outgoing streams (RFC 6525 §5.1.2), which is how WebRTC closes a data channel (RFC 8831 §6.7).
     * Messages already queued on them are sent first; then an Outgoing SSN Reset Request goes out and
     * {@link SctpEvent.OutgoingStreamsReset} follows the peer's answer. No new messages may be queued on them
     * until then.
     */
    public void resetStreams(Collection<Integer> streamIds, long nowNanos) {
        now = nowNanos;
        if (state != SctpState.ESTABLISHED) {
            throw new IllegalStateException("streams can only be reset on an established association, not one that is "
                    + (terminated ? "closed" : state));
        }
        for (int id : streamIds) {
            if (id < 0 || id > 65534) {
                throw new IllegalArgumentException("stream id " + id + " is out of range");
            }
        }
        for (int id : streamIds) {
            OutStream os = outStream(id);
            if (!os.resetting) {
                os.resetting = true;
                resetQueue.add(id);
            }
        }
        tryStartReset();
    }

    /** Graceful close (RFC 9260 §9.2): queued data is delivered, then SHUTDOWN; {@link SctpEvent.Closed} follows. */
    public void shutdown(long nowNanos) {
        now = nowNanos;
        if (terminated) {
            return;
        }
        switch (state) {
            case CLOSED, COOKIE_WAIT, COOKIE_ECHOED -> {
                if (peerTag != 0) {
                    soloPackets.add(buildAbortPacket("shutdown before the association was established"));
                }
                terminate();
                events.add(new SctpEvent.Closed());
            }
            case ESTABLISHED -> {
                state = SctpState.SHUTDOWN_PENDING;
                maybeProgressShutdown();
            }
            default -> {
            }
        }
    }

    /** Ends the association now (RFC 9260 §9.1): sends ABORT with a User-Initiated Abort cause. */
    public void abort(String reason) {
        if (terminated) {
            return;
        }
        if (peerTag != 0) {
            soloPackets.add(buildAbortPacket(reason == null ? "" : reason));
        }
        terminate();
        events.add(new SctpEvent.Aborted("aborted locally: " + reason));
    }

    public Optional<SctpEvent> pollEvent() {
        SctpEvent e = events.poll();
        if (e == null) {
            return Optional.empty();
        }
        if (e instanceof SctpEvent.MessageReceived m) {
            receiveBuffered -= m.data().length;
            maybeWindowUpdate();
        }
        return Optional.of(e);
    }

    public long nextTimeoutNanos() {
        if (terminated) {
            return NONE;
        }
        return Math.min(Math.min(Math.min(t1Deadline, t3Deadline), Math.min(sackDeadline, hbDeadline)),
                Math.min(Math.min(t2Deadline, reconfigDeadline), probeDeadline));
    }

    public void handleTimeout(long nowNanos) {
        now = nowNanos;
        if (terminated) {
            return;
        }
        if (t1Deadline <= now) {
            onT1Expired();
        }
        if (!terminated && t3Deadline <= now) {
            onT3Expired();
        }
        if (!terminated && sackDeadline <= now) {
            sackDeadline = NONE;
            sackNeeded = true;
        }
        if (!terminated && t2Deadline <= now) {
            onT2Expired();
        }
        if (!terminated && hbDeadline <= now) {
            onHeartbeatTimer();
        }
        if (!terminated && reconfigDeadline <= now) {
            onReconfigTimer();
        }
        if (!terminated && probeDeadline <= now) {
            onProbeTimer();
        }
    }

    /**
     * The current PLPMTU (RFC 8899 §2): the size of the SCTP packets this side builds, common header included.
     * Starts at {@link SctpConfig#mtu()} (BASE_PLPMTU), rises as probes are confirmed (up to
     * {@link SctpConfig#maxMtu()}) and falls back to the base on a black hole.
     */
    public int pathMtu() {
        return plpmtu;
    }

    /**
     * Whether the packet {@link #pollTransmit} returned last is larger than {@link #pathMtu()}. That happens only
     * after a black hole fallback (RFC 8899 §4.3), for the retransmission of a DATA chunk cut for the larger PLPMTU:
     * its TSN fixes its size (RFC 9260 §6.9), so it goes alone, and the carrier should send it letting the network
     * fragment it (DF clear, RFC 8261 §5, RFC 9260 §7.3). Probe packets, which are larger on purpose and must not be
     * fragmented, answer false.
     */
    public boolean lastTransmitExceedsPathMtu() {
        return lastTransmitOversized;
    }

    /**
     * The path under the association changed (for WebRTC: ICE selected another candidate pair): RFC 8899 §4.6 and
     * §5.2 take nothing learnt about the old path to hold for the new one, so the PLPMTU goes back to BASE_PLPMTU
     * ({@link SctpConfig#mtu()}; queued messages are re-cut to it) and, when {@code maxMtu} is larger, the search
     * starts again at once (once established) with MAX_PLPMTU = {@code maxMtu}, which may be above or below
     * {@link SctpConfig#maxMtu()}. {@code maxMtu} equal to the base turns probing off for this path (a relayed pair).
     *
     * @throws IllegalArgumentException when {@code maxMtu} is below {@link SctpConfig#mtu()} or above 65535
     */
    public void pathChanged(int maxMtu, long nowNanos) {
        if (maxMtu < config.mtu() || maxMtu > 65535) {
            throw new IllegalArgumentException("the largest SCTP packet size to probe for must be between the packet"
                    + " size (" + config.mtu() + ") and 65535 bytes, not " + maxMtu);
        }
        now = nowNanos;
        maxPlpmtu = maxMtu;
        if (scratch.length < maxMtu) {
            scratch = new byte[maxMtu];
        }
        boolean wasAboveBase = plpmtu != config.mtu();
        plpmtu = config.mtu();
        maxPayload = maxPayloadFor(plpmtu);
        t3WithoutAckAboveBase = 0;
        if (wasAboveBase) {
            recutPending();
        }
        probedSize = 0;
        probeCount = 0;
        searchComplete = false;
        probeDeadline = maxPlpmtu > config.mtu() && state == SctpState.ESTABLISHED ? now : NONE;
    }

    /** MAX_PLPMTU of the current path: {@link SctpConfig#maxMtu()} or the latest {@link #pathChanged}'s. */
    public int maxPathMtu() {
        return maxPlpmtu;
    }

    /**
     * Whether the path MTU search has ended (RFC 8899 SEARCH_COMPLETE): every larger size was confirmed or given
     * up. False while probing, when probing is off ({@code maxMtu == mtu}) and after a black hole fallback.
     */
    public boolean pathMtuSearchComplete() {
        return searchComplete;
    }

    public long congestionWindow() {
        return cwnd;
    }

    public long slowStartThreshold() {
        return ssthresh;
    }

    /** Unacknowledged DATA bytes counted against the congestion window. */
    public long flightSize() {
        return flightSize;
    }

    /** The peer's receive window as this side currently estimates it (RFC 9260 §6.2.1). */
    public long peerReceiveWindow() {
        return peerRwnd;
    }

    /** Bytes this side holds for the user: fragments, out-of-order messages and undelivered events. */
    public long receiveBuffered() {
        return receiveBuffered;
    }

    public long rtoNanos() {
        return rto;
    }

    public long smoothedRttNanos() {
        return srtt;
    }

    /** The highest TSN the peer has acknowledged cumulatively (the sender's Cumulative TSN Ack Point). */
    public int peerCumulativeTsnAck() {
        return cumAckPoint;
    }

    /** The TSN the next new DATA chunk gets. */
    public int nextTsn() {
        return nextTsn;
    }

    /** The highest TSN this side received with no gap before it (the receiver's cumulative TSN). */
    public int localCumulativeTsn() {
        return cumTsn;
    }

    public int outboundStreams() {
        return outboundStreams;
    }

    public int inboundStreams() {
        return inboundStreams;
    }

    public SctpStats stats() {
        return new SctpStats(packetsSent, packetsReceived, checksumErrors, dataChunksSent, retransmittedChunks,
                fastRetransmits, t3Expirations, duplicateTsnsReceived, abandonedMessages, receiveWindowDrops);
    }

    // ------------------------------------------------------------------------------------------------ input

    public void handleInput(ByteBuffer packet, long nowNanos) {
        now = nowNanos;
        int start = packet.position();
        int end = packet.limit();
        if (end - start < COMMON_HEADER_LENGTH + 4) {
            return;
        }
        // RFC 9260 §6.8: a packet with a wrong CRC32c is discarded silently.
        if (SctpPacket.checksum(crc, packet) != SctpPacket.storedChecksum(packet)) {
            checksumErrors++;
            return;
        }
        // RFC 8261 §5: one association on the DTLS connection, identified by the SDP ports.
        if ((packet.getShort(start) & 0xffff) != config.remotePort()
                || (packet.getShort(start + 2) & 0xffff) != config.localPort()) {
            return;
        }
        packetsReceived++;
        int tag = packet.getInt(start + 4);
        int firstType = packet.get(start + 12) & 0xff;
        int firstFlags = packet.get(start + 13) & 0xff;
        int firstLen = packet.getShort(start + 14) & 0xffff;
        if (firstLen < 4 || start + 12 + firstLen > end) {
            return;
        }
        if (firstType == INIT) {
            // RFC 9260 §8.5.1 A: INIT carries tag 0; §6.10: INIT is bundled with nothing.
            if (tag == 0 && start + 12 + ((firstLen + 3) & ~3) >= end) {
                onInit(packet, start + 16, firstLen - 4);
            }
            return;
        }
        if (terminated) {
            onOutOfTheBlue(firstType, tag);
            return;
        }
        int pos = start + 12;
        if (firstType == COOKIE_ECHO) {
            if (!onCookieEcho(packet, start + 16, firstLen - 4, tag)) {
                return;
            }
            pos += (firstLen + 3) & ~3;
        } else if ((firstType == ABORT || firstType == SHUTDOWN_COMPLETE) && (firstFlags & FLAG_T) != 0) {
            // RFC 9260 §8.5.1 B/C: with the T bit the tag is the peer's own.
            if (peerTag == 0 || tag != peerTag) {
                return;
            }
        } else if (myTag == 0 || tag != myTag) {
            if (state == SctpState.CLOSED && firstType == SHUTDOWN_ACK) {
                soloPackets.add(buildSoloPacket(tag, SHUTDOWN_COMPLETE, FLAG_T, new byte[0])); // RFC 9260 §8.4 (5)
            }
            return; // RFC 9260 §8.5: wrong verification tag
        }
        sendOwedSack();
        dataChunksInPacket = 0;
        sackImmediately = false;
        while (pos + 4 <= end && !terminated) {
            int type = packet.get(pos) & 0xff;
            int flags = packet.get(pos + 1) & 0xff;
            int len = packet.getShort(pos + 2) & 0xffff;
            if (len < 4 || pos + len > end) {
                break;
            }
            if (!onChunk(packet, type, flags, pos, len)) {
                break;
            }
            pos += (len + 3) & ~3;
        }
        if (terminated) {
            return;
        }
        if (dataChunksInPacket > 0) {
            // RFC 9260 §6.2: acknowledge at least every second packet, and within the delayed-ack time.
            packetsSinceSack++;
            if (sackImmediately || packetsSinceSack >= 2 || state == SctpState.SHUTDOWN_SENT) {
                sackNeeded = true;
            } else if (sackDeadline == NONE) {
                sackDeadline = now + config.delayedAckTimeout().toNanos();
            }
        } else if (sackImmediately) {
            sackNeeded = true;
        }
    }

    /** Returns false to stop processing the rest of the packet. */
    private boolean onChunk(ByteBuffer b, int type, int flags, int pos, int len) {
        int off = pos + 4;
        int vlen = len - 4;
        switch (type) {
            case DATA -> onData(b, flags, off, vlen);
            case INIT_ACK -> onInitAck(b, off, vlen);
            case SACK -> onSack(b, off, vlen);
            case HEARTBEAT -> onHeartbeat(b, off, vlen);
            case HEARTBEAT_ACK -> onHeartbeatAck(b, off, vlen);
            case ABORT -> {
                onAbort(b, off, vlen);
                return false;
            }
            case SHUTDOWN -> {
                if (vlen >= 4) {
                    onShutdown(b.getInt(off));
                }
            }
            case SHUTDOWN_ACK -> onShutdownAck();
            case ERROR -> onError(b, off, vlen);
            case COOKIE_ECHO -> {
                // Only valid as the first chunk (RFC 9260 §6.10); a later one is ignored.
            }
            case COOKIE_ACK -> onCookieAck();
            case SHUTDOWN_COMPLETE -> onShutdownComplete();
            case FORWARD_TSN -> onForwardTsn(b, off, vlen);
            case RE_CONFIG -> onReconfig(b, off, vlen);
            case INIT -> {
                return false; // RFC 9260 §6.10: INIT must be alone
            }
            default -> {
                // RFC 9260 §3.2: the upper two bits of an unknown type say whether to go on and whether to report.
                int action = type >>> 6;
                if (action == 1 || action == 3) {
                    byte[] chunk = new byte[len];
                    b.get(pos, chunk);
                    queueError(CAUSE_UNRECOGNIZED_CHUNK, chunk);
                }
                return action >= 2;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------- association setup

    private void onInit(ByteBuffer b, int off, int len) {
        if (len < 16) {
            return;
        }
        int initTag = b.getInt(off);
        long arwnd = b.getInt(off + 4) & 0xffffffffL;
        int os = b.getShort(off + 8) & 0xffff;
        int mis = b.getShort(off + 10) & 0xffff;
        int initialTsn = b.getInt(off + 12);
        // RFC 9260 §3.3.2: a zero Initiate Tag, OS or MIS is invalid; the INIT is discarded.
        if (initTag == 0 || os == 0 || mis == 0) {
            return;
        }
        if (terminated) {
            return;
        }
        Params p = parseInitParams(b, off + 16, off + len);
        int localTag;
        int localTsn;
        switch (state) {
            case CLOSED -> {
                // RFC 9260 §5.1.3: answer without keeping state; everything needed goes into the cookie.
                localTag = randomTag();
                localTsn = random.nextInt();
            }
            case COOKIE_WAIT, COOKIE_ECHOED -> {
                // RFC 9260 §5.2.1: an INIT collision is answered with the tag and TSN of our own INIT.
                localTag = myTag;
                localTsn = nextTsn;
            }
            default -> {
                return; // association restart (RFC 9260 §5.2.2) is not supported
            }
        }
        byte[] cookie = buildCookie(localTag, localTsn, initTag, initialTsn, arwnd, os, mis, p);
        soloPackets.add(buildInitAckPacket(initTag, localTag, localTsn, cookie, p.unrecognized));
    }

    private void onInitAck(ByteBuffer b, int off, int len) {
        if (state != SctpState.COOKIE_WAIT || len < 16) {
            return;
        }
        int initTag = b.getInt(off);
        long arwnd = b.getInt(off + 4) & 0xffffffffL;
        int os = b.getShort(off + 8) & 0xffff;
        int mis = b.getShort(off + 10) & 0xffff;
        int initialTsn = b.getInt(off + 12);
        if (initTag == 0 || os == 0 || mis == 0) {
            return;
        }
        Params p = parseInitParams(b, off + 16, off + len);
        if (p.cookie == null) {
            // RFC 9260 §5.1 C: an INIT ACK without a State Cookie is a missing mandatory parameter.
            soloPackets.add(buildSoloPacket(initTag, ABORT, 0, cause(CAUSE_MISSING_PARAMETER, new byte[] {0, 0, 0, 1, 0, 7})));
            fail("the peer's INIT ACK carried no State Cookie");
            return;
        }
        adoptPeer(initTag, initialTsn, arwnd, os, mis, p.forwardTsn, p.reconfig);
        byte[] chunk = new byte[pad4(4 + p.cookie.length)];
        chunk[0] = (byte) COOKIE_ECHO;
        putShort(chunk, 2, 4 + p.cookie.length);
        System.arraycopy(p.cookie, 0, chunk, 4, p.cookie.length);
        cookieEchoChunk = chunk;
        controlChunks.add(chunk);
        state = SctpState.COOKIE_ECHOED;
        t1Count = 0;
        t1Rto = Math.min(rtoMax, config.rtoInitial().toNanos());
        t1Deadline = now + t1Rto;
    }

    /** Returns whether the cookie was good and the rest of the packet may be processed. */
    private boolean onCookieEcho(ByteBuffer b, int off, int len, int tag) {
        if (len != COOKIE_LENGTH) {
            return false;
        }
        byte[] body = new byte[COOKIE_BODY];
        b.get(off, body);
        byte[] mac = new byte[32];
        b.get(off + COOKIE_BODY, mac);
        // RFC 9260 §5.1.5 step 1-2: the MAC must match (compared in constant time).
        if (!MessageDigest.isEqual(mac, cookieMac.doFinal(body))) {
            return false;
        }
        ByteBuffer c = ByteBuffer.wrap(body);
        long created = c.getLong(0);
        long lifetime = c.getLong(8);
        int cMyTag = c.getInt(16);
        int cMyTsn = c.getInt(20);
        int cPeerTag = c.getInt(24);
        int cPeerTsn = c.getInt(28);
        long cArwnd = c.getInt(32) & 0xffffffffL;
        int cOs = c.getShort(36) & 0xffff;
        int cMis = c.getShort(38) & 0xffff;
        int cFlags = c.getInt(40);
        if (tag != cMyTag) {
            return false; // RFC 9260 §5.1.5 step 2/§8.5.1 (packet tag must be the cookie's tag)
        }
        // RFC 9260 §5.1.5 step 3: a cookie older than its lifetime gets a Stale Cookie error.
        long age = now - created;
        if (age > lifetime || age < 0) {
            long staleMicros = Math.max(0, (age - lifetime) / 1000);
            byte[] measure = new byte[4];
            putInt(measure, 0, (int) Math.min(0xffffffffL, staleMicros));
            soloPackets.add(buildSoloPacket(cPeerTag, ERROR, 0, cause(CAUSE_STALE_COOKIE, measure)));
            return false;
        }
        boolean fwd = (cFlags & 1) != 0;
        boolean reconfig = (cFlags & 2) != 0;
        switch (state) {
            case CLOSED -> {
                if (started) {
                    return false;
                }
                started = true;
                myTag = cMyTag;
                initSendState(cMyTsn);
                adoptPeer(cPeerTag, cPeerTsn, cArwnd, cOs, cMis, fwd, reconfig);
                establish();
                controlChunks.add(chunkBytes(COOKIE_ACK, 0, new byte[0]));
            }
            case COOKIE_WAIT, COOKIE_ECHOED -> {
                // RFC 9260 §5.2.4 (collision): our tag in the cookie means the peer answers our own INIT.
                if (cMyTag != myTag) {
                    return false;
                }
                if (state == SctpState.COOKIE_WAIT || peerTag == 0) {
                    adoptPeer(cPeerTag, cPeerTsn, cArwnd, cOs, cMis, fwd, reconfig);
                }
                controlChunks.remove(cookieEchoChunk);
                establish();
                controlChunks.add(chunkBytes(COOKIE_ACK, 0, new byte[0]));
            }
            default -> {
                // RFC 9260 §5.2.4 case D: both tags match, the COOKIE ACK was lost; send it again.
                if (cMyTag != myTag || cPeerTag != peerTag) {
                    return false;
                }
                controlChunks.add(chunkBytes(COOKIE_ACK, 0, new byte[0]));
            }
        }
        return true;
    }

    private void onCookieAck() {
        if (state == SctpState.COOKIE_ECHOED) {
            establish();
        }
    }

    private void initSendState(int initialTsn) {
        nextTsn = initialTsn;
        cumAckPoint = initialTsn - 1;
        advancedPeerAckPoint = cumAckPoint;
        myReqSeq = initialTsn; // RFC 6525 §5.1.1: request sequence numbers start at the initial TSN
    }

    private void adoptPeer(int tag, int initialTsn, long arwnd, int os, int mis, boolean fwd, boolean reconfig) {
        peerTag = tag;
        cumTsn = initialTsn - 1;
        highestTsn = cumTsn;
        peerReqSeqExpected = initialTsn;
        lastResetSeq = initialTsn - 1;
        lastPeerArwnd = arwnd;
        peerRwnd = arwnd;
        ssthresh = arwnd; // RFC 9260 §7.2.1: initial ssthresh may be the peer's a_rwnd
        outboundStreams = Math.min(config.streams(), mis);
        inboundStreams = Math.min(config.streams(), os);
        peerSupportsForwardTsn = fwd;
        peerSupportsReconfig = reconfig;
    }

    private void establish() {
        state = SctpState.ESTABLISHED;
        t1Deadline = NONE;
        cookieEchoChunk = null;
        initPacket = null;
        cwnd = initialCwnd();
        lastAdvertisedRwnd = config.receiveWindow();
        scheduleHeartbeat();
        if (maxPlpmtu > config.mtu()) {
            probeDeadline = now; // RFC 8899 §5.2: BASE_PLPMTU is taken to work (RFC 8831 §5); search at once
        }
        events.add(new SctpEvent.Connected());
    }

    private long initialCwnd() {
        // RFC 9260 §7.2.1: min(4*MTU, max(2*MTU, 4380 bytes)).
        int mtu = plpmtu;
        return Math.min(4L * mtu, Math.max(2L * mtu, 4380));
    }

    private void onT1Expired() {
        t1Deadline = NONE;
        if (state != SctpState.COOKIE_WAIT && state != SctpState.COOKIE_ECHOED) {
            return;
        }
        // RFC 9260 §5.1 / §6.3.3: retransmit with a doubled timeout, up to Max.Init.Retransmits.
        if (++t1Count > config.maxInitRetransmissions()) {
            fail(state == SctpState.COOKIE_WAIT ? "the peer never answered INIT" : "the peer never answered COOKIE ECHO");
            return;
        }
        t1Rto = Math.min(rtoMax, t1Rto * 2);
        if (state == SctpState.COOKIE_WAIT) {
            soloPackets.add(initPacket);
        } else if (!controlChunks.contains(cookieEchoChunk)) {
            controlChunks.addFirst(cookieEchoChunk);
        }
        t1Deadline = now + t1Rto;
    }

    private record Params(byte[] cookie, boolean forwardTsn, boolean reconfig, byte[] unrecognized) {
    }

    private Params parseInitParams(ByteBuffer b, int pos, int end) {
        byte[] cookie = null;
        boolean fwd = false;
        boolean reconfig = false;
        java.io.ByteArrayOutputStream unrecognized = null;
        while (pos + 4 <= end) {
            int type = b.getShort(pos) & 0xffff;
            int len = b.getShort(pos + 2) & 0xffff;
            if (len < 4 || pos + len > end) {
                break;
            }
            switch (type) {
                case PARAM_STATE_COOKIE -> {
                    cookie = new byte[len - 4];
                    b.get(pos + 4, cookie);
                }
                case PARAM_FORWARD_TSN_SUPPORTED -> fwd = true;
                case PARAM_SUPPORTED_EXTENSIONS -> {
                    for (int i = pos + 4; i < pos + len; i++) {
                        int t = b.get(i) & 0xff;
                        if (t == FORWARD_TSN) {
                            fwd = true;
                        } else if (t == RE_CONFIG) {
                            reconfig = true;
                        }
                    }
                }
                // Addresses, host names and address types mean nothing over DTLS (RFC 8261 §5); ECN, random,
                // chunk list, HMAC algorithm, padding and the others are not used by this implementation.
                case 5, 6, 11, 12, PARAM_COOKIE_PRESERVATIVE, 0x8000, 0x8001, 0x8002, 0x8003, 0x8004, 0x8005, 0xC006 -> {
                }
                default -> {
                    // RFC 9260 §3.2.1: the upper two bits say whether to go on and whether to report.
                    int action = type >>> 14;
                    if (action == 1 || action == 3) {
                        if (unrecognized == null) {
                            unrecognized = new java.io.ByteArrayOutputStream();
                        }
                        byte[] param = new byte[pad4(len)];
                        b.get(pos, param, 0, len);
                        byte[] header = new byte[4];
                        putShort(header, 0, PARAM_UNRECOGNIZED);
                        putShort(header, 2, 4 + len);
                        unrecognized.writeBytes(header);
                        unrecognized.writeBytes(param);
                    }
                    if (action < 2) {
                        pos = end;
                        continue;
                    }
                }
            }
            pos += pad4(len);
        }
        return new Params(cookie, fwd, reconfig, unrecognized == null ? null : unrecognized.toByteArray());
    }

    private byte[] buildCookie(int localTag, int localTsn, int peerTagValue, int peerTsn, long arwnd, int os, int mis,
                               Params p) {
        byte[] body = new byte[COOKIE_BODY];
        ByteBuffer c = ByteBuffer.wrap(body);
        c.putLong(0, now);
        c.putLong(8, config.cookieLifetime().toNanos());
        c.putInt(16, localTag);
        c.putInt(20, localTsn);
        c.putInt(24, peerTagValue);
        c.putInt(28, peerTsn);
        c.putInt(32, (int) arwnd);
        c.putShort(36, (short) os);
        c.putShort(38, (short) mis);
        c.putInt(40, (p.forwardTsn ? 1 : 0) | (p.reconfig ? 2 : 0));
        byte[] cookie = Arrays.copyOf(body, COOKIE_LENGTH);
        // RFC 9260 §5.1.3: the cookie is signed with a secret only this endpoint knows.
        System.arraycopy(cookieMac.doFinal(body), 0, cookie, COOKIE_BODY, 32);
        return cookie;
    }

    private byte[] buildInitPacket() {
        return buildSoloPacket(0, INIT, 0, initBody(myTag, nextTsn, null, null));
    }

    private byte[] buildInitAckPacket(int peerTagValue, int localTag, int localTsn, byte[] cookie, byte[] unrecognized) {
        return buildSoloPacket(peerTagValue, INIT_ACK, 0, initBody(localTag, localTsn, cookie, unrecognized));
    }

    private byte[] initBody(int tag, int initialTsn, byte[] cookie, byte[] unrecognized) {
        int len = 16 + 8 /* supported extensions, 2 types padded */ + 4 /* forward tsn supported */;
        if (cookie != null) {
            len += pad4(4 + cookie.length);
        }
        if (unrecognized != null) {
            len += unrecognized.length;
        }
        byte[] v = new byte[len];
        putInt(v, 0, tag);
        putInt(v, 4, config.receiveWindow());
        putShort(v, 8, config.streams());
        putShort(v, 10, config.streams());
        putInt(v, 12, initialTsn);
        int p = 16;
        if (cookie != null) {
            putShort(v, p, PARAM_STATE_COOKIE);
            putShort(v, p + 2, 4 + cookie.length);
            System.arraycopy(cookie, 0, v, p + 4, cookie.length);
            p += pad4(4 + cookie.length);
        }
        // RFC 5061 §4.2.7 Supported Extensions: RE-CONFIG (RFC 6525 §3.1) and FORWARD TSN (RFC 3758 §3.1).
        putShort(v, p, PARAM_SUPPORTED_EXTENSIONS);
        putShort(v, p + 2, 6);
        v[p + 4] = (byte) RE_CONFIG;
        v[p + 5] = (byte) FORWARD_TSN;
        p += 8;
        putShort(v, p, PARAM_FORWARD_TSN_SUPPORTED);
        putShort(v, p + 2, 4);
        p += 4;
        if (unrecognized != null) {
            System.arraycopy(unrecognized, 0, v, p, unrecognized.length);
        }
        return v;
    }

    // -------------------------------------------------------------------------------------------- DATA receive

    private boolean receivesData() {
        return state == SctpState.ESTABLISHED || state == SctpState.SHUTDOWN_PENDING || state == SctpState.SHUTDOWN_SENT;
    }

    private void onData(ByteBuffer b, int flags, int off, int len) {
        if (len < 12) {
            return;
        }
        if (len == 12) {
            // RFC 9260 §6.2: DATA without user data is answered with ABORT, cause No User Data.
            byte[] tsn = new byte[4];
            b.get(off, tsn);
            soloPackets.add(buildSoloPacket(peerTag, ABORT, 0, cause(CAUSE_NO_USER_DATA, tsn)));
            terminate();
            events.add(new SctpEvent.Aborted("the peer sent a DATA chunk without user data"));
            return;
        }
        if (!receivesData()) {
            return;
        }
        int tsn = b.getInt(off);
        int sid = b.getShort(off + 4) & 0xffff;
        int ssn = b.getShort(off + 6) & 0xffff;
        int ppid = b.getInt(off + 8);
        dataChunksInPacket++;
        int diff = tsn - cumTsn;
        if (diff <= 0 || (diff < seen.length && tsn - highestTsn <= 0 && seen[tsn & (seen.length - 1)])) {
            // RFC 9260 §6.2: a duplicate is reported in the next SACK, which goes out at once.
            duplicateTsnsReceived++;
            if (duplicateCount < MAX_DUPLICATES_REPORTED) {
                duplicates[duplicateCount++] = tsn;
            }
            sackImmediately = true;
            return;
        }
        if (diff >= MAX_RECEIVE_SPAN) {
            return;
        }
        int payload = len - 12;
        boolean beyondHighest = tsn - highestTsn > 0;
        if (beyondHighest && receiveBuffered + payload > config.receiveWindow()) {
            // RFC 9260 §6.2: out of buffer space, drop new DATA beyond the highest TSN received.
            receiveWindowDrops++;
            sackImmediately = true;
            return;
        }
        if (diff != 1 || highestTsn != cumTsn || (flags & FLAG_IMMEDIATE) != 0) {
            sackImmediately = true; // RFC 9260 §6.7: a gap (or a filled one) is acknowledged at once
        }
        markSeen(tsn, diff);
        if (beyondHighest) {
            highestTsn = tsn;
        }
        advanceCumTsn();
        if (sid >= inboundStreams) {
            // RFC 9260 §6.5: acknowledge, do not deliver, report Invalid Stream Identifier.
            byte[] v = new byte[4];
            putShort(v, 0, sid);
            queueError(CAUSE_INVALID_STREAM, v);
            return;
        }
        receiveBuffered += payload;
        boolean unordered = (flags & FLAG_UNORDERED) != 0;
        if ((flags & (FLAG_BEGIN | FLAG_END)) == (FLAG_BEGIN | FLAG_END)) {
            byte[] data = new byte[payload];
            b.get(off + 12, data);
            deliver(sid, ssn, ppid, unordered, data);
        } else {
            byte[] data = new byte[payload];
            b.get(off + 12, data);
            fragments.put(tsn, new Fragment(tsn, sid, ssn, ppid, flags, data));
            reassemble(tsn);
        }
    }

    private void markSeen(int tsn, int diff) {
        if (diff >= seen.length) {
            int cap = seen.length;
            while (diff >= cap) {
                cap <<= 1;
            }
            boolean[] grown = new boolean[cap];
            for (int t = cumTsn + 1; t - highestTsn <= 0; t++) {
                grown[t & (cap - 1)] = seen[t & (seen.length - 1)];
            }
            seen = grown;
        }
        seen[tsn & (seen.length - 1)] = true;
    }

    private void advanceCumTsn() {
        int mask = seen.length - 1;
        while (highestTsn - cumTsn > 0 && seen[(cumTsn + 1) & mask]) {
            cumTsn++;
            seen[cumTsn & mask] = false;
        }
        if (deferredReset != null && deferredReset.lastTsn - cumTsn <= 0) {
            ResetRequest r = deferredReset;
            deferredReset = null;
            performIncomingReset(r.streams);
            lastResetResult = RESULT_SUCCESS_PERFORMED;
            queueReconfigResponse(r.seq, RESULT_SUCCESS_PERFORMED);
        }
    }

    /** RFC 9260 §6.9: a message's fragments carry consecutive TSNs from the B fragment to the E fragment. */
    private void reassemble(int tsn) {
        Fragment f = fragments.get(tsn);
        boolean unordered = (f.flags & FLAG_UNORDERED) != 0;
        int first = tsn;
        Fragment cur = f;
        long total = f.data.length;
        while ((cur.flags & FLAG_BEGIN) == 0) {
            Fragment prev = fragments.get(first - 1);
            if (prev == null || !sameMessage(prev, f, unordered) || (prev.flags & FLAG_END) != 0) {
                return;
            }
            first--;
            cur = prev;
            total += prev.data.length;
        }
        int last = tsn;
        cur = f;
        while ((cur.flags & FLAG_END) == 0) {
            Fragment next = fragments.get(last + 1);
            if (next == null || !sameMessage(next, f, unordered) || (next.flags & FLAG_BEGIN) != 0) {
                return;
            }
            last++;
            cur = next;
            total += next.data.length;
        }
        if (total > config.maxMessageSize()) {
            protocolViolation("the peer sent a " + total + "-byte message, above the max message size of "
                    + config.maxMessageSize());
            return;
        }
        byte[] data = new byte[(int) total];
        int p = 0;
        Fragment head = fragments.get(first);
        for (int t = first; t - last <= 0; t++) {
            Fragment x = fragments.remove(t);
            System.arraycopy(x.data, 0, data, p, x.data.length);
            p += x.data.length;
        }
        deliver(head.sid, head.ssn, head.ppid, unordered, data);
    }

    private static boolean sameMessage(Fragment a, Fragment b, boolean unordered) {
        return a.sid == b.sid && ((a.flags & FLAG_UNORDERED) != 0) == unordered && (unordered || a.ssn == b.ssn);
    }

    private void deliver(int sid, int ssn, int ppid, boolean unordered, byte[] data) {
        if (data.length > config.maxMessageSize()) {
            protocolViolation("the peer sent a " + data.length + "-byte message, above the max message size of "
                    + config.maxMessageSize());
            return;
        }
        if (unordered) {
            events.add(new SctpEvent.MessageReceived(sid, ppid, data, true));
            return;
        }
        // RFC 9260 §6.6: ordered messages are delivered in SSN order per stream.
        InStream s = inStream(sid);
        int d = (short) (ssn - s.nextSsn);
        if (d == 0) {
            events.add(new SctpEvent.MessageReceived(sid, ppid, data, false));
            s.nextSsn = (s.nextSsn + 1) & 0xffff;
            drainOrdered(s, sid);
        } else if (d > 0) {
            s.waiting.put(ssn, new Waiting(ppid, data));
        } else {
            receiveBuffered -= data.length;
        }
    }

    private void drainOrdered(InStream s, int sid) {
        Waiting w;
        while (!s.waiting.isEmpty() && (w = s.waiting.remove(s.nextSsn)) != null) {
            events.add(new SctpEvent.MessageReceived(sid, w.ppid, w.data, false));
            s.nextSsn = (s.nextSsn + 1) & 0xffff;
        }
    }

    private void maybeWindowUpdate() {
        if (!receivesData()) {
            return;
        }
        long current = Math.max(0, config.receiveWindow() - receiveBuffered);
        // RFC 9260 §6.2: a SACK may be sent to update the offered window as the application consumes data.
        if (current - lastAdvertisedRwnd >= Math.max(config.mtu(), config.receiveWindow() / 4)) {
            sackNeeded = true;
        }
    }

    /** RFC 3758 §3.6: the receiver moves its cumulative TSN to the new one and skips the abandoned messages. */
    private void onForwardTsn(ByteBuffer b, int off, int len) {
        if (len < 4 || !receivesData()) {
            return;
        }
        int newCum = b.getInt(off);
        sackImmediately = true;
        if (newCum - cumTsn <= 0 || newCum - cumTsn >= MAX_RECEIVE_SPAN) {
            return;
        }
        if (newCum - highestTsn > 0) {
            markSeen(newCum, newCum - cumTsn);
            highestTsn = newCum;
        }
        int mask = seen.length - 1;
        while (cumTsn - newCum < 0) {
            cumTsn++;
            seen[cumTsn & mask] = false;
        }
        // Fragments at or below the new cumulative TSN belong to abandoned messages; so do continuations after it.
        var it = fragments.entrySet().iterator();
        while (it.hasNext()) {
            Fragment f = it.next().getValue();
            if (f.tsn - newCum <= 0) {
                receiveBuffered -= f.data.length;
                it.remove();
            }
        }
        for (int t = newCum + 1; ; t++) {
            Fragment f = fragments.get(t);
            if (f == null || (f.flags & FLAG_BEGIN) != 0) {
                break;
            }
            receiveBuffered -= f.data.length;
            fragments.remove(t);
        }
        for (int p = off + 4; p + 4 <= off + len; p += 4) {
            int sid = b.getShort(p) & 0xffff;
            int ssn = b.getShort(p + 2) & 0xffff;
            if (sid >= inboundStreams) {
                continue;
            }
            InStream s = inStream(sid);
            // Deliver whatever of the skipped range did arrive, then move past it.
            while ((short) (ssn - s.nextSsn) >= 0) {
                Waiting w = s.waiting.remove(s.nextSsn);
                if (w != null) {
                    events.add(new SctpEvent.MessageReceived(sid, w.ppid, w.data, false));
                }
                s.nextSsn = (s.nextSsn + 1) & 0xffff;
            }
            drainOrdered(s, sid);
        }
        advanceCumTsn();
    }

    // ------------------------------------------------------------------------------------------------ SACK

    private int writeSack(int pos) {
        int space = plpmtu - pos;
        if (space < 16) {
            return pos;
        }
        int dups = Math.min(duplicateCount, (space - 16) / 4);
        int maxBlocks = Math.min(0xffff, (space - 16 - 4 * dups) / 4);
        int start = pos;
        byte[] out = scratch;
        out[pos] = (byte) SACK;
        out[pos + 1] = 0;
        putInt(out, pos + 4, cumTsn);
        long arwnd = Math.max(0, config.receiveWindow() - receiveBuffered);
        putInt(out, pos + 8, (int) arwnd);
        int p = pos + 16;
        int blocks = 0;
        int span = Math.min(highestTsn - cumTsn, 0xffff);
        int mask = seen.length - 1;
        boolean in = false;
        int blockStart = 0;
        for (int o = 1; o <= span && blocks < maxBlocks; o++) {
            boolean s = seen[(cumTsn + o) & mask];
            if (s && !in) {
                in = true;
                blockStart = o;
            } else if (!s && in) {
                in = false;
                putShort(out, p, blockStart);
                putShort(out, p + 2, o - 1);
                p += 4;
                blocks++;
            }
        }
        if (in && blocks < maxBlocks) {
            putShort(out, p, blockStart);
            putShort(out, p + 2, span);
            p += 4;
            blocks++;
        }
        for (int i = 0; i < dups; i++) {
            putInt(out, p, duplicates[i]);
            p += 4;
        }
        duplicateCount = 0;
        putShort(out, start + 12, blocks);
        putShort(out, start + 14, dups);
        putShort(out, start + 2, p - start);
        lastAdvertisedRwnd = arwnd;
        sackNeeded = false;
        sackDeadline = NONE;
        packetsSinceSack = 0;
        return p;
    }

    /**
     * RFC 9260 §6.2: a SACK for at least every second packet received. When packets arrive in a batch (several
     * handleInput calls before the next pollTransmit), the SACK owed for the earlier ones goes out now, on its own,
     * instead of being folded into one SACK for the whole batch: if that single SACK were lost, a sender whose window
     * the batch filled would have nothing to clock it until T3-rtx (RFC 9260 §6.3.3), which at 1 % loss made T3,
     * not fast retransmit, set the pace.
     */
    private void sendOwedSack() {
        if (sackNeeded && sendsData() && peerTag != 0 && !terminated) {
            int end = writeSack(COMMON_HEADER_LENGTH);
            soloPackets.add(finishPacket(scratch, end, peerTag));
        }
    }

    private boolean sendsData() {
        return state == SctpState.ESTABLISHED || state == SctpState.SHUTDOWN_PENDING
                || state == SctpState.SHUTDOWN_RECEIVED || state == SctpState.SHUTDOWN_SENT;
    }

    private void onSack(ByteBuffer b, int off, int len) {
        if (len < 12 || !sendsData()) {
            return;
        }
        int ngap = b.getShort(off + 8) & 0xffff;
        int ndup = b.getShort(off + 10) & 0xffff;
        if (len < 12 + 4 * ngap + 4 * ndup) {
            return;
        }
        processAck(b.getInt(off), b.getInt(off + 4) & 0xffffffffL, b, off + 12, ngap);
    }

    /** RFC 9260 §6.2.1 (SACK processing), §7.2 (congestion control), §7.2.4 (fast retransmit). */
    private void processAck(int cumAck, long arwnd, ByteBuffer b, int gapOff, int ngap) {
        if (cumAck - cumAckPoint < 0) {
            return; // an old, reordered SACK
        }
        if (cumAck - (nextTsn - 1) > 0) {
            return; // acknowledges a TSN never sent
        }
        sackSinceT3 = true;
        long flightBefore = flightSize;
        boolean cumAdvanced = cumAck != cumAckPoint;
        long bytesAcked = 0;
        int htna = cumAckPoint;
        while (cumAdvanced && inflight.size > 0 && inflight.first().tsn - cumAck <= 0) {
            OutChunk c = inflight.removeFirst();
            inflightQueuedBytes -= c.length;
            if (c.acked) {
                inflightGapAcked--;
            }
            if (c.abandoned) {
                inflightAbandoned--;
            }
            if (!c.acked && !c.abandoned) {
                bytesAcked += c.length;
                htna = c.tsn;
                if (rttMeasuring && c.tsn == rttTsn && c.transmissions == 1) {
                    rttMeasuring = false;
                    updateRto(now - rttSentAt);
                }
            }
            settle(c);
        }
        if (cumAdvanced) {
            cumAckPoint = cumAck;
            if (rttMeasuring && rttTsn - cumAck <= 0) {
                rttMeasuring = false;
            }
        }
        // Gap blocks: offsets from the cumulative TSN; a chunk acked before but missing now was reneged.
        // Without gap blocks and with no chunk gap-acked before, this loop would change nothing: skip it.
        int gi = 0;
        int highestGapAcked = cumAck;
        boolean nothingBeyondCumAck = ngap == 0 && inflightGapAcked == 0;
        for (int idx = 0; idx < inflight.size && !nothingBeyondCumAck; idx++) {
            OutChunk c = inflight.get(idx);
            int o = idx + 1;
            while (gi < ngap && (b.getShort(gapOff + 4 * gi + 2) & 0xffff) < o) {
                gi++;
            }
            boolean covered = gi < ngap && (b.getShort(gapOff + 4 * gi) & 0xffff) <= o;
            if (covered) {
                highestGapAcked = c.tsn;
                if (!c.acked) {
                    c.acked = true;
                    inflightGapAcked++;
                    if (!c.abandoned) {
                        bytesAcked += c.length;
                        htna = c.tsn;
                        if (rttMeasuring && c.tsn == rttTsn && c.transmissions == 1) {
                            rttMeasuring = false;
                            updateRto(now - rttSentAt);
                        }
                    }
                    settle(c);
                }
            } else if (c.acked && !c.abandoned) {
                c.acked = false; // reneged (RFC 9260 §6.2.1): T3-rtx will resend it
                inflightGapAcked--;
            }
        }
        if (bytesAcked > 0 || cumAdvanced) {
            errorCount = 0; // RFC 9260 §8.1: the peer acknowledged data (abandoned chunks included)
            t3WithoutAckAboveBase = 0;
        }
        // Miss indications (RFC 9260 §7.2.4, HTNA).
        int missLimit = inFastRecovery && cumAdvanced ? highestGapAcked : htna;
        boolean anyFast = false;
        boolean outstanding = false;
        long outstandingBytes = 0;
        if (nothingBeyondCumAck && inflightAbandoned == 0) {
            // No miss indications without gap blocks; every queued chunk is still outstanding.
            outstanding = inflight.size > 0;
            outstandingBytes = inflightQueuedBytes;
        }
        for (int idx = 0; idx < inflight.size && !(nothingBeyondCumAck && inflightAbandoned == 0); idx++) {
            OutChunk c = inflight.get(idx);
            if (c.acked || c.abandoned) {
                continue;
            }
            if (c.tsn - missLimit < 0 && !c.retransmit && !c.fastRetransmitted && ngap > 0) {
                if (++c.missCount >= 3) {
                    c.missCount = 0;
                    if (checkAbandon(c)) {
                        continue;
                    }
                    c.fastRetransmitted = true;
                    markRetransmit(c);
                    anyFast = true;
                }
            }
            outstanding = true;
            outstandingBytes += c.length;
        }
        // Congestion window (RFC 9260 §7.2.1, §7.2.2). "Fully utilized" means no room for another full chunk,
        // because this sender never exceeds cwnd except with a single chunk.
        if (cumAdvanced && !inFastRecovery && bytesAcked > 0) {
            boolean fullyUtilized = flightBefore + maxPayload > cwnd;
            if (cwnd <= ssthresh) {
                if (fullyUtilized) {
                    cwnd += Math.min(bytesAcked, plpmtu);
                }
            } else {
                partialBytesAcked += bytesAcked;
                if (partialBytesAcked >= cwnd && fullyUtilized) {
                    partialBytesAcked -= cwnd;
                    cwnd += plpmtu;
                }
            }
        }
        if (inFastRecovery && cumAckPoint - fastRecoveryExit >= 0) {
            inFastRecovery = false;
        }
        if (anyFast) {
            fastRetransmits++;
            if (!inFastRecovery) {
                // RFC 9260 §7.2.3/§7.2.4: halve on loss detected by miss indications; enter Fast Recovery.
                ssthresh = Math.max(cwnd / 2, 4L * plpmtu);
                cwnd = ssthresh;
                partialBytesAcked = 0;
                inFastRecovery = true;
                fastRecoveryExit = nextTsn - 1;
            }
            fastRetransmitBurst = true;
        }
        lastPeerArwnd = arwnd;
        peerRwnd = Math.max(0, arwnd - outstandingBytes); // RFC 9260 §6.2.1 D iv
        if (!outstanding) {
            partialBytesAcked = 0;
        }
        if (!outstanding && advancedPeerAckPoint - cumAckPoint <= 0) {
            t3Deadline = NONE;
        } else if (cumAdvanced || t3Deadline == NONE) {
            t3Deadline = now + rto; // RFC 9260 §6.3.2 R3
        }
        updateAdvancedPeerAckPoint();
        if (advancedPeerAckPoint - cumAckPoint > 0 && now - forwardTsnSentAt >= Math.max(srtt, CLOCK_GRANULARITY)) {
            forwardTsnPending = true; // RFC 3758 §3.5 F2: the peer has not caught up yet
        }
        maybeProgressShutdown();
        tryStartReset();
    }

    /** The chunk no longer counts as outstanding. */
    private void settle(OutChunk c) {
        if (c.inFlight) {
            c.inFlight = false;
            flightSize -= c.length;
        }
        if (c.retransmit) {
            c.retransmit = false;
            retransmitCount--;
        }
    }

    private void markRetransmit(OutChunk c) {
        if (c.inFlight) {
            c.inFlight = false;
            flightSize -= c.length;
        }
        if (!c.retransmit) {
            c.retransmit = true;
            retransmitCount++;
        }
    }

    private void updateRto(long r) {
        if (r < 0) {
            return;
        }
        // RFC 9260 §6.3.1 C1-C3 (alpha 1/8, beta 1/4), then C6/C7 bounds.
        if (!haveRtt) {
            srtt = r;
            rttvar = r / 2;
            haveRtt = true;
        } else {
            rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
            srtt = (7 * srtt + r) / 8;
        }
        rto = Math.min(rtoMax, Math.max(rtoMin, srtt + Math.max(CLOCK_GRANULARITY, 4 * rttvar)));
    }

    private void onT3Expired() {
        t3Deadline = NONE;
        boolean outstanding = false;
        for (int i = 0; i < inflight.size; i++) {
            OutChunk c = inflight.get(i);
            if (!c.acked && !c.abandoned) {
                outstanding = true;
                break;
            }
        }
        if (!outstanding && advancedPeerAckPoint - cumAckPoint <= 0) {
            return;
        }
        t3Expirations++;
        // RFC 8899 §4.3, §5.2: DATA lost again and again while the PLPMTU is above BASE looks like a black hole
        // for the larger packets. Two expirations in a row with nothing acknowledged: one may be plain congestion
        // loss, a second with the RTO doubled is persistent. Fall back to BASE_PLPMTU before this expiry's
        // retransmissions are marked, so they (and everything unsent) go at the base size where they can.
        if (plpmtu > config.mtu() && ++t3WithoutAckAboveBase >= 2) {
            fallBackToBase();
        }
        // RFC 9260 §8.1: every expiry counts toward Association.Max.Retrans, except a zero window probe the peer
        // keeps answering with SACKs (RFC 9260 §6.1 B).
        boolean zeroWindowProbe = lastPeerArwnd < plpmtu && sackSinceT3;
        sackSinceT3 = false;
        if (!zeroWindowProbe && ++errorCount > config.maxRetransmissions()) {
            fail("the peer acknowledged nothing through " + config.maxRetransmissions()
                    + " retransmission timeouts (RFC 9260 §8.1)");
            return;
        }
        // RFC 9260 §7.2.3 and §6.3.3 E1-E3.
        ssthresh = Math.max(cwnd / 2, 4L * plpmtu);
        cwnd = plpmtu;
        partialBytesAcked = 0;
        inFastRecovery = false;
        rto = Math.min(rtoMax, rto * 2);
        rttMeasuring = false;
        for (int i = 0; i < inflight.size; i++) {
            OutChunk c = inflight.get(i);
            if (c.acked || c.abandoned) {
                continue;
            }
            if (checkAbandon(c)) {
                continue;
            }
            markRetransmit(c);
        }
        updateAdvancedPeerAckPoint();
        if (advancedPeerAckPoint - cumAckPoint > 0) {
            forwardTsnPending = true;
        }
        t3Deadline = now + rto;
    }

    // ---------------------------------------------------------------------------------------- PR-SCTP sender

    /** RFC 3758 §3.5 A1-A3: give up on a message whose retransmission limit or lifetime is exhausted. */
    private boolean checkAbandon(OutChunk c) {
        OutMessage m = c.msg;
        if (m.abandoned) {
            return true;
        }
        if (!peerSupportsForwardTsn) {
            return false;
        }
        if ((m.maxRetransmits >= 0 && c.transmissions > m.maxRetransmits) || now >= m.expiresAt) {
            abandon(m);
            return true;
        }
        return false;
    }

    private void abandon(OutMessage m) {
        if (m.abandoned) {
            return;
        }
        m.abandoned = true;
        abandonedMessages++;
        for (int k = 0; k < m.tsnCount; k++) {
            int idx = (m.firstTsn + k) - (cumAckPoint + 1);
            if (idx < 0 || idx >= inflight.size) {
                continue;
            }
            OutChunk c = inflight.get(idx);
            settle(c);
            if (!c.abandoned) {
                c.abandoned = true;
                inflightAbandoned++;
            }
        }
        if (m.tsnCount < m.fragmentCount) {
            var it = pending.iterator();
            while (it.hasNext()) {
                OutChunk c = it.next();
                if (c.msg == m) {
                    it.remove();
                    unbuffer(m.sid, c.length);
                }
            }
        }
        updateAdvancedPeerAckPoint();
    }

    private void updateAdvancedPeerAckPoint() {
        if (advancedPeerAckPoint - cumAckPoint < 0) {
            advancedPeerAckPoint = cumAckPoint;
        }
        int before = advancedPeerAckPoint;
        int idx = advancedPeerAckPoint - cumAckPoint;
        while (idx < inflight.size && inflight.get(idx).abandoned) {
            advancedPeerAckPoint++;
            idx++;
        }
        if (advancedPeerAckPoint != before && peerSupportsForwardTsn) {
            forwardTsnPending = true; // RFC 3758 §3.5 C3
        }
    }

    private int writeForwardTsn(int pos) {
        // RFC 3758 §3.2: new cumulative TSN, then the highest abandoned SSN of each ordered stream.
        int count = advancedPeerAckPoint - cumAckPoint;
        int[] sids = new int[8];
        int[] ssns = new int[8];
        int n = 0;
        for (int idx = 0; idx < count && idx < inflight.size; idx++) {
            OutChunk c = inflight.get(idx);
            if (!c.abandoned || !c.msg.ordered) {
                continue;
            }
            int k = 0;
            while (k < n && sids[k] != c.msg.sid) {
                k++;
            }
            if (k == n) {
                if (n == sids.length) {
                    sids = Arrays.copyOf(sids, n * 2);
                    ssns = Arrays.copyOf(ssns, n * 2);
                }
                sids[n] = c.msg.sid;
                ssns[n] = c.msg.ssn;
                n++;
            } else if ((short) (c.msg.ssn - ssns[k]) > 0) {
                ssns[k] = c.msg.ssn;
            }
        }
        int len = 8 + 4 * n;
        if (pos + len > plpmtu) {
            return pos;
        }
        scratch[pos] = (byte) FORWARD_TSN;
        scratch[pos + 1] = 0;
        putShort(scratch, pos + 2, len);
        putInt(scratch, pos + 4, advancedPeerAckPoint);
        for (int k = 0; k < n; k++) {
            putShort(scratch, pos + 8 + 4 * k, sids[k]);
            putShort(scratch, pos + 10 + 4 * k, ssns[k]);
        }
        forwardTsnPending = false;
        forwardTsnSentAt = now;
        if (t3Deadline == NONE) {
            t3Deadline = now + rto;
        }
        return pos + len;
    }

    // ------------------------------------------------------------------------------------------------ output

    public Optional<ByteBuffer> pollTransmit() {
        lastTransmitOversized = false;
        byte[] solo = soloPackets.poll();
        if (solo != null) {
            packetsSent++;
            return Optional.of(ByteBuffer.wrap(solo));
        }
        if (terminated || peerTag == 0) {
            return Optional.empty();
        }
        int pos = COMMON_HEADER_LENGTH;
        boolean reconfigInPacket = false;
        while (!controlChunks.isEmpty()) {
            byte[] c = controlChunks.peek();
            if (c.length > plpmtu - COMMON_HEADER_LENGTH) {
                controlChunks.poll(); // cannot ever fit
                continue;
            }
            boolean isReconfig = (c[0] & 0xff) == RE_CONFIG;
            if (pos + c.length > plpmtu || (isReconfig && reconfigInPacket)) {
                break;
            }
            reconfigInPacket |= isReconfig;
            controlChunks.poll();
            System.arraycopy(c, 0, scratch, pos, c.length);
            pos += c.length;
        }
        boolean established = sendsData();
        if (established && (sackNeeded || (sackDeadline != NONE && hasDataToSend()))) {
            pos = writeSack(pos);
        }
        if (established && forwardTsnPending && peerSupportsForwardTsn && advancedPeerAckPoint - cumAckPoint > 0) {
            pos = writeForwardTsn(pos);
        } else if (advancedPeerAckPoint - cumAckPoint <= 0) {
            forwardTsnPending = false;
        }
        if (established) {
            pos = appendData(pos);
        }
        if (pos == COMMON_HEADER_LENGTH) {
            return Optional.empty();
        }
        packetsSent++;
        lastTransmitOversized = pos > plpmtu;
        return Optional.of(ByteBuffer.wrap(finishPacket(scratch, pos, peerTag)));
    }

    private boolean hasDataToSend() {
        return retransmitCount > 0 || (!pending.isEmpty() && (flightSize == 0 || flightSize + maxPayload <= cwnd));
    }

    private int appendData(int pos) {
        boolean burst = fastRetransmitBurst;
        fastRetransmitBurst = false;
        // Retransmissions first, lowest TSN first (RFC 9260 §6.1 C, §7.2.4 step 3).
        for (int i = 0; i < inflight.size && retransmitCount > 0; i++) {
            OutChunk c = inflight.get(i);
            if (!c.retransmit) {
                continue;
            }
            if (checkAbandon(c)) {
                continue;
            }
            if (!burst && flightSize > 0 && flightSize + c.length > cwnd) {
                return pos;
            }
            int need = DATA_HEADER_LENGTH + pad4(c.length);
            boolean oversized = COMMON_HEADER_LENGTH + need > plpmtu;
            if (pos + need > plpmtu && !(oversized && pos == COMMON_HEADER_LENGTH)) {
                return pos;
            }
            pos = writeData(pos, c);
            c.retransmit = false;
            retransmitCount--;
            c.transmissions++;
            retransmittedChunks++;
            c.inFlight = true;
            flightSize += c.length;
            if (rttMeasuring && c.tsn == rttTsn) {
                rttMeasuring = false; // Karn's rule (RFC 9260 §6.3.1 C5)
            }
            if (t3Deadline == NONE || (burst && i == 0)) {
                t3Deadline = now + rto;
            }
            if (oversized) {
                // Cut for a larger PLPMTU before a black hole fallback: its TSN fixes its size, so it goes alone,
                // and the carrier may let the network fragment it (RFC 9260 §7.3, RFC 8261 §5).
                return pos;
            }
        }
        if (burst) {
            return pos;
        }
        // New data (RFC 9260 §6.1 A and B): within cwnd and the peer's window, one chunk always allowed when idle.
        boolean newData = state == SctpState.ESTABLISHED || state == SctpState.SHUTDOWN_PENDING;
        boolean sentAny = false;
        while (newData && !pending.isEmpty()) {
            OutChunk c = pending.peek();
            OutMessage m = c.msg;
            if (m.abandoned) {
                pending.poll();
                unbuffer(m.sid, c.length);
                continue;
            }
            if (now >= m.expiresAt || m.sid >= outboundStreams) {
                if (m.tsnCount == 0 || peerSupportsForwardTsn) {
                    if (m.tsnCount == 0) {
                        m.abandoned = true;
                        abandonedMessages++;
                        pending.poll();
                        unbuffer(m.sid, c.length);
                        while (!pending.isEmpty() && pending.peek().msg == m) {
                            unbuffer(m.sid, pending.poll().length);
                        }
                    } else {
                        abandon(m);
                    }
                    continue;
                }
            }
            if (flightSize > 0 && (flightSize + c.length > cwnd || c.length > peerRwnd)) {
                break;
            }
            if (pos + DATA_HEADER_LENGTH + pad4(c.length) > plpmtu) {
                break; // unsent fragments are re-cut when the PLPMTU falls (fallBackToBase), so they always fit
            }
            pending.poll();
            if ((c.flags & FLAG_BEGIN) != 0 && m.ordered) {
                OutStream os = outStream(m.sid);
                m.ssn = os.nextSsn;
                os.nextSsn = (os.nextSsn + 1) & 0xffff;
            }
            c.tsn = nextTsn++;
            if (m.tsnCount++ == 0) {
                m.firstTsn = c.tsn;
            }
            inflight.addLast(c);
            inflightQueuedBytes += c.length;
            pos = writeData(pos, c);
            c.transmissions = 1;
            c.inFlight = true;
            flightSize += c.length;
            peerRwnd = Math.max(0, peerRwnd - c.length);
            dataChunksSent++;
            sentAny = true;
            if (!rttMeasuring) {
                rttMeasuring = true;
                rttTsn = c.tsn;
                rttSentAt = now;
            }
            if (t3Deadline == NONE) {
                t3Deadline = now + rto;
            }
            unbuffer(m.sid, c.length);
        }
        if (sentAny && !resetQueue.isEmpty()) {
            tryStartReset();
        }
        return pos;
    }

    private int writeData(int pos, OutChunk c) {
        byte[] out = scratch;
        OutMessage m = c.msg;
        int len = DATA_HEADER_LENGTH + c.length;
        out[pos] = (byte) DATA;
        out[pos + 1] = (byte) (c.flags | (m.ordered ? 0 : FLAG_UNORDERED));
        putShort(out, pos + 2, len);
        putInt(out, pos + 4, c.tsn);
        putShort(out, pos + 8, m.sid);
        putShort(out, pos + 10, m.ordered ? m.ssn : 0);
        putInt(out, pos + 12, m.ppid);
        System.arraycopy(m.data, c.offset, out, pos + 16, c.length);
        int padded = pad4(len);
        for (int i = len; i < padded; i++) {
            out[pos + i] = 0;
        }
        c.sentAt = now;
        return pos + padded;
    }

    private void unbuffer(int sid, long bytes) {
        OutStream os = outStream(sid);
        long before = os.buffered;
        os.buffered -= bytes;
        totalBuffered -= bytes;
        if (before > os.lowThreshold && os.buffered <= os.lowThreshold) {
            events.add(new SctpEvent.BufferedAmountLow(sid));
        }
    }

    private byte[] finishPacket(byte[] buf, int len, int tag) {
        putShort(buf, 0, config.localPort());
        putShort(buf, 2, config.remotePort());
        putInt(buf, 4, tag);
        byte[] out = Arrays.copyOf(buf, len);
        SctpPacket.sign(crc, out, len);
        return out;
    }

    private byte[] buildSoloPacket(int tag, int type, int flags, byte[] value) {
        byte[] chunk = chunkBytes(type, flags, value);
        byte[] p = new byte[COMMON_HEADER_LENGTH + chunk.length];
        System.arraycopy(chunk, 0, p, COMMON_HEADER_LENGTH, chunk.length);
        putShort(p, 0, config.localPort());
        putShort(p, 2, config.remotePort());
        putInt(p, 4, tag);
        SctpPacket.sign(crc, p, p.length);
        return p;
    }

    private static byte[] chunkBytes(int type, int flags, byte[] value) {
        byte[] c = new byte[pad4(4 + value.length)];
        c[0] = (byte) type;
        c[1] = (byte) flags;
        putShort(c, 2, 4 + value.length);
        System.arraycopy(value, 0, c, 4, value.length);
        return c;
    }

    private static byte[] cause(int code, byte[] info) {
        byte[] v = new byte[pad4(4 + info.length)];
        putShort(v, 0, code);
        putShort(v, 2, 4 + info.length);
        System.arraycopy(info, 0, v, 4, info.length);
        return v;
    }

    private void queueError(int code, byte[] info) {
        if (peerTag != 0 && info.length < config.mtu() - 32) {
            controlChunks.add(chunkBytes(ERROR, 0, cause(code, info)));
        }
    }

    private byte[] buildAbortPacket(String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        if (text.length > 256) {
            text = Arrays.copyOf(text, 256);
        }
        return buildSoloPacket(peerTag, ABORT, 0, cause(CAUSE_USER_ABORT, text));
    }

    // ---------------------------------------------------------------------------------- heartbeat, abort, errors

    private void scheduleHeartbeat() {
        // RFC 9260 §8.3: RTO + HB.interval, jittered by ±50 % of the RTO.
        long jitter = (long) (rto * (random.nextDouble() - 0.5));
        hbDeadline = now + config.heartbeatInterval().toNanos() + rto + jitter;
    }

    private void onHeartbeatTimer() {
        hbDeadline = NONE;
        if (state != SctpState.ESTABLISHED) {
            return;
        }
        if (hbOutstanding) {
            if (++errorCount > config.maxRetransmissions()) {
                fail("the peer answered no heartbeat through " + config.maxRetransmissions() + " tries (RFC 9260 §8.1)");
                return;
            }
            rto = Math.min(rtoMax, rto * 2);
        }
        if (t3Deadline == NONE || hbOutstanding) {
            byte[] info = new byte[20];
            putShort(info, 0, PARAM_HEARTBEAT_INFO);
            putShort(info, 2, 20);
            hbNonce = random.nextLong();
            ByteBuffer.wrap(info).putLong(4, now).putLong(12, hbNonce);
            controlChunks.add(chunkBytes(HEARTBEAT, 0, info));
            hbOutstanding = true;
        }
        scheduleHeartbeat();
    }

    private void onHeartbeat(ByteBuffer b, int off, int len) {
        // Only the Heartbeat Info is echoed, never a PAD chunk bundled with it (a peer's RFC 8899 §6.2.1.2 probe is
        // skipped chunk by chunk), so the HEARTBEAT ACK is small; the bound keeps it within BASE_PLPMTU.
        if (len < 4 || len > config.mtu() - 32) {
            return;
        }
        byte[] v = new byte[len];
        b.get(off, v);
        controlChunks.add(chunkBytes(HEARTBEAT_ACK, 0, v)); // RFC 9260 §8.3: echo the Heartbeat Info unchanged
    }

    private void onHeartbeatAck(ByteBuffer b, int off, int len) {
        if (len == PROBE_INFO_LENGTH && (b.getShort(off) & 0xffff) == PARAM_HEARTBEAT_INFO
                && b.getInt(off + 4) == PROBE_MAGIC) {
            onProbeAck(b.getInt(off + 8), b.getLong(off + 12));
            return;
        }
        if (len != 20 || (b.getShort(off) & 0xffff) != PARAM_HEARTBEAT_INFO) {
            return;
        }
        long sentAt = b.getLong(off + 4);
        long nonce = b.getLong(off + 12);
        if (hbOutstanding && nonce == hbNonce) {
            hbOutstanding = false;
            errorCount = 0;
            updateRto(now - sentAt);
        }
    }

    // ------------------------------------------------------------------------- path MTU discovery (RFC 8899)

    /**
     * The sizes searched, ascending (RFC 8899 §5.3.2 leaves the search algorithm to the implementation): a few
     * common steps, each capped at {@link SctpConfig#maxMtu()}, then {@code maxMtu} itself. Sizes are multiples of
     * 4 so a PAD chunk fills a probe exactly. A confirmed size moves on to the next at once; a size lost
     * {@link #MAX_PROBES} times ends the search there (SEARCH_COMPLETE), with the larger sizes given up too.
     */
    private static final int[] PROBE_STEPS = {1400, 4096, 8192, 16384, 32768};
    /** RFC 8899 §5.1.2: MAX_PROBES, 3 by default. */
    private static final int MAX_PROBES = 3;
    /** RFC 8899 §5.1.1: PMTU_RAISE_TIMER, 600 s: after SEARCH_COMPLETE (or a black hole) search again this late. */
    private static final long PMTU_RAISE_TIMER = 600_000_000_000L;
    /** Marks our probe's Heartbeat Info ("PLPM"), so its HEARTBEAT ACK is told from a path heartbeat's (§6.2.1.2). */
    private static final int PROBE_MAGIC = 0x504c504d;
    /**
     * Heartbeat Info of a probe: parameter header, magic, probed size, nonce and 4 zero bytes, so that its length
     * (24) also differs from the path heartbeat's (20).
     */
    private static final int PROBE_INFO_LENGTH = 20 + 4;

    private static int maxPayloadFor(int packetSize) {
        return (packetSize - COMMON_HEADER_LENGTH - DATA_HEADER_LENGTH) & ~3;
    }

    /** The next size to probe above the current PLPMTU, or 0 when there is none. */
    private int nextProbeSize() {
        int max = maxPlpmtu & ~3;
        for (int step : PROBE_STEPS) {
            int size = Math.min(step, max);
            if (size > plpmtu) {
                return size;
            }
        }
        return max > plpmtu ? max : 0;
    }

    private void onProbeTimer() {
        probeDeadline = NONE;
        if (state != SctpState.ESTABLISHED) {
            return; // RFC 8899 §5.2: DISABLED outside an established association; shutdown needs no larger packets
        }
        if (probedSize == 0) {
            searchComplete = false; // RFC 8899 §5.1.1 PMTU_RAISE_TIMER (or the first search): SEARCHING
            probeCount = 0;
            sendProbe(nextProbeSize());
            return;
        }
        // RFC 8899 §5.3.1: the PROBE_TIMER expired; after MAX_PROBES lost probes this size is not supported.
        if (++probeCount >= MAX_PROBES) {
            endSearch();
        } else {
            sendProbe(probedSize);
        }
    }

    private void endSearch() {
        probedSize = 0;
        probeCount = 0;
        searchComplete = true;
        probeDeadline = now + PMTU_RAISE_TIMER;
    }

    /**
     * RFC 8899 §4.1, §6.2.1.2: a probe is a HEARTBEAT (our own Heartbeat Info) plus a PAD chunk (RFC 4820) filling
     * the packet to exactly the probed size. It carries no DATA, so it is neither retransmitted nor counted in
     * the congestion window; a lost probe says nothing about congestion or the peer's liveness.
     */
    private void sendProbe(int size) {
        if (size == 0) {
            endSearch();
            return;
        }
        if (size != probedSize) {
            probeNonce = random.nextLong(); // one nonce per size: a late answer to an earlier try still confirms it
        }
        probedSize = size;
        byte[] p = new byte[size];
        int pos = COMMON_HEADER_LENGTH;
        p[pos] = (byte) HEARTBEAT;
        putShort(p, pos + 2, 4 + PROBE_INFO_LENGTH);
        putShort(p, pos + 4, PARAM_HEARTBEAT_INFO);
        putShort(p, pos + 6, PROBE_INFO_LENGTH);
        putInt(p, pos + 8, PROBE_MAGIC);
        putInt(p, pos + 12, size);
        ByteBuffer.wrap(p).putLong(pos + 16, probeNonce);
        pos += 4 + PROBE_INFO_LENGTH;
        p[pos] = (byte) PAD; // RFC 4820 §3: the padding data is zeros, which the receiver ignores
        putShort(p, pos + 2, size - pos);
        putShort(p, 0, config.localPort());
        putShort(p, 2, config.remotePort());
        putInt(p, 4, peerTag);
        SctpPacket.sign(crc, p, size);
        soloPackets.add(p);
        probeDeadline = now + config.probeTimeout().toNanos();
    }

    private void onProbeAck(int size, long nonce) {
        if (probedSize == 0 || size != probedSize || nonce != probeNonce || state != SctpState.ESTABLISHED) {
            return; // an answer to an older probe, or a forged one
        }
        // RFC 8899 §5.3.1: the acknowledged probe confirms PROBED_SIZE, which becomes the PLPMTU; go on at once.
        plpmtu = size;
        maxPayload = maxPayloadFor(plpmtu);
        // RFC 9260 §7.2.1 sizes the initial window in MTUs: never below what the association would have started
        // with at this size, or a lone large packet waits for a delayed SACK (§6.2) before a second may follow.
        cwnd = Math.max(cwnd, initialCwnd());
        probeCount = 0;
        probeDeadline = NONE;
        sendProbe(nextProbeSize());
    }

    /**
     * RFC 8899 §5.2 (black hole detected): back to BASE_PLPMTU. Messages queued but not yet given TSNs are re-cut to
     * the base size. Chunks already sent keep their size (a TSN cannot be split, RFC 9260 §6.9); their
     * retransmissions go alone and are flagged by {@link #lastTransmitExceedsPathMtu()} for the carrier to let the
     * network fragment them. Searching again waits for PMTU_RAISE_TIMER.
     */
    private void fallBackToBase() {
        plpmtu = config.mtu();
        maxPayload = maxPayloadFor(plpmtu);
        t3WithoutAckAboveBase = 0;
        recutPending();
        probedSize = 0;
        probeCount = 0;
        searchComplete = false;
        probeDeadline = now + PMTU_RAISE_TIMER;
    }

    private void recutPending() {
        ArrayDeque<OutChunk> recut = new ArrayDeque<>(pending.size());
        for (OutChunk c : pending) {
            if (c.length <= maxPayload) {
                recut.add(c);
                continue;
            }
            int pieces = 0;
            for (int off = 0; off < c.length; off += maxPayload) {
                int len = Math.min(maxPayload, c.length - off);
                int flags = (off == 0 ? c.flags & FLAG_BEGIN : 0) | (off + len == c.length ? c.flags & FLAG_END : 0);
                recut.add(new OutChunk(c.msg, c.offset + off, len, flags));
                pieces++;
            }
            c.msg.fragmentCount += pieces - 1;
        }
        pending.clear();
        pending.addAll(recut);
    }

    private void onAbort(ByteBuffer b, int off, int len) {
        String reason = "the peer aborted the association";
        if (len >= 4) {
            int code = b.getShort(off) & 0xffff;
            int clen = b.getShort(off + 2) & 0xffff;
            if (code == CAUSE_USER_ABORT && clen >= 4 && clen <= len) {
                byte[] text = new byte[clen - 4];
                b.get(off + 4, text);
                reason += ": " + new String(text, StandardCharsets.UTF_8);
            } else {
                reason += " (error cause " + code + ")";
            }
        }
        terminate();
        events.add(new SctpEvent.Aborted(reason));
    }

    private void onError(ByteBuffer b, int off, int len) {
        if (len < 4) {
            return;
        }
        int code = b.getShort(off) & 0xffff;
        if (code == CAUSE_STALE_COOKIE && state == SctpState.COOKIE_ECHOED) {
            // RFC 9260 §5.2.6: start over with a new INIT.
            controlChunks.remove(cookieEchoChunk);
            cookieEchoChunk = null;
            peerTag = 0;
            state = SctpState.COOKIE_WAIT;
            soloPackets.add(initPacket);
            t1Deadline = now + t1Rto;
        }
    }

    private void onOutOfTheBlue(int type, int tag) {
        // RFC 9260 §8.4.
        switch (type) {
            case ABORT, SHUTDOWN_COMPLETE, COOKIE_ACK, ERROR -> {
            }
            case SHUTDOWN_ACK -> soloPackets.add(buildSoloPacket(tag, SHUTDOWN_COMPLETE, FLAG_T, new byte[0]));
            default -> soloPackets.add(buildSoloPacket(tag, ABORT, FLAG_T, new byte[0]));
        }
    }

    private void protocolViolation(String reason) {
        soloPackets.add(buildSoloPacket(peerTag, ABORT, 0, cause(CAUSE_PROTOCOL_VIOLATION, new byte[0])));
        terminate();
        events.add(new SctpEvent.Aborted(reason));
    }

    private void fail(String reason) {
        if (peerTag != 0) {
            soloPackets.add(buildSoloPacket(peerTag, ABORT, 0, cause(CAUSE_USER_ABORT,
                    "association failed".getBytes(StandardCharsets.US_ASCII))));
        }
        terminate();
        events.add(new SctpEvent.Aborted(reason));
    }

    private void terminate() {
        terminated = true;
        started = true;
        state = SctpState.CLOSED;
        t1Deadline = t3Deadline = sackDeadline = hbDeadline = t2Deadline = reconfigDeadline = probeDeadline = NONE;
        controlChunks.clear();
        pending.clear();
        fragments.clear();
        totalBuffered = 0;
        for (OutStream os : outStreams) {
            if (os != null) {
                os.buffered = 0;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ shutdown

    private void maybeProgressShutdown() {
        if (state != SctpState.SHUTDOWN_PENDING && state != SctpState.SHUTDOWN_RECEIVED) {
            return;
        }
        if (!pending.isEmpty() || inflight.size > 0) {
            return;
        }
        t2Rto = rto;
        t2Deadline = now + t2Rto;
        hbDeadline = NONE;
        if (state == SctpState.SHUTDOWN_PENDING) {
            state = SctpState.SHUTDOWN_SENT;
            queueShutdown();
        } else {
            state = SctpState.SHUTDOWN_ACK_SENT;
            controlChunks.add(chunkBytes(SHUTDOWN_ACK, 0, new byte[0]));
        }
    }

    private void queueShutdown() {
        byte[] v = new byte[4];
        putInt(v, 0, cumTsn);
        controlChunks.add(chunkBytes(SHUTDOWN, 0, v));
    }

    private void onShutdown(int cumAck) {
        switch (state) {
            case ESTABLISHED, SHUTDOWN_PENDING, SHUTDOWN_RECEIVED -> {
                // RFC 9260 §9.2: stop taking new data, finish what is outstanding, then SHUTDOWN ACK.
                state = SctpState.SHUTDOWN_RECEIVED;
                processAck(cumAck, lastPeerArwnd, null, 0, 0);
                maybeProgressShutdown();
            }
            case SHUTDOWN_SENT -> {
                // RFC 9260 §9.2: both sides sent SHUTDOWN.
                state = SctpState.SHUTDOWN_ACK_SENT;
                controlChunks.add(chunkBytes(SHUTDOWN_ACK, 0, new byte[0]));
                t2Deadline = now + t2Rto;
            }
            default -> {
            }
        }
    }

    private void onShutdownAck() {
        if (state == SctpState.SHUTDOWN_SENT || state == SctpState.SHUTDOWN_ACK_SENT) {
            soloPackets.add(buildSoloPacket(peerTag, SHUTDOWN_COMPLETE, 0, new byte[0]));
            terminate();
            events.add(new SctpEvent.Closed());
        }
    }

    private void onShutdownComplete() {
        if (state == SctpState.SHUTDOWN_ACK_SENT) {
            terminate();
            events.add(new SctpEvent.Closed());
        }
    }

    private void onT2Expired() {
        t2Deadline = NONE;
        if (++errorCount > config.maxRetransmissions()) {
            fail("the peer never finished the shutdown (RFC 9260 §9.2)");
            return;
        }
        t2Rto = Math.min(rtoMax, t2Rto * 2);
        if (state == SctpState.SHUTDOWN_SENT) {
            queueShutdown();
        } else if (state == SctpState.SHUTDOWN_ACK_SENT) {
            controlChunks.add(chunkBytes(SHUTDOWN_ACK, 0, new byte[0]));
        } else {
            return;
        }
        t2Deadline = now + t2Rto;
    }

    // -------------------------------------------------------------------------------------- stream reset (6525)

    private void tryStartReset() {
        if (outstandingReset != null || resetQueue.isEmpty() || state != SctpState.ESTABLISHED) {
            return;
        }
        List<Integer> ready = new ArrayList<>();
        for (int id : resetQueue) {
            if (outStream(id).buffered == 0) {
                ready.add(id); // RFC 6525 §5.1.2: data queued before the request is sent first
            }
        }
        if (ready.isEmpty()) {
            return;
        }
        resetQueue.removeAll(ready);
        outstandingReset = new ResetRequest(myReqSeq++, ready, nextTsn - 1);
        reconfigRto = rto;
        sendResetRequest();
    }

    private void sendResetRequest() {
        ResetRequest r = outstandingReset;
        int plen = 16 + 2 * r.streams.size();
        byte[] v = new byte[pad4(plen)];
        putShort(v, 0, PARAM_OUTGOING_SSN_RESET);
        putShort(v, 2, plen);
        putInt(v, 4, r.seq);
        int respSeq = answerIncomingRequest ? incomingRequestToAnswer : peerReqSeqExpected - 1;
        answerIncomingRequest = false;
        putInt(v, 8, respSeq);
        putInt(v, 12, r.lastTsn);
        for (int i = 0; i < r.streams.size(); i++) {
            putShort(v, 16 + 2 * i, r.streams.get(i));
        }
        controlChunks.add(chunkBytes(RE_CONFIG, 0, v));
        reconfigDeadline = now + reconfigRto;
    }

    private void onReconfigTimer() {
        reconfigDeadline = NONE;
        if (outstandingReset == null) {
            return;
        }
        // RFC 6525 §5.1.1: the request is retransmitted like DATA and counts toward the error counter.
        if (++errorCount > config.maxRetransmissions()) {
            fail("the peer never answered a stream reset request (RFC 6525 §5.1.1)");
            return;
        }
        reconfigRto = Math.min(rtoMax, reconfigRto * 2);
        sendResetRequest();
    }

    private void queueReconfigResponse(int seq, int result) {
        byte[] v = new byte[12];
        putShort(v, 0, PARAM_RECONFIG_RESPONSE);
        putShort(v, 2, 12);
        putInt(v, 4, seq);
        putInt(v, 8, result);
        controlChunks.add(chunkBytes(RE_CONFIG, 0, v));
    }

    private void onReconfig(ByteBuffer b, int off, int len) {
        if (!receivesData() && state != SctpState.SHUTDOWN_RECEIVED) {
            return;
        }
        int pos = off;
        int end = off + len;
        while (pos + 4 <= end) {
            int type = b.getShort(pos) & 0xffff;
            int plen = b.getShort(pos + 2) & 0xffff;
            if (plen < 4 || pos + plen > end) {
                return;
            }
            switch (type) {
                case PARAM_OUTGOING_SSN_RESET -> {
                    if (plen >= 16) {
                        onOutgoingResetRequest(b.getInt(pos + 4), b.getInt(pos + 12), readStreams(b, pos + 16, pos + plen));
                    }
                }
                case PARAM_INCOMING_SSN_RESET -> {
                    if (plen >= 8) {
                        onIncomingResetRequest(b.getInt(pos + 4), readStreams(b, pos + 8, pos + plen));
                    }
                }
                case PARAM_RECONFIG_RESPONSE -> {
                    if (plen >= 12) {
                        onReconfigResponse(b.getInt(pos + 4), b.getInt(pos + 8));
                    }
                }
                case PARAM_SSN_TSN_RESET, PARAM_ADD_OUTGOING_STREAMS, PARAM_ADD_INCOMING_STREAMS -> {
                    if (plen >= 8) {
                        int seq = b.getInt(pos + 4);
                        if (seq == peerReqSeqExpected) {
                            peerReqSeqExpected++;
                            lastResetSeq = seq;
                            lastResetResult = RESULT_DENIED;
                        }
                        queueReconfigResponse(seq, RESULT_DENIED);
                    }
                }
                default -> {
                }
            }
            pos += pad4(plen);
        }
    }

    private static List<Integer> readStreams(ByteBuffer b, int pos, int end) {
        List<Integer> ids = new ArrayList<>();
        for (int p = pos; p + 2 <= end; p += 2) {
            ids.add(b.getShort(p) & 0xffff);
        }
        return ids;
    }

    /** RFC 6525 §5.2.2. */
    private void onOutgoingResetRequest(int seq, int lastTsn, List<Integer> streams) {
        if (seq == peerReqSeqExpected) {
            peerReqSeqExpected++;
            lastResetSeq = seq;
            if (lastTsn - cumTsn <= 0) {
                performIncomingReset(streams);
                lastResetResult = RESULT_SUCCESS_PERFORMED;
            } else {
                deferredReset = new ResetRequest(seq, streams, lastTsn);
                lastResetResult = RESULT_IN_PROGRESS;
            }
            queueReconfigResponse(seq, lastResetResult);
        } else if (seq == lastResetSeq) {
            queueReconfigResponse(seq, lastResetResult); // a retransmission: same answer
        } else {
            queueReconfigResponse(seq, RESULT_ERROR_BAD_SEQUENCE_NUMBER);
        }
    }

    private void performIncomingReset(List<Integer> streams) {
        List<Integer> ids = streams;
        if (ids.isEmpty()) {
            ids = new ArrayList<>();
            for (int i = 0; i < inStreams.length; i++) {
                if (inStreams[i] != null) {
                    ids.add(i);
                }
            }
        }
        for (int id : ids) {
            if (id < inStreams.length && inStreams[id] != null) {
                InStream s = inStreams[id];
                for (Waiting w : s.waiting.values()) {
                    receiveBuffered -= w.data.length;
                }
                s.waiting.clear();
                s.nextSsn = 0;
            }
        }
        events.add(new SctpEvent.IncomingStreamsReset(List.copyOf(ids)));
    }

    /** RFC 6525 §5.2.3: the peer asks us to reset our outgoing streams; our Outgoing request is the answer. */
    private void onIncomingResetRequest(int seq, List<Integer> streams) {
        if (seq != peerReqSeqExpected) {
            if (seq != lastResetSeq) {
                queueReconfigResponse(seq, RESULT_ERROR_BAD_SEQUENCE_NUMBER);
            }
            return;
        }
        peerReqSeqExpected++;
        lastResetSeq = seq;
        if (outstandingReset != null || state != SctpState.ESTABLISHED) {
            lastResetResult = RESULT_ERROR_REQUEST_IN_PROGRESS;
            queueReconfigResponse(seq, lastResetResult);
            return;
        }
        lastResetResult = RESULT_SUCCESS_PERFORMED;
        incomingRequestToAnswer = seq;
        answerIncomingRequest = true;
        List<Integer> ids = streams;
        if (ids.isEmpty()) {
            ids = new ArrayList<>();
            for (int i = 0; i < outStreams.length; i++) {
                if (outStreams[i] != null) {
                    ids.add(i);
                }
            }
        }
        resetStreams(ids, now);
    }

    private void onReconfigResponse(int seq, int result) {
        ResetRequest r = outstandingReset;
        if (r == null || seq != r.seq) {
            return;
        }
        switch (result) {
            case RESULT_SUCCESS_NOTHING_TO_DO, RESULT_SUCCESS_PERFORMED -> {
                for (int id : r.streams) {
                    OutStream os = outStream(id);
                    os.nextSsn = 0;
                    os.resetting = false;
                }
                outstandingReset = null;
                reconfigDeadline = NONE;
                errorCount = 0;
                events.add(new SctpEvent.OutgoingStreamsReset(List.copyOf(r.streams)));
                tryStartReset();
            }
            case RESULT_IN_PROGRESS, RESULT_ERROR_REQUEST_IN_PROGRESS -> {
                // Ask again after a timeout (RFC 6525 §5.2.7).
                reconfigDeadline = now + reconfigRto;
            }
            default -> {
                for (int id : r.streams) {
                    outStream(id).resetting = false;
                }
                outstandingReset = null;
                reconfigDeadline = NONE;
                events.add(new SctpEvent.StreamResetFailed(List.copyOf(r.streams), result));
                tryStartReset();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private int randomTag() {
        int t;
        do {
            t = random.nextInt();
        } while (t == 0);
        return t;
    }

    private OutStream outStream(int sid) {
        if (sid >= outStreams.length) {
            outStreams = Arrays.copyOf(outStreams, Math.max(sid + 1, outStreams.length * 2));
        }
        OutStream os = outStreams[sid];
        if (os == null) {
            os = new OutStream();
            outStreams[sid] = os;
        }
        return os;
    }

    private InStream inStream(int sid) {
        if (sid >= inStreams.length) {
            inStreams = Arrays.copyOf(inStreams, Math.max(sid + 1, inStreams.length * 2));
        }
        InStream s = inStreams[sid];
        if (s == null) {
            s = new InStream();
            inStreams[sid] = s;
        }
        return s;
    }

    static int pad4(int n) {
        return (n + 3) & ~3;
    }

    static void putShort(byte[] a, int i, int v) {
        a[i] = (byte) (v >>> 8);
        a[i + 1] = (byte) v;
    }

    static void putInt(byte[] a, int i, int v) {
        a[i] = (byte) (v >>> 24);
        a[i + 1] = (byte) (v >>> 16);
        a[i + 2] = (byte) (v >>> 8);
        a[i + 3] = (byte) v;
    }

    private static final class OutMessage {
        final int sid;
        final int ppid;
        final boolean ordered;
        final int maxRetransmits;
        final long expiresAt;
        final byte[] data;
        int fragmentCount; // grows when a black hole fallback re-cuts unsent fragments (RFC 8899 §5.2)
        int ssn;
        boolean abandoned;
        int firstTsn;
        int tsnCount;

        OutMessage(int sid, int ppid, boolean ordered, int maxRetransmits, long expiresAt, byte[] data, int fragmentCount) {
            this.sid = sid;
            this.ppid = ppid;
            this.ordered = ordered;
            this.maxRetransmits = maxRetransmits;
            this.expiresAt = expiresAt;
            this.data = data;
            this.fragmentCount = fragmentCount;
        }
    }

    private static final class OutChunk {
        final OutMessage msg;
        final int offset;
        final int length;
        final int flags;
        int tsn;
        boolean acked;
        boolean abandoned;
        boolean inFlight;
        boolean retransmit;
        boolean fastRetransmitted;
        int missCount;
        int transmissions;
        long sentAt;

        OutChunk(OutMessage msg, int offset, int length, int flags) {
            this.msg = msg;
            this.offset = offset;
            this.length = length;
            this.flags = flags;
        }
    }

    /** The sent-but-not-cumulatively-acked chunks, indexed by TSN minus the cumulative ack point. */
    private static final class ChunkRing {
        OutChunk[] a = new OutChunk[256];
        int head;
        int size;

        OutChunk get(int i) {
            return a[(head + i) & (a.length - 1)];
        }

        OutChunk first() {
            return a[head];
        }

        void addLast(OutChunk c) {
            if (size == a.length) {
                OutChunk[] grown = new OutChunk[a.length * 2];
                for (int i = 0; i < size; i++) {
                    grown[i] = get(i);
                }
                a = grown;
                head = 0;
            }
            a[(head + size) & (a.length - 1)] = c;
            size++;
        }

        OutChunk removeFirst() {
            OutChunk c = a[head];
            a[head] = null;
            head = (head + 1) & (a.length - 1);
            size--;
            return c;
        }
    }

    private static final class OutStream {
        int nextSsn;
        long buffered;
        long lowThreshold;
        boolean resetting;
    }

    private static final class InStream {
        int nextSsn;
        final HashMap<Integer, Waiting> waiting = new HashMap<>();
    }

    private record Waiting(int ppid, byte[] data) {
    }

    private record Fragment(int tsn, int sid, int ssn, int ppid, int flags, byte[] data) {
    }

    private record ResetRequest(int seq, List<Integer> streams, int lastTsn) {
    }
}
