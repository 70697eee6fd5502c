/**
 * DTLS 1.2 for WebRTC (RFC 8827 §6.5, RFC 8842): {@link dev.peerlink.dtls.DtlsTransport} runs Bouncy Castle's
 * blocking DTLS protocol on one virtual thread per connection, fed from a queue by the ICE layer's RFC 7983
 * demultiplexer; {@link dev.peerlink.dtls.DtlsCertificate} is the per-peer self-signed ECDSA P-256 certificate whose
 * fingerprint goes into SDP; {@link dev.peerlink.dtls.DtlsRole} turns {@code a=setup} into a DTLS role (RFC 8842
 * §5); use_srtp (RFC 5764) and keying material export (RFC 5705) get SRTP ready.
 */
package dev.peerlink.dtls;
