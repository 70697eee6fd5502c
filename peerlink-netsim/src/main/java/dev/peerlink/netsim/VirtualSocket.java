package dev.peerlink.netsim;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A non-blocking UDP socket on a {@link Host}. Sending never delivers anything synchronously: the datagram reaches
 * its receiver when the network's event loop gets to it. Arrivals queue up for {@link #poll()}, unless a receiver
 * set with {@link #onReceive} takes them as they arrive, which is the easy way to feed a sans-IO core.
 */
public final class VirtualSocket implements AutoCloseable {
    private final Host host;
    private final InetSocketAddress localAddress;
    private final ArrayDeque<Datagram> inbox = new ArrayDeque<>();
    private Consumer<Datagram> receiver;
    private boolean closed;
    private long receivedCount;

    VirtualSocket(Host host, InetSocketAddress localAddress) {
        this.host = host;
        this.localAddress = localAddress;
    }

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public Host host() {
        return host;
    }

    /** Sends a copy of {@code payload} (so the caller may reuse its buffer). */
    public void send(InetSocketAddress destination, byte[] payload) {
        if (closed) {
            throw new IllegalStateException("the socket " + Addresses.format(localAddress) + " on " + host.name()
                    + " is closed");
        }
        Addresses.requireUsableDestination(destination);
        host.send(this, destination, payload.clone());
    }

    /** The oldest queued datagram, if any. */
    public Optional<Datagram> poll() {
        return Optional.ofNullable(inbox.pollFirst());
    }

    /** How many datagrams wait in the queue. */
    public int queued() {
        return inbox.size();
    }

    /** Every datagram delivered to this socket so far, queued or handed to a receiver. */
    public long receivedCount() {
        return receivedCount;
    }

    /**
     * Hands every later arrival to {@code newReceiver} on the event loop instead of queueing it; {@code null} goes
     * back to queueing. Datagrams already queued stay queued.
     */
    public void onReceive(Consumer<Datagram> newReceiver) {
        this.receiver = newReceiver;
    }

    /** Unbinds the port; later arrivals for it are dropped (no ICMP is simulated). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            host.unbind(this);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    void deliver(Datagram datagram) {
        receivedCount++;
        if (receiver != null) {
            receiver.accept(datagram);
        } else {
            inbox.addLast(datagram);
        }
    }

    @Override
    public String toString() {
        return "VirtualSocket " + host.name() + " " + Addresses.format(localAddress) + (closed ? " (closed)" : "");
    }
}
