package dev.peerlink.dtls;

/** The client and server certificates the DTLS 1.3 tests share: each a P-256 key pair, made once per test run. */
final class Dtls13TestCertificates {
    static final DtlsCertificate CLIENT = DtlsCertificate.generate();
    static final DtlsCertificate SERVER = DtlsCertificate.generate();

    private Dtls13TestCertificates() {
    }
}
