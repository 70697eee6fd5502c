package dev.peerlink.netsim;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * An in-process network on a virtual clock: an "internet" segment, LANs behind NAT routers and firewalls, hosts with
 * UDP sockets, and links with delay, jitter and loss. Nothing here opens a real socket, starts a thread or reads the
 * wall clock. Every random choice (jitter, loss, ephemeral and NAT ports) comes from one generator seeded at
 * construction, and events at the same instant run in the order they were scheduled, so the same seed and the same
 * test give the same run every time.
 *
 * <p>Addresses come only from 198.18.0.0/15 (the benchmarking range, RFC 6890 §2.2.2): the internet is
 * 198.18.0.0/16 and the N-th LAN is 198.19.N.0/24, so nothing here can be mistaken for a real network.
 *
 * <p>{@code step}, {@code runUntil} and {@code runFor} run events in time order; a test interleaves its own timers
 * with {@link #schedule}. All of it happens on the calling thread; the network is not thread-safe.
 */
public final class VirtualNetwork {
    /** The "internet": the first half of the benchmarking range 198.18.0.0/15 (RFC 6890 §2.2.2, RFC 2544). */
    public static final Ipv4Subnet INTERNET_SUBNET = Ipv4Subnet.parse("198.18.0.0/16");
    /** LANs get 198.19.N.0/24 for N = 1..255 from the second half. */
    public static final Ipv4Subnet LAN_SUBNETS = Ipv4Subnet.parse("198.19.0.0/16");
    /** More events than this at one instant means a zero-delay loop, which would otherwise never end. */
    static final int MAX_EVENTS_AT_ONE_INSTANT = 1_000_000;

    private static final class Event implements ScheduledTask {
        final long atNanos;
        final long sequence;
        final Runnable action;
        boolean cancelled;

        Event(long atNanos, long sequence, Runnable action) {
            this.atNanos = atNanos;
            this.sequence = sequence;
            this.action = action;
        }

        @Override
        public long atNanos() {
            return atNanos;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    private final long seed;
    private final SplittableRandom random;
    private final VirtualClock clock = new VirtualClock();
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            Comparator.<Event>comparingLong(e -> e.atNanos).thenComparingLong(e -> e.sequence));
    private final Set<String> nodeNames = new HashSet<>();
    private final List<TraceEntry> trace = new ArrayList<>();
    private final Segment internet;
    private long nextSequence;
    private long nextPacketId = 1;
    private int nextLanNumber = 1;
    private long countedInstant;
    private long eventsAtCountedInstant;
    private long lostPackets;
    private boolean tracing;

    public VirtualNetwork(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.internet = new Segment(this, "internet", INTERNET_SUBNET);
    }

    public long seed() {
        return seed;
    }

    public VirtualClock clock() {
        return clock;
    }

    public long nowNanos() {
        return clock.nowNanos();
    }

    /** The public segment, 198.18.0.0/16, where STUN/TURN servers and NATs' public sides live. */
    public Segment internet() {
        return internet;
    }

    // ---- topology ----

    /** A NAT with its public side on the internet and a new LAN behind it. */
    public NatRouter addNatRouter(String name, NatBehavior behavior) {
        return addNatRouter(name, behavior, internet);
    }

    /** A NAT with its public side on {@code outside} (another NAT's LAN for NAT behind NAT) and a new LAN. */
    public NatRouter addNatRouter(String name, NatBehavior behavior, Segment outside) {
        return new NatRouter(this, name, outside, nextLanSubnet(), behavior);
    }

    /** A router without NAT: its new LAN is reachable from {@code outside} at the LAN's own addresses. */
    public ForwardingRouter addRouter(String name) {
        return addRouter(name, internet);
    }

    public ForwardingRouter addRouter(String name, Segment outside) {
        return new ForwardingRouter(this, name, outside, nextLanSubnet(), Set.of());
    }

    /** A router without NAT that drops every UDP packet in both directions, as strict corporate firewalls do. */
    public ForwardingRouter addUdpBlockingFirewall(String name) {
        return addUdpBlockingFirewall(name, internet);
    }

    public ForwardingRouter addUdpBlockingFirewall(String name, Segment outside) {
        return new ForwardingRouter(this, name, outside, nextLanSubnet(), Set.of(Protocol.UDP));
    }

    private Ipv4Subnet nextLanSubnet() {
        if (nextLanNumber > 255) {
            throw new IllegalStateException(
                    "a virtual network has room for 255 LANs (198.19.1.0/24 to 198.19.255.0/24)");
        }
        return new Ipv4Subnet(LAN_SUBNETS.addressAt(256L * nextLanNumber++), 24);
    }

    String claimName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("every host and router needs a name, for traces");
        }
        if (!nodeNames.add(name)) {
            throw new IllegalArgumentException("a host or router named \"" + name + "\" already exists");
        }
        return name;
    }

    // ---- event loop ----

    /** Runs {@code action} on the event loop at {@code atNanos}, after events already scheduled for that instant. */
    public ScheduledTask schedule(long atNanos, Runnable action) {
        if (atNanos < clock.nowNanos()) {
            throw new IllegalArgumentException("cannot schedule at " + atNanos + " ns: the clock is already at "
                    + clock.nowNanos() + " ns");
        }
        Event event = new Event(atNanos, nextSequence++, action);
        events.add(event);
        return event;
    }

    public ScheduledTask scheduleAfter(Duration delay, Runnable action) {
        return schedule(plusSaturating(clock.nowNanos(), delay.toNanos()), action);
    }

    /** The time of the next pending event, or {@link Long#MAX_VALUE} when nothing is pending. */
    public long nextEventNanos() {
        Event next = peekLive();
        return next == null ? Long.MAX_VALUE : next.atNanos;
    }

    /** Runs the next pending event, moving the clock to its time; false when nothing was pending. */
    public boolean step() {
        Event next = peekLive();
        if (next == null) {
            return false;
        }
        events.poll();
        if (next.atNanos != countedInstant) {
            countedInstant = next.atNanos;
            eventsAtCountedInstant = 0;
        }
        if (++eventsAtCountedInstant > MAX_EVENTS_AT_ONE_INSTANT) {
            throw new IllegalStateException("more than " + MAX_EVENTS_AT_ONE_INSTANT + " events at " + next.atNanos
                    + " ns without the clock moving: two nodes answering each other over zero-delay links?");
        }
        clock.advanceTo(next.atNanos);
        next.action.run();
        return true;
    }

    /** Runs every event up to and including {@code nanos}, then leaves the clock at {@code nanos}. */
    public void runUntil(long nanos) {
        if (nanos < clock.nowNanos()) {
            throw new IllegalArgumentException("cannot run until " + nanos + " ns: the clock is already at "
                    + clock.nowNanos() + " ns");
        }
        while (nextEventNanos() <= nanos) {
            step();
        }
        clock.advanceTo(nanos);
    }

    public void runFor(Duration duration) {
        runUntil(plusSaturating(clock.nowNanos(), duration.toNanos()));
    }

    /**
     * Runs events until {@code condition} holds or {@code limit} of virtual time has passed, whichever comes first,
     * checking after every event. Returns whether it holds; on false the clock is at the limit.
     */
    public boolean runUntil(BooleanSupplier condition, Duration limit) {
        long deadline = plusSaturating(clock.nowNanos(), limit.toNanos());
        if (condition.getAsBoolean()) {
            return true;
        }
        while (nextEventNanos() <= deadline) {
            step();
            if (condition.getAsBoolean()) {
                return true;
            }
        }
        clock.advanceTo(deadline);
        return condition.getAsBoolean();
    }

    private Event peekLive() {
        Event next = events.peek();
        while (next != null && next.cancelled) {
            events.poll();
            next = events.peek();
        }
        return next;
    }

    private static long plusSaturating(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    void scheduleDelivery(long delayNanos, Runnable delivery) {
        schedule(clock.nowNanos() + delayNanos, delivery);
    }

    // ---- packets, randomness, statistics ----

    RandomGenerator random() {
        return random;
    }

    Packet newPacket(Protocol protocol, InetSocketAddress source, InetSocketAddress destination, byte[] payload) {
        return new Packet(nextPacketId++, protocol, source, destination, payload);
    }

    void countLoss() {
        lostPackets++;
    }

    /** Packets links have lost so far. */
    public long lostPackets() {
        return lostPackets;
    }

    // ---- trace ----

    /** Starts or stops recording every packet's steps (off by default: long runs would hold every packet). */
    public void setTracing(boolean enabled) {
        this.tracing = enabled;
    }

    public boolean isTracing() {
        return tracing;
    }

    /** The steps recorded while tracing was on, oldest first. */
    public List<TraceEntry> trace() {
        return List.copyOf(trace);
    }

    /** The trace as text, one step a line. */
    public String traceText() {
        StringBuilder text = new StringBuilder();
        for (TraceEntry entry : trace) {
            text.append(entry).append('\n');
        }
        return text.toString();
    }

    void record(String node, TraceAction action, Packet packet, String detail) {
        if (tracing) {
            trace.add(new TraceEntry(clock.nowNanos(), node, action, packet, detail == null ? "" : detail));
        }
    }
}
