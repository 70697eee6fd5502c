package dev.peerlink.ice;

import dev.peerlink.stun.server.BindingResponder;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A tiny virtual network for two or more ICE agents on a virtual clock: every datagram arrives after a fixed delay.
 * An agent may sit behind a pretend port-restricted NAT (one mapping per local socket; inbound packets pass only
 * from addresses the socket has sent to), and a pretend STUN server answers Binding requests. Addresses are all in
 * 198.18.0.0/15.
 */
final class VirtualWire {
    static final long MS = 1_000_000L;
    static final long SECOND = 1_000 * MS;
    static final InetSocketAddress STUN_SERVER = address("198.19.255.1", 3478);

    record Datagram(long deliverAt, long sequence, InetSocketAddress source, InetSocketAddress destination,
                    byte[] bytes) {
    }

    /** What a node sent, before any NAT: {@code local} is the agent's socket. */
    record Sent(long at, Node from, InetSocketAddress local, InetSocketAddress remote, byte[] bytes, boolean dropped) {
    }

    static final class Nat {
        final Map<InetSocketAddress, InetSocketAddress> publicByPrivate = new HashMap<>();
        final Map<InetSocketAddress, Set<InetSocketAddress>> permissions = new HashMap<>();

        void map(InetSocketAddress privateAddress, InetSocketAddress publicAddress) {
            publicByPrivate.put(privateAddress, publicAddress);
            permissions.put(publicAddress, new HashSet<>());
        }

        /** Simulates the NAT dropping a mapping and choosing a new public port (a "rebinding"). */
        void rebind(InetSocketAddress privateAddress, InetSocketAddress newPublic) {
            InetSocketAddress old = publicByPrivate.remove(privateAddress);
            permissions.remove(old);
            map(privateAddress, newPublic);
        }

        InetSocketAddress privateFor(InetSocketAddress publicAddress, InetSocketAddress source) {
            for (var entry : publicByPrivate.entrySet()) {
                if (entry.getValue().equals(publicAddress)) {
                    return permissions.get(publicAddress).contains(source) ? entry.getKey() : null;
                }
            }
            return null;
        }
    }

    final class Node {
        final String name;
        final IceAgent agent;
        final Nat nat;
        final List<IceEvent> events = new ArrayList<>();
        final List<IceConnectionState> states = new ArrayList<>();
        Node peer;
        boolean trickle = true;

        Node(String name, IceAgent agent, Nat nat) {
            this.name = name;
            this.agent = agent;
            this.nat = nat;
        }

        IceConnectionState state() {
            return agent.state();
        }

        List<byte[]> received() {
            List<byte[]> data = new ArrayList<>();
            for (IceEvent event : events) {
                if (event instanceof IceEvent.DataReceived received) {
                    data.add(received.data());
                }
            }
            return data;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final long delayNanos;
    private final PriorityQueue<Datagram> inFlight = new PriorityQueue<>(
            (a, b) -> a.deliverAt != b.deliverAt ? Long.compare(a.deliverAt, b.deliverAt)
                    : Long.compare(a.sequence, b.sequence));
    private final List<Node> nodes = new ArrayList<>();
    private final BindingResponder stunResponder = new BindingResponder(null, STUN_SERVER, null);
    final List<Sent> log = new ArrayList<>();
    long now = 0;
    private long sequence;
    Predicate<Sent> drop = sent -> false;

    VirtualWire(long delayNanos) {
        this.delayNanos = delayNanos;
    }

    static InetSocketAddress address(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    Node add(String name, IceAgent agent, Nat nat) {
        Node node = new Node(name, agent, nat);
        nodes.add(node);
        return node;
    }

    /** Exchanges credentials now; candidates and end-of-candidates follow by trickle as events appear. */
    static void pairUp(Node a, Node b) {
        a.peer = b;
        b.peer = a;
        a.agent.setRemoteCredentials(b.agent.localUfrag(), b.agent.localPassword());
        b.agent.setRemoteCredentials(a.agent.localUfrag(), a.agent.localPassword());
    }

    /** As signalling carries it: through the SDP candidate line, which drops the base. */
    static IceCandidate signalled(IceCandidate candidate) {
        return IceCandidate.fromSdp(candidate.toSdpLine());
    }

    private void pump() {
        for (Node node : nodes) {
            IceAgent.Transmit transmit;
            while ((transmit = node.agent.pollTransmit().orElse(null)) != null) {
                Sent sent = new Sent(now, node, transmit.local(), transmit.remote(), transmit.data(), false);
                if (drop.test(sent)) {
                    log.add(new Sent(now, node, transmit.local(), transmit.remote(), transmit.data(), true));
                    continue;
                }
                log.add(sent);
                InetSocketAddress source = transmit.local();
                if (node.nat != null) {
                    source = node.nat.publicByPrivate.get(transmit.local());
                    node.nat.permissions.get(source).add(transmit.remote());
                }
                inFlight.add(new Datagram(now + delayNanos, sequence++, source, transmit.remote(), transmit.data()));
            }
            IceEvent event;
            while ((event = node.agent.pollEvent().orElse(null)) != null) {
                node.events.add(event);
                if (event instanceof IceEvent.StateChanged changed) {
                    node.states.add(changed.state());
                }
                if (node.trickle && node.peer != null) {
                    if (event instanceof IceEvent.LocalCandidate local) {
                        node.peer.agent.addRemoteCandidate(signalled(local.candidate()));
                    } else if (event instanceof IceEvent.GatheringComplete) {
                        node.peer.agent.endOfRemoteCandidates();
                    }
                }
            }
        }
    }

    private void deliver(Datagram datagram) {
        if (datagram.destination.equals(STUN_SERVER)) {
            ByteBuffer out = ByteBuffer.allocate(1500);
            int length = stunResponder.respond(ByteBuffer.wrap(datagram.bytes), datagram.source.getAddress(),
                    datagram.source.getPort(), out);
            if (length > 0) {
                byte[] response = new byte[length];
                out.get(0, response);
                inFlight.add(new Datagram(now + delayNanos, sequence++, STUN_SERVER, datagram.source, response));
            }
            return;
        }
        for (Node node : nodes) {
            InetSocketAddress local = null;
            if (node.nat == null) {
                for (IceCandidate candidate : node.agent.localCandidates()) {
                    if (candidate.type() == IceCandidate.Type.HOST && candidate.base().equals(datagram.destination)) {
                        local = datagram.destination;
                    }
                }
            } else {
                local = node.nat.privateFor(datagram.destination, datagram.source);
            }
            if (local != null) {
                node.agent.handleInput(local, datagram.source, ByteBuffer.wrap(datagram.bytes), now);
                return;
            }
        }
        // Nobody there (or the NAT filtered it): the datagram is lost.
    }

    /** Runs the clock until {@code done} holds or {@code limitNanos} virtual time; returns whether it held. */
    boolean runUntil(BooleanSupplier done, long limitNanos) {
        for (int steps = 0; steps < 1_000_000; steps++) {
            pump();
            if (done.getAsBoolean()) {
                return true;
            }
            long next = Long.MAX_VALUE;
            if (!inFlight.isEmpty()) {
                next = inFlight.peek().deliverAt;
            }
            for (Node node : nodes) {
                next = Math.min(next, node.agent.nextTimeoutNanos());
            }
            if (next > limitNanos) {
                now = Math.max(now, limitNanos);
                return done.getAsBoolean();
            }
            now = Math.max(now, next);
            while (!inFlight.isEmpty() && inFlight.peek().deliverAt <= now) {
                deliver(inFlight.poll());
            }
            for (Node node : nodes) {
                if (node.agent.nextTimeoutNanos() <= now) {
                    node.agent.handleTimeout(now);
                }
            }
        }
        throw new AssertionError("the virtual network did not settle: an agent keeps asking for the same time");
    }

    void runFor(long nanos) {
        long until = now + nanos;
        runUntil(() -> false, until);
    }
}
