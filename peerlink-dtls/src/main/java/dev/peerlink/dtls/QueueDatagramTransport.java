package dev.peerlink.dtls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Bouncy Castle's view of the wire: {@link #receive} takes datagrams the ICE layer queued (blocking, so only a
 * virtual thread calls it, until {@link #stopBlocking}) and {@link #send} hands a copy to the outbound sink, never
 * waiting. A full queue drops the datagram, as a full socket buffer would; DTLS retransmits handshake flights and
 * tolerates loss of the rest.
 */
final class QueueDatagramTransport implements org.bouncycastle.tls.DatagramTransport {
    /** Wakes a receive blocked on the queue when the transport closes. */
    private static final ByteBuffer WAKE_UP = ByteBuffer.allocate(0);

    private final BlockingQueue<ByteBuffer> inbound;
    private final Consumer<ByteBuffer> outbound;
    /** Raised after the handshake ({@link #setSendLimit}); BC reads it on every record it sends. */
    private volatile int sendLimit;
    private final int receiveLimit;
    /** Only on the server side, and only touched by the thread that receives. */
    private final EarlyChangeCipherSpecFilter changeCipherSpecFilter;
    private volatile boolean closed;
    /**
     * Datagrams handed back by the DTLS 1.3 server ({@link #replay}), read before the queue. Filled before the
     * reading thread starts, then only touched by it.
     */
    private final ArrayDeque<ByteBuffer> replayed = new ArrayDeque<>();
    /** Set once the handshake is done and the owner's thread drains the queue instead of a blocked reader. */
    private volatile boolean nonBlocking;
    /**
     * Non-blocking only: a datagram taken off the queue that did not fit the buffer BC offered. BC sizes its buffer
     * from {@link #getReceiveLimit} once per call but may read on into it after discarding a record (a duplicate, a
     * retransmitted handshake message); a larger datagram then waits here for the next call instead of being cut.
     */
    private ByteBuffer heldBack;

    /**
     * Thrown out of BC's receive when the queue is empty in non-blocking mode: BC loops on a timeout until its wait
     * is over (a wait of 0 is "forever"), but lets an {@link java.io.InterruptedIOException} through, so this ends
     * the call at once. One instance without a stack trace: it is control flow, thrown once per drain.
     */
    static final class NothingQueued extends java.io.InterruptedIOException {
        static final NothingQueued INSTANCE = new NothingQueued();

        private NothingQueued() {
            super("no DTLS datagram queued");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    QueueDatagramTransport(int capacity, Consumer<ByteBuffer> outbound, int sendLimit, int receiveLimit,
                           boolean server) {
        this.inbound = new ArrayBlockingQueue<>(capacity);
        this.changeCipherSpecFilter = server ? new EarlyChangeCipherSpecFilter() : null;
        this.outbound = outbound;
        this.sendLimit = sendLimit;
        this.receiveLimit = receiveLimit;
    }

    /** Queues a copy of {@code datagram}; false when it was dropped (full queue, or closed). Never blocks. */
    boolean offer(ByteBuffer datagram) {
        if (closed) {
            return false;
        }
        ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
        copy.put(datagram.duplicate()).flip();
        return inbound.offer(copy);
    }

    /**
     * BC allocates a buffer of this size for every record it reads. Once only the owner's thread drains the queue
     * ({@link #stopBlocking}), the datagram it reads next is the queue's head, so its own size is enough: a stream
     * of 1,200-byte records then costs 1,200-byte buffers, not {@code receiveLimit}-byte ones.
     */
    @Override
    public int getReceiveLimit() {
        if (nonBlocking) {
            ByteBuffer next = heldBack != null ? heldBack : inbound.peek();
            if (next != null && next.hasRemaining()) {
                return Math.min(next.remaining(), receiveLimit);
            }
        }
        return receiveLimit;
    }

    /** Whether a datagram too large for BC's last buffer waits for the next receive call. */
    boolean hasHeldBack() {
        return heldBack != null;
    }

    /** The largest datagram {@link #send} takes from now on; BC sizes the records it builds from it. */
    void setSendLimit(int value) {
        sendLimit = value;
    }

    @Override
    public int getSendLimit() {
        return sendLimit;
    }

    /** Waits up to {@code waitMillis} for a datagram: its length, or -1 on timeout (BC's contract). */
    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        if (closed) {
            throw new IOException("the DTLS transport is closed");
        }
        ByteBuffer datagram;
        try {
            if (nonBlocking) {
                datagram = heldBack != null ? heldBack : inbound.poll();
                heldBack = null;
                if (datagram == null) {
                    throw NothingQueued.INSTANCE;
                }
                if (datagram.remaining() > len) {
                    heldBack = datagram; // BC asks again with a buffer of its size (getReceiveLimit)
                    throw NothingQueued.INSTANCE;
                }
            } else if (!replayed.isEmpty()) {
                datagram = replayed.poll();
            } else {
                datagram = waitMillis <= 0 ? inbound.poll() : inbound.poll(waitMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for a DTLS datagram");
        }
        if (closed || datagram == WAKE_UP) {
            throw new IOException("the DTLS transport is closed");
        }
        if (datagram == null) {
            return -1;
        }
        int length = Math.min(len, datagram.remaining());
        datagram.get(buf, off, length);
        if (changeCipherSpecFilter != null) {
            length = changeCipherSpecFilter.filter(buf, off, length);
            if (length == 0) {
                return -1; // nothing left: as if nothing came
            }
        }
        return length;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the DTLS transport is closed");
        }
        if (len > sendLimit) {
            throw new IOException("a " + len + "-byte DTLS datagram exceeds the " + sendLimit + "-byte MTU");
        }
        ByteBuffer copy = ByteBuffer.allocate(len);
        copy.put(buf, off, len).flip();
        outbound.accept(copy);
    }

    /** Hands a datagram the caller will not touch again to the outbound sink, without a copy. */
    void sendOwned(ByteBuffer datagram) {
        if (!closed) {
            outbound.accept(datagram);
        }
    }

    /** Datagrams to read before the queue's, in order: a ClientHello the DTLS 1.3 server left to Bouncy Castle. */
    void replay(List<ByteBuffer> datagrams) {
        replayed.addAll(datagrams);
    }

    /** The next queued datagram without waiting, or null: for a DTLS 1.3 server taking what came before it started. */
    ByteBuffer poll() {
        ByteBuffer datagram = inbound.poll();
        return datagram == WAKE_UP ? null : datagram;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            inbound.clear();
            inbound.offer(WAKE_UP);
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** From now on {@link #receive} never waits: it throws {@link NothingQueued} when the queue is empty. */
    void stopBlocking() {
        nonBlocking = true;
    }
}
