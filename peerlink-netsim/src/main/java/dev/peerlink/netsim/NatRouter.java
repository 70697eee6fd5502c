package dev.peerlink.netsim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A NAPT between a LAN and an outside segment, with one public address and the mapping, filtering, hairpinning and
 * timeout behaviour of a {@link NatBehavior} (RFC 4787). UDP and TCP are translated, each protocol with its own
 * mappings and the same behaviour (RFC 5382 asks the same of TCP NATs); other protocols are dropped.
 *
 * <p>Mappings expire lazily: whenever a packet reaches the NAT, mappings idle for their lifetime or longer are
 * removed first. That needs no timer events, so an idle network has nothing pending.
 */
public final class NatRouter extends Router {
    /** RFC 4787 §4.2.1: random external ports avoid the well-known range. */
    static final int FIRST_RANDOM_PORT = 1024;
    static final int LAST_PORT = 65535;

    /** Counters since the router was made. */
    public record Stats(long translatedOutbound, long translatedInbound, long hairpinned, long droppedByFilter,
                        long droppedNoMapping, long droppedHairpinningDisabled, long droppedUnsupportedProtocol,
                        long mappingsCreated, long mappingsExpired) {
    }

    /**
     * What identifies a mapping: the internal endpoint plus as much of the destination as the mapping behaviour
     * looks at. Endpoint-independent mapping ignores the destination (null address, port -1); address-dependent
     * keeps its address; address-and-port-dependent keeps both.
     */
    private record MappingKey(Protocol protocol, InetSocketAddress internal, InetAddress remoteAddress,
                              int remotePort) {
    }

    private record ExternalPort(Protocol protocol, int port) {
    }

    private static final class Mapping {
        final MappingKey key;
        final InetSocketAddress external;
        final Set<InetSocketAddress> contacted = new LinkedHashSet<>();
        long lastRefreshNanos;

        Mapping(MappingKey key, InetSocketAddress external) {
            this.key = key;
            this.external = external;
        }
    }

    private NatBehavior behavior;
    private final Map<MappingKey, Mapping> mappingsByKey = new LinkedHashMap<>();
    private final Map<ExternalPort, Mapping> mappingsByExternalPort = new HashMap<>();
    /** External ports {@link #rebind()} took away; never handed out again, so every later mapping is new. */
    private final Set<ExternalPort> retiredPorts = new HashSet<>();
    private long translatedOutbound;
    private long translatedInbound;
    private long hairpinned;
    private long droppedByFilter;
    private long droppedNoMapping;
    private long droppedHairpinningDisabled;
    private long droppedUnsupportedProtocol;
    private long mappingsCreated;
    private long mappingsExpired;

    NatRouter(VirtualNetwork network, String name, Segment outsideSegment, Ipv4Subnet lanSubnet,
              NatBehavior behavior) {
        super(network, name, outsideSegment, lanSubnet);
        if (behavior == null) {
            throw new IllegalArgumentException("a NAT router needs a NatBehavior, such as NatBehavior.PORT_RESTRICTED");
        }
        this.behavior = behavior;
    }

    public NatBehavior behavior() {
        return behavior;
    }

    /** Changes the behaviour from now on; existing mappings stay until they expire or are flushed. */
    public void setBehavior(NatBehavior newBehavior) {
        if (newBehavior == null) {
            throw new IllegalArgumentException("a NAT router needs a NatBehavior, such as NatBehavior.PORT_RESTRICTED");
        }
        this.behavior = newBehavior;
    }

    /** The address hosts on the outside see for everything behind this NAT. */
    public InetAddress publicAddress() {
        return outside.address();
    }

    /** The live mappings, oldest first. */
    public List<NatMapping> mappings() {
        expireIdleMappings();
        List<NatMapping> snapshot = new ArrayList<>();
        long lifetime = behavior.mappingLifetime().toNanos();
        for (Mapping m : mappingsByKey.values()) {
            snapshot.add(new NatMapping(m.key.protocol(), m.key.internal(), m.external, List.copyOf(m.contacted),
                    m.lastRefreshNanos, m.lastRefreshNanos + lifetime));
        }
        return snapshot;
    }

    /**
     * Forgets every mapping, as a NAT reboot does. The next outbound packet makes a new mapping; with port
     * preservation it may get the same external port again.
     */
    public void flushMappings() {
        mappingsByKey.clear();
        mappingsByExternalPort.clear();
    }

    /**
     * Forgets every mapping and never reuses their external ports, so every flow gets a new public port on its next
     * packet: the NAT rebinding that ICE consent checks and ICE restarts must cope with (a CGN reassigning ports, a
     * router restart that picks new ones). RFC 4787 describes NATs that behave well and so does not name this.
     */
    public void rebind() {
        retiredPorts.addAll(mappingsByExternalPort.keySet());
        flushMappings();
    }

    public Stats stats() {
        return new Stats(translatedOutbound, translatedInbound, hairpinned, droppedByFilter, droppedNoMapping,
                droppedHairpinningDisabled, droppedUnsupportedProtocol, mappingsCreated, mappingsExpired);
    }

    @Override
    void fromLan(Packet packet) {
        if (!isTranslatable(packet)) {
            return;
        }
        expireIdleMappings();
        InetAddress destination = packet.destination().getAddress();
        if (destination.equals(publicAddress())) {
            hairpin(packet);
            return;
        }
        if (destination.equals(inside.address())) {
            network.record(name(), TraceAction.DROPPED_NO_SOCKET, packet, null);
            return;
        }
        Mapping mapping = outboundMapping(packet);
        if (mapping == null) {
            return;
        }
        Packet translated = packet.withSource(mapping.external);
        translatedOutbound++;
        recordTranslation(packet, translated);
        outside.segment().transmit(outside, translated);
    }

    @Override
    void fromOutside(Packet packet) {
        if (!isTranslatable(packet)) {
            return;
        }
        expireIdleMappings();
        Mapping mapping = admitInbound(packet);
        if (mapping == null) {
            return;
        }
        Packet translated = packet.withDestination(mapping.key.internal());
        translatedInbound++;
        recordTranslation(packet, translated);
        lan.transmit(inside, translated);
    }

    /**
     * RFC 4787 §6, REQ-9: a LAN host sending to another LAN host's public mapping. The packet gets the sender's
     * external source (REQ-9b, so the receiver sees the same address an outside host would) and then meets the
     * target mapping's filtering as if it had come from outside.
     */
    private void hairpin(Packet packet) {
        if (!behavior.hairpinning()) {
            droppedHairpinningDisabled++;
            network.record(name(), TraceAction.DROPPED_HAIRPINNING_DISABLED, packet, null);
            return;
        }
        Mapping sourceMapping = outboundMapping(packet);
        if (sourceMapping == null) {
            return;
        }
        Packet fromPublic = packet.withSource(sourceMapping.external);
        Mapping target = admitInbound(fromPublic);
        if (target == null) {
            return;
        }
        Packet turned = fromPublic.withDestination(target.key.internal());
        hairpinned++;
        if (network.isTracing()) {
            network.record(name(), TraceAction.HAIRPINNED, turned, "(was " + describeAddresses(packet) + ")");
        }
        lan.transmit(inside, turned);
    }

    /** UDP and TCP, each with its own mappings (RFC 4787; RFC 5382 for TCP, with the same behaviour here). */
    private boolean isTranslatable(Packet packet) {
        if (packet.protocol() == Protocol.UDP || packet.protocol() == Protocol.TCP) {
            return true;
        }
        droppedUnsupportedProtocol++;
        network.record(name(), TraceAction.DROPPED_UNSUPPORTED_PROTOCOL, packet, null);
        return false;
    }

    /** Finds or makes the mapping for an outbound packet, refreshes it and opens its filter to the destination. */
    private Mapping outboundMapping(Packet packet) {
        MappingKey key = keyFor(packet.protocol(), packet.source(), packet.destination());
        Mapping mapping = mappingsByKey.get(key);
        if (mapping == null) {
            int port = allocateExternalPort(packet.protocol(), packet.source().getPort());
            if (port < 0) {
                network.record(name(), TraceAction.DROPPED_PORTS_EXHAUSTED, packet, null);
                return null;
            }
            mapping = new Mapping(key, new InetSocketAddress(publicAddress(), port));
            mappingsByKey.put(key, mapping);
            mappingsByExternalPort.put(new ExternalPort(key.protocol(), port), mapping);
            mappingsCreated++;
        }
        mapping.lastRefreshNanos = network.nowNanos(); // RFC 4787 §4.3 REQ-6: outbound traffic refreshes
        mapping.contacted.add(packet.destination());
        return mapping;
    }

    /** The mapping an inbound packet is for, if it exists and its filter admits the source (RFC 4787 §5). */
    private Mapping admitInbound(Packet packet) {
        Mapping mapping = packet.destination().getAddress().equals(publicAddress())
                ? mappingsByExternalPort.get(new ExternalPort(packet.protocol(), packet.destination().getPort()))
                : null;
        if (mapping == null) {
            droppedNoMapping++;
            network.record(name(), TraceAction.DROPPED_NO_MAPPING, packet, null);
            return null;
        }
        if (!behavior.filtering().admits(packet.source(), mapping.contacted)) {
            droppedByFilter++;
            network.record(name(), TraceAction.DROPPED_BY_FILTER, packet, null);
            return null;
        }
        if (behavior.inboundRefresh()) {
            mapping.lastRefreshNanos = network.nowNanos();
        }
        return mapping;
    }

    // RFC 4787 §4.1
    private MappingKey keyFor(Protocol protocol, InetSocketAddress internal, InetSocketAddress remote) {
        return switch (behavior.mapping()) {
            case ENDPOINT_INDEPENDENT -> new MappingKey(protocol, internal, null, -1);
            case ADDRESS_DEPENDENT -> new MappingKey(protocol, internal, remote.getAddress(), -1);
            case ADDRESS_AND_PORT_DEPENDENT ->
                    new MappingKey(protocol, internal, remote.getAddress(), remote.getPort());
        };
    }

    /**
     * RFC 4787 §4.2: the internal port when preservation is on and it is free, else a random free port from the
     * seed (with the internal port's parity when asked, §4.2.2), searching on from there. No two mappings share an
     * external port: RFC 4787 §4.2.1 REQ-3 forbids "port overloading". Returns -1 when every port is taken.
     */
    private int allocateExternalPort(Protocol protocol, int internalPort) {
        if (behavior.portPreservation() && isFree(protocol, internalPort)) {
            return internalPort;
        }
        int count = LAST_PORT - FIRST_RANDOM_PORT + 1;
        int start = network.random().nextInt(count);
        for (int i = 0; i < count; i++) {
            int candidate = FIRST_RANDOM_PORT + (start + i) % count;
            boolean parityMatches = !behavior.portParity() || (candidate & 1) == (internalPort & 1);
            if (parityMatches && isFree(protocol, candidate)) {
                return candidate;
            }
        }
        return -1;
    }

    private boolean isFree(Protocol protocol, int port) {
        ExternalPort key = new ExternalPort(protocol, port);
        return !mappingsByExternalPort.containsKey(key) && !retiredPorts.contains(key);
    }

    /** RFC 4787 §4.3: a mapping idle for its lifetime is gone. */
    private void expireIdleMappings() {
        long now = network.nowNanos();
        long lifetime = behavior.mappingLifetime().toNanos();
        Iterator<Mapping> it = mappingsByKey.values().iterator();
        while (it.hasNext()) {
            Mapping mapping = it.next();
            if (now - mapping.lastRefreshNanos >= lifetime) {
                it.remove();
                mappingsByExternalPort.remove(new ExternalPort(mapping.key.protocol(), mapping.external.getPort()));
                mappingsExpired++;
            }
        }
    }

    private void recordTranslation(Packet before, Packet after) {
        if (network.isTracing()) {
            network.record(name(), TraceAction.TRANSLATED, after, "(was " + describeAddresses(before) + ")");
        }
    }

    private static String describeAddresses(Packet packet) {
        return Addresses.format(packet.source()) + " > " + Addresses.format(packet.destination());
    }
}
