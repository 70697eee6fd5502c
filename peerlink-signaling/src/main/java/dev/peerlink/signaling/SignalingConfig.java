package dev.peerlink.signaling;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Everything the signaling server can be told (docs/signaling.md "Limits"). {@link #defaults()} gives the documented
 * defaults; the {@code with...} methods change one setting each.
 *
 * @param listenAddress       where to accept WebSocket upgrades (and other HTTP requests); port 0 lets the system pick
 * @param maxMessageBytes     the largest message, in bytes of UTF-8, a client may send
 * @param messagesPerSecond   the sustained rate of messages a connection may send
 * @param messageBurst        how many messages a connection may send at once before the rate applies
 * @param maxPeersPerRoom     the most peers one room holds (disconnected peers waiting to resume count)
 * @param maxRooms            the most rooms the server holds at once
 * @param heartbeatInterval   how long a connection may stay silent before the server pings it, and how often clients
 *                            should send something
 * @param missedHeartbeats    after this many silent intervals the server closes the connection
 * @param resumeWindow        how long a dropped connection's place is kept for a {@code join} with {@code resume}
 * @param resumeQueueLimit    how many signals wait for a dropped peer before senders are told {@code queue-full}
 * @param allowedOrigins      browser origins allowed to upgrade, exact matches such as {@code http://localhost:8080};
 *                            empty allows every origin
 * @param tokenSecrets        HMAC-SHA256 secrets for room tokens; tokens signed with any of them are accepted (so a
 *                            secret can be rotated); empty turns room tokens off
 */
public record SignalingConfig(
        InetSocketAddress listenAddress,
        int maxMessageBytes,
        int messagesPerSecond,
        int messageBurst,
        int maxPeersPerRoom,
        int maxRooms,
        Duration heartbeatInterval,
        int missedHeartbeats,
        Duration resumeWindow,
        int resumeQueueLimit,
        List<String> allowedOrigins,
        List<String> tokenSecrets) {

    public static final int DEFAULT_PORT = 8080;

    public SignalingConfig {
        allowedOrigins = List.copyOf(allowedOrigins);
        tokenSecrets = List.copyOf(tokenSecrets);
        validate(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom, maxRooms,
                heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, tokenSecrets);
    }

    /** 64 KiB messages, 50/s with bursts of 100, 16 peers a room, 10,000 rooms, 20 s heartbeats, 30 s resume. */
    public static SignalingConfig defaults() {
        return new SignalingConfig(new InetSocketAddress(DEFAULT_PORT), 64 * 1024, 50, 100, 16, 10_000,
                Duration.ofSeconds(20), 2, Duration.ofSeconds(30), 64, List.of(), List.of());
    }

    private static void validate(InetSocketAddress listenAddress, int maxMessageBytes, int messagesPerSecond,
                                 int messageBurst, int maxPeersPerRoom, int maxRooms, Duration heartbeatInterval,
                                 int missedHeartbeats, Duration resumeWindow, int resumeQueueLimit,
                                 List<String> tokenSecrets) {
        if (listenAddress == null) {
            throw new IllegalArgumentException("the signaling listen address is missing");
        }
        atLeast("the signaling message size limit", maxMessageBytes, 256);
        atLeast("the signaling message rate", messagesPerSecond, 1);
        atLeast("the signaling message burst", messageBurst, 1);
        atLeast("the signaling room size limit", maxPeersPerRoom, 1);
        atLeast("the signaling room count limit", maxRooms, 1);
        atLeast("the number of missed heartbeats before a disconnect", missedHeartbeats, 1);
        atLeast("the signaling resume queue limit", resumeQueueLimit, 0);
        if (heartbeatInterval == null || heartbeatInterval.toSeconds() < 1) {
            throw new IllegalArgumentException("the signaling heartbeat interval must be at least 1 second, not "
                    + heartbeatInterval);
        }
        if (resumeWindow == null || resumeWindow.isNegative()) {
            throw new IllegalArgumentException("the signaling resume window must be zero or more, not "
                    + resumeWindow);
        }
        for (String secret : tokenSecrets) {
            if (secret == null || secret.length() < 16) {
                // Never echo the secret: a sentence about its length is enough to fix it.
                throw new IllegalArgumentException("every signaling token secret must be at least 16 characters");
            }
        }
    }

    private static void atLeast(String what, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(what + " must be at least " + minimum + ", not " + value);
        }
    }

    /** How long a connection may stay silent before it is closed: the interval times the missed heartbeats. */
    public Duration livenessTimeout() {
        return heartbeatInterval.multipliedBy(missedHeartbeats);
    }

    public boolean tokensRequired() {
        return !tokenSecrets.isEmpty();
    }

    public SignalingConfig withListenAddress(InetSocketAddress value) {
        return new SignalingConfig(value, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom,
                maxRooms, heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, allowedOrigins,
                tokenSecrets);
    }

    public SignalingConfig withMaxMessageBytes(int value) {
        return new SignalingConfig(listenAddress, value, messagesPerSecond, messageBurst, maxPeersPerRoom, maxRooms,
                heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, allowedOrigins, tokenSecrets);
    }

    public SignalingConfig withRateLimit(int perSecond, int burst) {
        return new SignalingConfig(listenAddress, maxMessageBytes, perSecond, burst, maxPeersPerRoom, maxRooms,
                heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, allowedOrigins, tokenSecrets);
    }

    public SignalingConfig withMaxPeersPerRoom(int value) {
        return new SignalingConfig(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, value, maxRooms,
                heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, allowedOrigins, tokenSecrets);
    }

    public SignalingConfig withMaxRooms(int value) {
        return new SignalingConfig(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom,
                value, heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, allowedOrigins,
                tokenSecrets);
    }

    public SignalingConfig withHeartbeat(Duration interval, int missed) {
        return new SignalingConfig(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom,
                maxRooms, interval, missed, resumeWindow, resumeQueueLimit, allowedOrigins, tokenSecrets);
    }

    public SignalingConfig withResume(Duration window, int queueLimit) {
        return new SignalingConfig(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom,
                maxRooms, heartbeatInterval, missedHeartbeats, window, queueLimit, allowedOrigins, tokenSecrets);
    }

    public SignalingConfig withAllowedOrigins(List<String> value) {
        return new SignalingConfig(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom,
                maxRooms, heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, value, tokenSecrets);
    }

    public SignalingConfig withTokenSecrets(List<String> value) {
        return new SignalingConfig(listenAddress, maxMessageBytes, messagesPerSecond, messageBurst, maxPeersPerRoom,
                maxRooms, heartbeatInterval, missedHeartbeats, resumeWindow, resumeQueueLimit, allowedOrigins, value);
    }

    /** Secrets are counted, never shown. */
    @Override
    public String toString() {
        return "SignalingConfig[listenAddress=" + listenAddress + ", maxMessageBytes=" + maxMessageBytes
                + ", messagesPerSecond=" + messagesPerSecond + ", messageBurst=" + messageBurst
                + ", maxPeersPerRoom=" + maxPeersPerRoom + ", maxRooms=" + maxRooms
                + ", heartbeatInterval=" + heartbeatInterval + ", missedHeartbeats=" + missedHeartbeats
                + ", resumeWindow=" + resumeWindow + ", resumeQueueLimit=" + resumeQueueLimit
                + ", allowedOrigins=" + allowedOrigins + ", tokenSecrets=" + tokenSecrets.size() + " configured]";
    }
}
