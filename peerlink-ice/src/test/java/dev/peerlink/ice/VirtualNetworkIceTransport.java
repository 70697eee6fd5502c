package dev.peerlink.ice;

import dev.peerlink.netsim.Host;
import dev.peerlink.netsim.RealTimeDriver;
import dev.peerlink.stun.client.StunTransport;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An {@link IceTransport} on a host of a virtual network run in real time by a {@link RealTimeDriver}: the agent
 * ({@link IceAgentOnHost}) lives on the driver's thread, every call hops there, and events reach the listener on that
 * thread in order. This is what lets a full peer connection (DTLS and SCTP on wall-clock timers above ICE) run
 * across the virtual network's NATs, relays and lossy links.
 */
public final class VirtualNetworkIceTransport implements IceTransport {
    private final RealTimeDriver driver;
    private final Host host;
    private final IceAgentOnHost onHost;
    private final String localUfrag;
    private final String localPassword;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile IceConnectionState state = IceConnectionState.NEW;

    private VirtualNetworkIceTransport(RealTimeDriver driver, Host host, IceAgent agent, Consumer<IceEvent> listener) {
        this.driver = driver;
        this.host = host;
        this.onHost = new IceAgentOnHost(driver.network(), host, 0, agent, event -> {
            if (event instanceof IceEvent.StateChanged changed) {
                state = changed.state(); // before the listener hears of it, so it reads what the event says
            }
            listener.accept(event);
        });
        this.localUfrag = agent.localUfrag();
        this.localPassword = agent.localPassword();
    }

    /**
     * Transports on {@code host}, each on a new ephemeral UDP port; each agent's random source (credentials,
     * tie-breaker, transaction ids) comes from {@code seed} and the number of transports opened before it.
     */
    public static IceTransport.Factory factory(RealTimeDriver driver, Host host, long seed) {
        int[] opened = {0};
        return (config, listener) -> driver.call(() -> {
            IceAgent agent = new IceAgent(config, new SplittableRandom(seed * 1_000_003L + opened[0]++));
            VirtualNetworkIceTransport transport = new VirtualNetworkIceTransport(driver, host, agent, listener);
            transport.onHost.start();
            return transport;
        });
    }

    private <T> CompletableFuture<T> onDriver(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            driver.execute(() -> {
                try {
                    result.complete(onHost.call(agent -> action.get()));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the virtual network has stopped", e));
        }
        return result;
    }

    private long now() {
        return driver.network().nowNanos();
    }

    @Override
    public CompletableFuture<Void> setRemoteCredentials(String ufrag, String password) {
        return onDriver(() -> {
            onHost.agent().setRemoteCredentials(ufrag, password);
            return null;
        });
    }

    @Override
    public CompletableFuture<Boolean> addRemoteCandidate(IceCandidate candidate) {
        return onDriver(() -> onHost.agent().addRemoteCandidate(candidate));
    }

    @Override
    public CompletableFuture<Void> endOfRemoteCandidates() {
        return onDriver(() -> {
            onHost.agent().endOfRemoteCandidates();
            return null;
        });
    }

    @Override
    public CompletableFuture<Boolean> send(byte[] data) {
        byte[] copy = data.clone();
        return onDriver(() -> sendNow(copy));
    }

    @Override
    public void sendQueued(byte[] data, Consumer<byte[]> notSent) {
        try {
            driver.execute(() -> {
                if (!onHost.call(agent -> sendNow(data))) {
                    notSent.accept(data);
                }
            });
        } catch (RejectedExecutionException e) {
            notSent.accept(data);
        }
    }

    private boolean sendNow(byte[] data) {
        IceAgent agent = onHost.agent();
        return agent.state() != IceConnectionState.CLOSED && agent.send(java.nio.ByteBuffer.wrap(data), now());
    }

    @Override
    public CompletableFuture<Optional<StunTransport>> relayProtocol(IceCandidate local) {
        return onDriver(() -> onHost.agent().relayProtocol(local));
    }

    /**
     * The virtual network never fragments (every datagram is as if sent with DF): probing is allowed on host-based
     * pairs, capped by the local interface's link ({@link dev.peerlink.netsim.Link#maxPayload()}), else by the
     * largest IPv4 UDP payload. Relayed pairs are not probed.
     */
    @Override
    public DatagramLimit datagramLimit(IceCandidate local) {
        if (local == null || local.type() == IceCandidate.Type.RELAY || local.base() == null) {
            return DatagramLimit.NO_PROBING;
        }
        for (dev.peerlink.netsim.VirtualInterface nic : host.interfaces()) {
            if (nic.address().equals(local.base().getAddress())) {
                int limit = nic.link().maxPayload();
                return new DatagramLimit(true, limit > 0 ? limit : 65_507);
            }
        }
        return DatagramLimit.NO_PROBING;
    }

    @Override
    public CompletableFuture<List<CandidatePairStats>> pairStats() {
        return onDriver(() -> onHost.agent().pairStats());
    }

    @Override
    public IceConnectionState state() {
        return state;
    }

    @Override
    public String localUfrag() {
        return localUfrag;
    }

    @Override
    public String localPassword() {
        return localPassword;
    }

    /** Closes the agent and its socket on the driver's thread; nothing to do once the driver has stopped. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            driver.call(() -> {
                onHost.close();
                return null;
            });
        } catch (RejectedExecutionException e) {
            // the network has stopped: nothing runs any more
        }
    }
}
