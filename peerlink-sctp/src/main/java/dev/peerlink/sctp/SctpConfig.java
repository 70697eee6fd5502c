package dev.peerlink.sctp;

import java.time.Duration;

/**
 * How an {@link SctpAssociation} behaves. Build with {@link #builder()}; {@link #defaults()} has the RFC 9260 §16
 * protocol parameters, a 1200-byte packet size and the SDP default port 5000 (RFC 8841 §5).
 *
 * @param localPort           SCTP source port (RFC 8261 §5: from the SDP {@code a=sctp-port}, 5000 by default)
 * @param remotePort          SCTP destination port (the peer's {@code a=sctp-port})
 * @param mtu                 the SCTP packet size this association builds from the start (common header
 *                            included), and falls back to on a black hole: BASE_PLPMTU (RFC 8899 §5.1.2). WebRTC
 *                            stacks use about 1200 so a DTLS record fits any IPv6 path (RFC 8831 §5)
 * @param rtoInitial          RTO.Initial (RFC 9260 §16: 1 s; browsers often start lower)
 * @param rtoMin              RTO.Min (RFC 9260 §16: 1 s)
 * @param rtoMax              RTO.Max (RFC 9260 §16: 60 s)
 * @param maxRetransmissions  Association.Max.Retrans (RFC 9260 §8.1: 10)
 * @param maxInitRetransmissions  Max.Init.Retransmits (RFC 9260 §16: 8)
 * @param receiveWindow       the receive buffer advertised as a_rwnd, in bytes (at least {@code maxMessageSize})
 * @param maxMessageSize      the largest message this side reassembles (RFC 8841 max-message-size we advertise)
 * @param peerMaxMessageSize  the largest message the peer accepts ({@code a=max-message-size}; 65536 when the
 *                            peer's SDP has none, RFC 8841 §6.1); can be changed with
 *                            {@link SctpAssociation#setPeerMaxMessageSize}
 * @param maxSendBuffer       bytes of unsent messages {@code send} queues before it refuses more
 * @param streams             outbound streams requested and inbound streams accepted (RFC 9260 §5.1.1 OS/MIS)
 * @param cookieLifetime      Valid.Cookie.Life (RFC 9260 §16: 60 s)
 * @param heartbeatInterval   HB.interval (RFC 9260 §16: 30 s)
 * @param delayedAckTimeout   the delayed SACK timer (RFC 9260 §6.2: at most 500 ms, 200 ms here)
 * @param maxMtu              the largest SCTP packet Datagram PLPMTUD (RFC 8899) may probe for and then use
 *                            (MAX_PLPMTU, RFC 8899 §5.1.2); {@code mtu} is BASE_PLPMTU, the size used from the start
 *                            and fallen back to on a black hole. Equal to {@code mtu} (the default) turns probing off.
 *                            Probed sizes are whole 4-byte words (65535 probes 65532). Over DTLS, leave room for the
 *                            DTLS record, UDP and IP headers below the link MTU
 * @param probeTimeout        PROBE_TIMER (RFC 8899 §5.1.1: at least 1 s, should be more than 15 s): how long a probe
 *                            packet waits for its HEARTBEAT ACK before it counts as lost
 */
public record SctpConfig(int localPort, int remotePort, int mtu, Duration rtoInitial, Duration rtoMin,
                         Duration rtoMax, int maxRetransmissions, int maxInitRetransmissions, int receiveWindow,
                         int maxMessageSize, long peerMaxMessageSize, long maxSendBuffer, int streams,
                         Duration cookieLifetime, Duration heartbeatInterval, Duration delayedAckTimeout,
                         int maxMtu, Duration probeTimeout) {

    /** RFC 8899 §5.1.1: PROBE_TIMER "MUST NOT be smaller than 1 second, and SHOULD be larger than 15 seconds". */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(15);

    /** The configuration without path MTU discovery ({@code maxMtu == mtu}), as before RFC 8899 support. */
    public SctpConfig(int localPort, int remotePort, int mtu, Duration rtoInitial, Duration rtoMin, Duration rtoMax,
                      int maxRetransmissions, int maxInitRetransmissions, int receiveWindow, int maxMessageSize,
                      long peerMaxMessageSize, long maxSendBuffer, int streams, Duration cookieLifetime,
                      Duration heartbeatInterval, Duration delayedAckTimeout) {
        this(localPort, remotePort, mtu, rtoInitial, rtoMin, rtoMax, maxRetransmissions, maxInitRetransmissions,
                receiveWindow, maxMessageSize, peerMaxMessageSize, maxSendBuffer, streams, cookieLifetime,
                heartbeatInterval, delayedAckTimeout, mtu, DEFAULT_PROBE_TIMEOUT);
    }

    public SctpConfig {
        requirePort(localPort, "local");
        requirePort(remotePort, "remote");
        if (mtu < 256 || mtu > 65535) {
            throw new IllegalArgumentException("the SCTP packet size (mtu) must be between 256 and 65535 bytes, not " + mtu);
        }
        if (maxMtu < mtu || maxMtu > 65535) {
            throw new IllegalArgumentException("the largest SCTP packet size to probe for (maxMtu) must be between the "
                    + "packet size (mtu, " + mtu + ") and 65535 bytes, not " + maxMtu);
        }
        requirePositive(probeTimeout, "probe timeout");
        if (probeTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the PMTU probe timeout must be at least 1 s (RFC 8899 §5.1.1), not "
                    + probeTimeout);
        }
        requirePositive(rtoInitial, "RTO.Initial");
        requirePositive(rtoMin, "RTO.Min");
        requirePositive(rtoMax, "RTO.Max");
        if (rtoMin.compareTo(rtoMax) > 0) {
            throw new IllegalArgumentException("RTO.Min (" + rtoMin + ") must not exceed RTO.Max (" + rtoMax + ")");
        }
        if (maxRetransmissions < 1 || maxInitRetransmissions < 1) {
            throw new IllegalArgumentException("the retransmission limits must be at least 1");
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("the max message size must be positive, not " + maxMessageSize);
        }
        if (receiveWindow < maxMessageSize || receiveWindow < 2 * mtu) {
            throw new IllegalArgumentException("the receive window (" + receiveWindow
                    + " bytes) must hold at least one max-size message (" + maxMessageSize + ") and two packets");
        }
        if (peerMaxMessageSize < 1) {
            throw new IllegalArgumentException("the peer's max message size must be positive, not " + peerMaxMessageSize);
        }
        if (maxSendBuffer < 1) {
            throw new IllegalArgumentException("the send buffer limit must be positive, not " + maxSendBuffer);
        }
        if (streams < 1 || streams > 65535) {
            throw new IllegalArgumentException("the stream count must be between 1 and 65535, not " + streams);
        }
        requirePositive(cookieLifetime, "cookie lifetime");
        requirePositive(heartbeatInterval, "heartbeat interval");
        requirePositive(delayedAckTimeout, "delayed ack timeout");
        if (delayedAckTimeout.toMillis() > 500) {
            throw new IllegalArgumentException("the delayed SACK timeout must not exceed 500 ms (RFC 9260 §6.2), not "
                    + delayedAckTimeout);
        }
    }

    private static void requirePort(int port, String which) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the " + which + " SCTP port must be between 1 and 65535, not " + port);
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("the " + name + " must be positive, not " + value);
        }
    }

    public static SctpConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.localPort = localPort;
        b.remotePort = remotePort;
        b.mtu = mtu;
        b.rtoInitial = rtoInitial;
        b.rtoMin = rtoMin;
        b.rtoMax = rtoMax;
        b.maxRetransmissions = maxRetransmissions;
        b.maxInitRetransmissions = maxInitRetransmissions;
        b.receiveWindow = receiveWindow;
        b.maxMessageSize = maxMessageSize;
        b.peerMaxMessageSize = peerMaxMessageSize;
        b.maxSendBuffer = maxSendBuffer;
        b.streams = streams;
        b.cookieLifetime = cookieLifetime;
        b.heartbeatInterval = heartbeatInterval;
        b.delayedAckTimeout = delayedAckTimeout;
        b.maxMtu = maxMtu == mtu ? null : maxMtu; // probing off keeps following mtu if the copy changes it
        b.probeTimeout = probeTimeout;
        return b;
    }

    public static final class Builder {
        private int localPort = 5000;
        private int remotePort = 5000;
        private int mtu = 1200;
        private Duration rtoInitial = Duration.ofSeconds(1);
        private Duration rtoMin = Duration.ofSeconds(1);
        private Duration rtoMax = Duration.ofSeconds(60);
        private int maxRetransmissions = 10;
        private int maxInitRetransmissions = 8;
        private int receiveWindow = 1024 * 1024;
        private int maxMessageSize = 256 * 1024;
        private long peerMaxMessageSize = 65536;
        private long maxSendBuffer = 16L * 1024 * 1024;
        private int streams = 65535;
        private Duration cookieLifetime = Duration.ofSeconds(60);
        private Duration heartbeatInterval = Duration.ofSeconds(30);
        private Duration delayedAckTimeout = Duration.ofMillis(200);
        private Integer maxMtu;
        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;

        private Builder() {
        }

        public Builder localPort(int v) { localPort = v; return this; }
        public Builder remotePort(int v) { remotePort = v; return this; }
        public Builder mtu(int v) { mtu = v; return this; }
        public Builder rtoInitial(Duration v) { rtoInitial = v; return this; }
        public Builder rtoMin(Duration v) { rtoMin = v; return this; }
        public Builder rtoMax(Duration v) { rtoMax = v; return this; }
        public Builder maxRetransmissions(int v) { maxRetransmissions = v; return this; }
        public Builder maxInitRetransmissions(int v) { maxInitRetransmissions = v; return this; }
        public Builder receiveWindow(int v) { receiveWindow = v; return this; }
        public Builder maxMessageSize(int v) { maxMessageSize = v; return this; }
        public Builder peerMaxMessageSize(long v) { peerMaxMessageSize = v; return this; }
        public Builder maxSendBuffer(long v) { maxSendBuffer = v; return this; }
        public Builder streams(int v) { streams = v; return this; }
        public Builder cookieLifetime(Duration v) { cookieLifetime = v; return this; }
        public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
        public Builder delayedAckTimeout(Duration v) { delayedAckTimeout = v; return this; }
        /** MAX_PLPMTU for Datagram PLPMTUD (RFC 8899); unset, it equals {@code mtu} and nothing is probed. */
        public Builder maxMtu(int v) { maxMtu = v; return this; }
        /** PROBE_TIMER (RFC 8899 §5.1.1), at least 1 s. */
        public Builder probeTimeout(Duration v) { probeTimeout = v; return this; }

        public SctpConfig build() {
            return new SctpConfig(localPort, remotePort, mtu, rtoInitial, rtoMin, rtoMax, maxRetransmissions,
                    maxInitRetransmissions, receiveWindow, maxMessageSize, peerMaxMessageSize, maxSendBuffer, streams,
                    cookieLifetime, heartbeatInterval, delayedAckTimeout, maxMtu == null ? mtu : maxMtu, probeTimeout);
        }
    }
}
