package dev.peerlink.ice;

import dev.peerlink.netsim.Datagram;
import dev.peerlink.netsim.Host;
import dev.peerlink.netsim.ScheduledTask;
import dev.peerlink.netsim.VirtualNetwork;
import dev.peerlink.netsim.VirtualSocket;
import dev.peerlink.netsim.VirtualTcpConnection;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Drives one {@link IceAgent} on a {@link Host} of a {@link VirtualNetwork}, as {@code IceSession} drives one on real
 * sockets: one UDP socket is its host candidate, what the agent transmits leaves through that socket (or through a
 * TCP connection to a TURN server, RFC 8656 §3.1) at the current virtual time, what arrives goes to
 * {@link IceAgent#handleInput}, and the agent's {@link IceAgent#nextTimeoutNanos} stays scheduled on the network's
 * event loop, re-read after every input, timeout and call. Every event the agent raises goes to the sink given.
 *
 * <p>Like the network, it is not thread-safe: call it on the thread that runs the network (the test's own, or a
 * {@link dev.peerlink.netsim.RealTimeDriver}'s).
 */
public final class IceAgentOnHost {
    private final VirtualNetwork network;
    private final Host host;
    private final VirtualSocket socket;
    private final IceAgent agent;
    private final Consumer<IceEvent> events;
    /** Connections to TCP/TLS TURN servers, by their local end. */
    private final Map<InetSocketAddress, VirtualTcpConnection> turnConnections = new HashMap<>();
    private ScheduledTask timer;
    private long timerAtNanos;

    /** The agent on a new UDP socket of {@code host} at {@code port} (0: an ephemeral one); not started yet. */
    public IceAgentOnHost(VirtualNetwork network, Host host, int port, IceAgent agent, Consumer<IceEvent> events) {
        this.network = network;
        this.host = host;
        this.socket = host.openUdpSocket(port);
        this.agent = agent;
        this.events = events;
        socket.onReceive(this::onDatagram);
    }

    public IceAgent agent() {
        return agent;
    }

    public VirtualSocket socket() {
        return socket;
    }

    /** Adds the host candidate, ends host gathering (srflx and relayed gathering start) and connects to TURN servers. */
    public void start() {
        agent.addHostCandidate(socket.localAddress(), network.nowNanos());
        agent.endOfHostCandidates();
        for (IceTurnServer server : agent.turnServersToConnect()) {
            connectToTurnServer(server);
        }
        flush();
    }

    /** Calls into the agent (send, credentials, candidates ...) at the current virtual time, then flushes. */
    public <T> T call(Function<IceAgent, T> action) {
        try {
            return action.apply(agent);
        } finally {
            flush();
        }
    }

    /** Closes the agent, its socket and its TURN connections, and stops its timer. */
    public void close() {
        agent.close();
        flush();
        cancelTimer();
        for (VirtualTcpConnection connection : Map.copyOf(turnConnections).values()) {
            connection.close();
        }
        turnConnections.clear();
        socket.close();
    }

    /** RFC 8656 §3.1: TURN over TCP/TLS, one connection per server, its bytes to and from the agent. */
    private void connectToTurnServer(IceTurnServer server) {
        VirtualTcpConnection connection = host.connectTcp(server.address());
        InetSocketAddress local = connection.localAddress();
        turnConnections.put(local, connection);
        connection.onConnected(() -> call(agent -> {
            agent.turnConnectionOpened(server, local, network.nowNanos());
            return null;
        }));
        connection.onReceive(bytes -> call(agent -> {
            agent.handleTurnStreamInput(local, ByteBuffer.wrap(bytes), network.nowNanos());
            return null;
        }));
        connection.onClosed(() -> call(agent -> {
            turnConnections.remove(local);
            agent.turnConnectionClosed(server, network.nowNanos());
            return null;
        }));
    }

    private void onDatagram(Datagram datagram) {
        call(agent -> {
            agent.handleInput(socket.localAddress(), datagram.source(), ByteBuffer.wrap(datagram.payload()),
                    network.nowNanos());
            return null;
        });
    }

    private void onTimer() {
        timer = null;
        call(agent -> {
            agent.handleTimeout(network.nowNanos());
            return null;
        });
    }

    /** Sends the agent's transmits, hands its events to the sink and re-arms its timer. */
    public void flush() {
        IceAgent.Transmit transmit;
        while ((transmit = agent.pollTransmit().orElse(null)) != null) {
            if (transmit.onStream()) {
                VirtualTcpConnection connection = turnConnections.get(transmit.local());
                if (connection == null || !connection.isEstablished()) {
                    throw new IllegalStateException(host.name() + "'s agent wrote to " + transmit.local()
                            + ", which is not an open TURN connection");
                }
                connection.send(transmit.data());
                continue;
            }
            if (!transmit.local().equals(socket.localAddress())) {
                throw new IllegalStateException(host.name() + "'s agent sent from " + transmit.local()
                        + ", which is not its socket " + socket.localAddress());
            }
            if (!socket.isClosed()) {
                socket.send(transmit.remote(), transmit.data());
            }
        }
        IceEvent event;
        while ((event = agent.pollEvent().orElse(null)) != null) {
            events.accept(event);
        }
        rearmTimer();
    }

    private void rearmTimer() {
        long due = agent.nextTimeoutNanos();
        if (due == Long.MAX_VALUE || agent.state() == IceConnectionState.CLOSED) {
            cancelTimer();
            return;
        }
        long at = Math.max(due, network.nowNanos());
        if (timer != null && timerAtNanos == at) {
            return;
        }
        cancelTimer();
        timer = network.schedule(at, this::onTimer);
        timerAtNanos = at;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }
}
