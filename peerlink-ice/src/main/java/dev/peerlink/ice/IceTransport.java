package dev.peerlink.ice;

import dev.peerlink.stun.client.StunTransport;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A running {@link IceAgent} with its sockets and its driver, as what sits above ICE (DTLS, a peer connection) sees
 * it: credentials and candidates in, data and events out. {@link dev.peerlink.ice.netty.IceSession} drives the agent
 * on real UDP sockets with Netty; tests drive one on a virtual network.
 *
 * <p>Every method may be called from any thread. Calls that reach into the agent hop onto the driver's thread and
 * complete their future there.
 */
public interface IceTransport extends AutoCloseable {

    /**
     * Opens a transport for an agent with {@code config}: its host sockets are bound when it returns (or it throws);
     * the host candidates, then server-reflexive and relayed ones, come to {@code listener} as they are gathered.
     * Events go to {@code listener} in order on the transport's own thread, which must not block in it.
     */
    @FunctionalInterface
    interface Factory {
        IceTransport open(IceAgentConfig config, Consumer<IceEvent> listener) throws IOException;
    }

    /** The peer's ice-ufrag and ice-pwd (RFC 8839 §5.4). */
    CompletableFuture<Void> setRemoteCredentials(String ufrag, String password);

    /** A candidate from the peer (RFC 8838); completes with false for one the agent does not use. */
    CompletableFuture<Boolean> addRemoteCandidate(IceCandidate candidate);

    /** The peer signalled end-of-candidates (RFC 8838 §4.2). */
    CompletableFuture<Void> endOfRemoteCandidates();

    /** Sends {@code data} (copied) on the selected pair; completes with false when there is none. */
    CompletableFuture<Boolean> send(byte[] data);

    /**
     * Queues {@code data} for the selected pair without a future; queued data goes out in order. The array becomes
     * the transport's. What cannot go (no selected pair yet, or closed) is handed to {@code notSent} on the
     * transport's thread.
     */
    void sendQueued(byte[] data, Consumer<byte[]> notSent);

    /** How a local relayed candidate reaches its TURN server (W3C {@code relayProtocol}); empty for others. */
    CompletableFuture<Optional<StunTransport>> relayProtocol(IceCandidate local);

    /**
     * What a pair whose local candidate is {@code local} allows a path MTU search (RFC 8899): whether its socket sets
     * don't-fragment and the largest payload its interface carries. Relayed candidates (TURN over any transport) and
     * TCP give {@link DatagramLimit#NO_PROBING}, as do transports that cannot set DF (the default).
     */
    default DatagramLimit datagramLimit(IceCandidate local) {
        return DatagramLimit.NO_PROBING;
    }

    /** A snapshot of every checklist and valid pair. */
    CompletableFuture<List<CandidatePairStats>> pairStats();

    /** The state as of the latest event delivered. */
    IceConnectionState state();

    String localUfrag();

    /** For the local description; never log it. */
    String localPassword();

    /** Closes the agent and releases its sockets; closing twice does nothing. */
    @Override
    void close();
}
