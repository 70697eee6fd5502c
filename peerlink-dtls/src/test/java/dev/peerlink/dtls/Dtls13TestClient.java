package dev.peerlink.dtls;

import static dev.peerlink.dtls.Dtls13RecordLayer.EPOCH_APPLICATION;
import static dev.peerlink.dtls.Dtls13RecordLayer.EPOCH_HANDSHAKE;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.tls.TlsException;

/**
 * A DTLS 1.3 client for testing {@link Dtls13Server} without a browser: the client half of RFC 9147's full handshake
 * with a client certificate, built on the same record layer and message framing. What it sends can be bent
 * ({@link Options}) so tests can see the server refuse it.
 */
final class Dtls13TestClient {
    /** What the client offers and how it behaves; the defaults are what a browser does. */
    static final class Options {
        List<Integer> versions = List.of(Dtls13ClientHello.DTLS13, 0xFEFD);
        boolean x25519Share = true;
        List<Integer> srtpProfiles = List.of(SrtpProfile.AEAD_AES_128_GCM.id(), SrtpProfile.AES128_CM_HMAC_SHA1_80.id());
        boolean sendCertificate = true;
        boolean sendCertificateVerify = true;
        boolean corruptSignature;
        boolean corruptFinished;
        int mtu = 1200;
    }

    private final DtlsCertificate certificate;
    private final Fingerprints serverFingerprints;
    private final Options options;
    private final SecureRandom random = new SecureRandom();
    private final Dtls13RecordLayer records = new Dtls13RecordLayer();
    private final Dtls13Handshake.Inbound inbound = new Dtls13Handshake.Inbound();
    private final Dtls13Handshake.Transcript transcript = new Dtls13Handshake.Transcript();
    private final byte[] keyShare = new byte[X25519.SCALAR_SIZE];
    private final ArrayDeque<byte[]> applicationData = new ArrayDeque<>();
    private final List<Integer> alerts = new ArrayList<>();
    private List<Dtls13Handshake.Message> lastFlight = List.of();
    private byte[] serverHandshakeSecret;
    private byte[] clientHandshakeSecret;
    private byte[] masterSecret;
    private byte[] serverCertificate;
    private byte[] serverKeyShare;
    private byte[] exporterMasterSecret;
    private int selectedSrtpProfile = -1;
    private boolean serverFinished;
    private boolean acknowledged;
    private byte[] clientApplicationSecret;
    private byte[] serverApplicationSecret;
    private int readEpoch = EPOCH_APPLICATION;
    private int nextMessageSeq;
    /** The record {epoch, sequence} of our KeyUpdate, until the server acknowledges it. */
    private long[] pendingKeyUpdate;

    Dtls13TestClient(DtlsCertificate certificate, DtlsCertificate server, Options options) {
        this.certificate = certificate;
        this.serverFingerprints = new Fingerprints(List.of(server.fingerprint()));
        this.options = options;
    }

    /** The ClientHello flight's datagrams (send them again to retransmit it). */
    List<byte[]> clientHello() {
        if (lastFlight.isEmpty()) {
            X25519.generatePrivateKey(random, keyShare);
            byte[] publicKey = new byte[X25519.POINT_SIZE];
            X25519.generatePublicKey(keyShare, 0, publicKey, 0);
            TlsWriter versions = new TlsWriter();
            options.versions.forEach(versions::u16);
            TlsWriter schemes = new TlsWriter().u16(Dtls13Signatures.ECDSA_SECP256R1_SHA256).u16(0x0804);
            TlsWriter shares = new TlsWriter();
            if (options.x25519Share) {
                shares.u16(Dtls13ClientHello.X25519).vector16(publicKey);
            }
            TlsWriter srtp = new TlsWriter();
            options.srtpProfiles.forEach(srtp::u16);
            byte[] extensions = new TlsWriter()
                    .extension(43, new TlsWriter().vector8(versions.toBytes()).toBytes())
                    .extension(10, new TlsWriter().vector16(new TlsWriter().u16(Dtls13ClientHello.X25519).u16(0x17)
                            .toBytes()).toBytes())
                    .extension(13, new TlsWriter().vector16(schemes.toBytes()).toBytes())
                    .extension(51, new TlsWriter().vector16(shares.toBytes()).toBytes())
                    .extension(14, new TlsWriter().vector16(srtp.toBytes()).u8(0).toBytes())
                    // What a DTLS 1.2 server needs too, as browsers send it: extended_master_secret (RFC 7627),
                    // ec_point_formats (RFC 8422 §5.1.2), renegotiation_info (RFC 5746).
                    .extension(23, new byte[0])
                    .extension(11, new TlsWriter().vector8(new byte[] {0}).toBytes())
                    .extension(0xFF01, new TlsWriter().vector8(new byte[0]).toBytes())
                    .toBytes();
            byte[] clientRandom = new byte[32];
            random.nextBytes(clientRandom);
            byte[] body = new TlsWriter().u16(0xFEFD).bytes(clientRandom).u8(0).u8(0)
                    .vector16(new TlsWriter().u16(Dtls13ClientHello.TLS_AES_128_GCM_SHA256).u16(0xC02B).toBytes())
                    .vector8(new byte[] {0}).vector16(extensions).toBytes();
            transcript.add(Dtls13Handshake.CLIENT_HELLO, body);
            lastFlight = List.of(new Dtls13Handshake.Message(Dtls13Handshake.CLIENT_HELLO, 0, 0, body));
        }
        return Dtls13Handshake.datagrams(lastFlight, records, options.mtu);
    }

    /** A datagram from the server; returns the datagrams the client answers with. */
    List<byte[]> handle(byte[] datagram) throws TlsException {
        List<byte[]> answer = new ArrayList<>();
        byte[] copy = datagram.clone();
        records.read(copy, 0, copy.length, (type, epoch, sequence, buf, off, len) -> {
            switch (type) {
                case Dtls13RecordLayer.CONTENT_HANDSHAKE -> {
                    if (inbound.add(epoch, buf, off, len) == Dtls13Handshake.Received.OLD && serverFinished) {
                        answer.addAll(Dtls13Handshake.datagrams(lastFlight, records, options.mtu));
                    }
                    Dtls13Handshake.Message message;
                    while ((message = inbound.next()) != null) {
                        answer.addAll(handleMessage(message));
                        if (message.type() == Dtls13Handshake.KEY_UPDATE) {
                            answer.add(ack(epoch, sequence));
                        }
                    }
                }
                case Dtls13RecordLayer.CONTENT_ACK -> {
                    acknowledged = epoch >= EPOCH_APPLICATION;
                    TlsReader numbers = new TlsReader(buf, off, len).sub16();
                    while (numbers.remaining() > 0) {
                        long ackedEpoch = numbers.u64();
                        long ackedSequence = numbers.u64();
                        if (pendingKeyUpdate != null && pendingKeyUpdate[0] == ackedEpoch
                                && pendingKeyUpdate[1] == ackedSequence) {
                            clientApplicationSecret = Dtls13KeySchedule.expandLabel(clientApplicationSecret,
                                    "traffic upd", new byte[0], 32);
                            records.writeKeys(new Dtls13RecordCipher(records.writeEpoch() + 1,
                                    clientApplicationSecret));
                            pendingKeyUpdate = null;
                        }
                    }
                }
                case Dtls13RecordLayer.CONTENT_ALERT -> alerts.add(buf[off + 1] & 0xFF);
                case Dtls13RecordLayer.CONTENT_APPLICATION_DATA -> applicationData.add(Arrays.copyOfRange(buf, off,
                        off + len));
                default -> throw new AssertionError("content type " + type);
            }
            return true;
        });
        return answer;
    }

    private List<byte[]> handleMessage(Dtls13Handshake.Message message) throws TlsException {
        byte[] body = message.body();
        switch (message.type()) {
            case Dtls13Handshake.SERVER_HELLO -> {
                transcript.add(message.type(), body);
                TlsReader in = new TlsReader(body, 0, body.length);
                in.skip(2 + 32);
                in.vector8();
                in.skip(3);
                TlsReader shareExtension = extension(in.sub16(), 51);
                shareExtension.u16(); // the group
                serverKeyShare = shareExtension.vector16();
                byte[] shared = new byte[32];
                X25519.calculateAgreement(keyShare, 0, serverKeyShare, 0, shared, 0);
                byte[] handshakeSecret = Dtls13KeySchedule.handshakeSecret(shared);
                clientHandshakeSecret = Dtls13KeySchedule.deriveSecret(handshakeSecret, "c hs traffic",
                        transcript.hash());
                serverHandshakeSecret = Dtls13KeySchedule.deriveSecret(handshakeSecret, "s hs traffic",
                        transcript.hash());
                masterSecret = Dtls13KeySchedule.masterSecret(handshakeSecret);
                records.readKeys(new Dtls13RecordCipher(EPOCH_HANDSHAKE, serverHandshakeSecret));
                records.writeKeys(new Dtls13RecordCipher(EPOCH_HANDSHAKE, clientHandshakeSecret));
            }
            case Dtls13Handshake.ENCRYPTED_EXTENSIONS -> {
                transcript.add(message.type(), body);
                TlsReader useSrtp = extension(new TlsReader(body, 0, body.length).sub16(), 14);
                if (useSrtp != null) {
                    useSrtp.u16(); // the list's length: one profile
                    selectedSrtpProfile = useSrtp.u16();
                }
            }
            case Dtls13Handshake.CERTIFICATE -> {
                transcript.add(message.type(), body);
                TlsReader in = new TlsReader(body, 0, body.length);
                in.vector8();
                serverCertificate = in.sub24().vector24();
                if (serverFingerprints.check(serverCertificate).isPresent()) {
                    throw new AssertionError("the server's certificate does not match its fingerprint");
                }
            }
            case Dtls13Handshake.CERTIFICATE_VERIFY -> {
                TlsReader in = new TlsReader(body, 0, body.length);
                int scheme = in.u16();
                byte[] content = Dtls13Signatures.certificateVerifyContent(true, transcript.hash());
                if (!Dtls13Signatures.verify(serverCertificate, scheme, content, in.vector16())) {
                    throw new AssertionError("the server's CertificateVerify does not verify");
                }
                transcript.add(message.type(), body);
            }
            case Dtls13Handshake.CERTIFICATE_REQUEST -> transcript.add(message.type(), body);
            case Dtls13Handshake.KEY_UPDATE -> {
                serverApplicationSecret = Dtls13KeySchedule.expandLabel(serverApplicationSecret, "traffic upd",
                        new byte[0], 32);
                records.readKeys(new Dtls13RecordCipher(++readEpoch, serverApplicationSecret));
            }
            case Dtls13Handshake.FINISHED -> {
                if (!MessageDigest.isEqual(body, Dtls13KeySchedule.finishedVerifyData(serverHandshakeSecret,
                        transcript.hash()))) {
                    throw new AssertionError("the server's Finished does not verify");
                }
                transcript.add(message.type(), body);
                serverFinished = true;
                return finalFlight();
            }
            default -> throw new AssertionError("unexpected handshake message " + message.type());
        }
        return List.of();
    }

    /** Certificate, CertificateVerify, Finished (RFC 8446 §4.4), then the application keys. */
    private List<byte[]> finalFlight() {
        byte[] finishedHash = transcript.hash();
        List<Dtls13Handshake.Message> flight = new ArrayList<>();
        int messageSeq = 1;
        byte[] certificateBody = new TlsWriter().u8(0).vector24(options.sendCertificate
                ? new TlsWriter().vector24(certificate.encodedNoCopy()).u16(0).toBytes() : new byte[0]).toBytes();
        flight.add(new Dtls13Handshake.Message(Dtls13Handshake.CERTIFICATE, EPOCH_HANDSHAKE, messageSeq++,
                certificateBody));
        transcript.add(Dtls13Handshake.CERTIFICATE, certificateBody);
        if (options.sendCertificateVerify) {
            byte[] signature = new Dtls13Signatures.P256Signer(certificate.privateKey()).sign(
                    Dtls13Signatures.certificateVerifyContent(false, transcript.hash()), random);
            if (options.corruptSignature) {
                signature[signature.length - 1] ^= 1;
            }
            byte[] verifyBody = new TlsWriter().u16(Dtls13Signatures.ECDSA_SECP256R1_SHA256).vector16(signature)
                    .toBytes();
            flight.add(new Dtls13Handshake.Message(Dtls13Handshake.CERTIFICATE_VERIFY, EPOCH_HANDSHAKE, messageSeq++,
                    verifyBody));
            transcript.add(Dtls13Handshake.CERTIFICATE_VERIFY, verifyBody);
        }
        byte[] finished = Dtls13KeySchedule.finishedVerifyData(clientHandshakeSecret, transcript.hash());
        if (options.corruptFinished) {
            finished[0] ^= 1;
        }
        flight.add(new Dtls13Handshake.Message(Dtls13Handshake.FINISHED, EPOCH_HANDSHAKE, messageSeq, finished));
        nextMessageSeq = messageSeq + 1;
        lastFlight = flight;
        List<byte[]> datagrams = Dtls13Handshake.datagrams(flight, records, options.mtu);
        serverApplicationSecret = Dtls13KeySchedule.deriveSecret(masterSecret, "s ap traffic", finishedHash);
        clientApplicationSecret = Dtls13KeySchedule.deriveSecret(masterSecret, "c ap traffic", finishedHash);
        records.readKeys(new Dtls13RecordCipher(EPOCH_APPLICATION, serverApplicationSecret));
        records.writeKeys(new Dtls13RecordCipher(EPOCH_APPLICATION, clientApplicationSecret));
        exporterMasterSecret = Dtls13KeySchedule.deriveSecret(masterSecret, "exp master", finishedHash);
        return datagrams;
    }

    /** The final flight again, as a client does when no ACK came (RFC 9147 §5.8.1). */
    List<byte[]> retransmitFinalFlight() {
        return Dtls13Handshake.datagrams(lastFlight, records, options.mtu);
    }

    /** A KeyUpdate (RFC 9147 §8); our sending keys change when the server acknowledges it. */
    List<byte[]> keyUpdate(boolean requestUpdate) {
        int epoch = records.writeEpoch();
        pendingKeyUpdate = new long[] {epoch, records.nextWriteSequence(epoch)};
        return Dtls13Handshake.datagrams(List.of(new Dtls13Handshake.Message(Dtls13Handshake.KEY_UPDATE, epoch,
                nextMessageSeq++, new byte[] {(byte) (requestUpdate ? 1 : 0)})), records, options.mtu);
    }

    private byte[] ack(int epoch, long sequence) {
        byte[] ack = new TlsWriter().vector16(new TlsWriter().u64(epoch).u64(sequence).toBytes()).toBytes();
        return records.writeDatagram(Dtls13RecordLayer.CONTENT_ACK, ack, 0, ack.length);
    }

    int writeEpoch() {
        return records.writeEpoch();
    }

    int readEpoch() {
        return readEpoch;
    }

    byte[] protect(byte[] data) {
        return records.writeDatagram(Dtls13RecordLayer.CONTENT_APPLICATION_DATA, data, 0, data.length);
    }

    byte[] alert(int level, int description) {
        byte[] alert = {(byte) level, (byte) description};
        return records.writeDatagram(Dtls13RecordLayer.CONTENT_ALERT, alert, 0, alert.length);
    }

    byte[] export(String label, int length) {
        return Dtls13KeySchedule.export(exporterMasterSecret, label, length);
    }

    boolean serverFinished() {
        return serverFinished;
    }

    /** The value of the last extension of {@code type} in an extensions block, or null when there is none. */
    private static TlsReader extension(TlsReader extensions, int type) throws TlsException {
        TlsReader found = null;
        while (extensions.remaining() > 0) {
            int each = extensions.u16();
            TlsReader value = extensions.sub16();
            if (each == type) {
                found = value;
            }
        }
        return found;
    }

    /** The X25519 public key from the server's ServerHello. */
    byte[] serverKeyShare() {
        return serverKeyShare;
    }

    boolean acknowledged() {
        return acknowledged;
    }

    int selectedSrtpProfile() {
        return selectedSrtpProfile;
    }

    byte[] pollApplicationData() {
        return applicationData.poll();
    }

    List<Integer> alerts() {
        return alerts;
    }
}
