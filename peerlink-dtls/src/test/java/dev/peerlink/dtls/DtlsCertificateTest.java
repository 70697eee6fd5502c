package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.sdp.Fingerprint;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DtlsCertificateTest {
    @Test
    void generatesAP256CertificateWithItsSha256Fingerprint() throws Exception {
        DtlsCertificate certificate = DtlsCertificate.generate();
        assertThat(certificate.certificate().getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) certificate.certificate().getPublicKey()).getParams().getCurve().getField()
                .getFieldSize()).isEqualTo(256);
        assertThat(certificate.certificate().getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
        certificate.certificate().checkValidity();
        certificate.certificate().verify(certificate.certificate().getPublicKey()); // self-signed

        byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.encoded());
        String hex = HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        assertThat(certificate.sdpFingerprint()).isEqualTo("sha-256 " + hex)
                .matches("sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(certificate.fingerprint()).isEqualTo(new Fingerprint("sha-256", hex));
        assertThat(certificate.fingerprint("sha-1").digest()).hasSize(20);
        assertThat(DtlsCertificate.generate().fingerprint()).isNotEqualTo(certificate.fingerprint());
    }

    @Test
    void neverShowsTheKey() {
        DtlsCertificate certificate = DtlsCertificate.generate();
        String keyHex = HexFormat.of().formatHex(certificate.privateKey().getEncoded());
        assertThat(certificate.toString()).contains(certificate.sdpFingerprint()).doesNotContain(keyHex)
                .doesNotContain("PRIVATE");
    }

    @Test
    void roundTripsThroughPem() {
        DtlsCertificate original = DtlsCertificate.generate(Duration.ofDays(365));
        DtlsCertificate loaded = DtlsCertificate.fromPem(original.certificatePem(), original.privateKeyPem());
        assertThat(loaded.fingerprint()).isEqualTo(original.fingerprint());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(original.privateKey().getEncoded());
        assertThat(original.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(original.privateKeyPem()).contains("PRIVATE KEY-----");
    }

    @Test
    void refusesAKeyOfAnotherCertificate() {
        DtlsCertificate one = DtlsCertificate.generate();
        DtlsCertificate other = DtlsCertificate.generate();
        assertThatThrownBy(() -> DtlsCertificate.of(one.privateKey(), other.certificate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong");
        assertThatThrownBy(() -> DtlsCertificate.fromPem("not pem", one.privateKeyPem()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> one.fingerprint("md5")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("md5");
    }
}
