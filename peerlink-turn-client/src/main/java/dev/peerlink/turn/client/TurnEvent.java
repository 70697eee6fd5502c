package dev.peerlink.turn.client;

import dev.peerlink.stun.StunMethod;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What happened to a {@link TurnClientCore}'s allocation; polled with {@link TurnClientCore#pollEvent}. */
public sealed interface TurnEvent {

    /** The server granted the allocation (RFC 8656 §7.3). */
    record Allocated(List<InetSocketAddress> relayedAddresses, InetSocketAddress mappedAddress, Duration lifetime)
            implements TurnEvent {
        public Allocated {
            relayedAddresses = List.copyOf(relayedAddresses);
        }

        /** The first relayed address (the only one unless a dual-stack allocation was asked for). */
        public InetSocketAddress relayedAddress() {
            return relayedAddresses.get(0);
        }
    }

    /** A Refresh succeeded; the allocation now lasts {@code lifetime} from now (RFC 8656 §8.3). */
    record Refreshed(Duration lifetime) implements TurnEvent {
    }

    /** The server installed a permission for {@code peer} (RFC 8656 §10.3); refreshes are not reported. */
    record PermissionCreated(InetAddress peer) implements TurnEvent {
    }

    /** The server bound {@code channel} to {@code peer} (RFC 8656 §12.3); refreshes are not reported. */
    record ChannelBound(InetSocketAddress peer, int channel) implements TurnEvent {
    }

    /**
     * Data from {@code peer} arrived in a Data indication ({@code channel} 0) or ChannelData message. Only queued
     * when the core has no {@link TurnClientCore.DataHandler}.
     */
    record DataReceived(InetSocketAddress peer, int channel, byte[] data) implements TurnEvent {
        public DataReceived {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof DataReceived that && peer.equals(that.peer) && channel == that.channel
                    && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return peer.hashCode() * 31 + channel * 7 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "DataReceived[peer=" + peer + ", channel=" + channel + ", " + data.length + " bytes]";
        }
    }

    /**
     * The server answered a request with an error. {@code fatal} when the allocation is gone or never came (the
     * core is then {@link TurnClientCore.State#FAILED}).
     *
     * @param method  the STUN method of the request ({@link StunMethod})
     * @param request what was asked, e.g. "CreatePermission for 192.0.2.1"
     * @param server  the server, as {@link TurnClientConfig#describeServer()} names it
     */
    record ErrorResponse(int method, String request, int code, String reason, String server, boolean fatal)
            implements TurnEvent {
        /** One sentence for a log or a user. */
        public String message() {
            return "the TURN server " + server + " answered " + request + " with " + code
                    + (reason.isEmpty() ? "" : " " + reason);
        }
    }

    /** A request got no answer within the retransmission policy's time (RFC 8489 §6.2). */
    record TimedOut(int method, String request, String server, int transmissions, boolean fatal)
            implements TurnEvent {
        public String message() {
            return "no answer from the TURN server " + server + " to " + request + " after " + transmissions
                    + " transmission" + (transmissions == 1 ? "" : "s");
        }
    }

    /** The server sent 300 Try Alternate (RFC 8489 §10); the core now allocates at {@code alternateServer}. */
    record Redirected(InetSocketAddress alternateServer) implements TurnEvent {
    }

    /** The allocation is unusable for a reason other than an answer: it expired, or the stream broke. */
    record Failed(String message) implements TurnEvent {
    }

    /** The allocation is gone: the server confirmed the Refresh with LIFETIME 0 (RFC 8656 §8), or never had it. */
    record Deallocated() implements TurnEvent {
    }
}
