package dev.peerlink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peerlink.ice.netty.HostAddressGatherer;
import dev.peerlink.peer.IceServer;
import dev.peerlink.peer.PeerConnection;
import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.PeerConnectionState;
import dev.peerlink.signaling.client.SignalingClient;
import dev.peerlink.signaling.client.SignalingException;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What {@code peerlink send} and {@code peerlink receive} share: the options, the signaling connection and one peer
 * connection whose offer, answer and trickled candidates travel through the signaling server (docs/signaling.md
 * "File transfer: peerlink send and receive").
 */
final class PeerSession implements AutoCloseable {

    /** The options both commands take. */
    static final class Options {
        @Option(names = "--server", required = true, paramLabel = "URL",
                description = "The signaling URL, e.g. ws://127.0.0.1:8080/signaling/v1.")
        URI server;

        @Option(names = "--room", required = true, paramLabel = "ROOM", description = "The room both peers join.")
        String room;

        @Option(names = "--name", paramLabel = "NAME", description = "This peer's name in the room (default: the "
                + "server picks one).")
        String name;

        @Option(names = "--token", paramLabel = "TOKEN", description = "A room token, when the server needs one.")
        String token;

        @Option(names = "--ice-server", paramLabel = "URL", description = "A STUN or TURN server (stun:HOST[:PORT], "
                + "turn:HOST[:PORT][?transport=tcp]); repeatable. Default: none (host candidates only).")
        List<String> iceServers = new ArrayList<>();

        @Option(names = "--ice-username", paramLabel = "USER", description = "The username for --ice-server turn: URLs.")
        String iceUsername;

        @Option(names = "--ice-credential", paramLabel = "SECRET", description = "The credential for turn: URLs.")
        String iceCredential;

        @Option(names = "--host-address", paramLabel = "IP", description = "Gather host candidates only on this "
                + "address (loopback allowed), e.g. 127.0.0.1.")
        String hostAddress;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "How long to wait "
                + "for the other peer to appear and connect (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "30", description = "Give up when "
                + "a connected transfer makes no progress for this long (default: ${DEFAULT-VALUE}).")
        int stallTimeoutSeconds;

        Duration stallTimeout() throws UserFacingException {
            if (stallTimeoutSeconds <= 0) {
                throw new UserFacingException("--stall-timeout must be a positive number of seconds, not "
                        + stallTimeoutSeconds);
            }
            return Duration.ofSeconds(stallTimeoutSeconds);
        }

        Duration timeout() throws UserFacingException {
            if (timeoutSeconds <= 0) {
                throw new UserFacingException("--timeout must be a positive number of seconds, not " + timeoutSeconds);
            }
            return Duration.ofSeconds(timeoutSeconds);
        }

        PeerConnectionConfig config() throws UserFacingException {
            PeerConnectionConfig.Builder builder = PeerConnectionConfig.builder();
            for (String url : iceServers) {
                try {
                    builder.iceServer(url.startsWith("turn") ? IceServer.turn(url, iceUsername, iceCredential)
                            : IceServer.stun(url));
                } catch (IllegalArgumentException e) {
                    throw new UserFacingException("--ice-server " + url + ": " + e.getMessage());
                }
            }
            if (hostAddress != null) {
                if (!hostAddress.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                    throw new UserFacingException("--host-address must be an IP address, not " + hostAddress);
                }
                try {
                    builder.gatherer(HostAddressGatherer.builder().allowLoopback(true)
                            .includeAddress(hostAddress + (hostAddress.contains(":") ? "/128" : "/32")).build())
                            .mdns(false);
                } catch (IllegalArgumentException e) {
                    throw new UserFacingException("--host-address " + hostAddress + ": " + e.getMessage());
                }
            }
            return builder.build();
        }
    }

    private final SignalingClient signaling;
    private final String room;
    private final PrintWriter err;
    private final List<String> pendingRemoteCandidates = new ArrayList<>();
    private volatile String remote;
    private PeerConnection connection;
    private boolean remoteDescriptionSet;
    private boolean peerGone;

    private PeerSession(SignalingClient signaling, String room, PrintWriter err) {
        this.signaling = signaling;
        this.room = room;
        this.err = err;
    }

    static PeerSession join(Options options, PrintWriter err) throws UserFacingException {
        String scheme = options.server.getScheme();
        if (scheme == null || !scheme.equals("ws") && !scheme.equals("wss")) {
            throw new UserFacingException("--server must be a ws:// or wss:// URL, not " + options.server);
        }
        try {
            SignalingClient client = SignalingClient.connect(options.server, SignalingClient.Options
                    .join(options.room, options.name).withToken(options.token).withTimeout(Duration.ofSeconds(10)));
            return new PeerSession(client, options.room, err);
        } catch (SignalingException e) {
            throw new UserFacingException(e.getMessage());
        }
    }

    String self() {
        return signaling.peer();
    }

    List<String> peersAtJoin() {
        return signaling.peersAtJoin();
    }

    String remote() {
        return remote;
    }

    /** Creates the peer connection; remote candidates and descriptions then go to it. */
    PeerConnection open(String remotePeer, PeerConnectionConfig config, PeerConnectionListener extra) {
        this.remote = remotePeer;
        connection = PeerConnection.create(config, new PeerConnectionListener() {
            @Override
            public void onIceCandidate(String candidate) {
                try {
                    if (candidate == null) {
                        signaling.endOfCandidates(remote);
                    } else {
                        signaling.candidate(remote, candidate, "0", 0);
                    }
                } catch (SignalingException e) {
                    fail(e.getMessage());
                }
            }

            @Override
            public void onConnectionStateChange(PeerConnectionState state) {
                if (state == PeerConnectionState.FAILED) {
                    fail("the connection to " + remote + " failed");
                }
                extra.onConnectionStateChange(state);
            }

            @Override
            public void onDataChannel(dev.peerlink.peer.DataChannel channel) {
                extra.onDataChannel(channel);
            }
        });
        return connection;
    }

    void fail(String message) {
        if (failure == null) {
            failure = message;
        }
    }

    private volatile String failure;

    /** Throws if the session failed (connection failed, peer left, server gone). */
    void check() throws UserFacingException {
        if (failure != null) {
            throw new UserFacingException(failure);
        }
        if (signaling.closed().isDone() && !peerGone) {
            throw new UserFacingException("the signaling server closed the connection");
        }
    }

    boolean peerGone() {
        return peerGone;
    }

    /**
     * Handles one server message if one comes within {@code wait}; returns it (or null) so the caller can look at
     * peer-joined and offer signals itself.
     */
    ServerMessage pump(Duration wait) throws UserFacingException, InterruptedException {
        check();
        ServerMessage message = signaling.poll(wait);
        if (message == null) {
            return null;
        }
        switch (message) {
            case ServerMessage.Signal signal when remote != null && signal.from().equals(remote) -> handle(signal);
            case ServerMessage.PeerLeft left when left.peer().equals(remote) -> peerGone = true;
            case ServerMessage.Error error -> err.println(qualified("the signaling server says: "
                    + error.message()));
            default -> { }
        }
        return message;
    }

    /**
     * Waits until {@code deadlineNanos} (a {@link System#nanoTime()} value) for another peer's offer; past it, fails
     * with {@code "<nobody> in room R within N s"}.
     */
    ServerMessage.Signal awaitOffer(long deadlineNanos, Duration timeout, String nobody)
            throws UserFacingException, InterruptedException {
        while (System.nanoTime() <= deadlineNanos) {
            if (pump(Duration.ofMillis(200)) instanceof ServerMessage.Signal signal
                    && signal.kind() == SignalKind.OFFER) {
                return signal;
            }
        }
        throw new UserFacingException(nobody + " in room " + room + " within " + timeout.toSeconds() + " s");
    }

    private String qualified(String text) {
        return "peerlink: " + text;
    }

    private void handle(ServerMessage.Signal signal) throws UserFacingException {
        JsonNode payload = signal.payload();
        try {
            switch (signal.kind()) {
                case OFFER -> { } // the receiver answers it itself
                case ANSWER -> {
                    connection.setRemoteDescription(text(payload, "sdp"));
                    remoteDescriptionSet = true;
                    pendingRemoteCandidates.forEach(connection::addIceCandidate);
                    pendingRemoteCandidates.clear();
                }
                case CANDIDATE -> addCandidate(text(payload, "candidate"));
                case END_OF_CANDIDATES -> addCandidate(null);
                case BYE -> peerGone = true;
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UserFacingException(remote + " sent a bad " + signal.kind().wireName() + ": " + e.getMessage());
        }
    }

    /** The receiver's side: set the offer, send the answer, then start gathering. */
    void answer(String offerSdp) throws UserFacingException {
        try {
            connection.setRemoteDescription(offerSdp);
            remoteDescriptionSet = true;
            String answer = connection.createAnswer();
            signaling.answer(remote, answer);
            connection.setLocalDescription(answer);
            pendingRemoteCandidates.forEach(connection::addIceCandidate);
            pendingRemoteCandidates.clear();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UserFacingException(remote + " sent a bad offer: " + e.getMessage());
        } catch (SignalingException e) {
            throw new UserFacingException(e.getMessage());
        }
    }

    /** The sender's side: create and send the offer. */
    void offer() throws UserFacingException {
        try {
            String offer = connection.createOffer();
            connection.setLocalDescription(offer);
            signaling.offer(remote, offer);
        } catch (SignalingException e) {
            throw new UserFacingException(e.getMessage());
        }
    }

    private void addCandidate(String candidate) {
        if (remoteDescriptionSet) {
            connection.addIceCandidate(candidate);
        } else {
            pendingRemoteCandidates.add(candidate);
        }
    }

    static String text(JsonNode payload, String field) {
        if (payload == null || !payload.hasNonNull(field)) {
            throw new IllegalArgumentException("no \"" + field + "\" in the payload");
        }
        return payload.get(field).asText();
    }

    String room() {
        return room;
    }

    void bye() {
        if (remote != null && !peerGone && !signaling.closed().isDone()) {
            try {
                signaling.bye(remote);
            } catch (SignalingException ignored) {
                // leaving anyway
            }
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
        signaling.close();
    }
}
