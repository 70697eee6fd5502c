package dev.peerlink.sctp;

import java.util.List;

/** What an association tells its user; see {@link SctpAssociation#pollEvent}. */
public sealed interface SctpEvent {

    /** The association reached ESTABLISHED (RFC 9260 §5.1). */
    record Connected() implements SctpEvent {
    }

    /**
     * A whole user message (reassembled, RFC 9260 §6.9). {@code data} belongs to the receiver.
     *
     * @param unordered whether the sender set the U bit (RFC 9260 §6.6)
     */
    record MessageReceived(int streamId, int ppid, byte[] data, boolean unordered) implements SctpEvent {
    }

    /** The peer reset these incoming streams (RFC 6525 §5.2.2): their SSNs restart at 0. */
    record IncomingStreamsReset(List<Integer> streamIds) implements SctpEvent {
    }

    /** The peer performed our reset of these outgoing streams (RFC 6525 §5.1.2): their SSNs restart at 0. */
    record OutgoingStreamsReset(List<Integer> streamIds) implements SctpEvent {
    }

    /** The peer refused our reset of these outgoing streams with this RFC 6525 §4.4 result code. */
    record StreamResetFailed(List<Integer> streamIds, int result) implements SctpEvent {
    }

    /** The stream's unsent bytes fell to or below its low threshold (see {@link SctpAssociation#bufferedAmount}). */
    record BufferedAmountLow(int streamId) implements SctpEvent {
    }

    /** The association closed gracefully (SHUTDOWN, RFC 9260 §9.2). */
    record Closed() implements SctpEvent {
    }

    /**
     * The association ended abruptly: ABORT sent or received (RFC 9260 §9.1), or the peer stopped answering
     * (RFC 9260 §8.1).
     */
    record Aborted(String reason) implements SctpEvent {
    }
}
