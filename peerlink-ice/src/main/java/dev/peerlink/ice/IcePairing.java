package dev.peerlink.ice;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Forming, ordering and pruning candidate pairs (RFC 8445 §6.1.2.2 – §6.1.2.5). */
public final class IcePairing {
    /** RFC 8445 §6.1.2.5: the recommended checklist limit. */
    public static final int DEFAULT_MAX_PAIRS = 100;

    /** A local and a remote candidate with the pair priority seen from one agent. */
    public record Pair(IceCandidate local, IceCandidate remote, long priority) {
    }

    /** Highest pair priority first; pair priorities are unsigned 64-bit numbers. */
    public static final Comparator<Pair> BY_PRIORITY =
            (a, b) -> Long.compareUnsigned(b.priority(), a.priority());

    private IcePairing() {
    }

    /**
     * RFC 8445 §6.1.2.2: candidates pair when they are of the same component and address family; link-local IPv6
     * pairs only with link-local IPv6, since it cannot route elsewhere.
     */
    public static boolean canPair(IceCandidate local, IceCandidate remote) {
        if (local.component() != remote.component() || !remote.isResolved() || local.transport() != remote.transport()) {
            return false;
        }
        var localIp = local.address().getAddress();
        var remoteIp = remote.address().getAddress();
        boolean localV6 = localIp instanceof Inet6Address;
        if (localV6 != remoteIp instanceof Inet6Address) {
            return false;
        }
        return !localV6 || localIp.isLinkLocalAddress() == remoteIp.isLinkLocalAddress();
    }

    /**
     * The candidate a local candidate is paired as (RFC 8445 §6.1.2.4): a server-reflexive candidate is replaced
     * by its base, since checks are sent from the base anyway; {@code hostAtBase} is the host candidate there.
     */
    public static IceCandidate pairedAs(IceCandidate local, IceCandidate hostAtBase) {
        return local.type() == IceCandidate.Type.SRFLX ? hostAtBase : local;
    }

    /**
     * The whole pairing step for full lists: form pairs, replace srflx locals by their bases, drop redundant pairs
     * (same local base and remote address; the higher priority stays), order by priority and keep at most
     * {@code maxPairs} (RFC 8445 §6.1.2.2 – §6.1.2.5). The agent applies the same rules incrementally as trickled
     * candidates arrive.
     */
    public static List<Pair> formChecklist(List<IceCandidate> locals, List<IceCandidate> remotes, boolean controlling,
                                           int maxPairs) {
        List<Pair> formed = new ArrayList<>();
        for (IceCandidate local : locals) {
            IceCandidate paired = local;
            if (local.type() == IceCandidate.Type.SRFLX) {
                paired = locals.stream()
                        .filter(c -> c.type() == IceCandidate.Type.HOST && c.address().equals(local.base()))
                        .findFirst().orElse(null);
                if (paired == null) {
                    continue; // a srflx candidate whose base has no host candidate cannot be checked from anywhere
                }
            }
            for (IceCandidate remote : remotes) {
                if (canPair(paired, remote)) {
                    formed.add(new Pair(paired, remote,
                            IcePriorities.pairPriority(controlling, paired.priority(), remote.priority())));
                }
            }
        }
        formed.sort(BY_PRIORITY);
        Map<List<InetSocketAddress>, Pair> unique = new LinkedHashMap<>();
        for (Pair pair : formed) {
            unique.putIfAbsent(List.of(pair.local().base(), pair.remote().address()), pair);
        }
        List<Pair> pruned = new ArrayList<>(unique.values());
        return pruned.size() > maxPairs ? new ArrayList<>(pruned.subList(0, maxPairs)) : pruned;
    }
}
