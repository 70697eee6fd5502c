package dev.peerlink.stun.client;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.transport.ClientSockets;
import dev.peerlink.stun.transport.SocketAddresses;
import dev.peerlink.stun.transport.StreamFramer;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLSocket;

/**
 * A blocking STUN client for tools and tests, driving {@link StunTransactions} over one UDP socket or one TCP/TLS
 * connection. One request at a time; not thread-safe.
 */
public final class StunClient implements AutoCloseable {
    /** Client settings. {@code insecureTls} accepts any server certificate (for self-signed development servers). */
    public record Options(RetransmissionPolicy policy, Duration connectTimeout, boolean insecureTls) {
        public static final Options DEFAULT = new Options(RetransmissionPolicy.DEFAULT, Duration.ofSeconds(10), false);

        public Options withPolicy(RetransmissionPolicy policy) {
            return new Options(policy, connectTimeout, insecureTls);
        }

        public Options withInsecureTls(boolean insecure) {
            return new Options(policy, connectTimeout, insecure);
        }
    }

    private final StunTransport transport;
    private final InetSocketAddress server;
    private final String serverName;
    private final RetransmissionPolicy policy;
    private final StunTransactions transactions;
    private final SecureRandom random = new SecureRandom();
    private final DatagramChannel udp;
    private final Selector selector;
    private final Socket stream;
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);

    private StunClient(StunTransport transport, InetSocketAddress server, String serverName, Options options,
                       DatagramChannel udp, Selector selector, Socket stream) {
        this.transport = transport;
        this.server = server;
        this.serverName = serverName;
        this.policy = options.policy();
        this.transactions = new StunTransactions(policy, transport.isReliable());
        this.udp = udp;
        this.selector = selector;
        this.stream = stream;
    }

    /**
     * Opens a socket (UDP, bound to {@code localAddress} or an ephemeral port when null) or a connection (TCP,
     * TLS) to {@code server}. {@code serverName} names the server in errors and, for TLS, is the name its
     * certificate must carry.
     */
    public static StunClient open(StunTransport transport, InetSocketAddress server, String serverName,
                                  InetSocketAddress localAddress, Options options) throws StunClientException {
        if (server.isUnresolved()) {
            throw new StunClientException("cannot resolve the STUN server " + serverName);
        }
        try {
            if (transport == StunTransport.UDP) {
                DatagramChannel channel = DatagramChannel.open();
                try {
                    // Bound to the address the route uses, so localAddress() is a real address, not the wildcard.
                    channel.bind(localAddress != null ? localAddress
                            : new InetSocketAddress(localAddressToward(server, serverName), 0));
                    channel.configureBlocking(false);
                    Selector selector = Selector.open();
                    channel.register(selector, SelectionKey.OP_READ);
                    return new StunClient(transport, server, serverName, options, channel, selector, null);
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
            }
            Socket socket = transport == StunTransport.TLS ? ClientSockets.tlsSocket(options.insecureTls()) : new Socket();
            try {
                if (localAddress != null) {
                    socket.bind(localAddress);
                }
                socket.setTcpNoDelay(true);
                socket.connect(server, (int) options.connectTimeout().toMillis());
                if (socket instanceof SSLSocket tls) {
                    tls.setSoTimeout((int) options.connectTimeout().toMillis());
                    tls.startHandshake();
                }
                return new StunClient(transport, server, serverName, options, null, null, socket);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        } catch (javax.net.ssl.SSLHandshakeException e) {
            throw new StunClientException("the TLS handshake with the STUN server " + describe(serverName, server,
                    transport) + " failed: " + (e.getMessage() != null && e.getMessage().contains("PKIX")
                    ? "its certificate is not trusted (for a development server's self-signed certificate, "
                    + "use --insecure)" : e.getMessage()), e);
        } catch (SocketTimeoutException e) {
            throw new StunClientException("no connection to the STUN server " + describe(serverName, server, transport)
                    + " within " + options.connectTimeout().toSeconds() + " s");
        } catch (IOException e) {
            throw new StunClientException("cannot reach the STUN server " + describe(serverName, server, transport)
                    + ": " + e.getMessage(), e);
        }
    }

    private static String describe(String serverName, InetSocketAddress server, StunTransport transport) {
        String address = SocketAddresses.format(server);
        String name = serverName.equals(address) || address.startsWith(serverName + ":")
                || address.startsWith("[" + serverName + "]:") ? address : serverName + " (" + address + ")";
        return name + " over " + transport;
    }

    /** The local IP the OS would use toward the server, as an error naming it when there is no route. */
    static java.net.InetAddress localAddressToward(InetSocketAddress server, String serverName)
            throws StunClientException {
        try {
            return ClientSockets.localAddressToward(server);
        } catch (IOException e) {
            throw new StunClientException("no route to the STUN server " + serverName + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) (udp != null ? udp.getLocalAddress() : stream.getLocalSocketAddress());
        } catch (IOException e) {
            throw new IllegalStateException("the client socket is closed", e);
        }
    }

    /** Sends a Binding request to the server and returns the mapped address it saw. */
    public InetSocketAddress binding() throws StunClientException {
        StunMessage response = request(List.of(), server).response();
        return mappedAddress(response);
    }

    /** The XOR-MAPPED-ADDRESS of a Binding success (or MAPPED-ADDRESS, from RFC 3489-era servers). */
    public InetSocketAddress mappedAddress(StunMessage response) throws StunClientException {
        Optional<InetSocketAddress> mapped = response.address(StunAttributeType.XOR_MAPPED_ADDRESS)
                .or(() -> response.address(StunAttributeType.MAPPED_ADDRESS));
        return mapped.orElseThrow(() -> new StunClientException("the STUN server "
                + describe(serverName, server, transport) + " answered without a mapped address"));
    }

    /**
     * Sends a Binding request with {@code attributes} (and FINGERPRINT) to {@code destination} and waits for the
     * success response. Over TCP/TLS the destination must be the connected server.
     */
    public StunTransactions.Answered request(List<StunAttribute> attributes, InetSocketAddress destination)
            throws StunClientException {
        StunTransactions.Outcome outcome = transact(attributes, destination);
        if (outcome instanceof StunTransactions.TimedOut timedOut) {
            Duration waited = transport.isReliable() ? policy.reliableTimeout()
                    : policy.udpTransactionTimeout();
            throw new StunClientException("no STUN response from " + describe(destinationName(destination),
                    destination, transport) + " after " + timedOut.transmissions() + " transmission"
                    + (timedOut.transmissions() == 1 ? "" : "s") + " in " + seconds(waited));
        }
        StunTransactions.Answered answered = (StunTransactions.Answered) outcome;
        if (answered.response().messageClass() == StunClass.ERROR_RESPONSE) {
            String error = answered.response().errorCode().map(e -> e.code() + " " + e.reason()).orElse("an error");
            throw new StunClientException("the STUN server " + describe(destinationName(destination), destination,
                    transport) + " answered " + error);
        }
        return answered;
    }

    /** Like {@link #request} but a timeout is an empty result, not an error: RFC 5780 tests expect silence. */
    public Optional<StunTransactions.Answered> requestAllowingSilence(List<StunAttribute> attributes,
                                                                       InetSocketAddress destination)
            throws StunClientException {
        StunTransactions.Outcome outcome = transact(attributes, destination);
        return outcome instanceof StunTransactions.Answered answered ? Optional.of(answered) : Optional.empty();
    }

    private String destinationName(InetSocketAddress destination) {
        return destination.equals(server) ? serverName : SocketAddresses.format(destination);
    }

    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private StunTransactions.Outcome transact(List<StunAttribute> attributes, InetSocketAddress destination)
            throws StunClientException {
        if (transport.isReliable() && !destination.equals(server)) {
            throw new IllegalArgumentException("over " + transport + " requests go to the connected server only");
        }
        TransactionId id = TransactionId.random(random);
        byte[] request = new StunMessage(StunMethod.BINDING, StunClass.REQUEST, id, attributes)
                .toBytes(StunMessage.Signing.FINGERPRINT);
        transactions.start(id, request, destination, System.nanoTime());
        try {
            while (true) {
                flushTransmits();
                Optional<StunTransactions.Outcome> outcome = transactions.pollOutcome();
                if (outcome.isPresent()) {
                    return outcome.get();
                }
                long waitNanos = Math.max(1_000_000, transactions.nextTimeoutNanos() - System.nanoTime());
                receive(waitNanos);
                transactions.handleTimeout(System.nanoTime());
            }
        } catch (IOException e) {
            transactions.cancel(id);
            throw new StunClientException("the connection to the STUN server " + describe(serverName, server,
                    transport) + " failed: " + (e instanceof EOFException ? "closed by the server" : e.getMessage()),
                    e);
        }
    }

    private void flushTransmits() throws IOException {
        Optional<StunTransactions.Transmit> transmit;
        while ((transmit = transactions.pollTransmit()).isPresent()) {
            if (udp != null) {
                udp.send(ByteBuffer.wrap(transmit.get().bytes()), transmit.get().destination());
            } else {
                OutputStream out = stream.getOutputStream();
                out.write(transmit.get().bytes());
                out.flush();
            }
        }
    }

    private void receive(long waitNanos) throws IOException {
        long waitMillis = Math.max(1, waitNanos / 1_000_000);
        if (udp != null) {
            if (selector.select(waitMillis) == 0) {
                return;
            }
            selector.selectedKeys().clear();
            InetSocketAddress source;
            while (true) {
                receiveBuffer.clear(); // UDP: each datagram stands alone
                source = (InetSocketAddress) udp.receive(receiveBuffer);
                if (source == null) {
                    return;
                }
                receiveBuffer.flip();
                transactions.handleInput(receiveBuffer, source, System.nanoTime());
            }
        }
        stream.setSoTimeout((int) Math.min(Integer.MAX_VALUE, waitMillis));
        try {
            int read = stream.getInputStream().read(receiveBuffer.array(), receiveBuffer.position(),
                    receiveBuffer.remaining());
            if (read < 0) {
                throw new EOFException();
            }
            receiveBuffer.position(receiveBuffer.position() + read);
        } catch (SocketTimeoutException e) {
            return; // nothing arrived in time: the transaction's own timeout decides what that means
        }
        // RFC 8489 §6.2.2: messages on a stream delimit themselves by the length in their header.
        receiveBuffer.flip();
        int frame;
        while ((frame = StreamFramer.STUN.frameLength(receiveBuffer)) > 0 && frame <= receiveBuffer.remaining()) {
            ByteBuffer message = receiveBuffer.slice(receiveBuffer.position(), frame);
            transactions.handleInput(message, server, System.nanoTime());
            receiveBuffer.position(receiveBuffer.position() + frame);
        }
        if (frame == StreamFramer.INVALID) {
            throw new IOException("the server sent something that is not STUN");
        }
        receiveBuffer.compact(); // keep a partial message for the next read
    }

    @Override
    public void close() {
        try {
            if (udp != null) {
                selector.close();
                udp.close();
            } else {
                stream.close();
            }
        } catch (IOException ignored) {
            // closing: nothing left to save
        }
    }

}
