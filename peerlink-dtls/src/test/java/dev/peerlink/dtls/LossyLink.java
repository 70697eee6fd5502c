package dev.peerlink.dtls;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Two {@link DtlsTransport}s joined in memory: each one's outbound datagrams go straight to the other's
 * {@link DtlsTransport#handleIncoming}, except the share {@link #loss} drops (seeded, so a run repeats its pattern
 * of drops for the same order of sends).
 */
final class LossyLink {
    final DtlsCertificate clientCertificate;
    final DtlsCertificate serverCertificate;
    final DtlsTransport client;
    final DtlsTransport server;
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger delivered = new AtomicInteger();
    private final Random random;
    private volatile double loss;

    private LossyLink(long seed, double loss, DtlsCertificate clientCertificate, DtlsCertificate serverCertificate,
                      Customizer clientSide, Customizer serverSide) {
        this.random = new Random(seed);
        this.loss = loss;
        this.clientCertificate = clientCertificate;
        this.serverCertificate = serverCertificate;
        AtomicReference<DtlsTransport> clientRef = new AtomicReference<>();
        AtomicReference<DtlsTransport> serverRef = new AtomicReference<>();
        DtlsTransport.Builder clientBuilder = DtlsTransport.builder(DtlsRole.CLIENT, clientCertificate,
                        List.of(serverCertificate.fingerprint()))
                .outbound(toward(serverRef));
        DtlsTransport.Builder serverBuilder = DtlsTransport.builder(DtlsRole.SERVER, serverCertificate,
                        List.of(clientCertificate.fingerprint()))
                .outbound(toward(clientRef));
        this.client = clientSide.apply(clientBuilder).build();
        this.server = serverSide.apply(serverBuilder).build();
        clientRef.set(client);
        serverRef.set(server);
    }

    interface Customizer {
        DtlsTransport.Builder apply(DtlsTransport.Builder builder);
    }

    static LossyLink lossless(DtlsCertificate client, DtlsCertificate server) {
        return new LossyLink(1, 0, client, server, b -> b, b -> b);
    }

    static LossyLink of(long seed, double loss, DtlsCertificate client, DtlsCertificate server,
                        Customizer clientSide, Customizer serverSide) {
        return new LossyLink(seed, loss, client, server, clientSide, serverSide);
    }

    /** Fast retransmission for tests on a lossy link: 50 ms first, doubling. */
    static DtlsTransport.Builder fastRetransmit(DtlsTransport.Builder builder) {
        return builder.initialRetransmitTimeout(Duration.ofMillis(50)).handshakeTimeout(Duration.ofSeconds(40));
    }

    void loss(double value) {
        this.loss = value;
    }

    void start() {
        server.start();
        client.start();
    }

    private Consumer<ByteBuffer> toward(AtomicReference<DtlsTransport> target) {
        return datagram -> {
            boolean drop;
            synchronized (random) {
                drop = random.nextDouble() < loss;
            }
            if (drop) {
                dropped.incrementAndGet();
                return;
            }
            delivered.incrementAndGet();
            DtlsTransport to = target.get();
            if (to != null) {
                to.handleIncoming(datagram);
            }
        };
    }
}
