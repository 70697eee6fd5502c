package dev.peerlink.peer.transfer;

/** A signaled session or file transfer failed; the message is one sentence a person can act on. */
public final class TransferException extends Exception {
    public TransferException(String message) {
        super(message);
    }
}
