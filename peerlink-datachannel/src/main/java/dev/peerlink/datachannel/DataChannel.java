package dev.peerlink.datachannel;

/**
 * One data channel (RFC 8831): a handle whose operations go through its {@link DataChannelManager}, so the same
 * threading rule applies (one thread per manager).
 */
public final class DataChannel {

    private final DataChannelManager manager;
    private final int id;
    private final String label;
    private final DataChannelOptions options;
    DataChannelState state;
    boolean acked;
    /** Whether a user message was ever queued (so a buffered-amount-low event is about user data). */
    boolean userDataQueued;
    boolean outgoingReset;
    boolean incomingReset;
    boolean resetRequested;
    final StringBuilder partialText = new StringBuilder();
    java.io.ByteArrayOutputStream partialBinary;

    DataChannel(DataChannelManager manager, int id, String label, DataChannelOptions options, DataChannelState state) {
        this.manager = manager;
        this.id = id;
        this.label = label;
        this.options = options;
        this.state = state;
    }

    /** The SCTP stream id (RFC 8831 §6.5). */
    public int id() {
        return id;
    }

    public String label() {
        return label;
    }

    public String protocol() {
        return options.protocol();
    }

    public DataChannelOptions options() {
        return options;
    }

    public boolean ordered() {
        return options.ordered();
    }

    public DataChannelState state() {
        return state;
    }

    /** Sends a text message: PPID 51, or 56 with one byte for "" (RFC 8831 §6.6). */
    public void send(String text, long nowNanos) {
        manager.sendText(this, text, nowNanos);
    }

    /** Sends a binary message: PPID 53, or 57 with one byte for an empty array (RFC 8831 §6.6). */
    public void send(byte[] data, long nowNanos) {
        manager.sendBinary(this, data, nowNanos);
    }

    /** Closes the channel by resetting its outgoing stream (RFC 8831 §6.7). */
    public void close(long nowNanos) {
        manager.close(this, nowNanos);
    }

    /** Bytes queued on this channel that SCTP has not sent yet. */
    public long bufferedAmount() {
        return manager.bufferedAmount(this);
    }

    public void setBufferedAmountLowThreshold(long bytes) {
        manager.setBufferedAmountLowThreshold(this, bytes);
    }

    @Override
    public String toString() {
        return "DataChannel[id=" + id + ", label=" + label + ", state=" + state + "]";
    }
}
