package dev.peerlink.signaling.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Drives a {@link SignalingHub} on a virtual clock and sorts what it sends by connection. */
final class HubHarness {
    static final long START_EPOCH_SECOND = 1_800_000_000L;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    final SignalingHub hub;
    final SignalingConfig config;
    long nowNanos = 1_000_000_000L; // any origin will do: the hub only subtracts
    long epochSecond = START_EPOCH_SECOND;
    private final Map<Long, List<ServerMessage>> inboxes = new HashMap<>();
    private final Map<Long, Integer> closes = new LinkedHashMap<>();

    HubHarness(SignalingConfig config) {
        this.config = config;
        this.hub = new SignalingHub(config, new Random(42));
    }

    HubHarness() {
        this(SignalingConfig.defaults());
    }

    void connect(long id) {
        hub.connected(id, nowNanos);
    }

    void send(long id, String json) {
        hub.received(id, json, nowNanos, epochSecond);
    }

    void send(long id, Object... keysAndValues) {
        send(id, json(keysAndValues));
    }

    /** Connects {@code id} and joins; returns the welcome. */
    ServerMessage.Welcome join(long id, String room, String peer) {
        connect(id);
        send(id, "type", "join", "room", room, "peer", peer);
        List<ServerMessage> got = take(id);
        assertThat(got).hasSize(1).first().isInstanceOf(ServerMessage.Welcome.class);
        return (ServerMessage.Welcome) got.get(0);
    }

    void signal(long from, String to, String kind, Object payload) {
        ObjectNode message = MAPPER.createObjectNode().put("type", "signal").put("to", to).put("kind", kind);
        message.set("payload", MAPPER.valueToTree(payload));
        send(from, message.toString());
    }

    void advance(Duration duration) {
        nowNanos += duration.toNanos();
        epochSecond += duration.toSeconds();
        hub.handleTimeout(nowNanos);
    }

    /** Everything sent to {@code id} since the last take, in order. */
    List<ServerMessage> take(long id) {
        pump();
        List<ServerMessage> got = inboxes.remove(id);
        return got == null ? List.of() : got;
    }

    /** The one message sent to {@code id} since the last take. */
    ServerMessage takeOne(long id) {
        List<ServerMessage> got = take(id);
        assertThat(got).hasSize(1);
        return got.get(0);
    }

    ServerMessage.Error takeError(long id, ErrorCode code) {
        ServerMessage got = takeOne(id);
        assertThat(got).isInstanceOf(ServerMessage.Error.class);
        ServerMessage.Error error = (ServerMessage.Error) got;
        assertThat(error.code()).isEqualTo(code);
        assertThat(error.message()).isNotBlank();
        return error;
    }

    /** The close code the hub asked for on {@code id}, or null when it asked for none. */
    Integer closeCode(long id) {
        pump();
        return closes.get(id);
    }

    private void pump() {
        for (Outbound out; (out = hub.pollOutbound().orElse(null)) != null; ) {
            switch (out) {
                case Outbound.Send send -> {
                    assertThat(closes).as("nothing is sent after a close").doesNotContainKey(send.connectionId());
                    inboxes.computeIfAbsent(send.connectionId(), k -> new ArrayList<>()).add(send.message());
                }
                case Outbound.Close close -> closes.put(close.connectionId(), close.statusCode());
            }
        }
    }

    static String json(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                map.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        try {
            return MAPPER.writeValueAsString(map);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
