/**
 * SCTP (RFC 9260) for WebRTC data channels: one association over DTLS (RFC 8261), with partial reliability
 * (RFC 3758) and stream reset (RFC 6525).
 *
 * <p>{@link dev.peerlink.sctp.SctpAssociation} is a sans-IO state machine. The DTLS client creates it with
 * {@code client(config, random)} and calls {@code connect(now)}; the other side uses {@code server(...)}. Feed every
 * decrypted DTLS record to {@code handleInput}, encrypt and send every {@code pollTransmit()}, call
 * {@code handleTimeout} at {@code nextTimeoutNanos()}, and read {@code pollEvent()}.
 */
package dev.peerlink.sctp;
