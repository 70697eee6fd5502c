package dev.peerlink.datachannel;

/** What a {@link DataChannelManager} tells its user. */
public sealed interface DataChannelEvent {

    /** The SCTP association is established; channels can open. */
    record Connected() implements DataChannelEvent {
    }

    /**
     * A channel is open: {@code remote} when the peer opened it (DATA_CHANNEL_OPEN received), otherwise our own
     * channel was acknowledged (DATA_CHANNEL_ACK, RFC 8832 §6) or is a negotiated one.
     */
    record ChannelOpened(DataChannel channel, boolean remote) implements DataChannelEvent {
    }

    record TextMessage(DataChannel channel, String text) implements DataChannelEvent {
    }

    record BinaryMessage(DataChannel channel, byte[] data) implements DataChannelEvent {
    }

    /** Both directions of the channel's stream were reset (RFC 8831 §6.7), or the association ended. */
    record ChannelClosed(DataChannel channel) implements DataChannelEvent {
    }

    /** The channel's buffered amount fell to or below its low threshold. */
    record BufferedAmountLow(DataChannel channel) implements DataChannelEvent {
    }

    /** The association ended: {@code graceful} for SHUTDOWN, otherwise ABORT or failure with the reason. */
    record AssociationClosed(boolean graceful, String reason) implements DataChannelEvent {
    }
}
