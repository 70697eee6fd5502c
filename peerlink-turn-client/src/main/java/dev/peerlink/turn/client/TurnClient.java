package dev.peerlink.turn.client;

import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.ClientSockets;
import dev.peerlink.stun.transport.SocketAddresses;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

/**
 * A blocking TURN client for tools and tests: one allocation over one UDP socket or one TCP/TLS connection, driving
 * a {@link TurnClientCore}. Timers (refreshes, retransmissions) run while a call is inside this client, so a
 * long-lived user calls {@link #receive} now and then. Not thread-safe.
 */
public final class TurnClient implements AutoCloseable {
    /**
     * Client settings. {@code insecureTls} accepts any server certificate (for self-signed development servers);
     * {@code dualStack} asks for an IPv6 relayed address besides the IPv4 one (RFC 8656 §7.2,
     * ADDITIONAL-ADDRESS-FAMILY).
     */
    public record Options(RetransmissionPolicy policy, Duration connectTimeout, boolean insecureTls,
                          Duration lifetime, boolean dualStack) {
        public static final Options DEFAULT = new Options(RetransmissionPolicy.DEFAULT, Duration.ofSeconds(10), false,
                TurnClientConfig.DEFAULT_LIFETIME, false);

        public Options withPolicy(RetransmissionPolicy value) {
            return new Options(value, connectTimeout, insecureTls, lifetime, dualStack);
        }

        public Options withInsecureTls(boolean value) {
            return new Options(policy, connectTimeout, value, lifetime, dualStack);
        }

        public Options withLifetime(Duration value) {
            return new Options(policy, connectTimeout, insecureTls, value, dualStack);
        }

        public Options withDualStack(boolean value) {
            return new Options(policy, connectTimeout, insecureTls, lifetime, value);
        }
    }

    /** Data a peer sent to the relayed address; {@code channel} is 0 when it came in a Data indication. */
    public record Received(InetSocketAddress peer, int channel, byte[] data) {
        public Received {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Received that && peer.equals(that.peer) && channel == that.channel
                    && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return peer.hashCode() * 31 + channel * 7 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Received[peer=" + peer + ", channel=" + channel + ", " + data.length + " bytes]";
        }
    }

    private static final int MAX_WAIT_MILLIS = 1000;

    private final TurnClientCore core;
    private final DatagramSocket udp;
    private final Socket stream;
    private final byte[] receiveBytes = new byte[65_600];
    private final ByteBuffer receiveBuffer = ByteBuffer.wrap(receiveBytes);
    private final DatagramPacket receivePacket = new DatagramPacket(receiveBytes, receiveBytes.length);
    private final ByteBuffer sendBuffer = ByteBuffer.allocate(65_600);
    private final ArrayDeque<Received> received = new ArrayDeque<>();
    private boolean streamEnded;

    private TurnClient(TurnClientCore core, DatagramSocket udp, Socket stream) {
        this.core = core;
        this.udp = udp;
        this.stream = stream;
    }

    /**
     * Opens a UDP socket (bound to the local address the route to the server uses) or a TCP/TLS connection to
     * {@code server}. {@code serverName} names the server in errors and, for TLS, is the name its certificate must
     * carry unless {@link Options#insecureTls}.
     */
    public static TurnClient open(StunTransport transport, InetSocketAddress server, String serverName,
                                  String username, String password, Options options) throws TurnClientException {
        if (server.isUnresolved()) {
            throw new TurnClientException("cannot resolve the TURN server " + serverName);
        }
        TurnClientConfig config = TurnClientConfig.of(server, transport, username, password)
                .withServerName(serverName).withPolicy(options.policy()).withLifetime(options.lifetime())
                .withDualStack(options.dualStack());
        TurnClientCore core = new TurnClientCore(config, new SecureRandom());
        try {
            if (transport == StunTransport.UDP) {
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(localAddressToward(config), 0));
                return new TurnClient(core, socket, null);
            }
            Socket socket = transport == StunTransport.TLS ? ClientSockets.tlsSocket(options.insecureTls()) : new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(server, (int) options.connectTimeout().toMillis());
                if (socket instanceof SSLSocket tls) {
                    tls.setSoTimeout((int) options.connectTimeout().toMillis());
                    tls.startHandshake();
                }
                return new TurnClient(core, null, socket);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        } catch (SSLHandshakeException e) {
            throw new TurnClientException("the TLS handshake with the TURN server " + config.describeServer()
                    + " failed: " + (e.getMessage() != null && e.getMessage().contains("PKIX")
                    ? "its certificate is not trusted (for a development server's self-signed certificate, "
                    + "allow insecure TLS)" : e.getMessage()), e);
        } catch (SocketTimeoutException e) {
            throw new TurnClientException("no connection to the TURN server " + config.describeServer() + " within "
                    + options.connectTimeout().toSeconds() + " s");
        } catch (IOException e) {
            throw new TurnClientException("cannot reach the TURN server " + config.describeServer() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The local IP the OS would use toward the server (a UDP connect sends nothing; it only picks a route). */
    private static InetAddress localAddressToward(TurnClientConfig config) throws TurnClientException {
        try {
            return ClientSockets.localAddressToward(config.server());
        } catch (IOException e) {
            throw new TurnClientException("no route to the TURN server " + config.describeServer() + ": "
                    + e.getMessage(), e);
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) (udp != null ? udp.getLocalSocketAddress() : stream.getLocalSocketAddress());
    }

    public TurnClientCore.State state() {
        return core.state();
    }

    /** The relayed address, once allocated. */
    public Optional<InetSocketAddress> relayedAddress() {
        return core.relayedAddress();
    }

    public Optional<InetSocketAddress> mappedAddress() {
        return core.mappedAddress();
    }

    /** Allocates a UDP relay (RFC 8656 §7), authenticating with the long-term credentials. */
    public TurnEvent.Allocated allocate() throws TurnClientException {
        core.allocate(System.nanoTime());
        pumpUntil(() -> core.state() == TurnClientCore.State.ALLOCATED, null);
        return new TurnEvent.Allocated(core.relayedAddresses(), core.mappedAddress().orElse(null), core.lifetime());
    }

    /** Installs permissions for {@code peers} (RFC 8656 §10) and waits until the server confirms them all. */
    public void createPermission(InetAddress... peers) throws TurnClientException {
        core.createPermission(System.nanoTime(), peers);
        pumpUntil(() -> Arrays.stream(peers).allMatch(core::hasPermission), null);
    }

    /** Binds a channel to {@code peer} (RFC 8656 §12), waits for the server's confirmation and returns its number. */
    public int bindChannel(InetSocketAddress peer) throws TurnClientException {
        int channel = core.bindChannel(peer, System.nanoTime());
        pumpUntil(() -> core.isChannelBound(peer), null);
        return channel;
    }

    /**
     * Sends {@code data} to {@code peer} through the relay: ChannelData when a channel is bound, else a Send
     * indication.
     *
     * @throws IllegalStateException when there is no allocation or no permission for the peer's IP
     */
    public void send(InetSocketAddress peer, byte[] data) throws TurnClientException {
        sendBuffer.clear();
        int length = core.writeSend(peer, ByteBuffer.wrap(data), sendBuffer);
        if (length == 0) {
            throw new IllegalStateException("cannot send to " + SocketAddresses.format(peer) + " through the TURN "
                    + "server " + core.config().describeServer() + ": " + (core.state() != TurnClientCore.State.ALLOCATED
                    ? "there is no allocation (state " + core.state() + ")"
                    : "create a permission for " + SocketAddresses.format(peer.getAddress()) + " first"));
        }
        try {
            if (udp != null) {
                udp.send(new DatagramPacket(sendBuffer.array(), length, core.server()));
            } else {
                OutputStream out = stream.getOutputStream();
                out.write(sendBuffer.array(), 0, length);
                out.flush();
            }
            runTimers();
        } catch (IOException e) {
            throw connectionFailed(e);
        }
    }

    /** The next data a peer sent, waiting up to {@code timeout}; empty when none came in that time. */
    public Optional<Received> receive(Duration timeout) throws TurnClientException {
        long deadline = System.nanoTime() + timeout.toNanos();
        pumpUntil(() -> !received.isEmpty(), deadline);
        return Optional.ofNullable(received.poll());
    }

    /** Releases the allocation (Refresh with LIFETIME 0, RFC 8656 §8) and waits for the server's answer. */
    public void deallocate() throws TurnClientException {
        core.deallocate(System.nanoTime());
        pumpUntil(() -> core.state() == TurnClientCore.State.DEALLOCATED, null);
    }

    /** Deallocates (when allocated) and closes the socket. */
    @Override
    public void close() {
        try {
            if (core.state() == TurnClientCore.State.ALLOCATED) {
                deallocate();
            }
        } catch (TurnClientException ignored) {
            // closing anyway; the server drops the allocation when its lifetime ends
        } finally {
            try {
                if (udp != null) {
                    udp.close();
                } else {
                    stream.close();
                }
            } catch (IOException ignored) {
                // closing: nothing left to save
            }
        }
    }

    /**
     * Drives the core until {@code done} holds, the deadline (when not null) passes, or an error event comes; data
     * that arrives meanwhile is kept for {@link #receive}.
     */
    private void pumpUntil(BooleanSupplier done, Long deadlineNanos) throws TurnClientException {
        try {
            while (true) {
                flushTransmits();
                takeEvents();
                if (done.getAsBoolean()) {
                    return;
                }
                long now = System.nanoTime();
                if (deadlineNanos != null && now - deadlineNanos >= 0) {
                    return;
                }
                long wait = millisUntil(core.nextTimeoutNanos(), now);
                if (deadlineNanos != null) {
                    wait = Math.min(wait, millisUntil(deadlineNanos, now));
                }
                readInput(Math.max(1, wait));
                runTimers();
            }
        } catch (IOException e) {
            throw connectionFailed(e);
        }
    }

    /** Milliseconds from now to a nanoTime deadline, capped so that a quiet loop still checks in. */
    private static long millisUntil(long deadlineNanos, long nowNanos) {
        if (deadlineNanos == Long.MAX_VALUE) {
            return MAX_WAIT_MILLIS;
        }
        long millis = (deadlineNanos - nowNanos + 999_999) / 1_000_000;
        return Math.max(1, Math.min(MAX_WAIT_MILLIS, millis));
    }

    private void runTimers() throws IOException {
        long now = System.nanoTime();
        long next = core.nextTimeoutNanos();
        if (next != Long.MAX_VALUE && now - next >= 0) {
            core.handleTimeout(now);
        }
        flushTransmits();
    }

    private void takeEvents() throws TurnClientException {
        Optional<TurnEvent> next;
        while ((next = core.pollEvent()).isPresent()) {
            switch (next.get()) {
                case TurnEvent.DataReceived data -> received.add(new Received(data.peer(), data.channel(), data.data()));
                case TurnEvent.ErrorResponse error -> throw new TurnClientException(error.message());
                case TurnEvent.TimedOut timedOut -> throw new TurnClientException(timedOut.message());
                case TurnEvent.Failed failed -> throw new TurnClientException(failed.message());
                default -> {
                    // progress events: the state the callers wait on says enough
                }
            }
        }
    }

    private void flushTransmits() throws IOException {
        Optional<TurnClientCore.Transmit> transmit;
        while ((transmit = core.pollTransmit()).isPresent()) {
            byte[] bytes = transmit.get().data();
            if (udp != null) {
                udp.send(new DatagramPacket(bytes, bytes.length, transmit.get().destination()));
            } else {
                OutputStream out = stream.getOutputStream();
                out.write(bytes);
                out.flush();
            }
        }
    }

    private void readInput(long waitMillis) throws IOException {
        int timeout = (int) Math.min(Integer.MAX_VALUE, waitMillis);
        if (udp != null) {
            udp.setSoTimeout(timeout);
            try {
                receivePacket.setData(receiveBytes);
                udp.receive(receivePacket);
            } catch (SocketTimeoutException e) {
                return;
            }
            receiveBuffer.limit(receivePacket.getLength()).position(0);
            core.handleInput(receiveBuffer, (InetSocketAddress) receivePacket.getSocketAddress(), System.nanoTime());
            return;
        }
        if (streamEnded) {
            return;
        }
        stream.setSoTimeout(timeout);
        InputStream in = stream.getInputStream();
        int read;
        try {
            read = in.read(receiveBytes);
            if (read < 0) {
                throw new EOFException();
            }
        } catch (SocketTimeoutException e) {
            return;
        } catch (IOException e) {
            if (core.state() == TurnClientCore.State.DEALLOCATED) {
                // Over TCP/TLS the allocation is tied to the connection (its 5-tuple); once it is released the
                // server may close it, and nothing more can arrive.
                streamEnded = true;
                return;
            }
            throw e;
        }
        receiveBuffer.limit(read).position(0);
        core.handleInput(receiveBuffer, core.server(), System.nanoTime());
    }

    private TurnClientException connectionFailed(IOException e) {
        return new TurnClientException("the connection to the TURN server " + core.config().describeServer()
                + " failed: " + (e instanceof EOFException ? "closed by the server" : e.getMessage()), e);
    }

}
