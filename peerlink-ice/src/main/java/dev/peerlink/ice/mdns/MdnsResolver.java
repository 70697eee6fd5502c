package dev.peerlink.ice.mdns;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves {@code .local} host names with Multicast DNS (RFC 6762), as ICE needs for the obfuscated host
 * candidates browsers send (draft-ietf-mmusic-mdns-ice-candidates §3.2.2: the receiver resolves the name and uses
 * the address; if it cannot, it ignores the candidate). Sans-IO, like the ICE agent: the driver sends every
 * {@link #pollQuery()} to 224.0.0.251:5353 and [ff02::fb]:5353 on the chosen interfaces, feeds every datagram that
 * arrives on port 5353 to {@link #handleInput}, calls {@link #handleTimeout} when {@link #nextTimeoutNanos} is due,
 * and reads {@link #pollOutcome()}. All calls come from one thread.
 *
 * <p>Queries are bounded: RFC 6762 §5.2's schedule (the second query at least one second after the first, then
 * each interval doubled) for {@code queries} transmissions, then one more doubled interval of waiting, after which
 * the name is reported {@link Failed}. A name already answered, and still within its TTL, is reported again at
 * once without a query.
 */
public final class MdnsResolver {
    /** What became of a name. */
    public sealed interface Outcome {
        String name();
    }

    public record Resolved(String name, InetAddress address) implements Outcome {
    }

    /** Nobody answered within the query schedule. */
    public record Failed(String name) implements Outcome {
    }

    private static final class Pending {
        final String name;
        final byte[] query;
        int sent;
        long nextQueryNanos;
        long intervalNanos;

        Pending(String name, byte[] query, long now, long intervalNanos) {
            this.name = name;
            this.query = query;
            this.nextQueryNanos = now;
            this.intervalNanos = intervalNanos;
        }
    }

    private record Known(InetAddress address, long expiresNanos) {
    }

    private final long firstIntervalNanos;
    private final int queries;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Map<String, Known> answers = new LinkedHashMap<>();
    private final ArrayDeque<byte[]> outgoing = new ArrayDeque<>();
    private final ArrayDeque<Outcome> outcomes = new ArrayDeque<>();

    /** Three queries, 1 s then 2 s apart, and a final 4 s wait: an answer or {@link Failed} within 7 s. */
    public MdnsResolver() {
        this(Duration.ofSeconds(1), 3);
    }

    public MdnsResolver(Duration firstInterval, int queries) {
        if (firstInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("RFC 6762 §5.2 asks for at least one second between the first two"
                    + " queries, not " + firstInterval);
        }
        if (queries < 1) {
            throw new IllegalArgumentException("a resolver sends at least one query, not " + queries);
        }
        this.firstIntervalNanos = firstInterval.toNanos();
        this.queries = queries;
    }

    /** True for names this resolver handles: ones under {@code local.} (RFC 6762 §3). */
    public static boolean isMdnsName(String name) {
        String canonical = DnsMessages.canonical(name);
        return canonical.endsWith(".local") && canonical.length() > ".local".length();
    }

    /**
     * Starts resolving {@code name} unless it is already under way.
     *
     * @throws IllegalArgumentException when the name is not under {@code .local} or does not fit in DNS
     */
    public void resolve(String name, long nowNanos) {
        if (!isMdnsName(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is not an mDNS name ending in .local (RFC 6762 §3)");
        }
        String key = DnsMessages.canonical(name);
        Known known = answers.get(key);
        if (known != null && known.expiresNanos - nowNanos > 0) {
            outcomes.add(new Resolved(name, known.address));
            return;
        }
        if (!pending.containsKey(key)) {
            pending.put(key, new Pending(name, DnsMessages.addressQuery(key), nowNanos, firstIntervalNanos));
            handleTimeout(nowNanos);
        }
    }

    /**
     * A datagram from port 5353. Answers to any name under way complete it, the first address wins; every other
     * record (including other hosts' announcements) is ignored, and malformed messages are dropped (RFC 6762 §18).
     */
    public void handleInput(ByteBuffer packet, long nowNanos) {
        if (pending.isEmpty()) {
            return;
        }
        java.util.List<DnsMessages.AddressRecord> records;
        try {
            records = DnsMessages.addressRecords(packet);
        } catch (DnsFormatException e) {
            return;
        }
        for (DnsMessages.AddressRecord record : records) {
            if (record.ttlSeconds() == 0) {
                continue; // RFC 6762 §10.1: a goodbye, the record is going away
            }
            String key = DnsMessages.canonical(record.name());
            Pending waiting = pending.remove(key);
            if (waiting != null) {
                answers.put(key, new Known(record.address(),
                        nowNanos + Duration.ofSeconds(Math.min(record.ttlSeconds(), 3600)).toNanos()));
                outcomes.add(new Resolved(waiting.name, record.address()));
            }
        }
    }

    public void handleTimeout(long nowNanos) {
        for (var iterator = pending.values().iterator(); iterator.hasNext(); ) {
            Pending name = iterator.next();
            if (nowNanos - name.nextQueryNanos < 0) {
                continue;
            }
            if (name.sent == queries) {
                iterator.remove();
                outcomes.add(new Failed(name.name));
                continue;
            }
            outgoing.add(name.query);
            name.sent++;
            name.nextQueryNanos = nowNanos + name.intervalNanos;
            name.intervalNanos *= 2; // RFC 6762 §5.2: each interval at least twice the one before
        }
    }

    /** When {@link #handleTimeout} is next due, or {@link Long#MAX_VALUE} when nothing is under way. */
    public long nextTimeoutNanos() {
        long next = Long.MAX_VALUE;
        for (Pending name : pending.values()) {
            if (next == Long.MAX_VALUE || name.nextQueryNanos - next < 0) {
                next = name.nextQueryNanos;
            }
        }
        return next;
    }

    /** A query message to multicast on every chosen interface. */
    public Optional<byte[]> pollQuery() {
        return Optional.ofNullable(outgoing.poll());
    }

    public Optional<Outcome> pollOutcome() {
        return Optional.ofNullable(outcomes.poll());
    }

    /** True while some name is waiting for an answer. */
    public boolean isResolving() {
        return !pending.isEmpty();
    }
}
