package dev.peerlink.signaling.client;

import dev.peerlink.signaling.protocol.ErrorCode;

/**
 * Signaling failed: the server refused (then {@link #code()} says why, as in docs/signaling.md "Errors"), or the
 * connection could not be made or was lost (then {@link #code()} is null; {@link #httpStatus()} is the refused
 * upgrade's status when there was one, else 0).
 */
public final class SignalingException extends Exception {
    private final ErrorCode code;
    private final int httpStatus;

    public SignalingException(String message, ErrorCode code, int httpStatus, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public ErrorCode code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
