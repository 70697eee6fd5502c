package dev.peerlink.dtls;

import static dev.peerlink.dtls.Dtls13Handshake.CERTIFICATE;
import static dev.peerlink.dtls.Dtls13Handshake.CERTIFICATE_REQUEST;
import static dev.peerlink.dtls.Dtls13Handshake.CERTIFICATE_VERIFY;
import static dev.peerlink.dtls.Dtls13Handshake.CLIENT_HELLO;
import static dev.peerlink.dtls.Dtls13Handshake.ENCRYPTED_EXTENSIONS;
import static dev.peerlink.dtls.Dtls13Handshake.FINISHED;
import static dev.peerlink.dtls.Dtls13Handshake.KEY_UPDATE;
import static dev.peerlink.dtls.Dtls13Handshake.SERVER_HELLO;
import static dev.peerlink.dtls.Dtls13RecordLayer.CONTENT_ACK;
import static dev.peerlink.dtls.Dtls13RecordLayer.CONTENT_ALERT;
import static dev.peerlink.dtls.Dtls13RecordLayer.CONTENT_APPLICATION_DATA;
import static dev.peerlink.dtls.Dtls13RecordLayer.CONTENT_HANDSHAKE;
import static dev.peerlink.dtls.Dtls13RecordLayer.EPOCH_APPLICATION;
import static dev.peerlink.dtls.Dtls13RecordLayer.EPOCH_HANDSHAKE;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.TlsException;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;

/**
 * The server side of a DTLS 1.3 handshake (RFC 9147) and the connection after it, as a sans-IO state machine: the
 * driver feeds it datagrams ({@link #handleDatagram}) and timer expiries ({@link #handleTimeout}), and takes what it
 * produced: datagrams to send ({@link #pollTransmit}) and application data received ({@link #pollApplicationData}).
 *
 * <p>It speaks what WebRTC browsers offer (RFC 8827 §6.5): TLS_AES_128_GCM_SHA256, an X25519 key share (so no
 * HelloRetryRequest), our ECDSA P-256 certificate, and a client certificate that must match the remote description's
 * fingerprints (RFC 8122 §5). No PSK, early data, connection IDs or cookie exchange (ICE checks have already proven
 * the client's address, RFC 9147 §5.1); of the post-handshake messages, KeyUpdate both ways (RFC 9147 §8: we update
 * our own keys when asked and before AES-GCM's record limit). A ClientHello that asks for anything else is left
 * to the DTLS 1.2 server: {@link #phase()} becomes {@link Phase#NOT_OURS} without a byte sent. Records are not checked
 * against replay (§4.5.1 makes that optional; SCTP above discards duplicates).
 *
 * <p>The costly half of our signature and our X25519 key pair are computed when the server is made, before the
 * ClientHello arrives, so answering it takes one key agreement and a few hashes.
 *
 * <p>Methods throw {@link TlsException} when the connection must end ({@link TlsFatalAlertReceived} when the peer
 * ended it); an alert for the peer has then been queued for {@link #pollTransmit}. One thread at a time.
 */
final class Dtls13Server {
    enum Phase { AWAITING_CLIENT_HELLO, AWAITING_CLIENT_FLIGHT, CONNECTED, NOT_OURS, CLOSED, FAILED }

    /** A repeated ClientHello makes us resend our flight at most this often. */
    private static final long MIN_RESEND_GAP_NANOS = 50_000_000L;
    /** RFC 9147 §5.8.2: the retransmission timer doubles up to 60 s. */
    private static final long MAX_RETRANSMIT_NANOS = 60_000_000_000L;
    /**
     * We update our sending keys after this many records of one epoch, well inside AES-GCM's limit of 2^24.5 full
     * records per key (RFC 9147 §4.5.3, RFC 8446 §5.5).
     */
    static final long KEY_UPDATE_AFTER_RECORDS = 1L << 23;
    /** The most record numbers we keep for one ACK: RFC 9147 §7 lets an ACK list a subset. */
    static final int MAX_ACKED_RECORDS = 64;

    private final DtlsCertificate certificate;
    private final Fingerprints remoteFingerprints;
    private final List<SrtpProfile> srtpProfiles;
    private final SecureRandom random;
    private final int mtu;
    private final long initialRetransmitNanos;
    /** Our key share and signature nonce, made before the ClientHello came. */
    private final Dtls13ServerSecrets secrets;

    private Phase phase = Phase.AWAITING_CLIENT_HELLO;
    private final ArrayDeque<byte[]> transmit = new ArrayDeque<>();
    private final ArrayDeque<byte[]> applicationData = new ArrayDeque<>();
    private final Dtls13RecordLayer records = new Dtls13RecordLayer();
    private final Dtls13Handshake.Inbound inbound = new Dtls13Handshake.Inbound();
    private final Dtls13Handshake.Transcript transcript = new Dtls13Handshake.Transcript();
    private final List<Dtls13Handshake.Message> flight = new ArrayList<>();
    private long retransmitInterval;
    private long retransmitAt = Long.MAX_VALUE;
    private long flightSentAt;
    /** The records that brought the client's final flight, as {epoch, sequence}: what our ACK of it lists (§7). */
    private final List<long[]> clientFlightRecords = new ArrayList<>();
    /** The records that brought post-handshake messages (KeyUpdate) since our last ACK of them. */
    private final List<long[]> postHandshakeRecords = new ArrayList<>();
    // RFC 9147 §8 key updates: each side's current application traffic secret and epoch
    private byte[] clientApplicationSecret;
    private byte[] serverApplicationSecret;
    private int readApplicationEpoch = EPOCH_APPLICATION;
    private int nextMessageSeq;
    /** Our KeyUpdate until the client acknowledges it, the records that carried it, and when it last went out. */
    private Dtls13Handshake.Message ownKeyUpdate;
    private final List<long[]> ownKeyUpdateRecords = new ArrayList<>();
    private long ownKeyUpdateSentAt;
    private long keyUpdateAfterRecords = KEY_UPDATE_AFTER_RECORDS;
    private byte[] clientHandshakeSecret;
    private byte[] clientCertificate;
    private boolean clientCertificateVerified;
    private SrtpProfile selectedSrtpProfile;
    private byte[] exporterMasterSecret;
    private String failure;
    private boolean peerSentCloseNotify;
    private boolean handshakeComplete;
    /** The client repeated its final flight in this datagram: one ACK answers it, after the datagram. */
    private boolean ackDue;

    Dtls13Server(DtlsCertificate certificate, Fingerprints remoteFingerprints, List<SrtpProfile> srtpProfiles,
                 SecureRandom random, int mtu, long initialRetransmitNanos) {
        this(certificate, remoteFingerprints, srtpProfiles, random, mtu, initialRetransmitNanos, null);
    }

    /** With {@code prepared} secrets when they are for {@code certificate} and not taken yet; else it makes its own. */
    Dtls13Server(DtlsCertificate certificate, Fingerprints remoteFingerprints, List<SrtpProfile> srtpProfiles,
                 SecureRandom random, int mtu, long initialRetransmitNanos, Dtls13ServerSecrets prepared) {
        this.certificate = certificate;
        this.remoteFingerprints = remoteFingerprints;
        this.srtpProfiles = List.copyOf(srtpProfiles);
        this.random = random;
        this.mtu = mtu;
        this.initialRetransmitNanos = initialRetransmitNanos;
        this.secrets = prepared != null && prepared.certificate == certificate && prepared.take() ? prepared
                : Dtls13ServerSecrets.generate(certificate, random);
    }

    /**
     * For tests: update our sending keys after {@code records} records instead of {@link #KEY_UPDATE_AFTER_RECORDS}
     * (and send no more in an epoch after twice as many).
     */
    void keyUpdateAfterRecords(long records) {
        this.keyUpdateAfterRecords = records;
    }

    /** Whether this server can answer with {@code certificate}: it signs with ECDSA P-256 only. */
    static boolean canUse(DtlsCertificate certificate) {
        return Dtls13Signatures.isP256(certificate.privateKey());
    }

    Phase phase() {
        return phase;
    }

    /** Why the connection failed, once {@link Phase#FAILED}. */
    String failure() {
        return failure;
    }

    boolean peerSentCloseNotify() {
        return peerSentCloseNotify;
    }

    /** Whether the client's Finished was verified, whatever happened after. */
    boolean handshakeComplete() {
        return handshakeComplete;
    }

    Optional<SrtpProfile> srtpProfile() {
        return Optional.ofNullable(selectedSrtpProfile);
    }

    byte[] pollTransmit() {
        return transmit.poll();
    }

    byte[] pollApplicationData() {
        return applicationData.poll();
    }

    long nextTimeoutNanos() {
        return phase == Phase.AWAITING_CLIENT_FLIGHT ? retransmitAt : Long.MAX_VALUE;
    }

    /** RFC 8446 §7.5 keying material (e.g. RFC 5764 §4.2's for SRTP), once connected. */
    byte[] exportKeyingMaterial(String label, int length) {
        if (exporterMasterSecret == null) {
            throw new IllegalStateException("this DTLS 1.3 connection has no keys to export (not connected, or closed)");
        }
        return Dtls13KeySchedule.export(exporterMasterSecret, label, length);
    }

    /** The application data one record carries in a datagram of {@code datagramSize} bytes. */
    static int maxApplicationDataSize(int datagramSize) {
        return Math.max(0, Math.min(Dtls13RecordLayer.MAX_PLAINTEXT,
                datagramSize - Dtls13RecordLayer.CIPHERTEXT_OVERHEAD));
    }

    // ------------------------------------------------------------------------------------------------ input

    void handleTimeout(long nowNanos) {
        if (phase == Phase.AWAITING_CLIENT_FLIGHT && nowNanos - retransmitAt >= 0) {
            retransmitInterval = Math.min(retransmitInterval * 2, MAX_RETRANSMIT_NANOS);
            sendFlight(nowNanos);
        }
    }

    /** One datagram from the client. */
    void handleDatagram(byte[] buf, int off, int len, long nowNanos) throws TlsException {
        if (phase == Phase.NOT_OURS || phase == Phase.CLOSED || phase == Phase.FAILED) {
            return;
        }
        try {
            records.read(buf, off, len, (type, epoch, sequence, content, at, length) -> {
                handleRecord(type, epoch, sequence, content, at, length, nowNanos);
                return phase != Phase.NOT_OURS && phase != Phase.CLOSED && phase != Phase.FAILED;
            });
            if (ackDue && phase == Phase.CONNECTED) {
                sendAck(clientFlightRecords);
            }
            ackDue = false;
            if (!postHandshakeRecords.isEmpty() && phase == Phase.CONNECTED) {
                sendAck(postHandshakeRecords); // RFC 9147 §7: every post-handshake record is acknowledged
                postHandshakeRecords.clear();
            }
            if (phase == Phase.CONNECTED) {
                resendOwnKeyUpdateIfDue(nowNanos);
            }
        } catch (TlsFatalAlert e) {
            if (phase != Phase.FAILED) {
                throw fatal(e.getAlertDescription(), e.getMessage()); // a decode error: alert the peer too
            }
            throw e;
        }
    }

    private void handleRecord(int type, int epoch, long sequence, byte[] buf, int off, int len, long nowNanos)
            throws TlsException {
        if (epoch == 0 && phase != Phase.AWAITING_CLIENT_HELLO && !takenUnprotected(type, buf, off, len)) {
            return; // RFC 9147 §4.5.2: anyone on the path can send an unprotected record; it is dropped, never fatal
        }
        switch (type) {
            case CONTENT_HANDSHAKE -> handleHandshake(epoch, sequence, buf, off, len, nowNanos);
            case CONTENT_ALERT -> handleAlert(buf, off, len);
            case CONTENT_ACK -> handleAck(epoch, buf, off, len);
            case CONTENT_APPLICATION_DATA -> {
                // RFC 9147 §5.8.1: application data before the client's Finished is discarded.
                if (phase == Phase.CONNECTED && epoch >= EPOCH_APPLICATION) {
                    applicationData.add(Arrays.copyOfRange(buf, off, off + len));
                }
            }
            default -> throw fatal(AlertDescription.unexpected_message, "a record of unknown content type " + type);
        }
    }

    /**
     * Of the unprotected records that come after our ServerHello, only two belong to the handshake: a ClientHello
     * again (our flight was lost, RFC 9147 §5.8.1) and, before the client has our keys, its alert about our
     * ServerHello. Once connected, none.
     */
    private boolean takenUnprotected(int type, byte[] buf, int off, int len) {
        if (phase != Phase.AWAITING_CLIENT_FLIGHT) {
            return false;
        }
        boolean clientHelloFragment = type == CONTENT_HANDSHAKE && len >= Dtls13Handshake.HEADER
                && (buf[off] & 0xFF) == CLIENT_HELLO && Dtls13RecordLayer.u16(buf, off + 4) == 0;
        return clientHelloFragment || (type == CONTENT_ALERT && len == 2);
    }

    private void handleAlert(byte[] buf, int off, int len) throws TlsException {
        if (len != 2) {
            throw fatal(AlertDescription.decode_error, "an alert record of " + len + " bytes");
        }
        short description = (short) (buf[off + 1] & 0xFF);
        if (description == AlertDescription.close_notify) {
            peerSentCloseNotify = true;
            phase = Phase.CLOSED;
            forgetKeys();
            return;
        }
        if (description == AlertDescription.user_canceled && phase == Phase.CONNECTED) {
            return; // RFC 8446 §6.1: a closure alert, which a close_notify follows
        }
        // RFC 8446 §6: every other alert ends the connection, whatever level it claims.
        phase = Phase.FAILED;
        failure = "the peer sent the alert " + AlertDescription.getText(description);
        forgetKeys();
        throw new TlsFatalAlertReceived(description);
    }

    private void handleHandshake(int epoch, long sequence, byte[] buf, int off, int len, long nowNanos)
            throws TlsException {
        Dtls13Handshake.Received received = inbound.add(epoch, buf, off, len);
        if (received == Dtls13Handshake.Received.OLD) {
            // The client sent again what we already took: our answer to it was lost (RFC 9147 §5.8.1).
            if (phase == Phase.AWAITING_CLIENT_FLIGHT && epoch == 0
                    && nowNanos - flightSentAt >= MIN_RESEND_GAP_NANOS) {
                sendFlight(nowNanos);
            } else if (phase == Phase.CONNECTED && epoch == EPOCH_HANDSHAKE) {
                ackDue = true; // its final flight again: our ACK was lost (§5.8.1 FINISHED state)
            } else if (phase == Phase.CONNECTED) {
                addBounded(postHandshakeRecords, epoch, sequence); // a KeyUpdate again: so was our ACK
            }
            return;
        }
        if (received == Dtls13Handshake.Received.NEW && epoch == EPOCH_HANDSHAKE) {
            addBounded(clientFlightRecords, epoch, sequence);
        } else if (received == Dtls13Handshake.Received.NEW && epoch >= EPOCH_APPLICATION) {
            addBounded(postHandshakeRecords, epoch, sequence);
        }
        Dtls13Handshake.Message message;
        while (phase != Phase.NOT_OURS && (message = inbound.next()) != null) {
            handleMessage(message, nowNanos);
        }
    }

    private void handleMessage(Dtls13Handshake.Message message, long nowNanos) throws TlsException {
        // RFC 9147 §6.1: the ClientHello is the client's only epoch-0 message, the rest of its flight is epoch 2,
        // and post-handshake messages come under application keys.
        boolean rightEpoch = switch (phase) {
            case AWAITING_CLIENT_HELLO -> message.epoch() == 0;
            case AWAITING_CLIENT_FLIGHT -> message.epoch() == EPOCH_HANDSHAKE;
            default -> message.epoch() >= EPOCH_APPLICATION;
        };
        if (!rightEpoch) {
            throw fatal(AlertDescription.unexpected_message, "handshake message type " + message.type()
                    + " in epoch " + message.epoch());
        }
        switch (phase) {
            case AWAITING_CLIENT_HELLO -> {
                expect(message, CLIENT_HELLO);
                Dtls13ClientHello hello;
                try {
                    hello = Dtls13ClientHello.parse(message.body());
                } catch (TlsFatalAlert e) {
                    phase = Phase.NOT_OURS; // the DTLS 1.2 server judges what we cannot read
                    return;
                }
                if (!hello.offersDtls13WeSpeak()) {
                    phase = Phase.NOT_OURS;
                    return;
                }
                transcript.add(message.type(), message.body());
                answer(hello, nowNanos);
            }
            case AWAITING_CLIENT_FLIGHT -> handleClientFlight(message);
            default -> {
                if (message.type() != KEY_UPDATE) {
                    throw fatal(AlertDescription.unexpected_message, "handshake message type " + message.type()
                            + " after the handshake (of the post-handshake messages only KeyUpdate is taken)");
                }
                handleKeyUpdate(message.body(), nowNanos);
            }
        }
    }

    private void handleClientFlight(Dtls13Handshake.Message message) throws TlsException {
        if (clientCertificate == null) {
            expect(message, CERTIFICATE);
            clientCertificate = checkClientCertificate(message.body());
        } else if (!clientCertificateVerified) {
            // RFC 8446 §4.4.3: a certificate counts only with proof of its key, before the Finished.
            expect(message, CERTIFICATE_VERIFY);
            checkCertificateVerify(message.body());
            clientCertificateVerified = true;
        } else {
            expect(message, FINISHED);
            byte[] expected = Dtls13KeySchedule.finishedVerifyData(clientHandshakeSecret, transcript.hash());
            if (!MessageDigest.isEqual(expected, message.body())) {
                throw fatal(AlertDescription.decrypt_error, "the client's Finished does not verify");
            }
            phase = Phase.CONNECTED;
            handshakeComplete = true;
            flight.clear();
            inbound.clear();
            Arrays.fill(clientHandshakeSecret, (byte) 0);
            sendAck(clientFlightRecords);
        }
        transcript.add(message.type(), message.body());
    }

    /** A record number for an ACK; past {@link #MAX_ACKED_RECORDS} the ACK lists a subset (RFC 9147 §7). */
    private static void addBounded(List<long[]> recordNumbers, long epoch, long sequence) {
        if (recordNumbers.size() < MAX_ACKED_RECORDS) {
            recordNumbers.add(new long[] {epoch, sequence});
        }
    }

    private void expect(Dtls13Handshake.Message message, int type) throws TlsFatalAlert {
        if (message.type() != type) {
            throw fatal(AlertDescription.unexpected_message, "handshake message type " + message.type()
                    + " where type " + type + " belongs");
        }
    }

    // ----------------------------------------------------------------------------------------- server flight

    /** RFC 8446 §4.1.3–§4.4.4: ServerHello, then EncryptedExtensions … Finished under the handshake keys. */
    private void answer(Dtls13ClientHello hello, long nowNanos) throws TlsFatalAlert {
        byte[] shared = new byte[X25519.POINT_SIZE];
        boolean agreed = X25519.calculateAgreement(secrets.keySharePrivate, 0, hello.x25519Share(), 0, shared, 0);
        Arrays.fill(secrets.keySharePrivate, (byte) 0);
        if (!agreed) {
            throw fatal(AlertDescription.illegal_parameter, "the client's X25519 key share is a low-order point");
        }
        selectedSrtpProfile = chooseSrtpProfile(hello);

        byte[] serverRandom = new byte[32];
        random.nextBytes(serverRandom);
        byte[] extensions = new TlsWriter()
                .extension(43, new TlsWriter().u16(Dtls13ClientHello.DTLS13).toBytes()) // supported_versions
                .extension(51, new TlsWriter().u16(Dtls13ClientHello.X25519).vector16(secrets.keySharePublic).toBytes())
                .toBytes();
        // RFC 9147 §5.4: legacy_version {254, 253}; the session id echoed (§5.3 has the client send none).
        addToFlight(SERVER_HELLO, 0, new TlsWriter().u16(0xFEFD).bytes(serverRandom)
                .vector8(hello.legacySessionId()).u16(Dtls13ClientHello.TLS_AES_128_GCM_SHA256).u8(0)
                .vector16(extensions).toBytes());

        byte[] handshakeSecret = Dtls13KeySchedule.handshakeSecret(shared);
        Arrays.fill(shared, (byte) 0);
        byte[] helloHash = transcript.hash();
        clientHandshakeSecret = Dtls13KeySchedule.deriveSecret(handshakeSecret, "c hs traffic", helloHash);
        byte[] serverHandshakeSecret = Dtls13KeySchedule.deriveSecret(handshakeSecret, "s hs traffic", helloHash);
        records.readKeys(new Dtls13RecordCipher(EPOCH_HANDSHAKE, clientHandshakeSecret));
        records.writeKeys(new Dtls13RecordCipher(EPOCH_HANDSHAKE, serverHandshakeSecret));

        TlsWriter encryptedExtensions = new TlsWriter();
        if (selectedSrtpProfile != null) {
            // RFC 5764 §4.1.1: the one profile chosen, no MKI.
            encryptedExtensions.extension(14, new TlsWriter().u16(2).u16(selectedSrtpProfile.id()).u8(0).toBytes());
        }
        addToFlight(ENCRYPTED_EXTENSIONS, EPOCH_HANDSHAKE, new TlsWriter().vector16(encryptedExtensions.toBytes())
                .toBytes());

        // RFC 8827 §6.5: the client presents a certificate too. RFC 8446 §4.3.2: empty context, signature_algorithms.
        TlsWriter schemes = new TlsWriter();
        for (int scheme : Dtls13Signatures.VERIFIED_SCHEMES) {
            schemes.u16(scheme);
        }
        byte[] requestExtensions = new TlsWriter().extension(13, new TlsWriter().vector16(schemes.toBytes())
                .toBytes()).toBytes();
        addToFlight(CERTIFICATE_REQUEST, EPOCH_HANDSHAKE, new TlsWriter().u8(0).vector16(requestExtensions)
                .toBytes());

        // RFC 8446 §4.4.2: an empty context and one CertificateEntry without extensions.
        byte[] der = certificate.encodedNoCopy();
        addToFlight(CERTIFICATE, EPOCH_HANDSHAKE, new TlsWriter().u8(0)
                .vector24(new TlsWriter().vector24(der).u16(0).toBytes()).toBytes());

        byte[] signature = secrets.signer.sign(Dtls13Signatures.certificateVerifyContent(true, transcript.hash()),
                random);
        addToFlight(CERTIFICATE_VERIFY, EPOCH_HANDSHAKE, new TlsWriter().u16(Dtls13Signatures.ECDSA_SECP256R1_SHA256)
                .vector16(signature).toBytes());

        addToFlight(FINISHED, EPOCH_HANDSHAKE,
                Dtls13KeySchedule.finishedVerifyData(serverHandshakeSecret, transcript.hash()));

        // RFC 8446 §7.1: the application secrets and the exporter follow from the transcript up to our Finished.
        byte[] masterSecret = Dtls13KeySchedule.masterSecret(handshakeSecret);
        byte[] finishedHash = transcript.hash();
        clientApplicationSecret = Dtls13KeySchedule.deriveSecret(masterSecret, "c ap traffic", finishedHash);
        serverApplicationSecret = Dtls13KeySchedule.deriveSecret(masterSecret, "s ap traffic", finishedHash);
        records.readKeys(new Dtls13RecordCipher(EPOCH_APPLICATION, clientApplicationSecret));
        records.writeKeys(new Dtls13RecordCipher(EPOCH_APPLICATION, serverApplicationSecret));
        exporterMasterSecret = Dtls13KeySchedule.deriveSecret(masterSecret, "exp master", finishedHash);
        Arrays.fill(handshakeSecret, (byte) 0);
        Arrays.fill(masterSecret, (byte) 0);
        Arrays.fill(serverHandshakeSecret, (byte) 0);

        phase = Phase.AWAITING_CLIENT_FLIGHT;
        nextMessageSeq = flight.size();
        retransmitInterval = initialRetransmitNanos;
        sendFlight(nowNanos);
    }

    private SrtpProfile chooseSrtpProfile(Dtls13ClientHello hello) {
        if (hello.srtpMkiLength() != 0) {
            return null;
        }
        for (SrtpProfile profile : srtpProfiles) { // RFC 5764 §4.1.1: the server's order of preference
            if (hello.srtpProfiles().contains(profile.id())) {
                return profile;
            }
        }
        return null;
    }

    private void addToFlight(int type, int epoch, byte[] body) {
        flight.add(new Dtls13Handshake.Message(type, epoch, flight.size(), body));
        transcript.add(type, body);
    }

    private void sendFlight(long nowNanos) {
        transmit.addAll(Dtls13Handshake.datagrams(flight, records, mtu));
        flightSentAt = nowNanos;
        retransmitAt = nowNanos + retransmitInterval;
    }

    /** RFC 9147 §7: an ACK of {@code recordNumbers}, in the highest epoch we send in. */
    private void sendAck(List<long[]> recordNumbers) {
        List<long[]> sorted = new ArrayList<>(recordNumbers);
        sorted.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1])); // increasing
        TlsWriter numbers = new TlsWriter();
        long[] previous = null;
        for (long[] number : sorted) {
            if (previous == null || previous[0] != number[0] || previous[1] != number[1]) {
                numbers.u64(number[0]).u64(number[1]);
            }
            previous = number;
        }
        byte[] ack = new TlsWriter().vector16(numbers.toBytes()).toBytes();
        transmit.add(records.writeDatagram(CONTENT_ACK, ack, 0, ack.length));
    }

    // ------------------------------------------------------------------------------------------- key update

    /**
     * RFC 9147 §8, RFC 8446 §4.6.3: the client moves to its next sending epoch; we read it with the next traffic
     * secret (keeping the old epoch's keys for records still on their way, and forgetting the epoch before that)
     * and answer a request with our own update.
     */
    private void handleKeyUpdate(byte[] body, long nowNanos) throws TlsFatalAlert {
        if (body.length != 1 || (body[0] != 0 && body[0] != 1)) {
            throw fatal(AlertDescription.illegal_parameter, "a KeyUpdate that is neither update_not_requested nor"
                    + " update_requested");
        }
        clientApplicationSecret = nextTrafficSecret(clientApplicationSecret);
        if (readApplicationEpoch > EPOCH_APPLICATION) {
            records.forgetRead(readApplicationEpoch - 1);
        }
        readApplicationEpoch++;
        records.readKeys(new Dtls13RecordCipher(readApplicationEpoch, clientApplicationSecret));
        if (body[0] == 1 && ownKeyUpdate == null) {
            startOwnKeyUpdate(nowNanos);
        }
    }

    /** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
    private static byte[] nextTrafficSecret(byte[] secret) {
        byte[] next = Dtls13KeySchedule.expandLabel(secret, "traffic upd", new byte[0], Dtls13KeySchedule.HASH_LENGTH);
        Arrays.fill(secret, (byte) 0);
        return next;
    }

    /** Our KeyUpdate; we keep sending with the old keys until the client acknowledges it (RFC 9147 §8). */
    private void startOwnKeyUpdate(long nowNanos) {
        ownKeyUpdate = new Dtls13Handshake.Message(KEY_UPDATE, records.writeEpoch(), nextMessageSeq++,
                new byte[] {0}); // update_not_requested
        sendOwnKeyUpdate(nowNanos);
    }

    private void sendOwnKeyUpdate(long nowNanos) {
        int epoch = ownKeyUpdate.epoch();
        if (ownKeyUpdateRecords.size() == MAX_ACKED_RECORDS) {
            ownKeyUpdateRecords.remove(0); // an ACK of a send that old is not coming
        }
        ownKeyUpdateRecords.add(new long[] {epoch, records.nextWriteSequence(epoch)}); // one small record
        transmit.addAll(Dtls13Handshake.datagrams(List.of(ownKeyUpdate), records, mtu));
        ownKeyUpdateSentAt = nowNanos;
    }

    /**
     * Our KeyUpdate again when a retransmission interval has passed without its ACK: its record may have been lost
     * (RFC 9147 §8). Checked whenever a datagram comes or goes, so no timer is kept after the handshake.
     */
    private void resendOwnKeyUpdateIfDue(long nowNanos) {
        if (ownKeyUpdate != null && nowNanos - ownKeyUpdateSentAt >= initialRetransmitNanos) {
            sendOwnKeyUpdate(nowNanos);
        }
    }

    /**
     * An ACK: once it covers a record of our KeyUpdate, we send with the next epoch's keys. Only an ACK under
     * application keys counts for that (RFC 9147 §7: sent in the highest epoch its sender has).
     */
    private void handleAck(int recordEpoch, byte[] buf, int off, int len) throws TlsFatalAlert {
        TlsReader numbers = new TlsReader(buf, off, len).sub16();
        while (numbers.remaining() > 0) {
            long epoch = numbers.u64();
            long sequence = numbers.u64();
            if (ownKeyUpdate != null && recordEpoch >= EPOCH_APPLICATION
                    && ownKeyUpdateRecords.stream().anyMatch(r -> r[0] == epoch && r[1] == sequence)) {
                serverApplicationSecret = nextTrafficSecret(serverApplicationSecret);
                records.writeKeys(new Dtls13RecordCipher(records.writeEpoch() + 1, serverApplicationSecret));
                ownKeyUpdate = null;
                ownKeyUpdateRecords.clear();
            }
        }
        // ACKs of parts of our handshake flight change nothing: we resend whole flights (§7.2 allows it), and the
        // client's final flight acknowledges ours anyway.
    }

    // ---------------------------------------------------------------------------------------- client flight

    /** RFC 8446 §4.4.2 and RFC 8122 §5: the client's end-entity certificate must match a remote fingerprint. */
    private byte[] checkClientCertificate(byte[] body) throws TlsFatalAlert {
        TlsReader in = new TlsReader(body, 0, body.length);
        if (in.vector8().length != 0) {
            throw fatal(AlertDescription.illegal_parameter, "the client's Certificate has a request context");
        }
        TlsReader list = in.sub24();
        in.expectEnd("the client's Certificate");
        if (list.remaining() == 0) {
            throw fatal(AlertDescription.certificate_required, "the peer presented no certificate; WebRTC needs one"
                    + " to check the SDP fingerprint");
        }
        byte[] endEntity = list.vector24();
        Optional<String> mismatch = remoteFingerprints.check(endEntity);
        if (mismatch.isPresent()) {
            throw fatal(AlertDescription.bad_certificate, mismatch.get());
        }
        return endEntity;
    }

    /** RFC 8446 §4.4.3: the client signed the transcript up to its Certificate with that certificate's key. */
    private void checkCertificateVerify(byte[] body) throws TlsFatalAlert {
        TlsReader in = new TlsReader(body, 0, body.length);
        int scheme = in.u16();
        byte[] signature = in.vector16();
        in.expectEnd("the client's CertificateVerify");
        byte[] content = Dtls13Signatures.certificateVerifyContent(false, transcript.hash());
        if (!Dtls13Signatures.verify(clientCertificate, scheme, content, signature)) {
            throw fatal(AlertDescription.decrypt_error, "the client's CertificateVerify does not verify with its"
                    + " certificate (signature scheme 0x" + Integer.toHexString(scheme) + ")");
        }
    }

    // ---------------------------------------------------------------------------------------------- output

    /**
     * One application-data record (RFC 9147 §4) of {@code data[off, off + len)} as a new datagram.
     *
     * @throws IllegalStateException when not connected
     */
    byte[] protectApplicationData(byte[] data, int off, int len, long nowNanos) {
        if (phase != Phase.CONNECTED) {
            throw new IllegalStateException("DTLS 1.3 application data can be sent only once connected, not " + phase);
        }
        if (ownKeyUpdate == null && records.applicationRecordsWritten() >= keyUpdateAfterRecords) {
            startOwnKeyUpdate(nowNanos); // goes out with the next pollTransmit
        } else {
            resendOwnKeyUpdateIfDue(nowNanos);
        }
        // Twice the update threshold, 2^24, stays under AES-GCM's limit of 2^24.5 full records per key (RFC 9147
        // §4.5.3): a client that never acknowledges our KeyUpdate gets its connection ended, not a worn key.
        if (records.applicationRecordsWritten() >= 2 * keyUpdateAfterRecords) {
            throw new IllegalStateException("the peer has not acknowledged our KeyUpdate in " + keyUpdateAfterRecords
                    + " records; these keys must not send more");
        }
        return records.writeDatagram(CONTENT_APPLICATION_DATA, data, off, len);
    }

    /** close_notify (RFC 8446 §6.1) once the client can read it (after our ServerHello); then the keys go. */
    void close() {
        if (phase == Phase.AWAITING_CLIENT_FLIGHT || phase == Phase.CONNECTED) {
            queueAlert(AlertLevel.warning, AlertDescription.close_notify);
        }
        if (phase != Phase.FAILED) {
            phase = Phase.CLOSED;
        }
        forgetKeys();
    }

    /** Zeroes every secret it can and drops the rest; a connection that was still open is closed by it. */
    void forgetKeys() {
        if (phase == Phase.AWAITING_CLIENT_HELLO || phase == Phase.AWAITING_CLIENT_FLIGHT || phase == Phase.CONNECTED) {
            phase = Phase.CLOSED; // no keys, no records: never plaintext in their place
        }
        records.forget();
        secrets.forget();
        if (exporterMasterSecret != null) {
            Arrays.fill(exporterMasterSecret, (byte) 0);
            exporterMasterSecret = null;
        }
        for (byte[] secret : new byte[][] {clientHandshakeSecret, clientApplicationSecret, serverApplicationSecret}) {
            if (secret != null) {
                Arrays.fill(secret, (byte) 0);
            }
        }
    }

    private TlsFatalAlert fatal(short description, String message) {
        if (phase != Phase.FAILED) {
            queueAlert(AlertLevel.fatal, description);
            phase = Phase.FAILED;
            failure = message;
            forgetKeys();
        }
        return new TlsFatalAlert(description, message);
    }

    /** RFC 9147 §5.10: alerts go in the epoch the client reads now: plaintext before our ServerHello. */
    private void queueAlert(short level, short description) {
        byte[] alert = {(byte) level, (byte) description};
        transmit.add(records.writeDatagram(CONTENT_ALERT, alert, 0, alert.length));
    }
}
