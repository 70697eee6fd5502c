package dev.peerlink.server.stun;

import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;

/** Raw STUN on real loopback sockets, for what the blocking client cannot do (garbage, framing, third sockets). */
final class StunWire {
    /** Bound on any one blocking receive in a test; a healthy loopback answer takes microseconds. */
    static final int RECEIVE_BOUND_MILLIS = 5_000;
    /** Quick retransmissions: loopback loses nothing, and a lost packet should not cost seconds. */
    static final RetransmissionPolicy FAST = new RetransmissionPolicy(Duration.ofMillis(100), 7, 16,
            Duration.ofSeconds(5));
    static final StunClient.Options OPTIONS = StunClient.Options.DEFAULT.withPolicy(FAST);
    static final StunClient.Options INSECURE_TLS = OPTIONS.withInsecureTls(true);

    private static final SecureRandom RANDOM = new SecureRandom();

    private StunWire() {
    }

    static TransactionId newId() {
        return TransactionId.random(RANDOM);
    }

    static byte[] bindingRequest(TransactionId id, StunAttribute... attributes) {
        return new StunMessage(StunMethod.BINDING, StunClass.REQUEST, id, attributes)
                .toBytes(StunMessage.Signing.FINGERPRINT);
    }

    /** The listener for {@code protocol} on {@code ip}, with the port the system gave it. */
    static InetSocketAddress listener(PeerlinkServer server, String protocol, String ip) {
        InetAddress address = ip(ip);
        return server.listeners().stream()
                .filter(l -> l.protocol().equals(protocol) && l.address().getAddress().equals(address))
                .map(StunServer.Listener::address)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + protocol + " listener on " + ip + " in "
                        + server.listeners()));
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: no lookup
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** True when a UDP and a TCP socket can be bound to {@code ip} (e.g. ::1 with IPv6 off, or 127.0.0.2). */
    static boolean canBind(String ip) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(ip(ip), 0));
             ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress(ip(ip), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** In CI a missing environment feature must fail the build, not skip quietly (DESIGN.md, Tests). */
    static void skipUnlessCi(String reason) {
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(reason + " (CI=true: not skipping)");
        }
        System.out.println("SKIPPED: " + reason);
        org.junit.jupiter.api.Assumptions.abort(reason);
    }

    /** Receives the next datagram on {@code socket}, which must be a STUN message. */
    static Received receive(DatagramSocket socket) throws IOException {
        socket.setSoTimeout(RECEIVE_BOUND_MILLIS);
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        socket.receive(packet); // SocketTimeoutException past the bound fails the test
        byte[] bytes = Arrays.copyOf(packet.getData(), packet.getLength());
        try {
            return new Received(StunMessage.decode(bytes), (InetSocketAddress) packet.getSocketAddress());
        } catch (dev.peerlink.stun.StunDecodeException e) {
            throw new AssertionError("the server sent something that is not STUN: " + e.getMessage(), e);
        }
    }

    record Received(StunMessage message, InetSocketAddress source) {
    }

    /** Reads one STUN message from a stream, framed by the length in its header (RFC 8489 §6.2.2). */
    static StunMessage readFrame(Socket socket) throws IOException {
        socket.setSoTimeout(RECEIVE_BOUND_MILLIS);
        InputStream in = socket.getInputStream();
        byte[] header = in.readNBytes(20);
        if (header.length < 20) {
            throw new AssertionError("the server closed the stream after " + header.length + " header bytes");
        }
        int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
        byte[] body = in.readNBytes(length);
        byte[] message = Arrays.copyOf(header, 20 + length);
        System.arraycopy(body, 0, message, 20, body.length);
        try {
            return StunMessage.decode(message);
        } catch (dev.peerlink.stun.StunDecodeException e) {
            throw new AssertionError("the server sent something that is not STUN: " + e.getMessage(), e);
        }
    }

    /** One short read: true once the peer has closed (EOF), false while it is open (data or nothing yet). */
    static boolean closedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(50);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }
}
