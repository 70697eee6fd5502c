package dev.peerlink.peer.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peerlink.peer.DataChannel;
import dev.peerlink.peer.PeerConnection;
import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.PeerConnectionState;
import dev.peerlink.signaling.client.SignalingClient;
import dev.peerlink.signaling.client.SignalingException;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One peer connection whose offer, answer and trickled candidates travel through peerlink's signaling server
 * (docs/signaling.md "File transfer: peerlink send and receive"): what {@code peerlink send}, {@code peerlink
 * receive} and the lab's Java peers share.
 */
public final class SignaledSession implements AutoCloseable {
    private final SignalingClient signaling;
    private final String room;
    private final Consumer<String> warnings;
    private final List<String> pendingRemoteCandidates = new ArrayList<>();
    /**
     * Guards {@link #descriptionSent} and {@link #pendingLocalCandidates}, and is held while a candidate is sent so
     * candidates leave in the order they were gathered.
     */
    private final Object candidateLock = new Object();
    /** Candidates gathered before our offer or answer went out; null is end-of-candidates. */
    private final List<String> pendingLocalCandidates = new ArrayList<>();
    private boolean descriptionSent;
    /** Candidates that came before the offer they belong to, from whoever sent them; bounded. */
    private final List<ServerMessage.Signal> earlyCandidates = new ArrayList<>();
    private static final int MAX_EARLY_CANDIDATES = 256;
    private volatile String remote;
    private volatile String failure;
    private PeerConnection connection;
    private boolean remoteDescriptionSet;
    private boolean peerGone;

    private SignaledSession(SignalingClient signaling, String room, Consumer<String> warnings) {
        this.signaling = signaling;
        this.room = room;
        this.warnings = warnings;
    }

    /**
     * Joins {@code room} on the signaling server at {@code server} (a ws:// or wss:// URL) as {@code name} (null:
     * the server picks one), with a room token when the server needs one. What the server reports as an error
     * goes to {@code warnings}.
     */
    public static SignaledSession join(URI server, String room, String name, String token, Consumer<String> warnings)
            throws TransferException {
        String scheme = server.getScheme();
        if (scheme == null || !scheme.equals("ws") && !scheme.equals("wss")) {
            throw new TransferException("--server must be a ws:// or wss:// URL, not " + server);
        }
        try {
            SignalingClient client = SignalingClient.connect(server, SignalingClient.Options.join(room, name)
                    .withToken(token).withTimeout(Duration.ofSeconds(10)));
            return new SignaledSession(client, room, warnings);
        } catch (SignalingException e) {
            throw new TransferException(e.getMessage());
        }
    }

    public String self() {
        return signaling.peer();
    }

    public List<String> peersAtJoin() {
        return signaling.peersAtJoin();
    }

    public String remote() {
        return remote;
    }

    public String room() {
        return room;
    }

    /** The peer connection {@link #open} made, or null before. */
    public PeerConnection connection() {
        return connection;
    }

    /** Creates the peer connection; remote candidates and descriptions then go to it. */
    public PeerConnection open(String remotePeer, PeerConnectionConfig config, PeerConnectionListener extra) {
        this.remote = remotePeer;
        connection = PeerConnection.create(config, new PeerConnectionListener() {
            @Override
            public void onIceCandidate(String candidate) {
                synchronized (candidateLock) {
                    if (descriptionSent) {
                        sendCandidate(candidate);
                    } else {
                        pendingLocalCandidates.add(candidate);
                    }
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
            public void onDataChannel(DataChannel channel) {
                extra.onDataChannel(channel);
            }
        });
        return connection;
    }

    /**
     * Gathering starts when the connection makes its offer or answer, so candidates can be ready before that
     * description is sent. They go only after it: the peer cannot use a candidate before it has the description it
     * belongs to (trickle ICE, RFC 8838), and a receiver that dropped the sender's candidates and then heard
     * end-of-candidates saw every check exhausted and failed (RFC 8838 §8).
     */
    private void descriptionSent() {
        synchronized (candidateLock) {
            descriptionSent = true;
            pendingLocalCandidates.forEach(this::sendCandidate);
            pendingLocalCandidates.clear();
        }
    }

    private void sendCandidate(String candidate) {
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

    void fail(String message) {
        if (failure == null) {
            failure = message;
        }
    }

    /**
     * Waits until {@code deadlineNanos} (a {@link System#nanoTime()} value) for another peer's offer; past it, fails
     * with {@code "<nobody> in room R within N s"}.
     */
    public ServerMessage.Signal awaitOffer(long deadlineNanos, Duration timeout, String nobody)
            throws TransferException, InterruptedException {
        while (System.nanoTime() <= deadlineNanos) {
            if (pump(Duration.ofMillis(200)) instanceof ServerMessage.Signal signal) {
                if (signal.kind() == SignalKind.OFFER) {
                    return signal;
                }
                // A sender may trickle before its offer arrives; answer() applies those of the peer it answers.
                if ((signal.kind() == SignalKind.CANDIDATE || signal.kind() == SignalKind.END_OF_CANDIDATES)
                        && earlyCandidates.size() < MAX_EARLY_CANDIDATES) {
                    earlyCandidates.add(signal);
                }
            }
        }
        throw new TransferException(nobody + " in room " + room + " within " + timeout.toSeconds() + " s");
    }

    /** Throws if the session failed (connection failed, peer left, server gone). */
    public void check() throws TransferException {
        if (failure != null) {
            throw new TransferException(failure);
        }
        if (signaling.closed().isDone() && !peerGone) {
            throw new TransferException("the signaling server closed the connection");
        }
    }

    public boolean peerGone() {
        return peerGone;
    }

    /**
     * Handles one server message if one comes within {@code wait}; returns it (or null) so the caller can look at
     * peer-joined and offer signals itself.
     */
    public ServerMessage pump(Duration wait) throws TransferException, InterruptedException {
        check();
        ServerMessage message = signaling.poll(wait);
        if (message == null) {
            return null;
        }
        switch (message) {
            case ServerMessage.Signal signal when remote != null && signal.from().equals(remote) -> handle(signal);
            case ServerMessage.PeerLeft left when left.peer().equals(remote) -> peerGone = true;
            case ServerMessage.Error error -> warnings.accept("the signaling server says: " + error.message());
            default -> { }
        }
        return message;
    }

    private void handle(ServerMessage.Signal signal) throws TransferException {
        JsonNode payload = signal.payload();
        try {
            switch (signal.kind()) {
                case OFFER -> { } // the answering side answers it itself
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
            throw new TransferException(remote + " sent a bad " + signal.kind().wireName() + ": " + e.getMessage());
        }
    }

    /** The answering side: set the offer, send the answer, then start gathering. */
    public void answer(String offerSdp) throws TransferException {
        try {
            connection.setRemoteDescription(offerSdp);
            remoteDescriptionSet = true;
            for (ServerMessage.Signal early : earlyCandidates) {
                if (early.from().equals(remote)) {
                    addCandidate(early.kind() == SignalKind.CANDIDATE ? text(early.payload(), "candidate") : null);
                }
            }
            earlyCandidates.clear();
            String answer = connection.createAnswer();
            signaling.answer(remote, answer);
            descriptionSent();
            connection.setLocalDescription(answer);
            pendingRemoteCandidates.forEach(connection::addIceCandidate);
            pendingRemoteCandidates.clear();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new TransferException(remote + " sent a bad offer: " + e.getMessage());
        } catch (SignalingException e) {
            throw new TransferException(e.getMessage());
        }
    }

    /** The offering side: create and send the offer. */
    public void offer() throws TransferException {
        try {
            String offer = connection.createOffer();
            connection.setLocalDescription(offer);
            signaling.offer(remote, offer);
            descriptionSent();
        } catch (SignalingException e) {
            throw new TransferException(e.getMessage());
        }
    }

    private void addCandidate(String candidate) {
        if (remoteDescriptionSet) {
            connection.addIceCandidate(candidate);
        } else {
            pendingRemoteCandidates.add(candidate);
        }
    }

    /** A text field of a signal's payload; IllegalArgumentException names it when missing. */
    public static String text(JsonNode payload, String field) {
        if (payload == null || !payload.hasNonNull(field)) {
            throw new IllegalArgumentException("no \"" + field + "\" in the payload");
        }
        return payload.get(field).asText();
    }

    /** Tells the other peer we are leaving, unless it or the server is already gone. */
    public void bye() {
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
