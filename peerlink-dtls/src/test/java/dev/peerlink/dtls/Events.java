package dev.peerlink.dtls;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads a transport's event queue in tests. */
final class Events {
    private final DtlsTransport transport;
    private final List<DtlsEvent> seen = new ArrayList<>();

    Events(DtlsTransport transport) {
        this.transport = transport;
    }

    /** Waits for the next event of {@code type}, keeping the ones before it in {@link #seen()}. */
    <T extends DtlsEvent> T next(Class<T> type, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            DtlsEvent event = left <= 0 ? null : transport.events().poll(left, TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new AssertionError("no " + type.getSimpleName() + " within " + patience + "; saw " + seen
                        + ", state " + transport.state());
            }
            seen.add(event);
            if (type.isInstance(event)) {
                return type.cast(event);
            }
        }
    }

    /** Drains what has arrived so far. */
    List<DtlsEvent> drain() {
        DtlsEvent event;
        while ((event = transport.events().poll()) != null) {
            seen.add(event);
        }
        return seen;
    }

    List<DtlsEvent> seen() {
        return seen;
    }

    /** Every application message received so far, as text. */
    List<String> texts() {
        drain();
        List<String> texts = new ArrayList<>();
        for (DtlsEvent event : seen) {
            if (event instanceof DtlsEvent.DataReceived data) {
                texts.add(StandardCharsets.UTF_8.decode(data.data().duplicate()).toString());
            }
        }
        return texts;
    }

    void awaitText(String text, Duration patience) {
        await().atMost(patience).until(() -> texts().contains(text));
    }
}
