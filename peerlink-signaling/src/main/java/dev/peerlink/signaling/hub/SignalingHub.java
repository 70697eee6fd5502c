package dev.peerlink.signaling.hub;

import dev.peerlink.signaling.RoomTokens;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.protocol.ClientMessage;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalingCodec;
import dev.peerlink.signaling.protocol.SignalingProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * The signaling server's state and rules, with no sockets, threads or clock (DESIGN.md "sans-IO"): rooms, peers,
 * presence, relaying signals, limits, room tokens, heartbeats and resumption (docs/signaling.md). A driver tells it
 * what happened on which connection and when, then sends what {@link #pollOutbound()} returns. All calls must come
 * from one thread at a time; the hub holds no locks.
 *
 * <p>Two clocks are passed in: {@code nowNanos} is monotonic (heartbeats, rates, resume windows), and
 * {@code epochSecond} is wall-clock time, used only to check room token expiry.
 */
public final class SignalingHub {
    /** RFC 6455 §7.4.1 close codes used here. */
    static final int CLOSE_NORMAL = 1000;
    static final int CLOSE_GOING_AWAY = 1001;
    static final int CLOSE_MESSAGE_TOO_BIG = 1009;
    static final int CLOSE_INTERNAL_ERROR = 1011;

    private static final int SESSION_ID_BYTES = 16; // 128 bits: not guessable within a resume window
    private static final int GENERATED_NAME_ATTEMPTS = 16;

    private final SignalingConfig config;
    private final RoomTokens tokens;
    private final RandomGenerator random;
    private final long livenessNanos;
    private final long resumeWindowNanos;

    /** Ordered by when each was last heard from, oldest first, so heartbeat expiry looks only at the head. */
    private final LinkedHashMap<Long, Connection> connections = new LinkedHashMap<>();
    private final Map<String, Room> rooms = new HashMap<>();
    private final Map<String, Peer> peersBySession = new HashMap<>();
    /** Peers whose connection dropped, oldest drop first, so resume expiry looks only at the head. */
    private final LinkedHashSet<Peer> detached = new LinkedHashSet<>();
    private final Queue<Outbound> outbound = new ArrayDeque<>();
    private boolean shutDown;

    private static final class Connection {
        final long id;
        final MessageRate rate;
        long lastHeardNanos;
        boolean toldRateLimited;
        Peer peer;

        Connection(long id, MessageRate rate, long nowNanos) {
            this.id = id;
            this.rate = rate;
            this.lastHeardNanos = nowNanos;
        }
    }

    private static final class Room {
        final String name;
        final LinkedHashMap<String, Peer> peers = new LinkedHashMap<>(); // join order

        Room(String name) {
            this.name = name;
        }
    }

    private static final class Peer {
        final String name;
        final Room room;
        final String sessionId;
        Connection connection; // null while detached
        long detachedAtNanos;
        final ArrayDeque<ServerMessage.Signal> waiting = new ArrayDeque<>(0);

        Peer(String name, Room room, String sessionId) {
            this.name = name;
            this.room = room;
            this.sessionId = sessionId;
        }
    }

    /**
     * @param random makes session ids and generated peer names; a {@link java.security.SecureRandom} in a server,
     *               since a session id is a secret
     */
    public SignalingHub(SignalingConfig config, RandomGenerator random) {
        this.config = config;
        this.tokens = config.tokensRequired() ? new RoomTokens(config.tokenSecrets()) : null;
        this.random = random;
        this.livenessNanos = config.livenessTimeout().toNanos();
        this.resumeWindowNanos = config.resumeWindow().toNanos();
    }

    // ---- inputs ----

    /** A WebSocket connection finished its upgrade. */
    public void connected(long connectionId, long nowNanos) {
        if (shutDown) {
            closeWith(connectionId, ServerMessage.Error.of(ErrorCode.SERVER_SHUTTING_DOWN,
                    "the signaling server is shutting down"), CLOSE_GOING_AWAY);
            return;
        }
        connections.put(connectionId, new Connection(connectionId,
                new MessageRate(config.messagesPerSecond(), config.messageBurst(), nowNanos), nowNanos));
    }

    /** A text message arrived on a connection. */
    public void received(long connectionId, String text, long nowNanos, long epochSecond) {
        Connection connection = admit(connectionId, nowNanos);
        if (connection == null) {
            return;
        }
        if (exceedsSizeLimit(text)) {
            tooLarge(connectionId, nowNanos);
            return;
        }
        ClientMessage message;
        try {
            message = SignalingCodec.decodeClient(text);
        } catch (SignalingProtocolException e) {
            send(connection, new ServerMessage.Error(ErrorCode.BAD_MESSAGE, e.getMessage(),
                    SignalingCodec.typeOf(text), null));
            return;
        }
        switch (message) {
            case ClientMessage.Join join -> join(connection, join, nowNanos, epochSecond);
            case ClientMessage.Leave leave -> leave(connection);
            case ClientMessage.Signal signal -> relay(connection, signal);
            case ClientMessage.Ping ping -> send(connection, new ServerMessage.Pong());
        }
    }

    /** A binary message arrived; the protocol is text only. */
    public void receivedBinary(long connectionId, long nowNanos) {
        Connection connection = admit(connectionId, nowNanos);
        if (connection != null) {
            send(connection, ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                    "signaling messages are JSON in text frames, not binary frames"));
        }
    }

    /** Something other than a message arrived (a WebSocket pong or ping): the connection is alive. */
    public void heard(long connectionId, long nowNanos) {
        Connection connection = connections.get(connectionId);
        if (connection != null) {
            touch(connection, nowNanos);
        }
    }

    /**
     * The driver refused a message before it was whole because it exceeded the size limit; the hub says so and
     * closes the connection.
     */
    public void tooLarge(long connectionId, long nowNanos) {
        dropConnection(connectionId, nowNanos);
        closeWith(connectionId, ServerMessage.Error.of(ErrorCode.MESSAGE_TOO_LARGE, "a message may be at most "
                + config.maxMessageBytes() + " bytes; this connection is closed"), CLOSE_MESSAGE_TOO_BIG);
    }

    /** The connection is gone. Its peer keeps its place, unseen as gone, for the resume window. */
    public void disconnected(long connectionId, long nowNanos) {
        Connection connection = connections.remove(connectionId);
        if (connection != null && connection.peer != null) {
            detach(connection.peer, nowNanos);
        }
    }

    /** Time passed: closes silent connections and ends resume windows. */
    public void handleTimeout(long nowNanos) {
        Iterator<Connection> byLastHeard = connections.values().iterator();
        List<Connection> silent = new ArrayList<>();
        while (byLastHeard.hasNext()) {
            Connection connection = byLastHeard.next();
            if (nowNanos - connection.lastHeardNanos < livenessNanos) {
                break;
            }
            silent.add(connection);
        }
        for (Connection connection : silent) {
            dropConnection(connection.id, nowNanos);
            closeWith(connection.id, ServerMessage.Error.of(ErrorCode.HEARTBEAT_TIMEOUT, "nothing arrived for "
                    + config.livenessTimeout().toSeconds() + " seconds; this connection is closed"),
                    CLOSE_GOING_AWAY);
        }
        Iterator<Peer> byDropTime = detached.iterator();
        List<Peer> expired = new ArrayList<>();
        while (byDropTime.hasNext()) {
            Peer peer = byDropTime.next();
            if (nowNanos - peer.detachedAtNanos < resumeWindowNanos) {
                break;
            }
            expired.add(peer);
        }
        for (Peer peer : expired) {
            remove(peer, ServerMessage.PeerLeft.DISCONNECTED);
        }
    }

    /** When {@link #handleTimeout} next has something to do, or {@link Long#MAX_VALUE} when nothing is pending. */
    public long nextTimeoutNanos() {
        long next = Long.MAX_VALUE;
        if (!connections.isEmpty()) {
            next = connections.values().iterator().next().lastHeardNanos + livenessNanos;
        }
        if (!detached.isEmpty()) {
            next = Math.min(next, detached.iterator().next().detachedAtNanos + resumeWindowNanos);
        }
        return next;
    }

    /** The server is stopping: every connection is told and closed, and every room is emptied. */
    public void shutdown() {
        shutDown = true;
        ServerMessage.Error notice = ServerMessage.Error.of(ErrorCode.SERVER_SHUTTING_DOWN,
                "the signaling server is shutting down");
        for (long id : List.copyOf(connections.keySet())) {
            closeWith(id, notice, CLOSE_GOING_AWAY);
        }
        connections.clear();
        rooms.clear();
        peersBySession.clear();
        detached.clear();
    }

    // ---- outputs and introspection ----

    /** The next thing to do on some connection, or empty when there is nothing. */
    public Optional<Outbound> pollOutbound() {
        return Optional.ofNullable(outbound.poll());
    }

    public int connectionCount() {
        return connections.size();
    }

    public int roomCount() {
        return rooms.size();
    }

    /** The peers in {@code room}, oldest first, including any waiting to resume; empty when there is no room. */
    public List<String> peersIn(String room) {
        Room found = rooms.get(room);
        return found == null ? List.of() : List.copyOf(found.peers.keySet());
    }

    // ---- messages ----

    private void join(Connection connection, ClientMessage.Join join, long nowNanos, long epochSecond) {
        if (connection.peer != null) {
            send(connection, error(ErrorCode.ALREADY_JOINED, "this connection is already in room "
                    + Names.quote(connection.peer.room.name) + " as " + Names.quote(connection.peer.name)
                    + "; leave first", "join"));
            return;
        }
        if (!Names.valid(join.room())) {
            send(connection, error(ErrorCode.BAD_NAME, "the room name " + Names.quote(join.room()) + " is not "
                    + "1 to " + Names.MAX_LENGTH + " characters of A-Z, a-z, 0-9, _ and -", "join"));
            return;
        }
        if (join.resume() != null && resume(connection, join)) {
            return;
        }
        if (tokens != null && !tokenAccepted(connection, join, epochSecond)) {
            return;
        }
        if (join.peer() != null && !Names.valid(join.peer())) {
            send(connection, error(ErrorCode.BAD_NAME, "the peer name " + Names.quote(join.peer()) + " is not "
                    + "1 to " + Names.MAX_LENGTH + " characters of A-Z, a-z, 0-9, _ and -", "join"));
            return;
        }
        Room room = rooms.get(join.room());
        if (room == null && rooms.size() >= config.maxRooms()) {
            send(connection, error(ErrorCode.TOO_MANY_ROOMS, "the server already holds its limit of "
                    + config.maxRooms() + " rooms; try again later", "join"));
            return;
        }
        if (room != null && room.peers.size() >= config.maxPeersPerRoom()) {
            send(connection, error(ErrorCode.ROOM_FULL, "room " + Names.quote(room.name) + " is full: it holds "
                    + config.maxPeersPerRoom() + " peers at most", "join"));
            return;
        }
        if (room != null && join.peer() != null && room.peers.containsKey(join.peer())) {
            send(connection, error(ErrorCode.NAME_TAKEN, "another peer in room " + Names.quote(room.name)
                    + " is already called " + Names.quote(join.peer()), "join"));
            return;
        }
        if (room == null) {
            room = new Room(join.room());
            rooms.put(room.name, room);
        }
        String name = join.peer() != null ? join.peer() : generateName(room);
        if (name == null) {
            send(connection, error(ErrorCode.NAME_TAKEN, "could not find a free name in room "
                    + Names.quote(room.name) + "; choose one with \"peer\"", "join"));
            dropIfEmpty(room);
            return;
        }
        Peer peer = new Peer(name, room, newSessionId());
        List<String> others = List.copyOf(room.peers.keySet());
        room.peers.put(name, peer);
        peersBySession.put(peer.sessionId, peer);
        attach(peer, connection);
        send(connection, welcome(peer, others, false));
        broadcast(room, peer, new ServerMessage.PeerJoined(name));
    }

    /** Takes back a dropped (or still open, older) connection's place; false when the session is not resumable. */
    private boolean resume(Connection connection, ClientMessage.Join join) {
        Peer peer = peersBySession.get(join.resume());
        if (peer == null || !peer.room.name.equals(join.room())
                || (join.peer() != null && !join.peer().equals(peer.name))) {
            return false; // treated as a fresh join; the welcome says resumed: false
        }
        if (peer.connection != null) {
            Connection older = peer.connection;
            connections.remove(older.id); // its peer moves to the new connection, so nothing detaches
            closeWith(older.id, ServerMessage.Error.of(ErrorCode.REPLACED,
                    "this peer resumed on a newer connection; this one is closed"), CLOSE_NORMAL);
        } else {
            detached.remove(peer);
        }
        attach(peer, connection);
        List<String> others = new ArrayList<>(peer.room.peers.keySet());
        others.remove(peer.name);
        send(connection, welcome(peer, others, true));
        while (!peer.waiting.isEmpty()) {
            send(connection, peer.waiting.poll());
        }
        return true;
    }

    private boolean tokenAccepted(Connection connection, ClientMessage.Join join, long epochSecond) {
        if (join.token() == null) {
            send(connection, error(ErrorCode.TOKEN_REQUIRED, "this server admits peers to a room only with a room "
                    + "token; none was given", "join"));
            return false;
        }
        RoomTokens.Verdict verdict = tokens.verify(join.token(), join.room(), epochSecond);
        String message = switch (verdict) {
            case VALID -> null;
            case MALFORMED -> "the room token is not in the form base64url(claims).base64url(signature)";
            case BAD_SIGNATURE -> "the room token was not signed by this server";
            case WRONG_ROOM -> "the room token is for another room than " + Names.quote(join.room());
            case EXPIRED -> "the room token has expired";
        };
        if (message != null) {
            send(connection, error(verdict == RoomTokens.Verdict.EXPIRED ? ErrorCode.TOKEN_EXPIRED
                    : ErrorCode.BAD_TOKEN, message, "join"));
        }
        return message == null;
    }

    private void leave(Connection connection) {
        if (connection.peer == null) {
            send(connection, error(ErrorCode.NOT_JOINED, "this connection is not in a room; join first", "leave"));
            return;
        }
        Peer peer = connection.peer;
        connection.peer = null;
        peer.connection = null;
        remove(peer, ServerMessage.PeerLeft.LEFT);
    }

    private void relay(Connection connection, ClientMessage.Signal signal) {
        Peer from = connection.peer;
        if (from == null) {
            send(connection, error(ErrorCode.NOT_JOINED, "this connection is not in a room; join first", "signal"));
            return;
        }
        // Only the sender's own room is searched: a name elsewhere is as unknown as a name nowhere.
        Peer to = from.room.peers.get(signal.to());
        if (to == null) {
            send(connection, new ServerMessage.Error(ErrorCode.UNKNOWN_PEER, "there is no peer called "
                    + Names.quote(signal.to()) + " in room " + Names.quote(from.room.name), "signal",
                    Names.valid(signal.to()) ? signal.to() : null));
            return;
        }
        if (to == from) {
            send(connection, error(ErrorCode.BAD_MESSAGE, "a peer cannot signal itself", "signal"));
            return;
        }
        ServerMessage.Signal relayed = new ServerMessage.Signal(from.name, signal.kind(), signal.payload());
        if (to.connection != null) {
            send(to.connection, relayed);
        } else if (to.waiting.size() < config.resumeQueueLimit()) {
            to.waiting.add(relayed);
        } else {
            send(connection, new ServerMessage.Error(ErrorCode.QUEUE_FULL, "peer " + Names.quote(to.name)
                    + " is reconnecting and already has " + config.resumeQueueLimit()
                    + " signals waiting; this one was dropped", "signal", to.name));
        }
    }

    // ---- state changes ----

    /** Counts a message against the rate limit; null when the connection is unknown or the message is refused. */
    private Connection admit(long connectionId, long nowNanos) {
        Connection connection = connections.get(connectionId);
        if (connection == null) {
            return null;
        }
        touch(connection, nowNanos);
        if (!connection.rate.tryAcquire(nowNanos)) {
            if (!connection.toldRateLimited) { // one error per episode, so a flood is not answered by a flood
                connection.toldRateLimited = true;
                send(connection, ServerMessage.Error.of(ErrorCode.RATE_LIMITED, "more than "
                        + config.messagesPerSecond() + " messages a second (bursts of " + config.messageBurst()
                        + "); messages are dropped until the rate falls"));
            }
            return null;
        }
        connection.toldRateLimited = false;
        return connection;
    }

    private void touch(Connection connection, long nowNanos) {
        connection.lastHeardNanos = nowNanos;
        connections.remove(connection.id); // re-inserted at the tail: the map stays ordered by last heard
        connections.put(connection.id, connection);
    }

    private void attach(Peer peer, Connection connection) {
        peer.connection = connection;
        connection.peer = peer;
    }

    private void detach(Peer peer, long nowNanos) {
        peer.connection = null;
        peer.detachedAtNanos = nowNanos;
        if (resumeWindowNanos == 0) {
            remove(peer, ServerMessage.PeerLeft.DISCONNECTED);
        } else {
            detached.add(peer);
        }
    }

    /** Forgets a connection the hub is closing itself; its peer, if any, may resume as after any drop. */
    private void dropConnection(long connectionId, long nowNanos) {
        Connection connection = connections.remove(connectionId);
        if (connection != null && connection.peer != null) {
            detach(connection.peer, nowNanos);
        }
    }

    private void remove(Peer peer, String reason) {
        detached.remove(peer);
        peersBySession.remove(peer.sessionId);
        peer.room.peers.remove(peer.name);
        peer.waiting.clear();
        broadcast(peer.room, peer, new ServerMessage.PeerLeft(peer.name, reason));
        dropIfEmpty(peer.room);
    }

    private void dropIfEmpty(Room room) {
        if (room.peers.isEmpty()) {
            rooms.remove(room.name);
        }
    }

    /** To every connected peer of {@code room} except {@code except}; detached peers catch up from their welcome. */
    private void broadcast(Room room, Peer except, ServerMessage message) {
        for (Peer peer : room.peers.values()) {
            if (peer != except && peer.connection != null) {
                send(peer.connection, message);
            }
        }
    }

    private void send(Connection connection, ServerMessage message) {
        outbound.add(new Outbound.Send(connection.id, message));
    }

    private void closeWith(long connectionId, ServerMessage.Error error, int closeCode) {
        outbound.add(new Outbound.Send(connectionId, error));
        outbound.add(new Outbound.Close(connectionId, closeCode, error.code().wireName()));
    }

    private ServerMessage.Welcome welcome(Peer peer, List<String> others, boolean resumed) {
        return new ServerMessage.Welcome(SignalingCodec.PROTOCOL_VERSION, peer.room.name, peer.name, peer.sessionId,
                others, (int) config.heartbeatInterval().toSeconds(), resumed);
    }

    private static ServerMessage.Error error(ErrorCode code, String message, String request) {
        return new ServerMessage.Error(code, message, request, null);
    }

    private String newSessionId() {
        byte[] bytes = new byte[SESSION_ID_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private String generateName(Room room) {
        for (int attempt = 0; attempt < GENERATED_NAME_ATTEMPTS; attempt++) {
            String name = "peer-" + Integer.toHexString(random.nextInt(0x1000_0000) | 0x1000_0000).substring(1);
            if (!room.peers.containsKey(name)) {
                return name;
            }
        }
        return null;
    }

    /** Whether {@code text} is longer in UTF-8 than the limit; encoded only when its length leaves any doubt. */
    private boolean exceedsSizeLimit(String text) {
        if ((long) text.length() * 3 <= config.maxMessageBytes()) {
            return false; // a char is at most 3 bytes of UTF-8 (a surrogate pair, 2 chars, is 4)
        }
        return text.length() > config.maxMessageBytes()
                || text.getBytes(StandardCharsets.UTF_8).length > config.maxMessageBytes();
    }
}
