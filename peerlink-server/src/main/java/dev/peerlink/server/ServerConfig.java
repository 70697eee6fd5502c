package dev.peerlink.server;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything {@code peerlink server} can be told, with embedded defaults so that it runs with no configuration.
 * Keys in YAML and command-line flags use coturn's names where the concept is the same, so operators can move
 * over (e.g. {@code listening-ip}, {@code listening-port}, {@code tls-listening-port}, {@code cert}, {@code pkey},
 * {@code rfc5780}).
 *
 * @param listeningIps      addresses to listen on; empty means all (the IPv6 wildcard, which on Linux also
 *                          accepts IPv4, or the IPv4 wildcard where IPv6 is off)
 * @param listeningPort     STUN over UDP and TCP (RFC 8489 §6: 3478)
 * @param altListeningPort  the second port for RFC 5780; 0 means listening-port + 1, as coturn does
 * @param tlsListeningPort  STUN over TLS (RFC 8489 §6: 5349)
 * @param cert              PEM certificate chain for TLS; none means a self-signed one made at start
 * @param pkey              PEM private key for {@code cert}
 * @param rfc5780           answer NAT behaviour discovery from a second address and port; needs two listening
 *                          IPs; off by default because answering from other addresses helps reflection attacks
 * @param noUdp             do not listen on UDP
 * @param noTcp             do not listen on TCP
 * @param noTls             do not listen on TLS
 * @param software          the SOFTWARE attribute to send, or empty for none
 * @param httpPort          HTTP port for signaling ({@code /signaling/v1}) and the health endpoint (8080)
 * @param noHttp            do not listen on HTTP
 * @param allowedOrigins    browser origins allowed to open signaling WebSockets; empty allows all
 * @param roomTokenSecrets  secrets for signed room tokens; when given, joining a room needs a valid token
 * @param turn              TURN on the same listeners ({@link TurnSettings}); off without users or secrets
 */
public record ServerConfig(
        List<String> listeningIps,
        int listeningPort,
        int altListeningPort,
        int tlsListeningPort,
        String cert,
        String pkey,
        boolean rfc5780,
        boolean noUdp,
        boolean noTcp,
        boolean noTls,
        String software,
        int httpPort,
        boolean noHttp,
        List<String> allowedOrigins,
        List<String> roomTokenSecrets,
        TurnSettings turn) {

    public static final String DEFAULT_SOFTWARE = "peerlink";
    public static final int DEFAULT_HTTP_PORT = 8080;

    public ServerConfig {
        listeningIps = listeningIps == null ? List.of() : List.copyOf(listeningIps);
        software = software == null ? DEFAULT_SOFTWARE : software;
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        roomTokenSecrets = roomTokenSecrets == null ? List.of() : List.copyOf(roomTokenSecrets);
        turn = turn == null ? TurnSettings.off() : turn;
    }

    /** Without TURN: STUN, and signaling over HTTP unless {@code noHttp}. */
    public ServerConfig(List<String> listeningIps, int listeningPort, int altListeningPort, int tlsListeningPort,
                        String cert, String pkey, boolean rfc5780, boolean noUdp, boolean noTcp, boolean noTls,
                        String software, int httpPort, boolean noHttp, List<String> allowedOrigins,
                        List<String> roomTokenSecrets) {
        this(listeningIps, listeningPort, altListeningPort, tlsListeningPort, cert, pkey, rfc5780, noUdp, noTcp,
                noTls, software, httpPort, noHttp, allowedOrigins, roomTokenSecrets, TurnSettings.off());
    }

    /** STUN-only settings: no HTTP listener (no signaling), as the STUN tests use. */
    public ServerConfig(List<String> listeningIps, int listeningPort, int altListeningPort, int tlsListeningPort,
                        String cert, String pkey, boolean rfc5780, boolean noUdp, boolean noTcp, boolean noTls,
                        String software) {
        this(listeningIps, listeningPort, altListeningPort, tlsListeningPort, cert, pkey, rfc5780, noUdp, noTcp,
                noTls, software, DEFAULT_HTTP_PORT, true, List.of(), List.of(), TurnSettings.off());
    }

    /** This configuration with other TURN settings. */
    public ServerConfig withTurn(TurnSettings value) {
        return new ServerConfig(listeningIps, listeningPort, altListeningPort, tlsListeningPort, cert, pkey, rfc5780,
                noUdp, noTcp, noTls, software, httpPort, noHttp, allowedOrigins, roomTokenSecrets, value);
    }

    /** This configuration with HTTP on {@code port} (0 for any free one), or off. */
    public ServerConfig withHttp(int port, boolean off) {
        return new ServerConfig(listeningIps, listeningPort, altListeningPort, tlsListeningPort, cert, pkey, rfc5780,
                noUdp, noTcp, noTls, software, port, off, allowedOrigins, roomTokenSecrets, turn);
    }

    /**
     * Zero-configuration TURN: when no {@code user} and no {@code static-auth-secret} is configured, a TURN REST
     * secret of 256 random bits made now, so that {@code /api/ice-servers} hands out working TURN credentials out
     * of the box (the web app's relay needs them). The secret lives only in this process's memory: it is never
     * logged or printed, and credentials it signed stop working when the server restarts. Left as it is when
     * RFC 5780 is on (it needs a STUN-only server) or HTTP is off (nobody could fetch the credentials).
     */
    public ServerConfig withEphemeralTurnSecretIfUnconfigured() {
        if (turn.enabled() || rfc5780 || noHttp) {
            return this;
        }
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        return withTurn(turn.withStaticAuthSecrets(List.of(
                java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret))));
    }

    @Override
    public String toString() { // never the room token secrets, TURN passwords or REST secrets
        return "ServerConfig[listening-ip=" + listeningIps + ", listening-port=" + listeningPort
                + ", tls-listening-port=" + tlsListeningPort + ", rfc5780=" + rfc5780 + ", http-port=" + httpPort
                + ", no-http=" + noHttp + ", room-token-secrets=" + roomTokenSecrets.size() + ", turn=" + turn + "]";
    }

    /** The embedded defaults: STUN on every address, 3478 UDP/TCP and 5349 TLS. */
    public static ServerConfig defaults() {
        return new ServerConfig(List.of(), 3478, 0, 5349, null, null, false, false, false, false, DEFAULT_SOFTWARE,
                DEFAULT_HTTP_PORT, false, List.of(), List.of(), TurnSettings.off());
    }

    /** Every key the YAML file (and {@code PEERLINK_<KEY>} in the environment) knows, in documentation order. */
    public static List<String> keys() {
        return MutableConfig.KEYS;
    }

    /** The environment variable for a YAML key: {@code PEERLINK_} and the key upper-cased, '-' as '_'. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public static final String ENV_PREFIX = "PEERLINK_";
    private static final Set<String> PORT_KEYS = Set.of("listening-port", "alt-listening-port", "tls-listening-port",
            "http-port", "min-port", "max-port");

    private static ObjectMapper mapper() {
        return new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    }

    /**
     * Defaults, then the YAML file (when {@code file} is not null), then {@code PEERLINK_<KEY>} variables from
     * {@code env}; command-line flags go on top of what this returns. Only variables named after a known key are
     * read, so other {@code PEERLINK_} variables (PEERLINK_DEBUG, PEERLINK_JAVA_OPTS, ...) are left alone.
     */
    public static ServerConfig load(Path file, Map<String, String> env) throws ConfigException {
        ServerConfig base = file == null ? defaults() : load(file);
        return base.withEnvironment(env);
    }

    /**
     * This configuration with every {@code PEERLINK_<KEY>} in {@code env} on top: lists are comma-separated,
     * booleans {@code true} or {@code false}. A bad value is an error naming the variable.
     */
    public ServerConfig withEnvironment(Map<String, String> env) throws ConfigException {
        if (env == null || env.isEmpty()) {
            return this;
        }
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        for (String key : MutableConfig.KEYS) {
            String name = environmentVariable(key);
            String value = env.get(name);
            if (value == null) {
                continue;
            }
            Class<?> type = MutableConfig.type(key);
            String text = value.strip();
            if (type == List.class) {
                ArrayNode list = tree.putArray(key);
                for (String item : text.split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.strip());
                    }
                }
            } else if (type == boolean.class) {
                String lower = text.toLowerCase(Locale.ROOT);
                if (!lower.equals("true") && !lower.equals("false")) {
                    throw new ConfigException(name + " must be true or false, not \"" + value + "\"");
                }
                tree.put(key, lower.equals("true"));
            } else if (type == int.class || type == long.class) {
                long number;
                try {
                    number = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    number = -1;
                }
                if (PORT_KEYS.contains(key)) {
                    if (number < 0 || number > 65535) {
                        throw new ConfigException(name + " must be a port from 0 to 65535, not \"" + value + "\"");
                    }
                } else if (number < 0 || (type == int.class && number > Integer.MAX_VALUE)) {
                    throw new ConfigException(name + " must be a whole number from 0 to "
                            + (type == int.class ? Integer.MAX_VALUE : Long.MAX_VALUE) + ", not \"" + value + "\"");
                }
                tree.put(key, number);
            } else if (text.isEmpty() && !key.equals("software")) {
                tree.putNull(key); // empty: back to the default
            } else {
                tree.put(key, text);
            }
        }
        if (tree.isEmpty()) {
            return this;
        }
        try {
            return mapper().readerForUpdating(new MutableConfig(this)).<MutableConfig>readValue(tree).toConfig();
        } catch (IOException e) {
            throw new ConfigException("bad " + ENV_PREFIX + " environment variable: " + e.getMessage());
        }
    }

    /** Reads a YAML file; keys left out keep their defaults. Unknown keys are an error naming them. */
    public static ServerConfig load(Path file) throws ConfigException {
        ObjectMapper mapper = mapper();
        try {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("the configuration file " + file + " does not exist");
            }
            ServerConfig defaults = defaults();
            JsonNode tree = mapper.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return defaults; // empty, or only comments: every key left out
            }
            return mapper.readerForUpdating(new MutableConfig(defaults)).<MutableConfig>readValue(tree).toConfig();
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("the configuration file " + file + " has an unknown key \""
                    + e.getPropertyName() + "\"; known keys: " + String.join(", ", MutableConfig.KEYS));
        } catch (JsonMappingException e) {
            StringBuilder path = new StringBuilder(); // listening-ip[1], not listening-ip.[1]
            for (JsonMappingException.Reference ref : e.getPath()) {
                path.append(ref.getFieldName() == null ? "[" + ref.getIndex() + "]"
                        : (path.isEmpty() ? "" : ".") + ref.getFieldName());
            }
            throw new ConfigException("the configuration file " + file + " has a bad value"
                    + (path.isEmpty() ? "" : " for \"" + path + "\"") + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": " + e.getMessage());
        }
    }

    /** Checks what can be checked before binding, and says what is wrong in one sentence. */
    public void validate() throws ConfigException {
        checkPort("listening-port", listeningPort);
        checkPort("alt-listening-port", altListeningPort);
        checkPort("tls-listening-port", tlsListeningPort);
        checkPort("http-port", httpPort);
        if ((cert == null) != (pkey == null)) {
            throw new ConfigException("--cert and --pkey go together: give both, or neither for a self-signed "
                    + "development certificate");
        }
        List<InetAddress> ips = listeningAddresses();
        if (noUdp && noTcp && noTls && noHttp) {
            throw new ConfigException("--no-udp, --no-tcp, --no-tls and --no-http together leave nothing to listen on");
        }
        if (rfc5780) {
            if (ips.size() < 2 || ips.get(0).isAnyLocalAddress() || ips.get(1).isAnyLocalAddress()
                    || ips.get(0).getClass() != ips.get(1).getClass() || ips.get(0).equals(ips.get(1))) {
                throw new ConfigException("--rfc5780 needs two different --listening-ip addresses of the same "
                        + "family (for example --listening-ip 127.0.0.1 --listening-ip 127.0.0.2)");
            }
            if (noUdp) {
                throw new ConfigException("--rfc5780 works over UDP, which --no-udp turns off");
            }
            if (listeningPort == 0 || effectiveAltPort() == listeningPort) {
                throw new ConfigException("--rfc5780 needs --listening-port and --alt-listening-port to be two "
                        + "different fixed ports");
            }
            if (turn.enabled()) {
                throw new ConfigException("--rfc5780 cannot be combined with TURN (--user or --static-auth-secret) "
                        + "yet: run NAT behaviour discovery on a separate peerlink server");
            }
        }
        turn.validate();
        if (turn.enabled() && noUdp && noTcp && noTls) {
            throw new ConfigException("TURN (--user or --static-auth-secret) needs a listener, but --no-udp, --no-tcp "
                    + "and --no-tls turn them all off");
        }
    }

    private static void checkPort(String name, int port) throws ConfigException {
        if (port < 0 || port > 65535) {
            throw new ConfigException("--" + name + " must be a port from 0 to 65535, not " + port);
        }
    }

    public int effectiveAltPort() {
        return altListeningPort != 0 ? altListeningPort : listeningPort + 1;
    }

    /** The listening IPs parsed; literal addresses only, so no name lookup happens at start. */
    public List<InetAddress> listeningAddresses() throws ConfigException {
        List<InetAddress> addresses = new ArrayList<>();
        for (String ip : listeningIps) {
            addresses.add(parseIp("--listening-ip", ip));
        }
        return addresses;
    }

    static InetAddress parseIp(String flag, String text) throws ConfigException {
        String literal = text.strip();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        boolean looksLiteral = !literal.isEmpty() && (literal.indexOf(':') >= 0 || literal.chars()
                .allMatch(c -> Character.isDigit(c) || c == '.'));
        if (!looksLiteral) {
            throw new ConfigException(flag + " takes an IP address, not \"" + text + "\"");
        }
        try {
            return InetAddress.getByName(literal); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new ConfigException(flag + " takes an IP address, and \"" + text + "\" is not one");
        }
    }

    /** Jackson fills this from YAML on top of the defaults; the record stays immutable. */
    private static final class MutableConfig {
        static final List<String> KEYS = List.of("listening-ip", "listening-port", "alt-listening-port",
                "tls-listening-port", "cert", "pkey", "rfc5780", "no-udp", "no-tcp", "no-tls", "software", "http-port",
                "no-http", "allowed-origin", "room-token-secret", "user", "static-auth-secret", "realm",
                "allowed-peer-ip", "denied-peer-ip", "allow-loopback-peers", "min-port", "max-port", "relay-ip",
                "external-ip", "user-quota", "total-quota", "max-bps", "server-name", "lt-cred-mech",
                "use-auth-secret");

        @JsonProperty("listening-ip") List<String> listeningIps;
        @JsonProperty("listening-port") int listeningPort;
        @JsonProperty("alt-listening-port") int altListeningPort;
        @JsonProperty("tls-listening-port") int tlsListeningPort;
        @JsonProperty("cert") String cert;
        @JsonProperty("pkey") String pkey;
        @JsonProperty("rfc5780") boolean rfc5780;
        @JsonProperty("no-udp") boolean noUdp;
        @JsonProperty("no-tcp") boolean noTcp;
        @JsonProperty("no-tls") boolean noTls;
        @JsonProperty("software") String software;
        @JsonProperty("http-port") int httpPort;
        @JsonProperty("no-http") boolean noHttp;
        @JsonProperty("allowed-origin") List<String> allowedOrigins;
        @JsonProperty("room-token-secret") List<String> roomTokenSecrets;
        @JsonProperty("user") List<String> users;
        @JsonProperty("static-auth-secret") List<String> staticAuthSecrets;
        @JsonProperty("realm") String realm;
        @JsonProperty("allowed-peer-ip") List<String> allowedPeerIps;
        @JsonProperty("denied-peer-ip") List<String> deniedPeerIps;
        @JsonProperty("allow-loopback-peers") boolean allowLoopbackPeers;
        @JsonProperty("min-port") int minPort;
        @JsonProperty("max-port") int maxPort;
        @JsonProperty("relay-ip")
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<String> relayIps;
        @JsonProperty("external-ip") String externalIp;
        @JsonProperty("user-quota") int userQuota;
        @JsonProperty("total-quota") int totalQuota;
        @JsonProperty("max-bps") long maxBps;
        @JsonProperty("server-name") String serverName;
        /** coturn's switches for what users and secrets already imply; accepted so a config carries over. */
        @JsonProperty("lt-cred-mech") boolean ltCredMech;
        @JsonProperty("use-auth-secret") boolean useAuthSecret;

        /** The Java type of a key's field: List, String, int, long or boolean. */
        static Class<?> type(String key) {
            for (Field field : MutableConfig.class.getDeclaredFields()) {
                JsonProperty property = field.getAnnotation(JsonProperty.class);
                if (property != null && property.value().equals(key)) {
                    return field.getType();
                }
            }
            throw new IllegalArgumentException(key);
        }

        MutableConfig(ServerConfig from) {
            listeningIps = from.listeningIps();
            listeningPort = from.listeningPort();
            altListeningPort = from.altListeningPort();
            tlsListeningPort = from.tlsListeningPort();
            cert = from.cert();
            pkey = from.pkey();
            rfc5780 = from.rfc5780();
            noUdp = from.noUdp();
            noTcp = from.noTcp();
            noTls = from.noTls();
            software = from.software();
            httpPort = from.httpPort();
            noHttp = from.noHttp();
            allowedOrigins = from.allowedOrigins();
            roomTokenSecrets = from.roomTokenSecrets();
            TurnSettings turn = from.turn();
            users = turn.users();
            staticAuthSecrets = turn.staticAuthSecrets();
            realm = turn.realm();
            allowedPeerIps = turn.allowedPeerIps();
            deniedPeerIps = turn.deniedPeerIps();
            allowLoopbackPeers = turn.allowLoopbackPeers();
            minPort = turn.minPort();
            maxPort = turn.maxPort();
            relayIps = turn.relayIp() == null ? null : List.of(turn.relayIp().split(","));
            externalIp = turn.externalIp();
            userQuota = turn.userQuota();
            totalQuota = turn.totalQuota();
            maxBps = turn.maxBps();
            serverName = turn.serverName();
        }

        ServerConfig toConfig() {
            return new ServerConfig(listeningIps, listeningPort, altListeningPort, tlsListeningPort, cert, pkey,
                    rfc5780, noUdp, noTcp, noTls, software, httpPort, noHttp, allowedOrigins, roomTokenSecrets,
                    new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps,
                            allowLoopbackPeers, minPort, maxPort, relayIps == null ? null : String.join(",", relayIps),
                            externalIp, userQuota, totalQuota, maxBps,
                            serverName));
        }
    }
}
