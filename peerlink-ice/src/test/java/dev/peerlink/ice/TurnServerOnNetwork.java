package dev.peerlink.ice;

import dev.peerlink.netsim.Datagram;
import dev.peerlink.netsim.Host;
import dev.peerlink.netsim.ScheduledTask;
import dev.peerlink.netsim.VirtualNetwork;
import dev.peerlink.netsim.VirtualSocket;
import dev.peerlink.turn.auth.Authenticator;
import dev.peerlink.turn.auth.StaticUser;
import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.policy.PeerAddressPolicy;
import dev.peerlink.turn.server.FiveTuple;
import dev.peerlink.turn.server.RelayAllocator;
import dev.peerlink.turn.server.RelayHandle;
import dev.peerlink.turn.server.Transmit;
import dev.peerlink.turn.server.TurnServerCore;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A TURN server (RFC 8656) on a host of the virtual internet: {@link TurnServerCore} driven sans-IO like the
 * harness's STUN server. Its listener takes the clients' datagrams, every {@link Transmit} leaves from the listener
 * (to a client) or from a relay socket (to a peer), and the core's timer is kept scheduled on the network's event
 * loop. The {@link RelayAllocator} opens a netsim UDP socket on the same host for each allocation, on an ephemeral
 * port (49152–65535, RFC 8656 §6.2's range), chosen from the network's seed.
 *
 * <p>One static user, and a peer address policy that allows the lab range 198.18.0.0/15 (the virtual internet and
 * its LANs), which the default deny list refuses as RFC 6890 special-purpose space; the server's own IP stays
 * refused outside its relay ports, so relay-to-relay traffic between two clients of this server works.
 */
final class TurnServerOnNetwork implements RelayAllocator {
    static final int PORT = 3478;
    static final String REALM = "peerlink.lab";
    static final String USERNAME = "ice";
    static final String PASSWORD = "relay-me";
    /** Nonces and credentials are checked against a wall clock; here it is this instant plus the virtual time. */
    static final Instant WALL_CLOCK_ORIGIN = Instant.ofEpochSecond(1_800_000_000L);

    /** One relay socket; identity equality, as {@link RelayHandle} wants. */
    private static final class Relay implements RelayHandle {
        final VirtualSocket socket;

        Relay(VirtualSocket socket) {
            this.socket = socket;
        }

        @Override
        public String toString() {
            return "relay " + socket.localAddress();
        }
    }

    private final VirtualNetwork network;
    private final Host host;
    private final VirtualSocket listener;
    private final TurnServerCore core;
    private final List<InetSocketAddress> relayedAddresses = new ArrayList<>();
    private ScheduledTask timer;
    private long timerAtNanos;

    TurnServerOnNetwork(VirtualNetwork network, Host host, long seed) {
        this.network = network;
        this.host = host;
        this.listener = host.openUdpSocket(PORT);
        SplittableRandom random = new SplittableRandom(seed ^ 0x7475726EL);
        byte[] nonceSecret = new byte[32];
        random.nextBytes(nonceSecret);
        StatelessNonces nonces = new StatelessNonces(nonceSecret, StatelessNonces.DEFAULT_LIFETIME);
        Authenticator authenticator = new Authenticator(REALM, List.of(new StaticUser(USERNAME, PASSWORD, null)),
                List.of(), ':', nonces);
        PeerAddressPolicy policy = PeerAddressPolicy.builder()
                .ownAddress(listener.localAddress())
                .relayPorts(49152, 65535)
                .allow("198.18.0.0/15") // the lab range: DESIGN.md, and netsim's internet and LANs
                .build();
        this.core = TurnServerCore.builder()
                .authenticator(authenticator)
                .peerAddressPolicy(policy)
                .relayAllocator(this)
                .random(random.split())
                .build();
        listener.onReceive(this::fromClient);
    }

    InetSocketAddress address() {
        return listener.localAddress();
    }

    TurnServerCore core() {
        return core;
    }

    /** Every relayed address handed out so far, in order. */
    List<InetSocketAddress> relayedAddresses() {
        return List.copyOf(relayedAddresses);
    }

    IceTurnServer iceServer() {
        return IceTurnServer.udp(address(), USERNAME, PASSWORD);
    }

    private Instant wallClock() {
        return WALL_CLOCK_ORIGIN.plusNanos(network.nowNanos());
    }

    private void fromClient(Datagram datagram) {
        FiveTuple tuple = new FiveTuple(datagram.source(), listener.localAddress(), FiveTuple.Transport.UDP);
        core.handleClientPacket(tuple, ByteBuffer.wrap(datagram.payload()), network.nowNanos(), wallClock());
        flush();
    }

    private void fromPeer(Relay relay, Datagram datagram) {
        core.handlePeerPacket(relay, datagram.source(), ByteBuffer.wrap(datagram.payload()), network.nowNanos());
        flush();
    }

    private void onTimer() {
        timer = null;
        core.handleTimeout(network.nowNanos());
        flush();
    }

    /** Sends what the core produced (copying each pooled transmit out before polling the next) and re-arms. */
    private void flush() {
        for (Transmit transmit = core.pollTransmit(); transmit != null; transmit = core.pollTransmit()) {
            ByteBuffer data = transmit.data();
            byte[] bytes = new byte[data.remaining()];
            data.get(data.position(), bytes);
            if (transmit.destination() == Transmit.Destination.CLIENT) {
                listener.send(transmit.client().client(), bytes);
            } else {
                Relay relay = (Relay) transmit.relay();
                if (!relay.socket.isClosed()) {
                    relay.socket.send(transmit.peer(), bytes);
                }
            }
        }
        while (core.pollEvent().isPresent()) {
            // lifecycle events are for logs; the tests look at the ICE agents
        }
        long due = core.nextTimeoutNanos();
        if (due == Long.MAX_VALUE) {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            return;
        }
        long at = Math.max(due, network.nowNanos());
        if (timer != null && timerAtNanos == at) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        timer = network.schedule(at, this::onTimer);
        timerAtNanos = at;
    }

    // ----------------------------------------------------------------------------------------- RelayAllocator

    /**
     * An IPv4 relay socket on any free ephemeral port. ICE never asks for EVEN-PORT (that is for RTP/RTCP pairs,
     * RFC 8656 §7.2), so even ports and reservations are answered as unavailable, which the core turns into 508.
     */
    @Override
    public RelayResult allocate(RelayRequest request) {
        if (request.family() != AddressFamilyAttribute.IPV4) {
            return new RelayResult.Unavailable("the virtual network is IPv4 only");
        }
        if (request.portRule() != PortRule.ANY) {
            return new RelayResult.Unavailable("this relay offers no even ports or reservations");
        }
        Relay relay = new Relay(host.openUdpSocket(0));
        relay.socket.onReceive(datagram -> fromPeer(relay, datagram));
        relayedAddresses.add(relay.socket.localAddress());
        return new RelayResult.Allocated(relay, relay.socket.localAddress());
    }

    @Override
    public void release(RelayHandle handle) {
        ((Relay) handle).socket.close();
    }

    @Override
    public void cancelReservation(long token) {
        // No reservation is ever granted (see allocate).
    }
}
