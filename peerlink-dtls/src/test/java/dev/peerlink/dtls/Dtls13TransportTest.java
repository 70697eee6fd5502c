package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.junit.jupiter.api.Test;

/**
 * A {@link DtlsTransport} server answering a DTLS 1.3 ClientHello (from {@link Dtls13TestClient}) with DTLS 1.3: the
 * handshake on the thread that delivers the datagrams, then records both ways, keying material, and close_notify.
 */
class Dtls13TransportTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final DtlsCertificate clientCertificate = Dtls13TestCertificates.CLIENT;
    private static final DtlsCertificate serverCertificate = Dtls13TestCertificates.SERVER;

    private record Handshake(Dtls13TestClient client, DtlsEvent.Connected connected) {
    }

    private static Dtls13TestClient newClient() {
        return new Dtls13TestClient(clientCertificate, serverCertificate, new Dtls13TestClient.Options());
    }

    /** The server transport, with what it sends queued for the test to hand to the client. */
    private record Server(DtlsTransport transport, LinkedBlockingQueue<ByteBuffer> sent, Events events) {
        static Server start() {
            LinkedBlockingQueue<ByteBuffer> sent = new LinkedBlockingQueue<>();
            DtlsTransport transport = DtlsTransport.builder(DtlsRole.SERVER, serverCertificate,
                    List.of(clientCertificate.fingerprint())).outbound(sent::add).build();
            transport.start();
            return new Server(transport, sent, new Events(transport));
        }

        void receive(List<byte[]> datagrams) {
            datagrams.forEach(datagram -> transport.handleIncoming(ByteBuffer.wrap(datagram)));
        }

        /** A default client's handshake with this server, up to the Connected event. */
        Handshake handshake() throws Exception {
            Dtls13TestClient client = newClient();
            receive(client.clientHello());
            receive(flightTo(client));
            return new Handshake(client, events.next(DtlsEvent.Connected.class, PATIENCE));
        }

        byte[] nextSent() throws InterruptedException {
            ByteBuffer datagram = sent.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(datagram).as("a datagram from the server").isNotNull();
            byte[] bytes = new byte[datagram.remaining()];
            datagram.get(bytes);
            return bytes;
        }

        /** Hands the server's datagrams to the client until its flight is complete. */
        List<byte[]> flightTo(Dtls13TestClient client) throws Exception {
            while (true) {
                List<byte[]> answer = client.handle(nextSent());
                if (!answer.isEmpty()) {
                    return answer;
                }
            }
        }
    }

    @Test
    void answersDtls13AndCarriesRecordsBothWays() throws Exception {
        Server server = Server.start();
        Handshake handshake = server.handshake();
        Dtls13TestClient client = handshake.client();
        DtlsEvent.Connected connected = handshake.connected();
        assertThat(server.transport().protocolVersion()).contains("DTLS 1.3");
        assertThat(server.transport().state()).isEqualTo(DtlsState.CONNECTED);
        client.handle(server.nextSent());
        assertThat(client.acknowledged()).isTrue();

        // The SRTP keys come from the DTLS 1.3 exporter (RFC 8446 §7.5), the same on both sides.
        SrtpKeyingMaterial keys = connected.srtpKeyingMaterial().orElseThrow();
        assertThat(keys.profile()).isEqualTo(SrtpProfile.AEAD_AES_128_GCM);
        byte[] clientMaterial = client.export(SrtpKeyingMaterial.EXPORTER_LABEL, 56);
        assertThat(server.transport().exportKeyingMaterial(SrtpKeyingMaterial.EXPORTER_LABEL, 56))
                .isEqualTo(clientMaterial);
        assertThat(keys.serverKey()).isEqualTo(java.util.Arrays.copyOfRange(clientMaterial, 16, 32));

        server.receive(List.of(client.protect("hello from the client".getBytes(StandardCharsets.UTF_8))));
        server.events().awaitText("hello from the client", PATIENCE);
        assertThat(server.transport().maxApplicationDataSize()).isEqualTo(DtlsTransport.DEFAULT_MTU - 22);
        assertThat(server.transport().send(ByteBuffer.wrap("hello from the server".getBytes(StandardCharsets.UTF_8))))
                .isTrue();
        client.handle(server.nextSent());
        assertThat(new String(client.pollApplicationData(), StandardCharsets.UTF_8)).isEqualTo("hello from the server");

        server.transport().close();
        assertThat(server.events().next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isFalse();
        client.handle(server.nextSent());
        assertThat(client.alerts()).containsExactly((int) AlertDescription.close_notify);
    }

    @Test
    void theClientsCloseNotifyClosesTheTransport() throws Exception {
        Server server = Server.start();
        Dtls13TestClient client = server.handshake().client();

        server.receive(List.of(client.alert(AlertLevel.warning, AlertDescription.close_notify)));
        assertThat(server.events().next(DtlsEvent.Closed.class, PATIENCE).byPeer()).isTrue();
        assertThat(server.transport().state()).isEqualTo(DtlsState.CLOSED);
    }

    @Test
    void aClientHelloThatCameBeforeStartIsAnsweredWhenTheServerStarts() throws Exception {
        LinkedBlockingQueue<ByteBuffer> sent = new LinkedBlockingQueue<>();
        DtlsTransport transport = DtlsTransport.builder(DtlsRole.SERVER, serverCertificate,
                List.of(clientCertificate.fingerprint())).outbound(sent::add).build();
        Server server = new Server(transport, sent, new Events(transport));
        Dtls13TestClient client = newClient();
        server.receive(client.clientHello());
        assertThat(sent).isEmpty();

        transport.start();
        server.receive(server.flightTo(client));
        server.events().next(DtlsEvent.Connected.class, PATIENCE);
        assertThat(transport.protocolVersion()).contains("DTLS 1.3");
        transport.close();
    }

    @Test
    void aClientThatNeverFinishesFailsAtTheHandshakeTimeoutAfterTheFlightWasResent() throws Exception {
        LinkedBlockingQueue<ByteBuffer> sent = new LinkedBlockingQueue<>();
        DtlsTransport transport = DtlsTransport.builder(DtlsRole.SERVER, serverCertificate,
                        List.of(clientCertificate.fingerprint())).outbound(sent::add)
                .initialRetransmitTimeout(Duration.ofMillis(100)).handshakeTimeout(Duration.ofMillis(700)).build();
        transport.start();
        Server server = new Server(transport, sent, new Events(transport));
        server.receive(newClient().clientHello());

        DtlsEvent.Failed failed = server.events().next(DtlsEvent.Failed.class, PATIENCE);
        assertThat(failed.reason()).contains("the DTLS handshake failed", "no answer from the peer within 700 ms");
        // The flight went out, then again at 100 ms, 300 ms and 700 ms (the timer doubling), or at least twice.
        assertThat(sent.size()).isGreaterThanOrEqualTo(2);
        assertThat(transport.state()).isEqualTo(DtlsState.FAILED);
    }

    @Test
    void withDtls13OffTheServerAnswersADtls13ClientHelloWithDtls12() throws Exception {
        LinkedBlockingQueue<ByteBuffer> sent = new LinkedBlockingQueue<>();
        DtlsTransport transport = DtlsTransport.builder(DtlsRole.SERVER, serverCertificate,
                List.of(clientCertificate.fingerprint())).outbound(sent::add).dtls13(false).build();
        transport.start();
        Server server = new Server(transport, sent, new Events(transport));
        server.receive(newClient().clientHello());

        byte[] serverHello = server.nextSent();
        // A DTLSPlaintext handshake record (RFC 6347 §4.1) with a ServerHello whose version is DTLS 1.2 (RFC 6347
        // §4.2.1: {254, 253}) and whose suite is a DTLS 1.2 one, not TLS_AES_128_GCM_SHA256.
        assertThat(serverHello[0]).isEqualTo((byte) 22);
        assertThat(serverHello[13]).isEqualTo((byte) 2);
        assertThat(new byte[] {serverHello[25], serverHello[26]}).containsExactly(0xFE, 0xFD);
        int sessionIdLength = serverHello[25 + 2 + 32] & 0xFF;
        int suiteAt = 25 + 2 + 32 + 1 + sessionIdLength;
        int suite = ((serverHello[suiteAt] & 0xFF) << 8) | (serverHello[suiteAt + 1] & 0xFF);
        assertThat(suite).isNotEqualTo(Dtls13ClientHello.TLS_AES_128_GCM_SHA256);
        transport.close();
    }

    @Test
    void aMismatchedClientCertificateFailsNamingBothFingerprints() throws Exception {
        LinkedBlockingQueue<ByteBuffer> sent = new LinkedBlockingQueue<>();
        DtlsCertificate someoneElse = DtlsCertificate.generate();
        DtlsTransport transport = DtlsTransport.builder(DtlsRole.SERVER, serverCertificate,
                List.of(someoneElse.fingerprint())).outbound(sent::add).build();
        transport.start();
        Server server = new Server(transport, sent, new Events(transport));
        Dtls13TestClient client = newClient();
        server.receive(client.clientHello());
        server.receive(server.flightTo(client));

        DtlsEvent.Failed failed = server.events().next(DtlsEvent.Failed.class, PATIENCE);
        assertThat(failed.reason()).contains("the DTLS handshake failed")
                .contains(clientCertificate.fingerprint().toString()).contains(someoneElse.fingerprint().toString());
        client.handle(server.nextSent());
        assertThat(client.alerts()).containsExactly((int) AlertDescription.bad_certificate);
    }
}
