package dev.peerlink.sctp;

import dev.peerlink.testkit.VirtualDatagramLink;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Two associations joined by the testkit's seeded virtual datagram link (loss, duplication, jitter). */
final class VirtualLink extends VirtualDatagramLink<SctpAssociation, SctpEvent> {
    private static final Driver<SctpAssociation, SctpEvent> DRIVER = new Driver<>() {
        @Override
        public Optional<ByteBuffer> pollTransmit(SctpAssociation endpoint) {
            return endpoint.pollTransmit();
        }

        @Override
        public Optional<SctpEvent> pollEvent(SctpAssociation endpoint) {
            return endpoint.pollEvent();
        }

        @Override
        public void handleInput(SctpAssociation endpoint, ByteBuffer packet, long nowNanos) {
            endpoint.handleInput(packet, nowNanos);
        }

        @Override
        public void handleTimeout(SctpAssociation endpoint, long nowNanos) {
            endpoint.handleTimeout(nowNanos);
        }

        @Override
        public long nextTimeoutNanos(SctpAssociation endpoint) {
            return endpoint.nextTimeoutNanos();
        }
    };

    VirtualLink(SctpAssociation a, SctpAssociation b, long seed) {
        super(a, b, new Random(seed), DRIVER);
    }

    static VirtualLink connected(SctpConfig ca, SctpConfig cb, long seed) {
        Random r = new Random(seed);
        VirtualLink link = new VirtualLink(SctpAssociation.client(ca, new Random(r.nextLong())),
                SctpAssociation.server(cb, new Random(r.nextLong())), seed);
        link.a.connect(0);
        if (!link.runUntil(() -> link.a.state() == SctpState.ESTABLISHED && link.b.state() == SctpState.ESTABLISHED,
                60_000_000_000L)) {
            throw new AssertionError("the associations did not connect");
        }
        link.eventsA.clear();
        link.eventsB.clear();
        return link;
    }

    static List<SctpEvent.MessageReceived> messages(List<SctpEvent> events) {
        return events.stream().filter(e -> e instanceof SctpEvent.MessageReceived)
                .map(e -> (SctpEvent.MessageReceived) e).toList();
    }
}
