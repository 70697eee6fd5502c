package dev.peerlink.datachannel;

import dev.peerlink.sctp.SctpAssociation;
import dev.peerlink.sctp.SctpConfig;
import dev.peerlink.testkit.VirtualDatagramLink;
import java.util.List;
import java.util.Random;

/** Two data channel managers over the testkit's seeded lossy, reordering datagram link on a virtual clock. */
final class ChannelLink extends VirtualDatagramLink<DataChannelManager, DataChannelEvent> {
    private static final Driver<DataChannelManager, DataChannelEvent> DRIVER = Driver.of(DataChannelManager::pollTransmit,
            DataChannelManager::pollEvent, DataChannelManager::handleInput, DataChannelManager::handleTimeout,
            DataChannelManager::nextTimeoutNanos);

    private ChannelLink(Random rnd, SctpConfig config) {
        super(new DataChannelManager(SctpAssociation.client(config, new Random(rnd.nextLong())), true),
                new DataChannelManager(SctpAssociation.server(config, new Random(rnd.nextLong())), false),
                rnd, DRIVER);
        recordSent = true;
    }

    ChannelLink(long seed) {
        this(new Random(seed), SctpConfig.builder().peerMaxMessageSize(256 * 1024).build());
    }

    static ChannelLink connected(long seed) {
        ChannelLink link = new ChannelLink(seed);
        link.a.connect(0);
        if (!link.runUntil(() -> link.eventsA.contains(new DataChannelEvent.Connected())
                && link.eventsB.contains(new DataChannelEvent.Connected()), 60_000_000_000L)) {
            throw new AssertionError("the associations did not connect");
        }
        link.eventsA.clear();
        link.eventsB.clear();
        return link;
    }

    /** The packets a sent, in order (lost ones too). */
    List<byte[]> wireAToB() {
        return sent.stream().filter(Sent::aToB).map(Sent::bytes).toList();
    }

    static <T> List<T> ofType(List<DataChannelEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
