package dev.peerlink.peer.transfer;

/** Told how far a transfer has come: {@code done} of {@code total} bytes. */
@FunctionalInterface
public interface TransferProgress {
    TransferProgress NONE = (done, total) -> { };

    void update(long done, long total);
}
