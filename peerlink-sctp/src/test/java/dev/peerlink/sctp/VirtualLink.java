package dev.peerlink.sctp;

import dev.peerlink.testkit.VirtualDatagramLink;
import java.util.List;
import java.util.Random;

/** Two associations joined by the testkit's seeded virtual datagram link (loss, duplication, jitter). */
final class VirtualLink extends VirtualDatagramLink<SctpAssociation, SctpEvent> {
    private static final Driver<SctpAssociation, SctpEvent> DRIVER = Driver.of(SctpAssociation::pollTransmit,
            SctpAssociation::pollEvent, SctpAssociation::handleInput, SctpAssociation::handleTimeout,
            SctpAssociation::nextTimeoutNanos);

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
