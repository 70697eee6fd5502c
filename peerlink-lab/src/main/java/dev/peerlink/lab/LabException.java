package dev.peerlink.lab;

/** The lab could not be built or a program in it could not be run; the message is one sentence naming why. */
public class LabException extends Exception {
    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
