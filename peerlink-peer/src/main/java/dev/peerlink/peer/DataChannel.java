package dev.peerlink.peer;

import dev.peerlink.datachannel.DataChannelOptions;
import dev.peerlink.datachannel.DataChannelState;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A data channel of a {@link PeerConnection} (W3C {@code RTCDataChannel}), usable from any thread: {@link #send}
 * and {@link #close} hop onto the connection's peer loop; the listeners run on the connection's listener thread, in
 * order with the connection's own events.
 */
public final class DataChannel {

    /** One received message: text, or binary {@code data}. */
    public record Message(String text, byte[] data) {
        public boolean isBinary() {
            return data != null;
        }

        /** The payload's size in bytes (UTF-8 for text). */
        public int size() {
            return data != null ? data.length : text.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    private final PeerConnection connection;
    private final String label;
    private final DataChannelOptions options;
    private volatile int id;
    private volatile DataChannelState state = DataChannelState.CONNECTING;
    private volatile Runnable onOpen = () -> { };
    private volatile Consumer<Message> onMessage = message -> { };
    private volatile Runnable onClose = () -> { };
    private volatile Runnable onBufferedAmountLow = () -> { };
    private volatile long bufferedAmountLowThreshold;
    private boolean openListenerSet;
    private boolean openPending;
    private boolean closeListenerSet;
    private boolean closePending;
    final AtomicLong queuedForLoop = new AtomicLong();
    volatile long sctpBuffered;
    /** The SCTP-level channel; touched on the peer loop only. */
    dev.peerlink.datachannel.DataChannel core;

    DataChannel(PeerConnection connection, String label, DataChannelOptions options, int id) {
        this.connection = connection;
        this.label = label;
        this.options = options;
        this.id = id;
    }

    public String label() {
        return label;
    }

    public String protocol() {
        return options.protocol();
    }

    public boolean ordered() {
        return options.ordered();
    }

    public boolean negotiated() {
        return options.negotiated();
    }

    public DataChannelOptions options() {
        return options;
    }

    /** The SCTP stream id, or -1 until the association is up and one was picked (RFC 8832 §6). */
    public int id() {
        return id;
    }

    public DataChannelState readyState() {
        return state;
    }

    /** Bytes given to {@link #send} and not yet handed to DTLS. */
    public long bufferedAmount() {
        return queuedForLoop.get() + sctpBuffered;
    }

    /**
     * The listener for the channel opening. Set after the channel opened (a negotiated channel created on a
     * connected peer connection opens at once), it runs right away on the calling thread, so no open is missed.
     */
    public DataChannel onOpen(Runnable listener) {
        Objects.requireNonNull(listener);
        boolean missed;
        synchronized (this) {
            this.onOpen = listener;
            openListenerSet = true;
            missed = openPending;
            openPending = false;
        }
        if (missed) {
            listener.run();
        }
        return this;
    }

    public DataChannel onMessage(Consumer<Message> listener) {
        this.onMessage = Objects.requireNonNull(listener);
        return this;
    }

    /** The listener for the channel closing; like {@link #onOpen}, it runs at once if the close came first. */
    public DataChannel onClose(Runnable listener) {
        Objects.requireNonNull(listener);
        boolean missed;
        synchronized (this) {
            this.onClose = listener;
            closeListenerSet = true;
            missed = closePending;
            closePending = false;
        }
        if (missed) {
            listener.run();
        }
        return this;
    }

    /** W3C {@code bufferedAmountLowThreshold}: 0 until set. */
    public long bufferedAmountLowThreshold() {
        return bufferedAmountLowThreshold;
    }

    /**
     * W3C {@code bufferedAmountLowThreshold}: {@link #onBufferedAmountLow} runs when the SCTP send buffer falls from
     * above this many bytes to at or below it, the signal a sender waits for before sending more.
     */
    public DataChannel setBufferedAmountLowThreshold(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("the buffered amount low threshold must not be negative, not " + bytes);
        }
        this.bufferedAmountLowThreshold = bytes;
        connection.applyLowThresholdOnLoop(this);
        return this;
    }

    public DataChannel onBufferedAmountLow(Runnable listener) {
        this.onBufferedAmountLow = Objects.requireNonNull(listener);
        return this;
    }

    /**
     * Sends a text message.
     *
     * @throws IllegalStateException    when the channel is not open, or its send buffer
     *                                  ({@link PeerConnection#MAX_SEND_BUFFER}) cannot take the message
     * @throws IllegalArgumentException when the message exceeds the peer's {@code a=max-message-size}
     */
    public void send(String text) {
        Objects.requireNonNull(text, "the text to send is null");
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        checkSendable(utf8.length);
        connection.sendOnLoop(this, text, null, utf8.length);
    }

    /** Sends a binary message; see {@link #send(String)}. */
    public void send(byte[] data) {
        Objects.requireNonNull(data, "the data to send is null");
        checkSendable(data.length);
        connection.sendOnLoop(this, null, data.clone(), data.length);
    }

    private void checkSendable(int length) {
        if (state != DataChannelState.OPEN) {
            throw new IllegalStateException("data channel '" + label + "' is " + state + ", not OPEN");
        }
        long max = connection.peerMaxMessageSize();
        if (length > max) {
            throw new IllegalArgumentException("a " + length + "-byte message exceeds the peer's max-message-size of "
                    + max + " bytes");
        }
        if (bufferedAmount() + length > PeerConnection.MAX_SEND_BUFFER) {
            throw new IllegalStateException("data channel '" + label + "' already buffers " + bufferedAmount()
                    + " bytes; wait for bufferedAmount() to fall (onBufferedAmountLow) before sending more");
        }
    }

    /** Closes the channel (RFC 8831 §6.7: an SCTP stream reset); {@code onClose} follows. */
    public void close() {
        DataChannelState now = state;
        if (now == DataChannelState.CLOSING || now == DataChannelState.CLOSED) {
            return;
        }
        state = DataChannelState.CLOSING;
        connection.closeOnLoop(this);
    }

    // --------------------------------------------------------------------------- called on the listener thread

    void setId(int value) {
        this.id = value;
    }

    void fireOpen() {
        Runnable listener;
        synchronized (this) {
            if (state != DataChannelState.CONNECTING) {
                return;
            }
            state = DataChannelState.OPEN;
            if (!openListenerSet) {
                openPending = true;
                return;
            }
            listener = onOpen;
        }
        listener.run();
    }

    void fireMessage(Message message) {
        onMessage.accept(message);
    }

    void fireClose() {
        Runnable listener;
        synchronized (this) {
            if (state == DataChannelState.CLOSED) {
                return;
            }
            state = DataChannelState.CLOSED;
            openPending = false;
            if (!closeListenerSet) {
                closePending = true;
                return;
            }
            listener = onClose;
        }
        listener.run();
    }

    void fireBufferedAmountLow() {
        onBufferedAmountLow.run();
    }

    @Override
    public String toString() {
        return "DataChannel[" + label + ", id " + id + ", " + state + "]";
    }
}
