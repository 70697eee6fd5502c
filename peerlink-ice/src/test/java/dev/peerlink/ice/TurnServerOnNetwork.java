package dev.peerlink.ice;

import dev.peerlink.netsim.Datagram;
import dev.peerlink.netsim.Host;
import dev.peerlink.netsim.ScheduledTask;
import dev.peerlink.netsim.VirtualNetwork;
import dev.peerlink.netsim.VirtualSocket;
import dev.peerlink.netsim.VirtualTcpConnection;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.StreamFramer;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A TURN server (RFC 8656) on a host of the virtual internet: {@link TurnServerCore} driven sans-IO like the
 * harness's STUN server. Its listener takes the clients' datagrams, every {@link Transmit} leaves from the listener
 * (to a client) or from a relay socket (to a peer), and the core's timer is kept scheduled on the network's event
 * loop. The {@link RelayAllocator} opens a netsim UDP socket on the same host for each allocation, on an ephemeral
 * port (49152–65535, RFC 8656 §6.2's range), chosen from the network's seed.
 *
 * <p>It also takes TURN over TLS on port 443 (RFC 8656 §3.1, the port that crosses firewalls): netsim's TCP
 * connections carry the stream, framed by {@link StreamFramer#STUN} (RFC 8489 §6.2.2; ChannelData padded to 4 bytes,
 * RFC 8656 §12.5), with the 5-tuple's transport TLS. The TLS record layer itself is not simulated — what the virtual
 * network has to show is that a stream to 443 gets through where UDP does not; real TLS is exercised on loopback
 * ({@code IceSessionTurnOverTlsTest}) and in the lab.
 *
 * <p>One static user, and a peer address policy that allows the lab range 198.18.0.0/15 (the virtual internet and
 * its LANs), which the default deny list refuses as RFC 6890 special-purpose space; the server's own IP stays
 * refused outside its relay ports, so relay-to-relay traffic between two clients of this server works.
 */
public final class TurnServerOnNetwork implements RelayAllocator {
    public static final int PORT = 3478;
    public static final int TLS_PORT = 443;
    static final String SERVER_NAME = "turn.peerlink.test";
    static final String REALM = "peerlink.lab";
    public static final String USERNAME = "ice";
    public static final String PASSWORD = "relay-me";
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
    private final Map<FiveTuple, VirtualTcpConnection> streams = new HashMap<>();
    private ScheduledTask timer;
    private long timerAtNanos;

    public TurnServerOnNetwork(VirtualNetwork network, Host host, long seed) {
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
        host.listenTcp(TLS_PORT, this::acceptStream);
    }

    public InetSocketAddress address() {
        return listener.localAddress();
    }

    TurnServerCore core() {
        return core;
    }

    /** Every relayed address handed out so far, in order. */
    public List<InetSocketAddress> relayedAddresses() {
        return List.copyOf(relayedAddresses);
    }

    public IceTurnServer iceServer() {
        return IceTurnServer.udp(address(), USERNAME, PASSWORD);
    }

    /** The same server over TLS on port 443 ({@code turns:turn.peerlink.test:443}). */
    public IceTurnServer tlsIceServer() {
        return new IceTurnServer(new InetSocketAddress(host.address(), TLS_PORT), SERVER_NAME, StunTransport.TLS,
                USERNAME, PASSWORD);
    }

    /** A client's connection: its bytes are framed into whole messages for the core. */
    private void acceptStream(VirtualTcpConnection connection) {
        FiveTuple tuple = new FiveTuple(connection.remoteAddress(), connection.localAddress(),
                FiveTuple.Transport.TLS);
        streams.put(tuple, connection);
        ByteBuffer pending = ByteBuffer.allocate(70_000);
        connection.onReceive(bytes -> {
            pending.put(bytes).flip();
            int frame;
            while ((frame = StreamFramer.STUN.frameLength(pending)) > 0 && frame <= pending.remaining()) {
                ByteBuffer message = pending.slice(pending.position(), frame);
                core.handleClientPacket(tuple, message, network.nowNanos(), wallClock());
                pending.position(pending.position() + frame);
            }
            if (frame == StreamFramer.INVALID) {
                connection.close(); // RFC 8656 §12.5: a stream that cannot be framed cannot be followed
                streams.remove(tuple);
                core.handleClientClosed(tuple);
            } else {
                pending.compact();
            }
            flush();
        });
        connection.onClosed(() -> {
            streams.remove(tuple);
            core.handleClientClosed(tuple);
            flush();
        });
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
                if (transmit.client().transport().isStream()) {
                    VirtualTcpConnection stream = streams.get(transmit.client());
                    if (stream != null && stream.isEstablished()) {
                        stream.send(bytes);
                    }
                } else {
                    listener.send(transmit.client().client(), bytes);
                }
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
