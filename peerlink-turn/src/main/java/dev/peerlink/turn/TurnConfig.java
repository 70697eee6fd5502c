package dev.peerlink.turn;

import dev.peerlink.turn.auth.Authenticator;
import dev.peerlink.turn.auth.RestApiCredentials;
import dev.peerlink.turn.auth.StaticUser;
import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.policy.IpRange;
import dev.peerlink.turn.policy.PeerAddressPolicy;
import dev.peerlink.turn.quota.AllocationLimits;
import dev.peerlink.turn.quota.AllocationQuotas;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The TURN server's settings, named after coturn's options so that operators can carry a {@code turnserver.conf}
 * over. Validated when built: a mistake is an {@link IllegalArgumentException} whose message names the option.
 *
 * @param users                       {@code --user NAME:PASSWORD} or {@code NAME:0x<MD5 key>}, long-term users
 * @param staticAuthSecrets           {@code --static-auth-secret}, TURN REST API secrets; several are all accepted,
 *                                    so a new one can be rolled out before the old one is retired
 * @param realm                       {@code --realm}
 * @param allowedPeerIps              {@code --allowed-peer-ip}: "IP", "IP1-IP2" or CIDR; overrides every denial
 * @param deniedPeerIps               {@code --denied-peer-ip}: added to the built-in deny list
 * @param allowLoopbackPeers          {@code --allow-loopback-peers}: relay to 127.0.0.0/8 and ::1 (tests only)
 * @param userQuota                   {@code --user-quota}: allocations per user, 0 for no limit
 * @param totalQuota                  {@code --total-quota}: allocations in all, 0 for no limit
 * @param nonceLifetime               {@code --stale-nonce}: how long a nonce stays valid
 * @param maxPermissionsPerAllocation permissions one allocation may hold
 * @param maxBps                      {@code --max-bps}: bytes a second one allocation may relay, 0 for no cap
 * @param restApiSeparator            {@code --rest-api-separator}: between expiry and user in REST usernames
 */
public record TurnConfig(
        List<String> users,
        List<String> staticAuthSecrets,
        String realm,
        List<String> allowedPeerIps,
        List<String> deniedPeerIps,
        boolean allowLoopbackPeers,
        int userQuota,
        int totalQuota,
        Duration nonceLifetime,
        int maxPermissionsPerAllocation,
        long maxBps,
        char restApiSeparator) {

    public static final String DEFAULT_REALM = "peerlink";

    public TurnConfig {
        users = List.copyOf(Objects.requireNonNullElse(users, List.of()));
        staticAuthSecrets = List.copyOf(Objects.requireNonNullElse(staticAuthSecrets, List.of()));
        allowedPeerIps = List.copyOf(Objects.requireNonNullElse(allowedPeerIps, List.of()));
        deniedPeerIps = List.copyOf(Objects.requireNonNullElse(deniedPeerIps, List.of()));
        realm = Objects.requireNonNullElse(realm, DEFAULT_REALM);
        nonceLifetime = Objects.requireNonNullElse(nonceLifetime, StatelessNonces.DEFAULT_LIFETIME);
        if (realm.isBlank()) {
            throw new IllegalArgumentException("--realm must not be empty");
        }
        Set<String> names = new HashSet<>();
        for (String user : users) {
            String name = StaticUser.parse(user).name();
            if (!names.add(name)) {
                throw new IllegalArgumentException("--user " + name + " is given twice");
            }
        }
        for (String secret : staticAuthSecrets) {
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("--static-auth-secret must not be empty");
            }
        }
        checkRanges("--allowed-peer-ip", allowedPeerIps);
        checkRanges("--denied-peer-ip", deniedPeerIps);
        if (userQuota < 0) {
            throw new IllegalArgumentException("--user-quota takes 0 (no limit) or a positive number, got "
                    + userQuota);
        }
        if (totalQuota < 0) {
            throw new IllegalArgumentException("--total-quota takes 0 (no limit) or a positive number, got "
                    + totalQuota);
        }
        if (nonceLifetime.toSeconds() < 1) {
            throw new IllegalArgumentException("--stale-nonce takes a lifetime of at least 1 second, got "
                    + nonceLifetime.toSeconds());
        }
        if (maxPermissionsPerAllocation < 1) {
            throw new IllegalArgumentException("the permission cap per allocation must be at least 1, got "
                    + maxPermissionsPerAllocation);
        }
        if (maxBps < 0) {
            throw new IllegalArgumentException("--max-bps takes 0 (no cap) or a positive number, got " + maxBps);
        }
        if (Character.isLetterOrDigit(restApiSeparator) || Character.isWhitespace(restApiSeparator)) {
            throw new IllegalArgumentException("--rest-api-separator must be a punctuation character, got '"
                    + restApiSeparator + "'");
        }
    }

    /** Nothing configured: no users, default realm, secure peer defaults, no quotas, 600 s nonces. */
    public static TurnConfig defaults() {
        return new TurnConfig(List.of(), List.of(), DEFAULT_REALM, List.of(), List.of(), false, 0, 0,
                StatelessNonces.DEFAULT_LIFETIME, AllocationLimits.DEFAULT_MAX_PERMISSIONS, 0,
                RestApiCredentials.DEFAULT_SEPARATOR);
    }

    private static void checkRanges(String flag, List<String> ranges) {
        for (String range : ranges) {
            try {
                IpRange.parse(range);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
            }
        }
    }

    public List<StaticUser> parsedUsers() {
        return users.stream().map(StaticUser::parse).toList();
    }

    /** The authenticator for these users, secrets and realm, issuing nonces with {@code nonces}. */
    public Authenticator authenticator(StatelessNonces nonces) {
        return new Authenticator(realm, parsedUsers(), staticAuthSecrets, restApiSeparator, nonces);
    }

    /**
     * The peer policy for a server listening and relaying on {@code ownAddresses}, allocating relayed ports from
     * {@code relayPortMin}–{@code relayPortMax}.
     */
    public PeerAddressPolicy peerAddressPolicy(List<InetSocketAddress> ownAddresses, int relayPortMin,
                                               int relayPortMax) {
        PeerAddressPolicy.Builder builder = PeerAddressPolicy.builder()
                .allowLoopback(allowLoopbackPeers)
                .relayPorts(relayPortMin, relayPortMax);
        allowedPeerIps.forEach(builder::allow);
        deniedPeerIps.forEach(builder::deny);
        ownAddresses.forEach(builder::ownAddress);
        return builder.build();
    }

    public AllocationQuotas allocationQuotas() {
        return new AllocationQuotas(userQuota, totalQuota);
    }

    public AllocationLimits allocationLimits() {
        return new AllocationLimits(maxPermissionsPerAllocation, maxBps, 0);
    }

    @Override
    public String toString() {
        return "TurnConfig[users=" + parsedUsers().stream().map(StaticUser::name).toList()
                + ", staticAuthSecrets=" + staticAuthSecrets.size() + " configured, realm=" + realm
                + ", allowedPeerIps=" + allowedPeerIps + ", deniedPeerIps=" + deniedPeerIps
                + ", allowLoopbackPeers=" + allowLoopbackPeers + ", userQuota=" + userQuota
                + ", totalQuota=" + totalQuota + ", nonceLifetime=" + nonceLifetime
                + ", maxPermissionsPerAllocation=" + maxPermissionsPerAllocation + ", maxBps=" + maxBps
                + ", restApiSeparator=" + restApiSeparator + "]"; // never a password or secret
    }
}
