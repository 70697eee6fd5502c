package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The locking driver of the DTLS 1.3 server: what it keeps for, and passes to, the DTLS 1.2 server. */
class Dtls13ConnectionTest {
    private static final DtlsCertificate clientCertificate = Dtls13TestCertificates.CLIENT;
    private static final DtlsCertificate serverCertificate = Dtls13TestCertificates.SERVER;

    private static Dtls13Connection connection() {
        Dtls13Server core = new Dtls13Server(serverCertificate, new Fingerprints(List.of(clientCertificate.fingerprint())),
                List.of(), new SecureRandom(), 1200, 1_000_000_000L);
        return new Dtls13Connection(core, new QueueDatagramTransport(16, out -> { }, 1200, 1 << 15, true));
    }

    @Test
    void aClientHelloForDtls12IsHandedOverOnceAndEveryDatagramAfterItIsTheDtls12Servers() throws Exception {
        Dtls13TestClient.Options onlyDtls12 = new Dtls13TestClient.Options();
        onlyDtls12.versions = List.of(0xFEFD);
        List<byte[]> hello = new Dtls13TestClient(clientCertificate, serverCertificate, onlyDtls12).clientHello();
        Dtls13Connection connection = connection();
        Dtls13Connection.Progress last = null;
        for (byte[] datagram : hello) {
            last = connection.handle(datagram.clone(), 0);
        }
        assertThat(last).isEqualTo(Dtls13Connection.Progress.NOT_OURS);
        assertThat(connection.clientHelloDatagrams()).extracting(ByteBuffer::remaining)
                .containsExactlyElementsOf(hello.stream().map(datagram -> datagram.length).toList());
        // A retransmission, or a datagram another thread brought meanwhile: not read again, not handed over again.
        assertThat(connection.handle(hello.get(0).clone(), 0)).isEqualTo(Dtls13Connection.Progress.HANDED_OVER);
    }

    @Test
    void datagramsBeforeTheClientHelloAreKeptForTheDtls12ServerOnlyUpToABound() throws Exception {
        Dtls13Connection connection = connection();
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[1000];
            junk[0] = 22; // a plaintext handshake record of epoch 1, which nothing reads
            junk[4] = 1;
            assertThat(connection.handle(junk, 0)).isEqualTo(Dtls13Connection.Progress.HANDSHAKING);
        }
        List<ByteBuffer> kept = connection.clientHelloDatagrams();
        assertThat(kept).hasSizeLessThanOrEqualTo(16);
        assertThat(kept.stream().mapToInt(ByteBuffer::remaining).sum()).isLessThanOrEqualTo(64 * 1024);

        // The ClientHello that comes after still makes a connection.
        Dtls13TestClient client = new Dtls13TestClient(clientCertificate, serverCertificate,
                new Dtls13TestClient.Options());
        for (byte[] datagram : client.clientHello()) {
            assertThat(connection.handle(datagram.clone(), 0)).isEqualTo(Dtls13Connection.Progress.HANDSHAKING);
        }
    }
}
