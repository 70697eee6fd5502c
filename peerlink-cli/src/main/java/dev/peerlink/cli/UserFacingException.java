package dev.peerlink.cli;

/** A failure whose message is already the one line a user should read. */
final class UserFacingException extends Exception {
    UserFacingException(String message) {
        super(message);
    }
}
