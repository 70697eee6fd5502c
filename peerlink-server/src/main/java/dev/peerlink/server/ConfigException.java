package dev.peerlink.server;

/** The configuration is wrong; the message is one sentence saying what and how to fix it. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
