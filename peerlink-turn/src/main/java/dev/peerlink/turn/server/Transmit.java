package dev.peerlink.turn.server;

import dev.peerlink.stun.StunMessageReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One datagram or stream message the core wants sent: to a client on its 5-tuple, or to a peer from a relay
 * socket. Instances are pooled: one returned by {@link TurnServerCore#pollTransmit()} is valid until the next
 * {@code pollTransmit()} call, so the driver copies {@link #data()} into its own buffer (it has to for the socket
 * anyway) before polling again, and never keeps the object.
 */
public final class Transmit {
    /** Which way the bytes go. */
    public enum Destination {
        /** To {@link #client()} over its 5-tuple: STUN responses, Data indications, ChannelData. */
        CLIENT,
        /** To {@link #peer()} from the relay socket {@link #relay()}: the payload of a Send or ChannelData. */
        PEER
    }

    private static final int INITIAL_CAPACITY = 2048;
    /**
     * The largest thing ever written: a STUN message of the longest length (a Data indication), which is longer
     * than the largest ChannelData message (4 + 65536 bytes with padding).
     */
    static final int MAX_CAPACITY = StunMessageReader.MAX_MESSAGE_LENGTH;

    private ByteBuffer buffer = ByteBuffer.allocate(INITIAL_CAPACITY);
    private Destination destination;
    private FiveTuple client;
    private RelayHandle relay;
    private InetSocketAddress peer;
    private boolean dontFragment;

    Transmit() {
    }

    /** Empties the buffer, ready for at least {@code capacity} bytes. */
    ByteBuffer begin(int capacity) {
        if (buffer.capacity() < capacity) {
            buffer = ByteBuffer.allocate(Math.min(MAX_CAPACITY, Math.max(capacity, buffer.capacity() * 2)));
        }
        buffer.clear();
        return buffer;
    }

    void toClient(FiveTuple tuple) {
        destination = Destination.CLIENT;
        client = tuple;
        relay = null;
        peer = null;
        dontFragment = false;
        buffer.flip();
    }

    void toPeer(RelayHandle handle, InetSocketAddress to, boolean df) {
        destination = Destination.PEER;
        client = null;
        relay = handle;
        peer = to;
        dontFragment = df;
        buffer.flip();
    }

    public Destination destination() {
        return destination;
    }

    /** The 5-tuple to send on, for {@link Destination#CLIENT}; null otherwise. */
    public FiveTuple client() {
        return client;
    }

    /** The relay socket to send from, for {@link Destination#PEER}; null otherwise. */
    public RelayHandle relay() {
        return relay;
    }

    /** The peer to send to, for {@link Destination#PEER}; null otherwise. */
    public InetSocketAddress peer() {
        return peer;
    }

    /** Whether to set the DF bit on the datagram to the peer (RFC 8656 §18.9, §14). */
    public boolean dontFragment() {
        return dontFragment;
    }

    /** The bytes, from position 0 to the limit. Read them; do not keep the buffer. */
    public ByteBuffer data() {
        return buffer;
    }

    @Override
    public String toString() {
        return destination == Destination.CLIENT
                ? "Transmit[to client " + client + ", " + buffer.remaining() + " bytes]"
                : "Transmit[to peer " + peer + " via " + relay + ", " + buffer.remaining() + " bytes"
                        + (dontFragment ? ", DF" : "") + "]";
    }
}
