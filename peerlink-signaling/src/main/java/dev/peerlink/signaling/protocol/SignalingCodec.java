package dev.peerlink.signaling.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON text to and from protocol v1 messages (docs/signaling.md). Decoding is strict about what it needs
 * ({@code type}, required fields and their types) and ignores fields it does not know, so that later minor
 * revisions of v1 can add fields without breaking older peers.
 */
public final class SignalingCodec {
    public static final int PROTOCOL_VERSION = 1;

    /** Deeper JSON than this is refused: no signaling payload needs it, and it bounds the parser's stack. */
    private static final int MAX_NESTING_DEPTH = 32;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SignalingCodec() {
    }

    // ---- client to server ----

    public static ClientMessage decodeClient(String text) throws SignalingProtocolException {
        ObjectNode object = parseObject(text);
        String type = requiredString(object, "type");
        return switch (type) {
            case "join" -> new ClientMessage.Join(requiredString(object, "room"), optionalString(object, "peer"),
                    optionalString(object, "token"), optionalString(object, "resume"));
            case "leave" -> new ClientMessage.Leave();
            case "signal" -> new ClientMessage.Signal(requiredString(object, "to"), kind(object),
                    optionalPayload(object));
            case "ping" -> new ClientMessage.Ping();
            default -> throw new SignalingProtocolException("unknown message type \"" + clip(type)
                    + "\"; a client sends join, leave, signal or ping");
        };
    }

    public static String encode(ClientMessage message) {
        ObjectNode object = MAPPER.createObjectNode();
        switch (message) {
            case ClientMessage.Join join -> {
                object.put("type", "join").put("room", join.room());
                putIfPresent(object, "peer", join.peer());
                putIfPresent(object, "token", join.token());
                putIfPresent(object, "resume", join.resume());
            }
            case ClientMessage.Leave leave -> object.put("type", "leave");
            case ClientMessage.Signal signal -> {
                object.put("type", "signal").put("to", signal.to()).put("kind", signal.kind().wireName());
                if (signal.payload() != null) {
                    object.set("payload", signal.payload());
                }
            }
            case ClientMessage.Ping ping -> object.put("type", "ping");
        }
        return write(object);
    }

    // ---- server to client ----

    public static String encode(ServerMessage message) {
        ObjectNode object = MAPPER.createObjectNode();
        switch (message) {
            case ServerMessage.Welcome welcome -> {
                object.put("type", "welcome").put("protocol", welcome.protocol()).put("room", welcome.room())
                        .put("peer", welcome.peer()).put("sessionId", welcome.sessionId());
                ArrayNode peers = object.putArray("peers");
                welcome.peers().forEach(peers::add);
                object.put("heartbeatSeconds", welcome.heartbeatSeconds()).put("resumed", welcome.resumed());
            }
            case ServerMessage.PeerJoined joined -> object.put("type", "peer-joined").put("peer", joined.peer());
            case ServerMessage.PeerLeft left -> object.put("type", "peer-left").put("peer", left.peer())
                    .put("reason", left.reason());
            case ServerMessage.Signal signal -> {
                object.put("type", "signal").put("from", signal.from()).put("kind", signal.kind().wireName());
                if (signal.payload() != null) {
                    object.set("payload", signal.payload());
                }
            }
            case ServerMessage.Pong pong -> object.put("type", "pong");
            case ServerMessage.Error error -> {
                object.put("type", "error").put("code", error.code().wireName()).put("message", error.message());
                putIfPresent(object, "request", error.request());
                putIfPresent(object, "to", error.to());
            }
        }
        return write(object);
    }

    public static ServerMessage decodeServer(String text) throws SignalingProtocolException {
        ObjectNode object = parseObject(text);
        String type = requiredString(object, "type");
        return switch (type) {
            case "welcome" -> new ServerMessage.Welcome(requiredInt(object, "protocol"),
                    requiredString(object, "room"), requiredString(object, "peer"),
                    requiredString(object, "sessionId"), stringList(object, "peers"),
                    requiredInt(object, "heartbeatSeconds"), object.path("resumed").asBoolean(false));
            case "peer-joined" -> new ServerMessage.PeerJoined(requiredString(object, "peer"));
            case "peer-left" -> new ServerMessage.PeerLeft(requiredString(object, "peer"),
                    optionalString(object, "reason"));
            case "signal" -> new ServerMessage.Signal(requiredString(object, "from"), kind(object),
                    optionalPayload(object));
            case "pong" -> new ServerMessage.Pong();
            case "error" -> {
                String code = requiredString(object, "code");
                yield new ServerMessage.Error(ErrorCode.fromWire(code).orElseThrow(() ->
                        new SignalingProtocolException("unknown error code \"" + clip(code) + "\"")),
                        requiredString(object, "message"), optionalString(object, "request"),
                        optionalString(object, "to"));
            }
            default -> throw new SignalingProtocolException("unknown message type \"" + clip(type) + "\"");
        };
    }

    /** The {@code type} field of a message that failed to decode, if it has one, for error context. */
    public static String typeOf(String text) {
        try {
            JsonNode type = MAPPER.readTree(text).path("type");
            return type.isTextual() ? clip(type.asText()) : null;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    // ---- helpers ----

    private static ObjectNode parseObject(String text) throws SignalingProtocolException {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SignalingProtocolException("the message is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new SignalingProtocolException("a message is a JSON object with a \"type\" field");
        }
        return object;
    }

    private static String requiredString(ObjectNode object, String field) throws SignalingProtocolException {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            throw new SignalingProtocolException("the \"" + field + "\" field is missing");
        }
        if (!value.isTextual()) {
            throw new SignalingProtocolException("the \"" + field + "\" field must be a string");
        }
        return value.asText();
    }

    private static String optionalString(ObjectNode object, String field) throws SignalingProtocolException {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new SignalingProtocolException("the \"" + field + "\" field must be a string");
        }
        return value.asText();
    }

    private static int requiredInt(ObjectNode object, String field) throws SignalingProtocolException {
        JsonNode value = object.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new SignalingProtocolException("the \"" + field + "\" field must be an integer");
        }
        return value.asInt();
    }

    private static List<String> stringList(ObjectNode object, String field) throws SignalingProtocolException {
        JsonNode value = object.get(field);
        if (!(value instanceof ArrayNode array)) {
            throw new SignalingProtocolException("the \"" + field + "\" field must be an array of strings");
        }
        List<String> strings = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            if (!item.isTextual()) {
                throw new SignalingProtocolException("the \"" + field + "\" field must be an array of strings");
            }
            strings.add(item.asText());
        }
        return strings;
    }

    private static SignalKind kind(ObjectNode object) throws SignalingProtocolException {
        String kind = requiredString(object, "kind");
        return SignalKind.fromWire(kind).orElseThrow(() -> new SignalingProtocolException("unknown signal kind \""
                + clip(kind) + "\"; kinds are offer, answer, candidate, end-of-candidates and bye"));
    }

    private static JsonNode optionalPayload(ObjectNode object) {
        JsonNode payload = object.get("payload");
        return payload == null || payload.isNull() ? null : payload;
    }

    private static void putIfPresent(ObjectNode object, String field, String value) {
        if (value != null) {
            object.put(field, value);
        }
    }

    private static String write(ObjectNode object) {
        try {
            return MAPPER.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree built in memory failed to serialise", e);
        }
    }

    /** Echoed client text is clipped so an error never carries a large part of a hostile message back. */
    private static String clip(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }

    /** Parses a JSON value for a payload, e.g. {@code {"type":"offer","sdp":"..."}}. */
    public static JsonNode parsePayload(String json) throws SignalingProtocolException {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SignalingProtocolException("the payload is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A new empty JSON object for building payloads. */
    public static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }
}
