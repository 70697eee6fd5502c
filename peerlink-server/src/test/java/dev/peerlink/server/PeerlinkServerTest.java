package dev.peerlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peerlink.server.stun.StunServer;
import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunClient;
import dev.peerlink.stun.client.StunTransport;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting and stopping the server: bind failures, rollback, configured certificates, configured SOFTWARE. */
class PeerlinkServerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final StunClient.Options OPTIONS = StunClient.Options.DEFAULT.withPolicy(
            new RetransmissionPolicy(Duration.ofMillis(100), 7, 16, Duration.ofSeconds(5)));

    @TempDir
    Path dir;

    private static ServerConfig loopback(int port, int tlsPort) {
        return new ServerConfig(List.of("127.0.0.1"), port, 0, tlsPort, null, null, false, false, false, false, null);
    }

    private static boolean udpFree(int port) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean tcpFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean ioThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().startsWith("peerlink-io") && thread.isAlive());
    }

    @Test
    void aUdpPortInUseIsNamedAndNothingStaysBound() throws Exception {
        int port;
        try (DatagramSocket occupier = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            port = occupier.getLocalPort();

            assertThatThrownBy(() -> PeerlinkServer.start(loopback(port, 0)).close())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("cannot listen on udp 127.0.0.1:" + port + ": ");

            // another start on other ports works meanwhile
            try (PeerlinkServer other = PeerlinkServer.start(loopback(0, 0))) {
                assertThat(other.listeners()).hasSize(3);
            }
        }
        // the occupier is gone and the failed start holds nothing: the port is free again for UDP and TCP
        assertThat(udpFree(port)).isTrue();
        assertThat(tcpFree(port)).isTrue();
    }

    @Test
    void aLaterBindFailureClosesWhatWasAlreadyBound() throws Exception {
        try (ServerSocket tcpOccupier = new ServerSocket()) {
            tcpOccupier.bind(new InetSocketAddress(LOOPBACK, 0));
            int port = tcpOccupier.getLocalPort();
            if (!udpFree(port)) {
                org.junit.jupiter.api.Assumptions.abort("udp " + port + " happens to be taken; rerun");
            }

            // UDP binds first, then TCP fails
            assertThatThrownBy(() -> PeerlinkServer.start(loopback(port, 0)).close())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("cannot listen on tcp 127.0.0.1:" + port + ": ");

            assertThat(udpFree(port)).as("the UDP socket bound before the failure is closed again").isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !ioThreadsAlive());
    }

    @Test
    void aTlsPortInUseClosesUdpAndTcp() throws Exception {
        try (ServerSocket tlsOccupier = new ServerSocket()) {
            tlsOccupier.bind(new InetSocketAddress(LOOPBACK, 0));
            int tlsPort = tlsOccupier.getLocalPort();
            int port;
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                port = probe.getLocalPort();
            }

            assertThatThrownBy(() -> PeerlinkServer.start(loopback(port, tlsPort)).close())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("cannot listen on tls 127.0.0.1:" + tlsPort + ": ");

            assertThat(udpFree(port)).isTrue();
            assertThat(tcpFree(port)).isTrue();
        }
    }

    @Test
    void closeReleasesEveryPortAndThread() throws Exception {
        List<StunServer.Listener> listeners;
        try (PeerlinkServer server = PeerlinkServer.start(loopback(0, 0))) {
            listeners = server.listeners();
            assertThat(listeners).extracting(StunServer.Listener::protocol).containsExactlyInAnyOrder("udp", "tcp",
                    "tls");
        }
        for (StunServer.Listener listener : listeners) {
            int port = listener.address().getPort();
            assertThat(listener.protocol().equals("udp") ? udpFree(port) : tcpFree(port))
                    .as("%s is free after close", listener).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !ioThreadsAlive());
    }

    @Test
    void startValidatesFirst() {
        ServerConfig certOnly = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, "cert.pem", null, false, false, false,
                false, null);

        assertThatThrownBy(() -> PeerlinkServer.start(certOnly).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--cert and --pkey go together");
    }

    @Test
    void aMissingCertificateFileStopsTheStart() {
        Path missing = dir.resolve("missing.pem");
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, missing.toString(), missing.toString(),
                false, false, false, false, null);

        assertThatThrownBy(() -> PeerlinkServer.start(config).close())
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cert " + missing + " does not exist");
    }

    @Test
    void noTlsMeansNoCertificate() throws Exception {
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), 0, 0, 0, null, null, false, false, false, true,
                null);
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            assertThat(server.tls()).isNull();
            assertThat(server.listeners()).extracting(StunServer.Listener::protocol)
                    .containsExactlyInAnyOrder("udp", "tcp");
        }
    }

    @Test
    void servesTlsWithTheConfiguredRsaCertificate() throws Exception {
        KeyPair keys = TestPki.rsa();
        X509Certificate certificate = TestPki.selfSigned("CN=configured.test", keys);
        Path cert = TestPki.writePem(dir.resolve("cert.pem"), certificate);
        Path key = TestPki.writePem(dir.resolve("key.pem"), keys.getPrivate()); // PKCS#1, as old OpenSSL writes
        Path yaml = Files.writeString(dir.resolve("peerlink.yaml"), """
                listening-ip: 127.0.0.1
                listening-port: 0
                tls-listening-port: 0
                no-udp: true
                no-tcp: true
                cert: %s
                pkey: %s
                """.formatted(cert, key));

        try (PeerlinkServer server = PeerlinkServer.start(ServerConfig.load(yaml))) {
            assertThat(server.tls().selfSigned()).isFalse();
            assertThat(server.tls().chain()).containsExactly(certificate);
            assertThat(server.listeners()).extracting(StunServer.Listener::protocol).containsExactly("tls");
            InetSocketAddress tls = server.listeners().get(0).address();

            // Trust exactly the configured certificate and check its names against the address, as browsers do.
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("configured", certificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(tls.getAddress(),
                    tls.getPort())) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(5_000);
                socket.startHandshake();
                assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(certificate);
            }
            try (StunClient client = StunClient.open(StunTransport.TLS, tls, "127.0.0.1", null,
                    OPTIONS.withInsecureTls(true))) {
                assertThat(client.binding()).isEqualTo(client.localAddress());
            }
        }
    }

    @Test
    void softwareComesFromTheConfiguration() throws Exception {
        Path custom = Files.writeString(dir.resolve("custom.yaml"), """
                listening-ip: [127.0.0.1]
                listening-port: 0
                no-tcp: true
                no-tls: true
                software: "example STUN 2.0"
                """);
        Path none = Files.writeString(dir.resolve("none.yaml"), """
                listening-ip: [127.0.0.1]
                listening-port: 0
                no-tcp: true
                no-tls: true
                software: ""
                """);

        assertThat(softwareOf(ServerConfig.load(custom))).contains("example STUN 2.0");
        assertThat(softwareOf(ServerConfig.load(none))).isEmpty();
    }

    private static java.util.Optional<String> softwareOf(ServerConfig config) throws Exception {
        try (PeerlinkServer server = PeerlinkServer.start(config)) {
            InetSocketAddress udp = server.listeners().get(0).address();
            try (StunClient client = StunClient.open(StunTransport.UDP, udp, "127.0.0.1", null, OPTIONS)) {
                return client.request(List.of(), udp).response().string(StunAttributeType.SOFTWARE);
            }
        }
    }
}
