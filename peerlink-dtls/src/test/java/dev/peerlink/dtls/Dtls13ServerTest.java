package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsException;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.junit.jupiter.api.Test;

/** The DTLS 1.3 server core against {@link Dtls13TestClient}, driven by hand with a virtual clock. */
class Dtls13ServerTest {
    private static final long SECOND = 1_000_000_000L;
    private static final DtlsCertificate clientCertificate = Dtls13TestCertificates.CLIENT;
    private static final DtlsCertificate serverCertificate = Dtls13TestCertificates.SERVER;

    private static Dtls13Server server() {
        return server(clientCertificate);
    }

    private static Dtls13Server server(DtlsCertificate expectedClient) {
        return server(serverCertificate, expectedClient, null);
    }

    private static Dtls13Server server(DtlsCertificate own, DtlsCertificate expectedClient,
                                       Dtls13ServerSecrets prepared) {
        return new Dtls13Server(own, new Fingerprints(List.of(expectedClient.fingerprint())),
                List.of(SrtpProfile.AES128_CM_HMAC_SHA1_80, SrtpProfile.AEAD_AES_128_GCM), new SecureRandom(), 1200,
                SECOND, prepared);
    }

    private static Dtls13TestClient client() {
        return client(new Dtls13TestClient.Options());
    }

    private static Dtls13TestClient client(Dtls13TestClient.Options options) {
        return new Dtls13TestClient(clientCertificate, serverCertificate, options);
    }

    private static List<byte[]> drain(Dtls13Server server) {
        List<byte[]> out = new ArrayList<>();
        byte[] datagram;
        while ((datagram = server.pollTransmit()) != null) {
            out.add(datagram);
        }
        return out;
    }

    private static void deliver(List<byte[]> datagrams, Dtls13Server server, long now) throws TlsException {
        for (byte[] datagram : datagrams) {
            server.handleDatagram(datagram.clone(), 0, datagram.length, now);
        }
    }

    private static List<byte[]> deliver(List<byte[]> datagrams, Dtls13TestClient client) throws TlsException {
        List<byte[]> answers = new ArrayList<>();
        for (byte[] datagram : datagrams) {
            answers.addAll(client.handle(datagram));
        }
        return answers;
    }

    /** Runs the handshake to the end; returns the server's last datagrams (its ACK). */
    private static List<byte[]> handshake(Dtls13Server server, Dtls13TestClient client) throws TlsException {
        deliver(client.clientHello(), server, 0);
        List<byte[]> finalFlight = deliver(drain(server), client);
        deliver(finalFlight, server, 0);
        List<byte[]> ack = drain(server);
        deliver(ack, client);
        return ack;
    }

    @Test
    void completesTheHandshakeInOneRoundTripAndAcknowledgesTheClientsFinalFlight() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();

        deliver(client.clientHello(), server, 0);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.AWAITING_CLIENT_FLIGHT);
        List<byte[]> flight = drain(server);
        assertThat(flight).isNotEmpty().allSatisfy(datagram -> assertThat(datagram.length).isLessThanOrEqualTo(1200));
        List<byte[]> finalFlight = deliver(flight, client);
        assertThat(client.serverFinished()).isTrue();

        deliver(finalFlight, server, 0);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
        deliver(drain(server), client);
        assertThat(client.acknowledged()).isTrue();
        assertThat(server.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void secretsPreparedAheadServeOneHandshakeAndAreZeroedAfterIt() throws Exception {
        Dtls13ServerSecrets prepared = Dtls13ServerSecrets.prepare(serverCertificate);
        byte[] preparedShare = prepared.keySharePublic.clone();
        Dtls13Server first = server(serverCertificate, clientCertificate, prepared);
        Dtls13Server second = server(serverCertificate, clientCertificate, prepared);
        Dtls13TestClient firstClient = client();
        Dtls13TestClient secondClient = client();

        handshake(first, firstClient);
        handshake(second, secondClient);

        assertThat(first.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
        assertThat(second.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
        assertThat(firstClient.serverKeyShare()).isEqualTo(preparedShare);
        // Taken once: a second server makes its own, never the same key share (nor signature nonce) twice.
        assertThat(secondClient.serverKeyShare()).isNotEqualTo(preparedShare);
        assertThat(prepared.keySharePrivate).containsOnly(0);
        prepared.discardUnlessTaken(); // taken: nothing to do, and nothing breaks
        assertThat(first.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
    }

    @Test
    void secretsForAnotherCertificateAreNotUsedAndUnusedOnesAreZeroedWhenDiscarded() throws Exception {
        Dtls13ServerSecrets forTheClientsCertificate = Dtls13ServerSecrets.prepare(clientCertificate);
        byte[] share = forTheClientsCertificate.keySharePublic.clone();
        Dtls13Server server = server(serverCertificate, clientCertificate, forTheClientsCertificate);
        Dtls13TestClient client = client();

        handshake(server, client);

        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
        assertThat(client.serverKeyShare()).isNotEqualTo(share);
        // Untouched (an X25519 scalar is never all zero: RFC 7748 §5 sets bit 254) until discarded.
        assertThat(forTheClientsCertificate.keySharePrivate).isNotEqualTo(new byte[32]);
        forTheClientsCertificate.discardUnlessTaken();
        assertThat(forTheClientsCertificate.keySharePrivate).containsOnly(0);
    }

    @Test
    void bothSidesExportTheSameKeyingMaterialAndAgreeOnTheServersSrtpProfile() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);

        // The server's preference (AES128_CM first) wins among what the client offered.
        assertThat(server.srtpProfile()).contains(SrtpProfile.AES128_CM_HMAC_SHA1_80);
        assertThat(client.selectedSrtpProfile()).isEqualTo(SrtpProfile.AES128_CM_HMAC_SHA1_80.id());
        byte[] serverKeys = server.exportKeyingMaterial(SrtpKeyingMaterial.EXPORTER_LABEL, 60);
        assertThat(serverKeys).isEqualTo(client.export(SrtpKeyingMaterial.EXPORTER_LABEL, 60));
        assertThat(server.exportKeyingMaterial("another label", 60)).isNotEqualTo(serverKeys);
    }

    @Test
    void carriesApplicationDataBothWaysIncludingEmptyAndFullRecords() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);

        byte[] hello = "hello from the client".getBytes(StandardCharsets.UTF_8);
        deliver(List.of(client.protect(hello)), server, 0);
        assertThat(server.pollApplicationData()).isEqualTo(hello);

        byte[] full = new byte[Dtls13RecordLayer.MAX_PLAINTEXT];
        new Random(7).nextBytes(full);
        for (byte[] payload : List.of(new byte[0], new byte[] {42}, full)) {
            deliver(List.of(server.protectApplicationData(payload, 0, payload.length, 0)), client);
            assertThat(client.pollApplicationData()).isEqualTo(payload);
        }
        assertThat(Dtls13Server.maxApplicationDataSize(1200)).isEqualTo(1200 - 22);
    }

    @Test
    void manyRecordsKeepTheirSequenceNumbersAcrossTheSixteenBitWireField() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        for (int i = 0; i < 70_000; i++) {
            byte[] payload = {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16)};
            deliver(List.of(client.protect(payload)), server, 0);
            assertThat(server.pollApplicationData()).isEqualTo(payload);
        }
    }

    @Test
    void theClientsKeyUpdateIsAcknowledgedAndBothItsEpochsAreRead() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        byte[] late = client.protect(new byte[] {3}); // sent in epoch 3, delivered after the update

        deliver(client.keyUpdate(false), server, 0);
        List<byte[]> ack = drain(server);
        assertThat(ack).hasSize(1); // RFC 9147 §8: a KeyUpdate is acknowledged
        deliver(ack, client);
        assertThat(client.writeEpoch()).isEqualTo(4);

        deliver(List.of(client.protect(new byte[] {4})), server, 0);
        assertThat(server.pollApplicationData()).containsExactly(4);
        deliver(List.of(late), server, 0);
        assertThat(server.pollApplicationData()).containsExactly(3);
        assertThat(drain(server)).isEmpty(); // no KeyUpdate of ours: none was requested

        // A second update: epoch 4 is still read for late records, epoch 3's keys are gone.
        byte[] lateFromFour = client.protect(new byte[] {44});
        deliver(client.keyUpdate(false), server, 0);
        deliver(drain(server), client);
        assertThat(client.writeEpoch()).isEqualTo(5);
        deliver(List.of(client.protect(new byte[] {5}), lateFromFour, late.clone()), server, 0);
        assertThat(server.pollApplicationData()).containsExactly(5);
        assertThat(server.pollApplicationData()).containsExactly(44);
        assertThat(server.pollApplicationData()).isNull();
    }

    @Test
    void anUpdateRequestedGetsOurOwnKeyUpdateAndWeSendWithNewKeysOnceItIsAcknowledged() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);

        deliver(client.keyUpdate(true), server, 0);
        List<byte[]> ackAndUpdate = drain(server);
        assertThat(ackAndUpdate).hasSize(2);
        List<byte[]> clientAck = deliver(ackAndUpdate, client);
        assertThat(client.readEpoch()).isEqualTo(4);
        assertThat(clientAck).hasSize(1);

        byte[] beforeAck = {7};
        deliver(List.of(server.protectApplicationData(beforeAck, 0, 1, 0)), client); // still epoch 3
        assertThat(client.pollApplicationData()).containsExactly(7);
        deliver(clientAck, server, 0);
        byte[] afterAck = {8};
        deliver(List.of(server.protectApplicationData(afterAck, 0, 1, 0)), client); // epoch 4
        assertThat(client.pollApplicationData()).containsExactly(8);
    }

    @Test
    void afterEnoughRecordsWeUpdateOurKeysAndResendTheUpdateUntilItIsAcknowledged() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        server.keyUpdateAfterRecords(4); // record 0 of epoch 3 was our ACK of the client's final flight
        for (int i = 0; i < 3; i++) {
            deliver(List.of(server.protectApplicationData(new byte[] {(byte) i}, 0, 1, 0)), client);
        }
        assertThat(drain(server)).isEmpty();
        byte[] fourth = server.protectApplicationData(new byte[] {3}, 0, 1, 0);
        List<byte[]> update = drain(server);
        assertThat(update).hasSize(1);
        deliver(List.of(fourth), client);

        // Lost: the next datagram from the client a retransmission timer later brings it again.
        deliver(List.of(client.protect(new byte[] {9})), server, 2 * SECOND);
        List<byte[]> again = drain(server);
        assertThat(again).hasSize(1);
        List<byte[]> clientAck = deliver(again, client);
        assertThat(client.readEpoch()).isEqualTo(4);
        deliver(clientAck, server, 2 * SECOND);
        deliver(List.of(server.protectApplicationData(new byte[] {5}, 0, 1, 0)), client);
        for (int expected : new int[] {0, 1, 2, 3, 5}) {
            assertThat(client.pollApplicationData()).containsExactly(expected);
        }
    }

    @Test
    void ourUnacknowledgedKeyUpdateGoesAgainWithWhatWeSendWhenTheClientSendsNothing() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        server.keyUpdateAfterRecords(10);
        List<byte[]> update = List.of();
        for (int i = 0; i < 10 && update.isEmpty(); i++) {
            server.protectApplicationData(new byte[] {0}, 0, 1, 0); // not delivered
            update = drain(server);
        }
        assertThat(update).hasSize(1); // the KeyUpdate, lost
        server.protectApplicationData(new byte[] {1}, 0, 1, SECOND / 2);
        assertThat(drain(server)).isEmpty();
        server.protectApplicationData(new byte[] {2}, 0, 1, 2 * SECOND);
        List<byte[]> again = drain(server);
        assertThat(again).hasSize(1);
        deliver(deliver(again, client), server, 2 * SECOND);
        deliver(List.of(server.protectApplicationData(new byte[] {3}, 0, 1, 2 * SECOND)), client);
        assertThat(client.readEpoch()).isEqualTo(4);
        assertThat(client.pollApplicationData()).containsExactly(3);
    }

    @Test
    void aCertificateThatDoesNotMatchTheFingerprintFailsWithBadCertificate() throws Exception {
        Dtls13Server server = server(DtlsCertificate.generate()); // expects someone else
        Dtls13TestClient client = client();
        deliver(client.clientHello(), server, 0);
        List<byte[]> finalFlight = deliver(drain(server), client);

        assertThatThrownBy(() -> deliver(finalFlight, server, 0))
                .isInstanceOfSatisfying(TlsFatalAlert.class, alert -> {
                    assertThat(alert.getAlertDescription()).isEqualTo(AlertDescription.bad_certificate);
                    assertThat(alert.getMessage()).contains("fingerprint");
                });
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.FAILED);
        deliver(drain(server), client);
        assertThat(client.alerts()).containsExactly((int) AlertDescription.bad_certificate);
        assertThatThrownBy(() -> server.exportKeyingMaterial("x", 16)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aClientWithoutACertificateIsRefused() throws Exception {
        Dtls13TestClient.Options options = new Dtls13TestClient.Options();
        options.sendCertificate = false;
        options.sendCertificateVerify = false;
        assertFinalFlightRefused(options, AlertDescription.certificate_required);
    }

    @Test
    void aCertificateWithoutCertificateVerifyIsRefused() throws Exception {
        Dtls13TestClient.Options options = new Dtls13TestClient.Options();
        options.sendCertificateVerify = false; // Certificate, then straight to Finished
        assertFinalFlightRefused(options, AlertDescription.unexpected_message);
    }

    @Test
    void aWrongSignatureIsRefused() throws Exception {
        Dtls13TestClient.Options options = new Dtls13TestClient.Options();
        options.corruptSignature = true;
        assertFinalFlightRefused(options, AlertDescription.decrypt_error);
    }

    @Test
    void aWrongFinishedIsRefused() throws Exception {
        Dtls13TestClient.Options options = new Dtls13TestClient.Options();
        options.corruptFinished = true;
        assertFinalFlightRefused(options, AlertDescription.decrypt_error);
    }

    private static void assertFinalFlightRefused(Dtls13TestClient.Options options, short alert) throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client(options);
        deliver(client.clientHello(), server, 0);
        List<byte[]> finalFlight = deliver(drain(server), client);
        assertThatThrownBy(() -> deliver(finalFlight, server, 0))
                .isInstanceOfSatisfying(TlsFatalAlert.class, e -> assertThat(e.getAlertDescription()).isEqualTo(alert));
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.FAILED);
        deliver(drain(server), client);
        assertThat(client.alerts()).containsExactly((int) alert);
    }

    @Test
    void aClientHelloWithoutDtls13OrWithoutAnX25519ShareIsLeftForTheDtls12Server() throws Exception {
        Dtls13TestClient.Options onlyDtls12 = new Dtls13TestClient.Options();
        onlyDtls12.versions = List.of(0xFEFD);
        Dtls13TestClient.Options noShare = new Dtls13TestClient.Options();
        noShare.x25519Share = false;
        for (Dtls13TestClient.Options options : List.of(onlyDtls12, noShare)) {
            Dtls13Server server = server();
            deliver(client(options).clientHello(), server, 0);
            assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.NOT_OURS);
            assertThat(drain(server)).isEmpty();
        }
    }

    @Test
    void aClientHelloInSmallFragmentsArrivingBackwardsIsReassembled() throws Exception {
        Dtls13TestClient.Options options = new Dtls13TestClient.Options();
        options.mtu = 60; // the ClientHello goes out in many fragments, one datagram each
        Dtls13TestClient client = client(options);
        List<byte[]> hello = new ArrayList<>(client.clientHello());
        assertThat(hello).hasSizeGreaterThan(2);
        java.util.Collections.reverse(hello);
        Dtls13Server server = server();
        deliver(hello, server, 0);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.AWAITING_CLIENT_FLIGHT);
        deliver(deliver(drain(server), client), server, 0);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
    }

    @Test
    void aLostFlightIsSentAgainInNewRecordsWhenTheTimerFiresAndTheTimerDoubles() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        deliver(client.clientHello(), server, 0);
        List<byte[]> lost = drain(server);
        assertThat(server.nextTimeoutNanos()).isEqualTo(SECOND);

        server.handleTimeout(SECOND - 1);
        assertThat(drain(server)).isEmpty();
        server.handleTimeout(SECOND);
        List<byte[]> again = drain(server);
        assertThat(again).hasSameSizeAs(lost);
        assertThat(again.get(0)).isNotEqualTo(lost.get(0)); // new record sequence numbers
        assertThat(server.nextTimeoutNanos()).isEqualTo(3 * SECOND);

        deliver(deliver(again, client), server, 3 * SECOND);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
    }

    @Test
    void aRepeatedClientHelloBringsTheFlightAgainButNotMoreOftenThanEveryFiftyMilliseconds() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        deliver(client.clientHello(), server, 0);
        drain(server);

        deliver(client.clientHello(), server, 10_000_000L);
        assertThat(drain(server)).isEmpty();
        deliver(client.clientHello(), server, 60_000_000L);
        List<byte[]> again = drain(server);
        assertThat(again).isNotEmpty();
        deliver(deliver(again, client), server, 60_000_000L);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
    }

    @Test
    void aRepeatedFinalFlightIsAcknowledgedAgain() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        deliver(client.clientHello(), server, 0);
        deliver(deliver(drain(server), client), server, 0);
        drain(server); // the ACK is lost

        deliver(client.retransmitFinalFlight(), server, 0);
        List<byte[]> ack = drain(server);
        assertThat(ack).hasSize(1);
        deliver(ack, client);
        assertThat(client.acknowledged()).isTrue();
    }

    @Test
    void closeNotifyFromTheClientClosesAndOurCloseSendsOne() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        deliver(List.of(client.alert(1, AlertDescription.close_notify)), server, 0);
        assertThat(server.peerSentCloseNotify()).isTrue();
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CLOSED);

        Dtls13Server other = server();
        Dtls13TestClient otherClient = client();
        handshake(other, otherClient);
        other.close();
        deliver(drain(other), otherClient);
        assertThat(otherClient.alerts()).containsExactly((int) AlertDescription.close_notify);
        assertThatThrownBy(() -> other.protectApplicationData(new byte[1], 0, 1, 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFatalAlertFromTheClientFailsTheConnection() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        assertThatThrownBy(() -> deliver(List.of(client.alert(2, AlertDescription.internal_error)), server, 0))
                .isInstanceOfSatisfying(TlsFatalAlertReceived.class,
                        e -> assertThat(e.getAlertDescription()).isEqualTo(AlertDescription.internal_error));
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.FAILED);
        assertThat(server.failure()).contains("internal_error");
    }

    @Test
    void unprotectedRecordsAfterTheHandshakeAreDroppedWhateverTheySay() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        // RFC 9147 §4.5.2: anyone on the path can send these; none may close or fail the connection or get an answer.
        byte[] ackOfOurNextRecord = new TlsWriter().vector16(new TlsWriter().u64(3).u64(0).toBytes()).toBytes();
        byte[] keyUpdate = {Dtls13Handshake.KEY_UPDATE, 0, 0, 1, 0, 9, 0, 0, 0, 0, 0, 1, 0};
        deliver(List.of(
                plaintext(Dtls13RecordLayer.CONTENT_ALERT, new byte[] {1, (byte) AlertDescription.close_notify}),
                plaintext(Dtls13RecordLayer.CONTENT_ALERT, new byte[] {2, (byte) AlertDescription.internal_error}),
                plaintext(Dtls13RecordLayer.CONTENT_ALERT, new byte[] {2}),
                plaintext(Dtls13RecordLayer.CONTENT_ACK, ackOfOurNextRecord),
                plaintext(Dtls13RecordLayer.CONTENT_ACK, new byte[] {0, 9}),
                plaintext(Dtls13RecordLayer.CONTENT_HANDSHAKE, keyUpdate)), server, 0);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
        assertThat(drain(server)).isEmpty();

        deliver(List.of(client.protect("still here".getBytes(StandardCharsets.UTF_8))), server, 0);
        assertThat(server.pollApplicationData()).asString(StandardCharsets.UTF_8).isEqualTo("still here");
    }

    @Test
    void anUnprotectedAlertAboutOurServerHelloStillEndsTheHandshake() throws Exception {
        Dtls13Server server = server();
        deliver(client().clientHello(), server, 0);
        drain(server);
        // Before it has our keys, a client can only say so in plaintext.
        assertThatThrownBy(() -> deliver(List.of(plaintext(Dtls13RecordLayer.CONTENT_ALERT,
                new byte[] {2, (byte) AlertDescription.handshake_failure})), server, 0))
                .isInstanceOf(TlsFatalAlertReceived.class);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.FAILED);
    }

    @Test
    void anErrorAlertEndsTheConnectionWhateverItsLevelButUserCanceledDoesNot() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        deliver(List.of(client.alert(1, AlertDescription.user_canceled)), server, 0);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);
        // RFC 8446 §6: error alerts are fatal whatever level they claim.
        assertThatThrownBy(() -> deliver(List.of(client.alert(1, AlertDescription.unexpected_message)), server, 0))
                .isInstanceOf(TlsFatalAlertReceived.class);
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.FAILED);
    }

    @Test
    void forgettingTheKeysClosesTheConnectionAndNothingIsReadOrSentAfter() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        server.forgetKeys();
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CLOSED);
        assertThatThrownBy(() -> server.protectApplicationData(new byte[1], 0, 1, 0))
                .isInstanceOf(IllegalStateException.class);
        deliver(List.of(client.protect(new byte[] {1})), server, 0);
        assertThat(server.pollApplicationData()).isNull();
        assertThatThrownBy(() -> server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aKeyUpdateNeverAcknowledgedStopsOurSendingAtTwiceTheUpdateThreshold() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        server.keyUpdateAfterRecords(4);
        int sent = 0;
        IllegalStateException refused = null;
        while (refused == null && sent < 100) {
            try {
                server.protectApplicationData(new byte[1], 0, 1, 0);
                sent++;
            } catch (IllegalStateException e) {
                refused = e;
            }
        }
        assertThat(refused).hasMessageContaining("not acknowledged our KeyUpdate");
        // Records so far in the epoch (the ACK of the handshake, our KeyUpdate, these) reached 2 × 4.
        assertThat(sent).isBetween(4, 8);
        assertThat(drain(server)).isNotEmpty(); // our KeyUpdate, which the client never gets
    }

    @Test
    void vectorsLongerThanTheirLengthFieldAreRefused() {
        assertThatThrownBy(() -> new TlsWriter().vector8(new byte[256])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TlsWriter().vector16(new byte[1 << 16]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new TlsWriter().vector16(new byte[(1 << 16) - 1]).toBytes()).hasSize((1 << 16) + 1);
    }

    /** An unprotected (epoch 0) record, as anyone can make one. */
    private static byte[] plaintext(int type, byte[] content) {
        return new Dtls13RecordLayer().writeDatagram(type, content, 0, content.length);
    }

    @Test
    void tamperedRecordsAreDroppedAndMangledDatagramsNeverThrowAnythingButAnAlert() throws Exception {
        Dtls13Server server = server();
        Dtls13TestClient client = client();
        handshake(server, client);
        byte[] record = client.protect("intact".getBytes(StandardCharsets.UTF_8));
        byte[] tampered = record.clone();
        tampered[tampered.length - 1] ^= 1;
        deliver(List.of(tampered), server, 0);
        assertThat(server.pollApplicationData()).isNull(); // failed authentication: dropped (RFC 9147 §4.5.2)
        assertThat(server.phase()).isEqualTo(Dtls13Server.Phase.CONNECTED);

        Random random = new Random(1);
        for (int i = 0; i < 3_000; i++) {
            Dtls13Server fresh = server();
            Dtls13TestClient freshClient = client();
            List<byte[]> hello = freshClient.clientHello();
            byte[] mangled = hello.get(random.nextInt(hello.size())).clone();
            int changes = 1 + random.nextInt(4);
            for (int c = 0; c < changes; c++) {
                mangled[random.nextInt(mangled.length)] = (byte) random.nextInt(256);
            }
            byte[] cut = Arrays.copyOf(mangled, random.nextInt(mangled.length + 1));
            for (byte[] datagram : List.of(mangled, cut)) {
                try {
                    fresh.handleDatagram(datagram.clone(), 0, datagram.length, 0);
                } catch (TlsException expected) {
                    assertThat(fresh.phase()).isEqualTo(Dtls13Server.Phase.FAILED);
                }
            }
        }
    }

    @Test
    void sequenceNumbersAreReconstructedClosestToTheNextExpected() {
        // RFC 9147 §4.2.2
        assertThat(Dtls13RecordLayer.reconstruct(-1, 0, 16)).isEqualTo(0);
        assertThat(Dtls13RecordLayer.reconstruct(0xFFFE, 0xFFFF, 16)).isEqualTo(0xFFFF);
        assertThat(Dtls13RecordLayer.reconstruct(0xFFFF, 0x0000, 16)).isEqualTo(0x10000);
        assertThat(Dtls13RecordLayer.reconstruct(0x10002, 0xFFFE, 16)).isEqualTo(0xFFFE); // a late record
        assertThat(Dtls13RecordLayer.reconstruct(0x1F0, 0x05, 8)).isEqualTo(0x205);
    }

    @Test
    void answeringAClientHelloNeedsAP256Certificate() {
        assertThat(Dtls13Server.canUse(serverCertificate)).isTrue();
    }
}
