package dev.peerlink.signaling.protocol;

import java.util.Optional;

/** What a relayed {@code signal} carries (docs/signaling.md "signal"); the server relays the payload untouched. */
public enum SignalKind {
    OFFER("offer"),
    ANSWER("answer"),
    CANDIDATE("candidate"),
    END_OF_CANDIDATES("end-of-candidates"),
    BYE("bye");

    private final String wireName;

    SignalKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<SignalKind> fromWire(String name) {
        for (SignalKind kind : values()) {
            if (kind.wireName.equals(name)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
