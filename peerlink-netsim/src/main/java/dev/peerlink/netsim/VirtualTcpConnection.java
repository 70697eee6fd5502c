package dev.peerlink.netsim;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One TCP connection on the virtual network, reduced to what crossing NATs and firewalls needs: a three-way handshake
 * (SYN, SYN+ACK, ACK; RFC 9293 §3.5), byte sequence numbers with cumulative acknowledgements, in-order delivery of
 * out-of-order segments, and retransmission of what is unacknowledged when the timer fires (RFC 6298: 1 s before a
 * round-trip sample, then SRTT + 4·RTTVAR, doubled on every expiry; floored at 200 ms as Linux does). So a lossy link
 * delays bytes but never loses or reorders them. There is no flow or congestion control (the virtual links have no
 * bandwidth limit) and closing is abrupt: {@link #close()} sends a RST and the peer sees the connection closed.
 *
 * <p>Segments are {@link Protocol#TCP} packets whose payload starts with a 9-byte header of this simulation — flags,
 * sequence number, acknowledgement number — so NAT routers translate and firewalls filter them like any packet, by
 * addresses, ports and protocol. A SYN to a port nobody listens on is answered with a RST, so a connect attempt
 * fails at once; a SYN that is dropped on the way is retried {@value #SYN_ATTEMPTS} times before it fails.
 *
 * <p>Callbacks run on the network's event loop: {@link #onConnected}, {@link #onReceive} (the next bytes, in order,
 * split anyhow), {@link #onClosed} (refused, timed out, reset or closed by the peer).
 */
public final class VirtualTcpConnection implements AutoCloseable {
    static final int HEADER_BYTES = 9;
    static final int SYN = 1;
    static final int ACK = 2;
    static final int RST = 4;
    /** Bytes per segment: what fits a 1500-byte MTU after IP and TCP headers. */
    static final int MAX_SEGMENT_BYTES = 1400;
    static final int SYN_ATTEMPTS = 6;
    private static final long INITIAL_RTO_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long MIN_RTO_NANOS = Duration.ofMillis(200).toNanos();
    private static final long MAX_RTO_NANOS = Duration.ofSeconds(60).toNanos();

    private enum State { SYN_SENT, SYN_RECEIVED, ESTABLISHED, CLOSED }

    /** A sent segment not yet acknowledged. */
    private record Unacked(int sequence, byte[] data, long sentNanos, boolean retransmitted) {
    }

    private final VirtualNetwork network;
    private final Host host;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private State state;
    private int sendNext;
    private int receiveNext;
    private final ArrayDeque<Unacked> unacked = new ArrayDeque<>();
    private final TreeMap<Integer, byte[]> outOfOrder = new TreeMap<>(Integer::compareUnsigned);
    private int synAttempts;
    private long rtoNanos = INITIAL_RTO_NANOS;
    private long smoothedRttNanos = -1;
    private long rttVariationNanos;
    private ScheduledTask retransmitTimer;
    private Runnable connected = () -> { };
    private Consumer<byte[]> receiver = bytes -> { };
    private Runnable closed = () -> { };

    VirtualTcpConnection(VirtualNetwork network, Host host, InetSocketAddress local, InetSocketAddress remote,
                         boolean active, int initialSequence) {
        this.network = network;
        this.host = host;
        this.local = local;
        this.remote = remote;
        this.sendNext = initialSequence;
        this.state = active ? State.SYN_SENT : State.SYN_RECEIVED;
    }

    public InetSocketAddress localAddress() {
        return local;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    public boolean isEstablished() {
        return state == State.ESTABLISHED;
    }

    public boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Runs once the handshake completes (for an accepted connection, before the listener sees it). */
    public void onConnected(Runnable action) {
        this.connected = action;
    }

    /** Takes the bytes that arrive, in order. */
    public void onReceive(Consumer<byte[]> action) {
        this.receiver = action;
    }

    /** Runs once when the connection ends for any reason other than {@link #close()}. */
    public void onClosed(Runnable action) {
        this.closed = action;
    }

    /** Queues a copy of {@code bytes} for the peer; in segments of at most {@value #MAX_SEGMENT_BYTES} bytes. */
    public void send(byte[] bytes) {
        if (state != State.ESTABLISHED) {
            throw new IllegalStateException("the TCP connection " + describe() + " is " + state.name().toLowerCase(
                    java.util.Locale.ROOT).replace('_', ' ') + ", not established");
        }
        for (int offset = 0; offset < bytes.length; offset += MAX_SEGMENT_BYTES) {
            byte[] segment = Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + MAX_SEGMENT_BYTES));
            unacked.addLast(new Unacked(sendNext, segment, network.nowNanos(), false));
            transmit(ACK, sendNext, segment);
            sendNext += segment.length;
        }
        armRetransmitTimer();
    }

    /** Resets the connection (RFC 9293 §3.5.2); the peer's {@link #onClosed} runs when the RST arrives. */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        transmit(RST, sendNext, new byte[0]);
        end(false);
    }

    // ------------------------------------------------------------------------------------------------ internals

    void startHandshake() {
        synAttempts = 1;
        transmit(SYN, sendNext - 1, new byte[0]);
        armRetransmitTimer();
    }

    /** The listener's side: a SYN arrived; answer SYN+ACK. */
    void acceptSyn(int peerInitialSequence) {
        receiveNext = peerInitialSequence + 1;
        transmit(SYN | ACK, sendNext - 1, new byte[0]);
        armRetransmitTimer();
    }

    void receive(Packet packet) {
        ByteBuffer segment = ByteBuffer.wrap(packet.payload());
        if (segment.remaining() < HEADER_BYTES || state == State.CLOSED) {
            return;
        }
        int flags = segment.get();
        int sequence = segment.getInt();
        int acknowledgement = segment.getInt();
        byte[] data = new byte[segment.remaining()];
        segment.get(data);
        if ((flags & RST) != 0) {
            end(true);
            return;
        }
        switch (state) {
            case SYN_SENT -> {
                if ((flags & (SYN | ACK)) == (SYN | ACK) && acknowledgement == sendNext) {
                    receiveNext = sequence + 1;
                    establish();
                    transmit(ACK, sendNext, new byte[0]);
                }
                return;
            }
            case SYN_RECEIVED -> {
                if ((flags & SYN) != 0) {
                    transmit(SYN | ACK, sendNext - 1, new byte[0]); // our SYN+ACK was lost
                    return;
                }
                if ((flags & ACK) == 0 || acknowledgement != sendNext) {
                    return;
                }
                establish();
            }
            default -> {
                if ((flags & SYN) != 0) {
                    transmit(ACK, sendNext, new byte[0]); // the peer missed our handshake ACK
                    return;
                }
            }
        }
        acknowledge(acknowledgement);
        if (data.length > 0) {
            accept(sequence, data);
        }
    }

    private void establish() {
        state = State.ESTABLISHED;
        cancelRetransmitTimer();
        rtoNanos = INITIAL_RTO_NANOS;
        connected.run();
    }

    /** Drops what {@code acknowledgement} covers and takes an RTT sample from a segment sent once (Karn). */
    private void acknowledge(int acknowledgement) {
        boolean progressed = false;
        while (!unacked.isEmpty()) {
            Unacked first = unacked.peekFirst();
            int end = first.sequence() + first.data().length;
            if (acknowledgement - end < 0) { // sequence numbers wrap: compare by difference (RFC 9293 §3.4)
                break;
            }
            unacked.removeFirst();
            progressed = true;
            if (!first.retransmitted()) {
                sampleRtt(network.nowNanos() - first.sentNanos());
            }
        }
        if (progressed) {
            cancelRetransmitTimer();
            armRetransmitTimer();
        }
    }

    private void accept(int sequence, byte[] data) {
        if (sequence - receiveNext > 0) {
            outOfOrder.putIfAbsent(sequence, data);
        } else if (sequence == receiveNext) {
            deliver(data);
            byte[] next;
            while ((next = outOfOrder.remove(receiveNext)) != null) {
                deliver(next);
            }
        }
        // An old duplicate (sequence before receiveNext) is only acknowledged again.
        if (state == State.ESTABLISHED) {
            transmit(ACK, sendNext, new byte[0]);
        }
    }

    private void deliver(byte[] data) {
        receiveNext += data.length;
        receiver.accept(data);
    }

    /** RFC 6298 §2.2–2.3. */
    private void sampleRtt(long rttNanos) {
        if (smoothedRttNanos < 0) {
            smoothedRttNanos = rttNanos;
            rttVariationNanos = rttNanos / 2;
        } else {
            rttVariationNanos = (3 * rttVariationNanos + Math.abs(smoothedRttNanos - rttNanos)) / 4;
            smoothedRttNanos = (7 * smoothedRttNanos + rttNanos) / 8;
        }
        rtoNanos = Math.min(MAX_RTO_NANOS, Math.max(MIN_RTO_NANOS, smoothedRttNanos + 4 * rttVariationNanos));
    }

    private void armRetransmitTimer() {
        boolean waiting = state == State.SYN_SENT || state == State.SYN_RECEIVED || !unacked.isEmpty();
        if (retransmitTimer != null || !waiting) {
            return;
        }
        retransmitTimer = network.schedule(network.nowNanos() + rtoNanos, this::onRetransmitTimer);
    }

    private void cancelRetransmitTimer() {
        if (retransmitTimer != null) {
            retransmitTimer.cancel();
            retransmitTimer = null;
        }
    }

    /** RFC 6298 §5.4–5.6: resend, back off, restart the timer. */
    private void onRetransmitTimer() {
        retransmitTimer = null;
        if (state == State.CLOSED) {
            return;
        }
        rtoNanos = Math.min(MAX_RTO_NANOS, rtoNanos * 2);
        switch (state) {
            case SYN_SENT -> {
                if (++synAttempts > SYN_ATTEMPTS) {
                    end(true);
                    return;
                }
                transmit(SYN, sendNext - 1, new byte[0]);
            }
            case SYN_RECEIVED -> transmit(SYN | ACK, sendNext - 1, new byte[0]);
            default -> {
                ArrayDeque<Unacked> resent = new ArrayDeque<>();
                for (Unacked segment : unacked) {
                    transmit(ACK, segment.sequence(), segment.data());
                    resent.addLast(new Unacked(segment.sequence(), segment.data(), network.nowNanos(), true));
                }
                unacked.clear();
                unacked.addAll(resent);
            }
        }
        armRetransmitTimer();
    }

    private void transmit(int flags, int sequence, byte[] data) {
        ByteBuffer segment = ByteBuffer.allocate(HEADER_BYTES + data.length);
        segment.put((byte) flags).putInt(sequence).putInt(receiveNext).put(data);
        host.sendTcp(local, remote, segment.array());
    }

    private void end(boolean notify) {
        state = State.CLOSED;
        cancelRetransmitTimer();
        unacked.clear();
        outOfOrder.clear();
        host.forget(this);
        if (notify) {
            closed.run();
        }
    }

    private String describe() {
        return Addresses.format(local) + " > " + Addresses.format(remote) + " on " + host.name();
    }

    @Override
    public String toString() {
        return "VirtualTcpConnection " + describe() + " (" + state + ")";
    }
}
