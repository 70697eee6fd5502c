package dev.peerlink.dtls;

import dev.peerlink.sdp.Fingerprint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Vector;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsTimeoutException;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DTLS connection of a WebRTC peer (RFC 8827 §6.5), over whatever carries its datagrams (an ICE session's
 * selected pair). The driver:
 * <ol>
 *   <li>builds it with the role from {@code a=setup} ({@link DtlsRole}), this peer's {@link DtlsCertificate}, the
 *       remote description's {@code a=fingerprint}s, and an outbound sink that must not block (it may be called from
 *       inside {@link #handleIncoming});</li>
 *   <li>passes every datagram whose first byte is 20–63 (RFC 7983 §7) to {@link #handleIncoming}, from any
 *       thread;</li>
 *   <li>calls {@link #start()} (the client once ICE is connected; the server as early as it likes) and hears
 *       {@link DtlsEvent}s: {@link DtlsEvent.Connected}, then {@link DtlsEvent.DataReceived}s, then one of
 *       {@link DtlsEvent.Closed} or {@link DtlsEvent.Failed}.</li>
 * </ol>
 * <b>A server</b> answers a client that offers DTLS 1.3 the way browsers do with DTLS 1.3 (RFC 9147,
 * {@link Dtls13Server}, written here: Bouncy Castle 1.84 has none), one round trip shorter than DTLS 1.2; it handles
 * each datagram on the thread that delivers it, and a virtual thread sleeps until the next retransmission or the
 * handshake timeout. Any other ClientHello goes to Bouncy Castle's DTLS 1.2 server. <b>A client</b> speaks DTLS 1.2
 * (Bouncy Castle), which every WebRTC server accepts.
 *
 * <p>Bouncy Castle's DTLS is blocking: its handshake runs on one virtual thread per connection, which parks (holding no
 * carrier thread) while it waits on the inbound queue. Once connected, with a listener, the records that arrive are
 * decrypted on the listener's executor, a batch per task, and handed to the listener there; without one, the virtual
 * thread goes on reading into {@link #events()}. Both versions retransmit handshake flights (RFC 6347 §4.2.4,
 * RFC 9147 §5.8: from {@link Builder#initialRetransmitTimeout}, doubling up to 60 s) until
 * {@link Builder#handshakeTimeout}. DTLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 and extended master secret
 * required (RFC 7627); DTLS 1.3 with TLS_AES_128_GCM_SHA256 and X25519; mutual certificate authentication checked
 * against the SDP fingerprints (RFC 8122 §5), and use_srtp offered or selected (RFC 5764 §4.1).
 *
 * <p>Public methods may be called from any thread and throw only what they document.
 */
public final class DtlsTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DtlsTransport.class);
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    /** A conservative path MTU for the DTLS datagrams (what browsers use over ICE/UDP). */
    public static final int DEFAULT_MTU = 1200;
    /** RFC 6347 §4.1 / RFC 5246 §6.2.1: a record's plaintext is at most 2^14 bytes. */
    public static final int MAX_PLAINTEXT = 1 << 14;
    /**
     * The largest DTLS datagram of one record: the 13-byte header (RFC 6347 §4.1) and a ciphertext of at most
     * 2^14 + 2048 bytes (RFC 5246 §6.2.3). A peer that found a large path MTU (RFC 8899 over DTLS, RFC 8261 §5) may
     * send records this large, so this is also what is accepted.
     */
    public static final int MAX_RECORD_DATAGRAM_SIZE = 13 + MAX_PLAINTEXT + 2048;
    /** The largest datagram accepted from the peer: any record it may send. */
    static final int RECEIVE_LIMIT = MAX_RECORD_DATAGRAM_SIZE;
    /**
     * Datagrams queued for the read loop. A drop here is a loss to SCTP above (RFC 8261), which halves its
     * congestion window, so the queue holds more than a full SCTP receive window of packets (4 MiB in ~1200-byte
     * records is ~3,500) plus their SACKs: a reader that falls behind is then throttled by the peer's window, not by
     * loss. 32 KiB of references per connection.
     */
    private static final int INBOUND_QUEUE_CAPACITY = 8192;
    /** How long the read loop waits per BC receive call; it ends earlier when the transport closes. */
    private static final int READ_WAIT_MILLIS = 30_000;

    /** Browser-compatible suites (RFC 8827 §6.5 asks for ECDHE with ECDSA and AES-GCM). Ours is an ECDSA cert. */
    private static final int[] SERVER_SUITES = {
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    };
    /** As a client the peer's certificate decides the signature; an older peer may still present an RSA one. */
    private static final int[] CLIENT_SUITES = {
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    };
    /** The suites this JVM's crypto can run, worked out once: BC tries a cipher of each suite per call. */
    private static final class SupportedSuites {
        private static final DtlsCrypto CRYPTO = new DtlsCrypto(new SecureRandom());
        static final int[] CLIENT = TlsUtils.getSupportedCipherSuites(CRYPTO, CLIENT_SUITES);
        static final int[] SERVER = TlsUtils.getSupportedCipherSuites(CRYPTO, SERVER_SUITES);
    }
    private static final SignatureAndHashAlgorithm ECDSA_SHA256 =
            SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

    private final DtlsRole role;
    private final DtlsCertificate certificate;
    private final Fingerprints remoteFingerprints;
    private final List<SrtpProfile> srtpProfiles;
    private final int handshakeTimeoutMillis;
    private final int initialRetransmitMillis;
    private final QueueDatagramTransport datagrams;
    private final Executor eventExecutor;
    private final Consumer<DtlsEvent> listener;
    private final BlockingQueue<DtlsEvent> eventQueue = new LinkedBlockingQueue<>();
    private final JcaTlsCrypto crypto;
    private final SecureRandom random = new SecureRandom();
    private final int mtu;
    private final AtomicReference<DtlsState> state = new AtomicReference<>(DtlsState.NEW);

    private volatile TlsPeer tlsPeer;
    private volatile TlsContext tlsContext;
    private volatile KeyExporter exporter;
    /** Bouncy Castle's DTLS 1.2 connection, once connected. */
    private volatile DatagramTransport dtls;
    /**
     * A server's DTLS 1.3 connection: made with the transport, fed datagrams on the caller's thread once started,
     * dropped (null) when the ClientHello is for the DTLS 1.2 server.
     */
    private volatile Dtls13Connection dtls13;
    private volatile boolean dtls13Started;
    private volatile String protocolVersion;
    private volatile SrtpProfile selectedSrtpProfile;
    private volatile String certificateFailure;
    private volatile boolean peerSentCloseNotify;
    /** The peer's record_size_limit (RFC 8449), -1 when it sent none. */
    private volatile int peerRecordSizeLimit = -1;
    private volatile short peerFatalAlert = -1;
    private volatile Thread thread;
    /** Connected with a listener: {@link #drainInbound} reads, not the virtual thread. */
    private volatile boolean draining;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** {@link #drainInbound}'s plaintext buffer (one drain at a time: the executor is serial). */
    private final byte[] drainBuffer = new byte[RECEIVE_LIMIT];
    /** Header and cipher expansion of one record, measured once connected (AEAD: fixed per record). */
    private volatile int recordOverhead = 13 + 8 + 16;
    /** The datagram size for records once connected ({@link #setMaxRecordDatagramSize}); the handshake's MTU at first. */
    private volatile int recordDatagramSize;

    private DtlsTransport(Builder builder) {
        this.role = builder.role;
        this.certificate = builder.certificate;
        this.remoteFingerprints = new Fingerprints(builder.remoteFingerprints);
        this.srtpProfiles = List.copyOf(builder.srtpProfiles);
        this.handshakeTimeoutMillis = Math.toIntExact(builder.handshakeTimeout.toMillis());
        this.initialRetransmitMillis = Math.toIntExact(builder.initialRetransmitTimeout.toMillis());
        this.datagrams = new QueueDatagramTransport(INBOUND_QUEUE_CAPACITY, builder.outbound, builder.mtu,
                RECEIVE_LIMIT, builder.role == DtlsRole.SERVER);
        this.recordDatagramSize = builder.mtu;
        this.listener = builder.listener;
        this.eventExecutor = builder.listener == null ? null : new SerialExecutor(builder.listenerExecutor);
        this.crypto = new DtlsCrypto(random);
        this.mtu = builder.mtu;
        if (role == DtlsRole.SERVER && builder.dtls13 && Dtls13Server.canUse(certificate)) {
            this.dtls13 = new Dtls13Connection(new Dtls13Server(certificate, remoteFingerprints, srtpProfiles, random,
                    mtu, TimeUnit.MILLISECONDS.toNanos(initialRetransmitMillis), builder.serverSecrets), datagrams);
        }
    }

    /**
     * Starts describing a connection.
     *
     * @param role               from {@code a=setup}, see {@link DtlsRole}
     * @param certificate        this peer's identity, whose fingerprint went into our description
     * @param remoteFingerprints the remote description's {@code a=fingerprint}s (media-level, else session-level)
     */
    public static Builder builder(DtlsRole role, DtlsCertificate certificate, List<Fingerprint> remoteFingerprints) {
        return new Builder(role, certificate, remoteFingerprints);
    }

    // ------------------------------------------------------------------------------------------- driver calls

    /**
     * Starts the handshake on a virtual thread of its own. A client sends its ClientHello at once; a server waits
     * for one. Starting twice, or after {@link #close()}, does nothing.
     */
    public void start() {
        if (!state.compareAndSet(DtlsState.NEW, DtlsState.CONNECTING)) {
            return;
        }
        Dtls13Connection connection = dtls13;
        if (connection == null) {
            thread = Thread.ofVirtual().name("peerlink-dtls-" + THREAD_NUMBER.incrementAndGet()).start(this::run);
            return;
        }
        // DTLS 1.3 needs no thread of its own for datagrams: they are handled as they arrive (handleIncoming),
        // those queued before now first. A virtual thread keeps the retransmission and handshake timers.
        dtls13Started = true;
        handleQueuedDtls13(connection);
        if (dtls13 == connection && state.get() == DtlsState.CONNECTING) {
            thread = Thread.ofVirtual().name("peerlink-dtls13-timer-" + THREAD_NUMBER.incrementAndGet())
                    .start(() -> runDtls13Timers(connection));
        }
    }

    /**
     * A datagram from the peer (first byte 20–63, RFC 7983 §7); others are dropped. For the DTLS 1.2 side, and before
     * {@link #start()}, the bytes between position and limit are copied and queued, never waiting: when the queue is
     * full the datagram is dropped, as a full socket buffer would; datagrams that arrive before {@link #start()} wait
     * for it (the peer's ClientHello may come first). A started DTLS 1.3 server handles the datagram right here, on
     * the caller's thread: decrypts it, sends what it answers through the outbound sink and reports what it brought.
     */
    public void handleIncoming(ByteBuffer datagram) {
        if (datagram == null || !datagram.hasRemaining()) {
            return;
        }
        int first = datagram.get(datagram.position()) & 0xFF;
        if (first < 20 || first > 63) {
            return;
        }
        DtlsState now = state.get();
        if (now == DtlsState.CLOSED || now == DtlsState.FAILED) {
            return;
        }
        Dtls13Connection connection = dtls13;
        if (connection != null && dtls13Started) {
            handleDtls13(connection, datagram);
            return;
        }
        if (!datagrams.offer(datagram)) {
            log.debug("DTLS inbound queue full: dropped a {}-byte datagram", datagram.remaining());
        } else if (draining) {
            scheduleDrain();
        } else if (connection != null && dtls13Started) {
            handleQueuedDtls13(connection); // start() came in between and may have taken the queue before this one
        }
    }

    /**
     * Encrypts the bytes between {@code data}'s position and limit into one application-data record and hands it
     * to the outbound sink, without waiting (the buffer's position is left alone). DTLS does not retransmit
     * application data: the layer above (SCTP) does.
     *
     * @return false when the transport is not connected (not yet, or any more): nothing was sent
     * @throws IllegalArgumentException when the data exceed {@link #maxApplicationDataSize()}
     */
    public boolean send(ByteBuffer data) {
        Dtls13Connection connection13 = dtls13;
        DatagramTransport connection = dtls;
        if ((connection13 == null && connection == null) || state.get() != DtlsState.CONNECTED) {
            return false;
        }
        int length = data.remaining();
        int limit = maxApplicationDataSize();
        if (length > limit) {
            throw new IllegalArgumentException("a DTLS record carries at most " + limit + " bytes of application data"
                    + " with this MTU, not " + length);
        }
        // Both record layers encrypt from the array before send returns, so a heap buffer's is used as it is.
        byte[] bytes;
        int offset;
        if (data.hasArray()) {
            bytes = data.array();
            offset = data.arrayOffset() + data.position();
        } else {
            bytes = new byte[length];
            data.duplicate().get(bytes);
            offset = 0;
        }
        try {
            if (connection13 != null) {
                if (!connection13.send(bytes, offset, length)) {
                    return false; // the peer's close_notify came first: Closed is on its way, not a failure
                }
            } else {
                connection.send(bytes, offset, length);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (state.get() == DtlsState.CONNECTED) {
                fail("sending application data failed: " + describe(e), e);
            }
            return false;
        }
    }

    /**
     * The largest datagram an application-data record may take once connected, for a path whose MTU was found larger
     * than the handshake's ({@link Builder#mtu}; RFC 8899 §6.2 over DTLS as RFC 8261 §5 has it): the handshake keeps
     * fragmenting at the builder's MTU, records sent after it may fill {@code size} bytes, their plaintext capped at
     * {@link #MAX_PLAINTEXT}. May be called before or after the handshake, and again when the path changes;
     * {@link #maxApplicationDataSize()} follows it.
     *
     * @throws IllegalArgumentException for a size below 256 or above {@link #MAX_RECORD_DATAGRAM_SIZE}
     */
    public void setMaxRecordDatagramSize(int size) {
        if (size < 256 || size > MAX_RECORD_DATAGRAM_SIZE) {
            throw new IllegalArgumentException("a DTLS record datagram must be 256–" + MAX_RECORD_DATAGRAM_SIZE
                    + " bytes, not " + size);
        }
        recordDatagramSize = size;
        if (state.get() == DtlsState.CONNECTED) {
            applyRecordDatagramSize();
        }
    }

    /** BC's record layer reads the send limit for every record it sends; the latest size wins. */
    private synchronized void applyRecordDatagramSize() {
        datagrams.setSendLimit(recordDatagramSize);
    }

    /**
     * The most application data one {@link #send} takes: the datagram size (the handshake's MTU, then
     * {@link #setMaxRecordDatagramSize}'s) less the record's header and AEAD overhead, at most {@link #MAX_PLAINTEXT}.
     */
    public int maxApplicationDataSize() {
        Dtls13Connection connection13 = dtls13;
        if (connection13 != null) {
            return connection13.sendLimit();
        }
        DatagramTransport connection = dtls;
        if (connection != null) {
            try {
                return connection.getSendLimit();
            } catch (IOException e) {
                // fall through to the estimate
            }
        }
        // RFC 6347 §4.1 header (13) + AES-GCM explicit nonce (8) and tag (16).
        return Math.min(MAX_PLAINTEXT, datagrams.getSendLimit() - 13 - 8 - 16);
    }

    /**
     * The application data one record carries in a datagram of {@code datagramSize} bytes with the negotiated cipher
     * (an estimate for AES-GCM before the handshake): less the header and AEAD expansion, at most
     * {@link #MAX_PLAINTEXT}. What {@link #maxApplicationDataSize()} becomes after
     * {@code setMaxRecordDatagramSize(datagramSize)}.
     */
    public int maxApplicationDataSize(int datagramSize) {
        return Math.max(0, Math.min(MAX_PLAINTEXT, datagramSize - recordOverhead));
    }

    /**
     * The largest plaintext the peer said it takes in one record, with the record_size_limit extension (RFC 8449 §4;
     * we offer it with 2^14 as a client, and answer it as a server), capped at {@link #MAX_PLAINTEXT}; empty when the
     * peer sent none (Chromium's BoringSSL does not). RFC 6347 lets every peer take 2^14, but not every one does:
     * Chromium 156's DTLS transport fails on a 4,133-byte record datagram (ChromiumPeerConnectionTest), so records
     * larger than usual paths carry should go only to a peer that said it takes them.
     */
    public OptionalInt peerRecordSizeLimit() {
        int limit = peerRecordSizeLimit;
        return limit < 0 ? OptionalInt.empty() : OptionalInt.of(Math.min(limit, MAX_PLAINTEXT));
    }

    /** RFC 8449 §4: the peer's limit, if it sent one (BC rejects a value below 64 with illegal_parameter). */
    @SuppressWarnings("rawtypes")
    private void notePeerRecordSizeLimit(Hashtable extensions) throws IOException {
        if (extensions != null) {
            int limit = TlsExtensionsUtils.getRecordSizeLimitExtension(extensions);
            if (limit >= 0) {
                peerRecordSizeLimit = limit;
            }
        }
    }

    /**
     * RFC 5705 keying material exporter, without a context value, e.g. {@code ("EXTRACTOR-dtls_srtp", 60)}.
     * The result is secret.
     *
     * @throws IllegalStateException    when the transport is not connected
     * @throws IllegalArgumentException for an empty label or a non-positive length
     */
    public byte[] exportKeyingMaterial(String label, int length) {
        if (label == null || label.isEmpty()) {
            throw new IllegalArgumentException("an exporter label must not be empty");
        }
        if (length <= 0) {
            throw new IllegalArgumentException("exported keying material must be at least one byte, not " + length);
        }
        KeyExporter keys = exporter;
        if (keys == null || state.get() != DtlsState.CONNECTED) {
            throw new IllegalStateException("keying material can be exported only from a connected DTLS transport;"
                    + " this one is " + state.get());
        }
        return keys.export(label, length);
    }

    /** RFC 5705 keying material of a connected transport; {@link #destroy()} forgets the secret behind it. */
    interface KeyExporter {
        byte[] export(String label, int length);

        void destroy();
    }

    /**
     * RFC 5705 §4 for DTLS 1.2: PRF(master_secret, label, client_random + server_random)[length]. Bouncy Castle
     * allows its own exporter only inside notifyHandshakeComplete and then forgets the master secret, so this keeps
     * a copy of it (taken there) for the connection's life; {@link #close()} destroys it.
     */
    private static final class Exporter implements KeyExporter {
        private final TlsSecret masterSecret;
        private final int prfAlgorithm;
        private final byte[] seed;

        Exporter(TlsContext context) {
            SecurityParameters parameters = context.getSecurityParametersConnection();
            if (parameters == null || !parameters.isExtendedMasterSecret()) {
                throw new IllegalStateException("the handshake did not complete with extended_master_secret");
            }
            this.masterSecret = context.getCrypto().adoptSecret(parameters.getMasterSecret());
            this.prfAlgorithm = parameters.getPRFAlgorithm();
            this.seed = Arrays.concatenate(parameters.getClientRandom(), parameters.getServerRandom());
        }

        @Override
        public byte[] export(String label, int length) {
            synchronized (this) {
                if (!masterSecret.isAlive()) {
                    throw new IllegalStateException("the DTLS connection is closed; its keys are gone");
                }
                return masterSecret.deriveUsingPRF(prfAlgorithm, label, seed, length).extract();
            }
        }

        @Override
        public void destroy() {
            synchronized (this) {
                if (masterSecret.isAlive()) {
                    masterSecret.destroy();
                }
            }
        }
    }

    private void keepExporter(TlsContext context) {
        exporter = new Exporter(context);
    }

    public DtlsState state() {
        return state.get();
    }

    public DtlsRole role() {
        return role;
    }

    /** "DTLS 1.3" or "DTLS 1.2", once connected. */
    public Optional<String> protocolVersion() {
        return Optional.ofNullable(protocolVersion);
    }

    /** The use_srtp profile both sides agreed on, once connected. */
    public Optional<SrtpProfile> srtpProfile() {
        return Optional.ofNullable(selectedSrtpProfile);
    }

    /** The events, when the builder was given no listener. */
    public BlockingQueue<DtlsEvent> events() {
        return eventQueue;
    }

    /**
     * Sends close_notify (RFC 5246 §7.2.1) when connected, cancels a handshake in progress, and stops the virtual
     * thread; reports {@link DtlsEvent.Closed} unless the transport had already ended. Never blocks; closing twice
     * does nothing.
     */
    @Override
    public void close() {
        DtlsState previous = state.getAndUpdate(now -> now == DtlsState.FAILED ? now : DtlsState.CLOSED);
        if (previous == DtlsState.CLOSED || previous == DtlsState.FAILED) {
            return;
        }
        try {
            DatagramTransport connection = dtls;
            Dtls13Connection connection13 = dtls13;
            if (connection13 != null) {
                connection13.close(); // close_notify once the client can read it
                LockSupport.unpark(thread); // the timer thread ends
            } else if (connection != null) {
                connection.close(); // close_notify, then closes the datagram transport
            } else if (tlsPeer != null) {
                tlsPeer.cancel(); // a handshake in progress: BC alerts the peer and closes its record layer
            }
        } catch (IOException | RuntimeException e) {
            log.debug("closing DTLS: {}", e.toString());
        } finally {
            datagrams.close();
            forgetKeys();
        }
        if (previous != DtlsState.NEW) {
            emit(new DtlsEvent.Closed(false));
        }
    }

    // ---------------------------------------------------------------------------------------- virtual thread

    private void run() {
        DatagramTransport connection;
        try {
            connection = handshake();
        } catch (Throwable e) {
            ended(e, true);
            return;
        }
        dtls = connection;
        int overhead = recordOverhead;
        try {
            // Below 2^14 BC's limit is the datagram less header and expansion: one measure holds for every size.
            overhead = datagrams.getSendLimit() - connection.getSendLimit();
        } catch (IOException e) {
            log.debug("DTLS record overhead unknown: {}", e.toString());
        }
        if (!reportConnected("DTLS 1.2", overhead)) {
            closeQuietly(connection); // closed while the handshake finished, or no SRTP keys
            return;
        }
        if (eventExecutor != null) {
            // With a listener, records are decrypted on its executor as they arrive (drainInbound): the virtual
            // thread's work is done, and each batch of records costs one hand-off instead of two per record.
            datagrams.stopBlocking();
            draining = true;
            scheduleDrain();
            return;
        }
        try {
            readLoop(connection);
        } catch (Throwable e) {
            ended(e, false);
        }
    }

    /**
     * The handshake is done: CONNECTING becomes CONNECTED, records may fill the datagram size set for them, the SRTP
     * keys are exported and {@link DtlsEvent.Connected} goes out.
     *
     * @return false when the transport was closed meanwhile, or the keys could not be exported (then it failed)
     */
    private boolean reportConnected(String version, int overhead) {
        if (!state.compareAndSet(DtlsState.CONNECTING, DtlsState.CONNECTED)) {
            return false;
        }
        protocolVersion = version;
        recordOverhead = overhead;
        // The handshake fragmented at the builder's MTU; records may now fill what setMaxRecordDatagramSize allows.
        applyRecordDatagramSize();
        Optional<SrtpKeyingMaterial> keys = Optional.empty();
        SrtpProfile profile = selectedSrtpProfile;
        if (profile != null) {
            try {
                keys = Optional.of(SrtpKeyingMaterial.split(profile, role, exporter.export(
                        SrtpKeyingMaterial.EXPORTER_LABEL, SrtpKeyingMaterial.length(profile))));
            } catch (RuntimeException e) {
                fail("exporting the SRTP keying material failed: " + describe(e), e);
                return false;
            }
        }
        log.debug("{} connected as {} (SRTP profile {})", version, role, profile);
        emit(new DtlsEvent.Connected(Optional.ofNullable(profile), keys));
        return true;
    }

    // ------------------------------------------------------------------------------------------------ DTLS 1.3

    /** One datagram for the DTLS 1.3 server, on the caller's thread; what it decrypted goes to the listener. */
    private void handleDtls13(Dtls13Connection connection, ByteBuffer datagram) {
        byte[] bytes = new byte[datagram.remaining()];
        datagram.duplicate().get(bytes);
        Dtls13Connection.Progress progress;
        try {
            progress = connection.handle(bytes, System.nanoTime());
        } catch (IOException | RuntimeException e) {
            if (e instanceof TlsFatalAlert alert && (alert.getAlertDescription() == AlertDescription.bad_certificate
                    || alert.getAlertDescription() == AlertDescription.certificate_required)) {
                certificateFailure = alert.getMessage(); // the same sentence as from the DTLS 1.2 server
            }
            ended(e, state.get() == DtlsState.CONNECTING);
            return;
        }
        switch (progress) {
            case NOT_OURS -> handOverToDtls12(connection);
            case HANDED_OVER -> {
                // After the ClientHello that went to the DTLS 1.2 server (whose replayed datagrams it reads first).
                if (!datagrams.offer(datagram)) {
                    log.debug("DTLS inbound queue full: dropped a {}-byte datagram", datagram.remaining());
                }
            }
            case HANDSHAKING -> { }
            case CONNECTED, CLOSED_BY_PEER -> {
                if (state.get() == DtlsState.CONNECTING && connection.handshakeComplete()) {
                    selectedSrtpProfile = connection.srtpProfile();
                    exporter = connection;
                    if (!reportConnected("DTLS 1.3", Dtls13RecordLayer.CIPHERTEXT_OVERHEAD)) {
                        connection.close();
                        return;
                    }
                    LockSupport.unpark(thread); // the timer thread's work is done
                }
                byte[] data;
                while ((data = connection.pollApplicationData()) != null) {
                    emit(new DtlsEvent.DataReceived(ByteBuffer.wrap(data)));
                }
                if (progress == Dtls13Connection.Progress.CLOSED_BY_PEER) {
                    onAlertReceived(AlertLevel.warning, AlertDescription.close_notify);
                    ended(null, false);
                }
            }
        }
    }

    /** The datagrams queued before the DTLS 1.3 server started, in order, unless it handed over to DTLS 1.2. */
    private void handleQueuedDtls13(Dtls13Connection connection) {
        ByteBuffer early;
        while (dtls13 == connection && (early = datagrams.poll()) != null) {
            handleDtls13(connection, early);
        }
    }

    /** The ClientHello asked for DTLS 1.2: Bouncy Castle's server takes it, and every datagram after it. */
    private void handOverToDtls12(Dtls13Connection connection) {
        connection.destroy(); // its key share and prepared signature are of no further use
        dtls13 = null;
        datagrams.replay(connection.clientHelloDatagrams());
        thread = Thread.ofVirtual().name("peerlink-dtls-" + THREAD_NUMBER.incrementAndGet()).start(this::run);
    }

    /** Resends the server's flight when its timer fires (RFC 9147 §5.8), and gives up at the handshake timeout. */
    private void runDtls13Timers(Dtls13Connection connection) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(handshakeTimeoutMillis);
        while (dtls13 == connection && state.get() == DtlsState.CONNECTING) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                connection.close();
                ended(new TlsTimeoutException("handshake timed out"), true);
                return;
            }
            long wakeAt = Math.min(connection.nextTimeoutNanos(), deadline);
            if (wakeAt - now > 0) {
                LockSupport.parkNanos(this, wakeAt - now);
            } else {
                connection.handleTimeout(now);
            }
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            eventExecutor.execute(this::drainInbound);
        }
    }

    /**
     * On the listener's executor (serial, after the events before it): decrypts every queued record and hands each
     * payload to the listener right here, in order. Ends the connection as the read loop would on close_notify, a
     * fatal alert or a closed transport.
     */
    private void drainInbound() {
        drainScheduled.set(false); // a datagram queued from here on schedules another drain
        DatagramTransport connection = dtls;
        if (connection == null || state.get() != DtlsState.CONNECTED) {
            return;
        }
        try {
            while (state.get() == DtlsState.CONNECTED) {
                int length;
                try {
                    length = connection.receive(drainBuffer, 0, drainBuffer.length, READ_WAIT_MILLIS);
                } catch (QueueDatagramTransport.NothingQueued drained) {
                    if (datagrams.hasHeldBack()) {
                        continue; // the next datagram did not fit BC's buffer: a new call sizes one for it
                    }
                    if (peerSentCloseNotify) {
                        ended(null, false);
                    }
                    return;
                }
                if (length >= 0) {
                    ByteBuffer data = ByteBuffer.allocate(length);
                    data.put(drainBuffer, 0, length).flip();
                    listener.accept(new DtlsEvent.DataReceived(data));
                }
            }
        } catch (Throwable e) {
            ended(e, false);
            return;
        }
        if (peerSentCloseNotify || datagrams.isClosed()) {
            ended(null, false);
        }
    }

    private DatagramTransport handshake() throws IOException {
        if (role == DtlsRole.CLIENT) {
            Client client = new Client();
            tlsPeer = client;
            return new DTLSClientProtocol().connect(client, datagrams);
        }
        Server server = new Server();
        tlsPeer = server;
        DTLSServerProtocol protocol = new DTLSServerProtocol();
        // ICE connectivity checks have proven the peer's address already (RFC 8445 §7.2.5.2.1); skip the
        // HelloVerifyRequest round trip (RFC 6347 §4.2.1 lets a server do so).
        protocol.setVerifyRequests(false);
        return protocol.accept(server, datagrams);
    }

    private void readLoop(DatagramTransport connection) throws IOException {
        byte[] buffer = new byte[connection.getReceiveLimit()];
        while (state.get() == DtlsState.CONNECTED) {
            int length = connection.receive(buffer, 0, buffer.length, READ_WAIT_MILLIS);
            if (length >= 0) {
                ByteBuffer data = ByteBuffer.allocate(length);
                data.put(buffer, 0, length).flip();
                emit(new DtlsEvent.DataReceived(data));
            } else if (peerSentCloseNotify || datagrams.isClosed()) {
                break;
            }
        }
        ended(null, false);
    }

    /** The thread is done: decide between Closed and Failed, unless close() already reported. */
    private void ended(Throwable error, boolean inHandshake) {
        datagrams.close();
        forgetKeys();
        if (peerSentCloseNotify) {
            DtlsState previous = state.getAndUpdate(now -> isTerminal(now) ? now : DtlsState.CLOSED);
            if (!isTerminal(previous)) {
                emit(new DtlsEvent.Closed(true));
            }
            return;
        }
        if (isTerminal(state.get())) {
            return; // closed by us: already reported
        }
        fail(failureReason(error, inHandshake), error);
    }

    private String failureReason(Throwable error, boolean inHandshake) {
        String during = inHandshake ? "the DTLS handshake failed: " : "the DTLS connection failed: ";
        if (certificateFailure != null) {
            return during + certificateFailure;
        }
        if (error instanceof TlsFatalAlertReceived received) {
            return during + "the peer sent the fatal alert " + AlertDescription.getText(received.getAlertDescription());
        }
        if (peerFatalAlert >= 0) {
            return during + "the peer sent the fatal alert " + AlertDescription.getText(peerFatalAlert);
        }
        if (error instanceof TlsTimeoutException) {
            return during + "no answer from the peer within " + handshakeTimeoutMillis + " ms";
        }
        if (error == null) {
            return during + "the transport closed";
        }
        return during + describe(error);
    }

    private void fail(String reason, Throwable cause) {
        DtlsState previous = state.getAndUpdate(now -> isTerminal(now) ? now : DtlsState.FAILED);
        if (isTerminal(previous)) {
            return;
        }
        log.debug("DTLS failed: {}", reason, cause);
        datagrams.close();
        forgetKeys();
        emit(new DtlsEvent.Failed(reason));
    }

    private void forgetKeys() {
        KeyExporter keys = exporter;
        if (keys != null) {
            keys.destroy();
        }
    }

    private static boolean isTerminal(DtlsState state) {
        return state == DtlsState.CLOSED || state == DtlsState.FAILED;
    }

    private static String describe(Throwable error) {
        if (error instanceof TlsFatalAlert alert) {
            String detail = alert.getMessage();
            return "alert " + AlertDescription.getText(alert.getAlertDescription())
                    + (detail == null || detail.isBlank() ? "" : " (" + detail + ")");
        }
        String message = error.getMessage();
        return message == null ? error.getClass().getSimpleName() : message;
    }

    private static void closeQuietly(DatagramTransport connection) {
        try {
            connection.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing DTLS: {}", e.toString());
        }
    }

    private void emit(DtlsEvent event) {
        if (listener == null) {
            eventQueue.add(event);
        } else {
            eventExecutor.execute(() -> listener.accept(event));
        }
    }

    // -------------------------------------------------------------------------------- Bouncy Castle peers

    /** RFC 8122 §5: the peer's end-entity certificate must match a fingerprint from its description. */
    private void verifyPeerCertificate(Certificate chain) throws IOException {
        if (chain == null || chain.isEmpty()) {
            certificateFailure = "the peer presented no certificate; WebRTC needs one to check the SDP fingerprint"
                    + " (RFC 8827 §6.5)";
            throw new TlsFatalAlert(role == DtlsRole.SERVER ? AlertDescription.handshake_failure
                    : AlertDescription.bad_certificate, certificateFailure);
        }
        Optional<String> mismatch = remoteFingerprints.check(chain.getCertificateAt(0).getEncoded());
        if (mismatch.isPresent()) {
            certificateFailure = mismatch.get();
            throw new TlsFatalAlert(AlertDescription.bad_certificate, certificateFailure);
        }
    }

    private TlsCredentialedSigner signer(TlsContext context) throws IOException {
        TlsCertificate own = crypto.createCertificate(certificate.encodedNoCopy());
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto,
                certificate.privateKey(), new Certificate(new TlsCertificate[] {own}), ECDSA_SHA256);
    }

    private int[] offeredSrtpProfiles() {
        return srtpProfiles.stream().mapToInt(SrtpProfile::id).toArray();
    }

    private void onAlertReceived(short level, short description) {
        if (description == AlertDescription.close_notify) {
            peerSentCloseNotify = true;
        } else if (level == AlertLevel.fatal) {
            peerFatalAlert = description;
        }
        log.debug("DTLS alert received: {} {}", AlertLevel.getText(level), AlertDescription.getText(description));
    }

    private void onAlertRaised(short level, short description, String message) {
        log.debug("DTLS alert sent: {} {}{}", AlertLevel.getText(level), AlertDescription.getText(description),
                message == null ? "" : " (" + message + ")");
    }

    private final class Client extends DefaultTlsClient {
        Client() {
            super(DtlsTransport.this.crypto);
        }

        @Override
        public void init(org.bouncycastle.tls.TlsClientContext context) {
            super.init(context);
            tlsContext = context;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return SupportedSuites.CLIENT.clone();
        }

        @Override
        public boolean requiresExtendedMasterSecret() {
            return true; // RFC 7627: the exporter's output is bound to this very handshake
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return handshakeTimeoutMillis;
        }

        @Override
        public int getHandshakeResendTimeMillis() {
            return initialRetransmitMillis;
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getClientExtensions() throws IOException {
            Hashtable extensions = super.getClientExtensions();
            if (extensions == null) {
                extensions = new Hashtable();
            }
            if (!srtpProfiles.isEmpty()) {
                // RFC 5764 §4.1.1, no MKI.
                TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(offeredSrtpProfiles(),
                        TlsUtils.EMPTY_BYTES));
            }
            // RFC 8449 §4: we take full 2^14-byte records (DTLS 1.2's most), whatever the datagram size.
            TlsExtensionsUtils.addRecordSizeLimitExtension(extensions, MAX_PLAINTEXT);
            return extensions;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            super.processServerExtensions(serverExtensions);
            notePeerRecordSizeLimit(serverExtensions);
            UseSRTPData chosen = serverExtensions == null ? null : TlsSRTPUtils.getUseSRTPExtension(serverExtensions);
            if (chosen == null) {
                return;
            }
            // RFC 5764 §4.1.1: exactly one profile, one we offered, and no MKI we did not send.
            int[] profiles = chosen.getProtectionProfiles();
            Optional<SrtpProfile> profile = profiles.length == 1 ? SrtpProfile.fromId(profiles[0]) : Optional.empty();
            if (profile.isEmpty() || !srtpProfiles.contains(profile.get()) || chosen.getMki().length != 0) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "the server's use_srtp is not one of the"
                        + " profiles offered");
            }
            selectedSrtpProfile = profile.get();
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    verifyPeerCertificate(serverCertificate.getCertificate());
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    if (!contains(request.getCertificateTypes(), ClientCertificateType.ecdsa_sign)) {
                        throw new TlsFatalAlert(AlertDescription.handshake_failure,
                                "the server does not take an ECDSA client certificate");
                    }
                    Vector<?> algorithms = request.getSupportedSignatureAlgorithms();
                    if (algorithms != null && !algorithms.contains(ECDSA_SHA256)) {
                        throw new TlsFatalAlert(AlertDescription.handshake_failure,
                                "the server does not take ecdsa_secp256r1_sha256 signatures");
                    }
                    return signer(context);
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keepExporter(context);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            onAlertReceived(level, description);
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            onAlertRaised(level, description, message);
        }
    }

    private final class Server extends DefaultTlsServer {
        Server() {
            super(DtlsTransport.this.crypto);
        }

        @Override
        public void init(org.bouncycastle.tls.TlsServerContext context) {
            super.init(context);
            tlsContext = context;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return SupportedSuites.SERVER.clone();
        }

        @Override
        public boolean requiresExtendedMasterSecret() {
            return true;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return handshakeTimeoutMillis;
        }

        @Override
        public int getHandshakeResendTimeMillis() {
            return initialRetransmitMillis;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            notePeerRecordSizeLimit(clientExtensions);
            UseSRTPData offered = TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
            if (offered == null) {
                return;
            }
            // RFC 5764 §4.1.1: the server picks one of the client's profiles; ours in our order of preference.
            for (SrtpProfile profile : srtpProfiles) {
                if (contains(offered.getProtectionProfiles(), profile.id())) {
                    selectedSrtpProfile = profile;
                    return;
                }
            }
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getServerExtensions() throws IOException {
            Hashtable extensions = super.getServerExtensions();
            if (peerRecordSizeLimit >= 0) {
                // RFC 8449 §4: a server answers record_size_limit only to a client that sent one.
                TlsExtensionsUtils.addRecordSizeLimitExtension(extensions, MAX_PLAINTEXT);
            }
            SrtpProfile profile = selectedSrtpProfile;
            if (profile != null) {
                TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(new int[] {profile.id()},
                        TlsUtils.EMPTY_BYTES));
            }
            return extensions;
        }

        @Override
        public CertificateRequest getCertificateRequest() {
            // RFC 8827 §6.5: both peers present certificates, each checked against the other's fingerprint.
            Vector<?> algorithms = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
            return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign,
                    ClientCertificateType.rsa_sign}, algorithms, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            verifyPeerCertificate(clientCertificate);
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            return signer(context);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keepExporter(context);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            onAlertReceived(level, description);
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            onAlertRaised(level, description, message);
        }
    }

    private static boolean contains(short[] values, short value) {
        if (values == null) {
            return false;
        }
        for (short v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------------ builder

    public static final class Builder {
        private final DtlsRole role;
        private final DtlsCertificate certificate;
        private final List<Fingerprint> remoteFingerprints;
        private Consumer<ByteBuffer> outbound;
        private Executor listenerExecutor;
        private Consumer<DtlsEvent> listener;
        private int mtu = DEFAULT_MTU;
        private Duration handshakeTimeout = Duration.ofSeconds(30);
        private Duration initialRetransmitTimeout = Duration.ofSeconds(1);
        private List<SrtpProfile> srtpProfiles = List.of(SrtpProfile.AEAD_AES_128_GCM,
                SrtpProfile.AES128_CM_HMAC_SHA1_80);
        private boolean dtls13 = true;
        private Dtls13ServerSecrets serverSecrets;

        private Builder(DtlsRole role, DtlsCertificate certificate, List<Fingerprint> remoteFingerprints) {
            if (role == null) {
                throw new IllegalArgumentException("a DTLS transport needs its role (client or server)");
            }
            if (certificate == null) {
                throw new IllegalArgumentException("a DTLS transport needs this peer's certificate");
            }
            this.role = role;
            this.certificate = certificate;
            this.remoteFingerprints = remoteFingerprints == null ? List.of() : new ArrayList<>(remoteFingerprints);
        }

        /**
         * Where the DTLS datagrams go, each in a buffer of its own; called on the DTLS thread or a {@link #send}
         * caller's, so it must not block (queue it, or hand it to an event loop). Required.
         */
        public Builder outbound(Consumer<ByteBuffer> value) {
            this.outbound = value;
            return this;
        }

        /**
         * Events go to {@code value} on {@code executor}, one at a time and in order, instead of
         * {@link DtlsTransport#events()}.
         */
        public Builder listener(Executor executor, Consumer<DtlsEvent> value) {
            if (executor == null || value == null) {
                throw new IllegalArgumentException("a DTLS listener needs both an executor and a consumer");
            }
            this.listenerExecutor = executor;
            this.listener = value;
            return this;
        }

        /** The largest datagram to send, {@value DtlsTransport#DEFAULT_MTU} by default; handshake messages are
         * fragmented to fit (RFC 6347 §4.2.3). */
        public Builder mtu(int value) {
            if (value < 256 || value > RECEIVE_LIMIT) {
                throw new IllegalArgumentException("a DTLS MTU must be 256–" + RECEIVE_LIMIT + " bytes, not " + value);
            }
            this.mtu = value;
            return this;
        }

        /** How long the whole handshake may take, 30 s by default. */
        public Builder handshakeTimeout(Duration value) {
            this.handshakeTimeout = requirePositiveMillis(value, "handshake timeout");
            return this;
        }

        /** The first retransmission timer of a handshake flight, 1 s by default (RFC 6347 §4.2.4.1); it doubles. */
        public Builder initialRetransmitTimeout(Duration value) {
            this.initialRetransmitTimeout = requirePositiveMillis(value, "initial retransmission timeout");
            return this;
        }

        /**
         * The use_srtp profiles to offer (client) or accept (server), most preferred first; AEAD_AES_128_GCM and
         * AES128_CM_HMAC_SHA1_80 by default. Empty leaves use_srtp out.
         */
        public Builder srtpProfiles(List<SrtpProfile> value) {
            this.srtpProfiles = List.copyOf(value);
            return this;
        }

        /**
         * Whether a server answers a client that offers DTLS 1.3 (RFC 9147) with DTLS 1.3, as browsers do among
         * themselves: true by default; false keeps every handshake on DTLS 1.2. A client always speaks DTLS 1.2, and
         * a server with a certificate other than ECDSA P-256 too.
         */
        public Builder dtls13(boolean value) {
            this.dtls13 = value;
            return this;
        }

        /**
         * Secrets prepared ahead for a DTLS 1.3 handshake as the server (none by default: the server makes them when
         * the transport is built). A server transport that may answer with DTLS 1.3 takes them when it is built,
         * unless another took them before; should the client then speak DTLS 1.2, they are zeroed unused.
         */
        public Builder serverSecrets(Dtls13ServerSecrets value) {
            this.serverSecrets = value;
            return this;
        }

        /**
         * Builds the transport; {@link DtlsTransport#start()} begins the handshake.
         *
         * @throws IllegalArgumentException when the outbound sink is missing or no remote fingerprint is usable
         */
        public DtlsTransport build() {
            if (outbound == null) {
                throw new IllegalArgumentException("a DTLS transport needs an outbound sink for its datagrams");
            }
            return new DtlsTransport(this);
        }

        private static Duration requirePositiveMillis(Duration value, String what) {
            if (value == null || value.toMillis() <= 0 || value.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the DTLS " + what + " must be positive milliseconds, not "
                        + value);
            }
            return value;
        }
    }
}
