package dev.peerlink.stun.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Sockets the blocking STUN and TURN clients share: TLS with or without certificate checks, and route lookup. */
public final class ClientSockets {
    private ClientSockets() {
    }

    /**
     * An unconnected TLS socket. Checked, it must present a certificate naming the server; {@code insecure} accepts
     * any certificate, for development servers with self-signed ones, and only when the user asked for it.
     */
    public static Socket tlsSocket(boolean insecure) throws IOException {
        try {
            SSLSocket socket = (SSLSocket) tlsContext(insecure).getSocketFactory().createSocket();
            if (!insecure) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the server
                socket.setSSLParameters(parameters);
            }
            return socket;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS is not available: " + e.getMessage(), e);
        }
    }

    /**
     * A client-mode TLS engine for the server named {@code serverName} (sent as SNI when it is a host name): checked
     * against the JDK's trusted certificates and that name, unless {@code insecure}.
     */
    public static SSLEngine tlsClientEngine(String serverName, int port, boolean insecure) throws IOException {
        try {
            SSLEngine engine = tlsContext(insecure).createSSLEngine(serverName, port);
            engine.setUseClientMode(true);
            if (!insecure) {
                SSLParameters parameters = engine.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                engine.setSSLParameters(parameters);
            }
            return engine;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS is not available: " + e.getMessage(), e);
        }
    }

    private static SSLContext tlsContext(boolean insecure) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, insecure ? new TrustManager[] {new AcceptAnyCertificate()} : null, null);
        return context;
    }

    /** The local IP the OS would use toward {@code server} (a UDP connect sends nothing; it only picks a route). */
    public static InetAddress localAddressToward(InetSocketAddress server) throws IOException {
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.connect(server);
            return ((InetSocketAddress) probe.getLocalAddress()).getAddress();
        }
    }

    private static final class AcceptAnyCertificate implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
