package dev.peerlink.turn.quota;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts allocations per user and in total, as coturn's {@code --user-quota} and {@code --total-quota}: past
 * either, Allocate fails with 486 Allocation Quota Reached (RFC 8656 §7.2: "the server MAY ... reject the request
 * with a 486 (Allocation Quota Reached) error if the user or client is not authorized to create another
 * allocation"). Only authenticated requests reach it, so its table holds only real users. Not thread-safe: the
 * allocation state machine owns it.
 */
public final class AllocationQuotas {
    /** The value that means no limit, as in coturn. */
    public static final int UNLIMITED = 0;

    private final int userQuota;
    private final int totalQuota;
    private final Map<String, Integer> perUser = new HashMap<>();
    private int total;

    /** Each limit is {@link #UNLIMITED} or a positive count. */
    public AllocationQuotas(int userQuota, int totalQuota) {
        if (userQuota < 0 || totalQuota < 0) {
            throw new IllegalArgumentException("allocation quotas are 0 (unlimited) or more, got user-quota "
                    + userQuota + " and total-quota " + totalQuota);
        }
        this.userQuota = userQuota;
        this.totalQuota = totalQuota;
    }

    /** Counts one more allocation for {@code username} if both quotas allow it; false means answer 486. */
    public boolean tryAcquire(String username) {
        if (totalQuota != UNLIMITED && total >= totalQuota) {
            return false;
        }
        int current = perUser.getOrDefault(username, 0);
        if (userQuota != UNLIMITED && current >= userQuota) {
            return false;
        }
        perUser.put(username, current + 1);
        total++;
        return true;
    }

    /** Gives back one allocation of {@code username}, when it expires or is deleted. */
    public void release(String username) {
        Integer current = perUser.get(username);
        if (current == null) {
            throw new IllegalStateException("no allocation of " + username + " to release");
        }
        if (current == 1) {
            perUser.remove(username); // the table holds only users with allocations
        } else {
            perUser.put(username, current - 1);
        }
        total--;
    }

    public int allocations(String username) {
        return perUser.getOrDefault(username, 0);
    }

    public int total() {
        return total;
    }
}
