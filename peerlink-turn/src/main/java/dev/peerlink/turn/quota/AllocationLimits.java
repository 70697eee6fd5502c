package dev.peerlink.turn.quota;

/**
 * Limits on one allocation: how many permissions it may hold, and how fast it may relay.
 *
 * @param maxPermissions   permissions per allocation; a CreatePermission or ChannelBind that would exceed it is
 *                         answered 508 Insufficient Capacity (RFC 8656 §9.3 and §11.2 allow 508 when the server
 *                         cannot install the permission)
 * @param maxBytesPerSecond relayed bytes a second in each direction, or 0 for no cap (coturn's {@code --max-bps})
 * @param burstBytes        how many bytes may pass at once before the rate applies; at least one datagram
 */
public record AllocationLimits(int maxPermissions, long maxBytesPerSecond, long burstBytes) {
    public static final int DEFAULT_MAX_PERMISSIONS = 100;
    public static final AllocationLimits DEFAULTS = new AllocationLimits(DEFAULT_MAX_PERMISSIONS, 0, 0);
    private static final int MAX_DATAGRAM = 65535;

    public AllocationLimits {
        if (maxPermissions < 1) {
            throw new IllegalArgumentException("an allocation must be allowed at least 1 permission, not "
                    + maxPermissions);
        }
        if (maxBytesPerSecond < 0) {
            throw new IllegalArgumentException("the bandwidth cap is 0 (none) or more bytes a second, not "
                    + maxBytesPerSecond);
        }
        if (maxBytesPerSecond > 0 && burstBytes < MAX_DATAGRAM) {
            burstBytes = Math.max(maxBytesPerSecond, MAX_DATAGRAM); // one second's worth, and never below a datagram
        }
    }

    /** Whether an allocation holding {@code current} permissions may install one more. */
    public boolean mayAddPermission(int current) {
        return current < maxPermissions;
    }

    /** A bucket for one allocation and direction, or null when there is no cap. */
    public TokenBucket newBandwidthBucket() {
        return maxBytesPerSecond == 0 ? null
                : new TokenBucket(Math.min(burstBytes, TokenBucket.MAX_CAPACITY), maxBytesPerSecond);
    }
}
