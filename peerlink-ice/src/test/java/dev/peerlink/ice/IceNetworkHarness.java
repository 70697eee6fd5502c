package dev.peerlink.ice;

import dev.peerlink.netsim.Datagram;
import dev.peerlink.netsim.ForwardingRouter;
import dev.peerlink.netsim.Host;
import dev.peerlink.netsim.Link;
import dev.peerlink.netsim.NatBehavior;
import dev.peerlink.netsim.NatRouter;
import dev.peerlink.netsim.VirtualNetwork;
import dev.peerlink.netsim.VirtualSocket;
import dev.peerlink.stun.server.BindingResponder;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs {@link IceAgent}s on a {@link VirtualNetwork}: each agent's host gets one UDP socket, what the agent transmits
 * leaves through that socket at the current virtual time, what arrives is fed to {@link IceAgent#handleInput}, and
 * the agent's {@link IceAgent#nextTimeoutNanos} is kept scheduled on the network's event loop (re-read after every
 * input, timeout and API call). A simulated signaling channel carries credentials, trickled candidates and
 * end-of-candidates (RFC 8838 §4) between the two agents of a connection with a fixed delay, in order, as a
 * WebSocket to a signaling server would. A STUN server on the internet segment answers Binding requests with
 * {@link BindingResponder}, for server-reflexive candidates, and a TURN server on another internet host
 * ({@link TurnServerOnNetwork}, the sans-IO {@code TurnServerCore} with relay sockets on its host) grants UDP
 * allocations, for relayed candidates (RFC 8445 §5.1.1.2), over UDP on 3478 and over TLS on 443 (a netsim TCP
 * connection the harness opens for the agent, RFC 8656 §3.1). {@link #configFor} names all three, so every agent
 * gathers host, server-reflexive and relayed candidates, as a browser given {@code stun:}, {@code turn:} and
 * {@code turns:} URLs does.
 *
 * <p>Everything random comes from the seed: the network's jitter, loss and port choices, and each agent's random
 * source (derived from the seed and the order peers were added). The same seed gives the same run.
 *
 * <p>Delays: a host behind a router sits on its LAN with the {@code lan} link; every interface on the internet
 * (routers' public sides, hosts without NAT, the STUN and TURN servers) has the {@code internetLeg} link. A packet crossing a
 * segment pays both ends' links, so crossing the internet costs two legs (see {@link #oneWayNanos}).
 */
final class IceNetworkHarness {
    static final int STUN_PORT = 3478;
    static final int AGENT_PORT = 50_000;

    /** Where a peer's host sits. */
    enum Access {
        /** A host directly on the internet: its host candidate is its public address. */
        NO_NAT("no NAT", null),
        FULL_CONE("full cone", NatBehavior.FULL_CONE),
        ADDRESS_RESTRICTED("addr-restricted", NatBehavior.ADDRESS_RESTRICTED),
        PORT_RESTRICTED("port-restricted", NatBehavior.PORT_RESTRICTED),
        SYMMETRIC("symmetric", NatBehavior.SYMMETRIC),
        /** A router without NAT that drops all UDP, both ways, and lets TCP out to port 443 only (a strict corporate firewall). */
        UDP_BLOCKING_FIREWALL("UDP blocked", null);

        final String label;
        final NatBehavior nat;

        Access(String label, NatBehavior nat) {
            this.label = label;
            this.nat = nat;
        }

        /** Whether the host sits on a LAN behind a router (and so pays the LAN link). */
        boolean behindRouter() {
            return this != NO_NAT;
        }
    }

    /** One agent on its own host, and everything the harness saw it do. */
    final class Peer {
        final String name;
        final Access access;
        final Host host;
        final VirtualSocket socket;
        /** The NAT in front of the host, or null. */
        final NatRouter nat;
        final IceAgent agent;
        final List<TimedEvent> events = new ArrayList<>();
        final List<byte[]> received = new ArrayList<>();
        Peer remote;
        /** Virtual time of the first CONNECTED (or COMPLETED) since the start or the last ICE restart; -1 if none. */
        long connectedAtNanos = -1;
        /** What arrived over signaling (credentials, candidates, end-of-candidates), in order. */
        final List<TimedEvent> signalingArrivals = new ArrayList<>();
        private final IceAgentOnHost onHost;

        private Peer(String name, Access access, Host host, NatRouter nat, IceAgent agent) {
            this.name = name;
            this.access = access;
            this.host = host;
            this.nat = nat;
            this.agent = agent;
            this.onHost = new IceAgentOnHost(network, host, AGENT_PORT, agent, this::onEvent);
            this.socket = onHost.socket();
        }

        IceConnectionState state() {
            return agent.state();
        }

        boolean isConnected() {
            IceConnectionState state = agent.state();
            return state == IceConnectionState.CONNECTED || state == IceConnectionState.COMPLETED;
        }

        /** Calls into the agent (send, restart, ...) at the current virtual time, then flushes what it produced. */
        <T> T call(Function<IceAgent, T> action) {
            return onHost.call(action);
        }

        /** Sends {@code data} on the selected pair now; false when there is none. */
        boolean send(byte[] data) {
            return call(agent -> agent.send(ByteBuffer.wrap(data), network.nowNanos()));
        }

        List<IceConnectionState> states() {
            List<IceConnectionState> states = new ArrayList<>();
            for (TimedEvent event : events) {
                if (event.event() instanceof IceEvent.StateChanged changed) {
                    states.add(changed.state());
                }
            }
            return states;
        }

        private void start() {
            onHost.start();
        }

        private void flush() {
            onHost.flush();
        }

        /** Records each event and carries candidates and end-of-candidates to the remote peer over signaling. */
        private void onEvent(IceEvent event) {
            events.add(new TimedEvent(network.nowNanos(), event));
            switch (event) {
                case IceEvent.StateChanged changed -> {
                    boolean connected = changed.state() == IceConnectionState.CONNECTED
                            || changed.state() == IceConnectionState.COMPLETED;
                    if (connected && connectedAtNanos < 0) {
                        connectedAtNanos = network.nowNanos();
                    }
                }
                case IceEvent.LocalCandidate local -> {
                    // As signaling carries it: the SDP candidate line, which drops the base.
                    IceCandidate line = IceCandidate.fromSdp(local.candidate().toSdpLine());
                    signal(this, peer -> peer.agent.addRemoteCandidate(line), "candidate " + line);
                }
                case IceEvent.GatheringComplete complete ->
                        signal(this, peer -> peer.agent.endOfRemoteCandidates(), "end-of-candidates");
                case IceEvent.DataReceived data -> received.add(data.data());
                default -> {
                }
            }
        }

        @Override
        public String toString() {
            return name + " (" + access.label + ")";
        }
    }

    /** Something that happened at a virtual instant. */
    record TimedEvent(long atNanos, Object event) {
    }

    private final long seed;
    private final VirtualNetwork network;
    private final Link lan;
    private final Link internetLeg;
    private final Duration signalingDelay;
    private final VirtualSocket stunSocket;
    private final BindingResponder stunResponder;
    private final ByteBuffer stunOut = ByteBuffer.allocate(1500);
    private final TurnServerOnNetwork turn;
    private final List<Peer> peers = new ArrayList<>();

    /**
     * @param lan            the link between a host and the router it sits behind
     * @param internetLeg    the link of every interface on the internet segment
     * @param signalingDelay how long a signaling message takes from one peer to the other
     */
    IceNetworkHarness(long seed, Link lan, Link internetLeg, Duration signalingDelay) {
        this.seed = seed;
        this.network = new VirtualNetwork(seed);
        this.lan = lan;
        this.internetLeg = internetLeg;
        this.signalingDelay = signalingDelay;
        Host stunHost = network.internet().addHost("stun", internetLeg);
        this.stunSocket = stunHost.openUdpSocket(STUN_PORT);
        this.stunResponder = new BindingResponder(null, stunSocket.localAddress(), null);
        stunSocket.onReceive(this::answerStun);
        this.turn = new TurnServerOnNetwork(network, network.internet().addHost("turn", internetLeg), seed);
    }

    VirtualNetwork network() {
        return network;
    }

    long nowNanos() {
        return network.nowNanos();
    }

    InetSocketAddress stunServer() {
        return stunSocket.localAddress();
    }

    /** How many datagrams reached the STUN server so far. */
    long stunServerDatagrams() {
        return stunSocket.receivedCount();
    }

    TurnServerOnNetwork turnServer() {
        return turn;
    }

    Duration signalingDelay() {
        return signalingDelay;
    }

    /**
     * A configuration with the harness's STUN and TURN servers, for {@link #addPeer}; adjust it before
     * {@code build()}.
     */
    IceAgentConfig.Builder configFor(IceRole role) {
        return IceAgentConfig.builder(role).stunServer(stunServer()).turnServer(turn.iceServer())
                .turnServer(turn.tlsIceServer());
    }

    Peer addPeer(String name, Access access, IceRole role) {
        return addPeer(name, access, configFor(role).build());
    }

    /** A host named {@code name} placed as {@code access} says, with an agent that has not started yet. */
    Peer addPeer(String name, Access access, IceAgentConfig config) {
        Host host;
        NatRouter nat = null;
        switch (access) {
            case NO_NAT -> host = network.internet().addHost(name, internetLeg);
            case UDP_BLOCKING_FIREWALL -> {
                ForwardingRouter firewall = network.addUdpBlockingFirewall(name + "-firewall").allowOnlyTcpToPorts(443);
                firewall.outsideInterface().setLink(internetLeg);
                host = firewall.lan().addHost(name, lan);
            }
            default -> {
                nat = network.addNatRouter(name + "-nat", access.nat);
                nat.outsideInterface().setLink(internetLeg);
                host = nat.lan().addHost(name, lan);
            }
        }
        // Each agent's own random source (tie-breaker, credentials, transaction ids) also comes from the seed.
        IceAgent agent = new IceAgent(config, new SplittableRandom(seed * 1_000_003L + peers.size()));
        Peer peer = new Peer(name, access, host, nat, agent);
        peers.add(peer);
        return peer;
    }

    /**
     * Makes {@code a} and {@code b} each other's signaling peer, sends each one's credentials to the other, and
     * starts both agents now (host candidate, then srflx gathering; candidates trickle as they appear).
     */
    void connect(Peer a, Peer b) {
        connect(a, b, signalingDelay, signalingDelay);
    }

    /**
     * As {@link #connect(Peer, Peer)}, with each side's credentials (its session description) taking its own delay
     * instead of the signaling delay, so that trickled candidates may overtake them (RFC 8838 §11: candidates
     * before the remote description, as when an application applies the description late).
     */
    void connect(Peer a, Peer b, Duration credentialsFromA, Duration credentialsFromB) {
        a.remote = b;
        b.remote = a;
        sendCredentials(a, credentialsFromA, false);
        sendCredentials(b, credentialsFromB, false);
        a.start();
        b.start();
    }

    /**
     * ICE restart (RFC 8445 §9) started by {@code initiator}: it takes new credentials and sends them in a new offer;
     * the peer, seeing credentials marked as a restart, restarts too and answers with its own. Both re-gather and
     * trickle again behind their credentials (the channel keeps order).
     */
    void restartIce(Peer initiator) {
        initiator.agent.restart(network.nowNanos());
        initiator.connectedAtNanos = -1;
        sendCredentials(initiator, signalingDelay, true);
        initiator.flush();
    }

    private void sendCredentials(Peer from, Duration delay, boolean restart) {
        String ufrag = from.agent.localUfrag();
        String password = from.agent.localPassword();
        deliver(from, delay, peer -> {
            if (restart) {
                peer.agent.restart(network.nowNanos());
                peer.connectedAtNanos = -1;
                sendCredentials(peer, signalingDelay, false);
            }
            peer.agent.setRemoteCredentials(ufrag, password);
        }, (restart ? "restart credentials " : "credentials ") + ufrag);
    }

    private void signal(Peer from, Consumer<Peer> onArrival, String description) {
        deliver(from, signalingDelay, onArrival, description);
    }

    private void deliver(Peer from, Duration delay, Consumer<Peer> onArrival, String description) {
        Peer to = from.remote;
        if (to == null) {
            throw new IllegalStateException(from.name + " has no signaling peer: connect it first");
        }
        network.scheduleAfter(delay, () -> {
            to.signalingArrivals.add(new TimedEvent(network.nowNanos(), description));
            onArrival.accept(to);
            to.flush();
        });
    }

    private void answerStun(Datagram request) {
        stunOut.clear();
        int length = stunResponder.respond(ByteBuffer.wrap(request.payload()), request.source().getAddress(),
                request.source().getPort(), stunOut);
        if (length > 0 && stunResponder.route() == BindingResponder.Route.SAME) {
            byte[] response = new byte[length];
            stunOut.get(0, response);
            stunSocket.send(request.source(), response);
        }
    }

    boolean runUntil(BooleanSupplier condition, Duration limit) {
        return network.runUntil(condition, limit);
    }

    void runFor(Duration duration) {
        network.runFor(duration);
    }

    // ------------------------------------------------------------------------------- delays the path is made of

    /** Nominal one-way delay from a peer's host to a host on the internet segment (jitter not included). */
    long accessNanos(Access access) {
        return internetLeg.delay().toNanos() + (access.behindRouter() ? lan.delay().toNanos() : 0);
    }

    /** Nominal one-way delay between two peers' hosts: each one's access to the internet segment. */
    long oneWayNanos(Access a, Access b) {
        return accessNanos(a) + accessNanos(b);
    }

    /** Nominal round trip from a peer to the STUN server (which also sits on an internet leg). */
    long stunRoundTripNanos(Access access) {
        return 2 * (accessNanos(access) + internetLeg.delay().toNanos());
    }

    /** Nominal round trip from a peer to the TURN server, which sits on an internet leg like the STUN server. */
    long turnRoundTripNanos(Access access) {
        return stunRoundTripNanos(access);
    }

    /** Nominal one-way delay between two peers' hosts through the TURN server's relay: in, then out again. */
    long relayedOneWayNanos(Access a, Access b) {
        return accessNanos(a) + 2 * internetLeg.delay().toNanos() + accessNanos(b);
    }
}
