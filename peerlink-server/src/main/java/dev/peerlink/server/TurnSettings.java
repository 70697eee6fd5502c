package dev.peerlink.server;

import dev.peerlink.turn.TurnConfig;
import dev.peerlink.turn.auth.RestApiCredentials;
import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.quota.AllocationLimits;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * The TURN part of {@link ServerConfig}, with coturn's option names. TURN is on when there is something to
 * authenticate against: at least one {@code --user} or {@code --static-auth-secret}; otherwise the listeners serve
 * STUN Binding only.
 *
 * @param users              {@code --user NAME:PASSWORD} (or {@code NAME:0x<MD5 key>}), long-term users
 * @param staticAuthSecrets  {@code --static-auth-secret}: TURN REST API secrets; the first also signs the
 *                           credentials {@code /api/ice-servers} hands out
 * @param realm              {@code --realm}
 * @param allowedPeerIps     {@code --allowed-peer-ip}: IP, IP1-IP2 or CIDR, overriding every denial
 * @param deniedPeerIps      {@code --denied-peer-ip}: added to the built-in deny list of non-public ranges
 * @param allowLoopbackPeers {@code --allow-loopback-peers}: relay to 127.0.0.0/8 and ::1 (tests only)
 * @param minPort            {@code --min-port}: lowest relay port (49152, RFC 8656 §6.2)
 * @param maxPort            {@code --max-port}: highest relay port (65535)
 * @param relayIp            {@code --relay-ip}: the address relay sockets bind, or one IPv4 and one IPv6 address
 *                           separated by a comma for dual-stack relays (RFC 8656 §7.2 ADDITIONAL-ADDRESS-FAMILY);
 *                           null picks one (see {@code TurnService})
 * @param externalIp         {@code --external-ip PUBLIC[/PRIVATE]}: for a server behind 1:1 NAT, the public address
 *                           advertised in XOR-RELAYED-ADDRESS; PRIVATE, when given and no relay-ip is, is bound
 * @param userQuota          {@code --user-quota}: allocations per user, 0 for no limit
 * @param totalQuota         {@code --total-quota}: allocations in all, 0 for no limit
 * @param maxBps             {@code --max-bps}: bytes a second one allocation may relay each way, 0 for no cap
 * @param serverName         {@code --server-name}: the host name {@code /api/ice-servers} puts in URLs; null uses
 *                           the request's Host header
 */
public record TurnSettings(
        List<String> users,
        List<String> staticAuthSecrets,
        String realm,
        List<String> allowedPeerIps,
        List<String> deniedPeerIps,
        boolean allowLoopbackPeers,
        int minPort,
        int maxPort,
        String relayIp,
        String externalIp,
        int userQuota,
        int totalQuota,
        long maxBps,
        String serverName) {

    /** RFC 8656 §6.2: relayed ports SHOULD come from the dynamic range 49152–65535. */
    public static final int DEFAULT_MIN_PORT = 49152;
    public static final int DEFAULT_MAX_PORT = 65535;

    public TurnSettings {
        users = List.copyOf(Objects.requireNonNullElse(users, List.of()));
        staticAuthSecrets = List.copyOf(Objects.requireNonNullElse(staticAuthSecrets, List.of()));
        realm = Objects.requireNonNullElse(realm, TurnConfig.DEFAULT_REALM);
        allowedPeerIps = List.copyOf(Objects.requireNonNullElse(allowedPeerIps, List.of()));
        deniedPeerIps = List.copyOf(Objects.requireNonNullElse(deniedPeerIps, List.of()));
        relayIp = relayIp == null || relayIp.isBlank() ? null : relayIp.strip();
        externalIp = externalIp == null || externalIp.isBlank() ? null : externalIp.strip();
        serverName = serverName == null || serverName.isBlank() ? null : serverName.strip();
    }

    /** No users and no secrets: TURN off. */
    public static TurnSettings off() {
        return new TurnSettings(List.of(), List.of(), TurnConfig.DEFAULT_REALM, List.of(), List.of(), false,
                DEFAULT_MIN_PORT, DEFAULT_MAX_PORT, null, null, 0, 0, 0, null);
    }

    /** Whether the listeners relay: there is at least one user or REST secret to authenticate against. */
    public boolean enabled() {
        return !users.isEmpty() || !staticAuthSecrets.isEmpty();
    }

    public TurnSettings withUsers(List<String> value) {
        return new TurnSettings(value, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                minPort, maxPort, relayIp, externalIp, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withStaticAuthSecrets(List<String> value) {
        return new TurnSettings(users, value, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers, minPort,
                maxPort, relayIp, externalIp, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withAllowLoopbackPeers(boolean value) {
        return new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, value, minPort,
                maxPort, relayIp, externalIp, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withRelayPorts(int min, int max) {
        return new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                min, max, relayIp, externalIp, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withRelayIp(String value) {
        return new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                minPort, maxPort, value, externalIp, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withExternalIp(String value) {
        return new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                minPort, maxPort, relayIp, value, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withRealm(String value) {
        return new TurnSettings(users, staticAuthSecrets, value, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                minPort, maxPort, relayIp, externalIp, userQuota, totalQuota, maxBps, serverName);
    }

    public TurnSettings withQuotas(int user, int total) {
        return new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                minPort, maxPort, relayIp, externalIp, user, total, maxBps, serverName);
    }

    public TurnSettings withServerName(String value) {
        return new TurnSettings(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                minPort, maxPort, relayIp, externalIp, userQuota, totalQuota, maxBps, value);
    }

    /**
     * The core's settings, validated: a mistake is a {@link ConfigException} in one sentence naming the flag.
     */
    public TurnConfig toTurnConfig() throws ConfigException {
        try {
            return new TurnConfig(users, staticAuthSecrets, realm, allowedPeerIps, deniedPeerIps, allowLoopbackPeers,
                    userQuota, totalQuota, StatelessNonces.DEFAULT_LIFETIME, AllocationLimits.DEFAULT_MAX_PERMISSIONS,
                    maxBps, RestApiCredentials.DEFAULT_SEPARATOR);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Checks everything that can be checked before binding. */
    void validate() throws ConfigException {
        if (minPort < 1 || minPort > 65535) {
            throw new ConfigException("--min-port must be a port from 1 to 65535, not " + minPort);
        }
        if (maxPort < 1 || maxPort > 65535) {
            throw new ConfigException("--max-port must be a port from 1 to 65535, not " + maxPort);
        }
        if (minPort > maxPort) {
            throw new ConfigException("--min-port " + minPort + " is above --max-port " + maxPort
                    + ": the relay port range is empty");
        }
        relayAddresses();
        externalAddress();
        privateAddress();
        if (enabled()) {
            toTurnConfig();
        }
    }

    /** {@code --relay-ip} parsed: empty, one address, or an IPv4 and an IPv6 one. */
    public List<InetAddress> relayAddresses() throws ConfigException {
        if (relayIp == null) {
            return List.of();
        }
        List<InetAddress> addresses = new java.util.ArrayList<>();
        for (String part : relayIp.split(",")) {
            InetAddress address = ServerConfig.parseIp("--relay-ip", part.strip());
            if (address.isAnyLocalAddress()) {
                throw new ConfigException("--relay-ip must be a specific address, not the wildcard "
                        + address.getHostAddress() + ": peers must be able to reach the relayed address");
            }
            if (addresses.stream().anyMatch(other -> other.getClass() == address.getClass())) {
                throw new ConfigException("--relay-ip " + relayIp + " names two addresses of one family: give at "
                        + "most one IPv4 and one IPv6 address");
            }
            addresses.add(address);
        }
        return List.copyOf(addresses);
    }

    /** The PUBLIC part of {@code --external-ip}, or null. */
    public InetAddress externalAddress() throws ConfigException {
        if (externalIp == null) {
            return null;
        }
        int slash = externalIp.indexOf('/');
        return ServerConfig.parseIp("--external-ip", slash < 0 ? externalIp : externalIp.substring(0, slash));
    }

    /** The PRIVATE part of {@code --external-ip PUBLIC/PRIVATE}, or null. */
    public InetAddress privateAddress() throws ConfigException {
        int slash = externalIp == null ? -1 : externalIp.indexOf('/');
        if (slash < 0) {
            return null;
        }
        InetAddress publicIp = externalAddress();
        InetAddress privateIp = ServerConfig.parseIp("--external-ip", externalIp.substring(slash + 1));
        if (publicIp.getClass() != privateIp.getClass()) {
            throw new ConfigException("--external-ip " + externalIp + " mixes IPv4 and IPv6: PUBLIC/PRIVATE must be "
                    + "of one family");
        }
        return privateIp;
    }

    @Override
    public String toString() { // names only: never a password or secret
        return "TurnSettings[enabled=" + enabled() + ", users=" + users.stream()
                .map(user -> user.contains(":") ? user.substring(0, user.indexOf(':')) : user).toList()
                + ", static-auth-secrets=" + staticAuthSecrets.size() + " configured, realm=" + realm
                + ", allowed-peer-ip=" + allowedPeerIps + ", denied-peer-ip=" + deniedPeerIps
                + ", allow-loopback-peers=" + allowLoopbackPeers + ", relay ports " + minPort + "-" + maxPort
                + ", relay-ip=" + relayIp + ", external-ip=" + externalIp + ", user-quota=" + userQuota
                + ", total-quota=" + totalQuota + ", max-bps=" + maxBps + ", server-name=" + serverName + "]";
    }
}
