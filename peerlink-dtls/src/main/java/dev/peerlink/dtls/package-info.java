/**
 * DTLS for WebRTC (RFC 8827 §6.5, RFC 8842): {@link dev.peerlink.dtls.DtlsTransport} runs Bouncy Castle's
 * blocking DTLS 1.2 on one virtual thread per connection, fed from a queue by the ICE layer's RFC 7983
 * demultiplexer, and answers clients that offer DTLS 1.3 with its own sans-IO DTLS 1.3 server
 * ({@link dev.peerlink.dtls.Dtls13Server}, RFC 9147: record layer, handshake and key schedule written here); {@link dev.peerlink.dtls.DtlsCertificate} is the per-peer self-signed ECDSA P-256 certificate whose
 * fingerprint goes into SDP; {@link dev.peerlink.dtls.DtlsRole} turns {@code a=setup} into a DTLS role (RFC 8842
 * §5); use_srtp (RFC 5764) and keying material export (RFC 5705) get SRTP ready.
 */
package dev.peerlink.dtls;
