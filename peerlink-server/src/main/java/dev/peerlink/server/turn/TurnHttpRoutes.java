package dev.peerlink.server.turn;

import dev.peerlink.server.http.ServerHttpHandler;
import dev.peerlink.server.http.ServerHttpHandler.Request;
import dev.peerlink.server.http.ServerHttpHandler.Response;
import dev.peerlink.server.stun.StunServer;
import dev.peerlink.turn.auth.RestApiCredentials;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The TURN-related HTTP routes beside signaling: {@code GET /api/ice-servers}, an RTCConfiguration's
 * {@code iceServers} with short-lived TURN REST API credentials (draft-uberti-behave-turn-rest-00 §2.2: username
 * {@code expiry:user}, password {@code base64(HMAC-SHA1(secret, username))}), and {@code GET /metrics} in the
 * Prometheus text exposition format, written by hand (a dozen lines do not need a metrics library).
 */
public final class TurnHttpRoutes {
    /** How long handed-out credentials stay valid, and the {@code ttl} the answer states. */
    public static final Duration CREDENTIAL_TTL = Duration.ofDays(1);
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    /** A host name, IPv4 literal or bracketed IPv6 literal: nothing that could break out of the JSON or a URL. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");
    private static final String JSON = "application/json";

    private final List<StunServer.Listener> listeners;
    private final TurnService turn;
    private final List<String> allowedOrigins;
    private final Clock clock;
    private final LongSupplier stunBindingResponses;

    /**
     * @param turn                 the TURN service, or null when TURN is off
     * @param allowedOrigins       browser origins allowed to fetch credentials; empty allows all
     * @param stunBindingResponses Binding responses of the STUN-only listeners (0 when TURN serves them)
     */
    public TurnHttpRoutes(List<StunServer.Listener> listeners, TurnService turn, List<String> allowedOrigins,
                          Clock clock, LongSupplier stunBindingResponses) {
        this.listeners = List.copyOf(listeners);
        this.turn = turn;
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.clock = clock;
        this.stunBindingResponses = stunBindingResponses;
    }

    // ------------------------------------------------------------------------------------ /api/ice-servers

    /** {@code GET /api/ice-servers?user=NAME}. */
    public ServerHttpHandler.Route iceServers() {
        return request -> CompletableFuture.completedFuture(iceServers(request));
    }

    Response iceServers(Request request) {
        if (request.origin() != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(request.origin())) {
            return Response.plain(403, "the origin " + request.origin() + " may not fetch TURN credentials "
                    + "(see --allowed-origin)\n");
        }
        if (turn == null || turn.settings().staticAuthSecrets().isEmpty()) {
            return Response.plain(503, "no --static-auth-secret is configured, so this server hands out no TURN "
                    + "credentials\n");
        }
        String user = request.parameter("user");
        if (user == null) {
            user = "peerlink";
        }
        if (!USER.matcher(user).matches()) {
            return Response.plain(400, "user must be 1 to 64 letters, digits, '.', '_', '@' or '-'\n");
        }
        String host = turn.settings().serverName();
        if (host == null) {
            host = hostOf(request.host());
            if (host == null) {
                return Response.plain(400, "the request has no usable Host header; configure --server-name\n");
            }
        }
        long expiry = clock.instant().getEpochSecond() + CREDENTIAL_TTL.toSeconds();
        String username = expiry + String.valueOf(turn.config().restApiSeparator()) + user;
        // The first secret signs; the others are still accepted by the core while they are rolled out or retired.
        String credential = RestApiCredentials.password(turn.settings().staticAuthSecrets().get(0), username);

        String hostName = host;
        List<String> stunUrls = new ArrayList<>();
        List<String> turnUrls = new ArrayList<>();
        port("udp").or(() -> port("tcp")).ifPresent(port -> stunUrls.add("stun:" + hostName + ":" + port));
        port("udp").ifPresent(port -> turnUrls.add("turn:" + hostName + ":" + port + "?transport=udp"));
        port("tcp").ifPresent(port -> turnUrls.add("turn:" + hostName + ":" + port + "?transport=tcp"));
        port("tls").ifPresent(port -> turnUrls.add("turns:" + hostName + ":" + port + "?transport=tcp"));
        StringBuilder json = new StringBuilder("{\"iceServers\":[");
        if (!stunUrls.isEmpty()) {
            json.append("{\"urls\":").append(array(stunUrls)).append("},");
        }
        json.append("{\"urls\":").append(array(turnUrls)).append(",\"username\":\"").append(username)
                .append("\",\"credential\":\"").append(credential).append("\"}],\"ttl\":")
                .append(CREDENTIAL_TTL.toSeconds()).append("}\n");
        return Response.ok(JSON, json.toString());
    }

    private Optional<Integer> port(String protocol) {
        return listeners.stream().filter(listener -> listener.protocol().equals(protocol))
                .map(listener -> listener.address().getPort()).findFirst();
    }

    /** The host of a Host header ({@code host}, {@code host:port}, {@code [v6]:port}), or null if unusable. */
    static String hostOf(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        String host;
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            host = end < 0 ? null : value.substring(0, end + 1);
        } else {
            int colon = value.indexOf(':');
            host = colon < 0 ? value : value.substring(0, colon);
        }
        return host != null && HOST.matcher(host).matches() ? host.toLowerCase(Locale.ROOT) : null;
    }

    private static String array(List<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            out.append(i == 0 ? "\"" : ",\"").append(values.get(i)).append('"');
        }
        return out.append(']').toString();
    }

    // ---------------------------------------------------------------------------------------------- /metrics

    /** {@code GET /metrics}: the counters are read on the TURN loop, and the answer is written when they arrive. */
    public ServerHttpHandler.Route metrics() {
        return request -> {
            if (turn == null) {
                return CompletableFuture.completedFuture(Response.ok(PROMETHEUS, exposition(null)));
            }
            return turn.snapshot().thenApply(snapshot -> Response.ok(PROMETHEUS, exposition(snapshot)));
        };
    }

    /** The text exposition format's content type (Prometheus "text/plain; version=0.0.4"). */
    public static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    String exposition(TurnService.Snapshot s) {
        StringBuilder out = new StringBuilder(2048);
        gauge(out, "peerlink_turn_enabled", "Whether TURN is configured (1) or the listeners serve STUN only (0).",
                s == null ? 0 : 1);
        long bindings = stunBindingResponses.getAsLong() + (s == null ? 0 : s.bindingResponses());
        counter(out, "peerlink_stun_binding_responses_total", "STUN responses sent: Binding answers, and refusals of methods a STUN-only listener does not serve.", bindings);
        if (s == null) {
            return out.toString();
        }
        gauge(out, "peerlink_turn_allocations", "TURN allocations alive now.", s.allocations());
        gauge(out, "peerlink_turn_relay_sockets", "Relay sockets open now, reserved ports included.",
                s.relaySockets());
        counter(out, "peerlink_turn_allocations_created_total", "TURN allocations created.",
                s.allocationsCreated());
        out.append("# HELP peerlink_turn_relayed_packets_total Datagrams relayed, by direction.\n")
                .append("# TYPE peerlink_turn_relayed_packets_total counter\n")
                .append("peerlink_turn_relayed_packets_total{direction=\"to_peer\"} ").append(s.packetsToPeer())
                .append('\n')
                .append("peerlink_turn_relayed_packets_total{direction=\"to_client\"} ").append(s.packetsToClient())
                .append('\n');
        out.append("# HELP peerlink_turn_relayed_bytes_total Payload bytes relayed, by direction.\n")
                .append("# TYPE peerlink_turn_relayed_bytes_total counter\n")
                .append("peerlink_turn_relayed_bytes_total{direction=\"to_peer\"} ").append(s.bytesToPeer())
                .append('\n')
                .append("peerlink_turn_relayed_bytes_total{direction=\"to_client\"} ").append(s.bytesToClient())
                .append('\n');
        counter(out, "peerlink_turn_auth_failures_total",
                "Requests with credentials that failed the check (unknown user, wrong password, expired).",
                s.authFailures());
        counter(out, "peerlink_turn_challenges_total", "401 answers, including every client's first request.",
                s.challenges());
        counter(out, "peerlink_turn_peers_refused_total",
                "Peer addresses refused by the peer policy (403 answers and dropped Send indications).",
                s.peersRefused());
        counter(out, "peerlink_turn_quota_rejections_total", "Allocations refused by a quota (486).",
                s.quotaRejections());
        counter(out, "peerlink_turn_capacity_rejections_total", "Allocations refused for want of a port (508).",
                s.capacityRejections());
        counter(out, "peerlink_turn_dropped_no_permission_total", "Relayed data dropped for want of a permission.",
                s.droppedNoPermission());
        counter(out, "peerlink_turn_dropped_over_bandwidth_total", "Relayed data dropped over --max-bps.",
                s.droppedOverBandwidth());
        counter(out, "peerlink_turn_internal_errors_total", "Packets dropped by a caught bug; should stay 0.",
                s.internalErrors());
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value)
                .append('\n');
    }
}
