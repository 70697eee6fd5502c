/**
 * SCTP (RFC 9260) for WebRTC data channels: one association over DTLS (RFC 8261), with partial reliability
 * (RFC 3758) and stream reset (RFC 6525).
 *
 * <p>{@link dev.peerlink.sctp.SctpAssociation} is a sans-IO state machine. The DTLS client creates it with
 * {@code client(config, random)} and calls {@code connect(now)}; the other side uses {@code server(...)}. Feed every
 * decrypted DTLS record to {@code handleInput}, encrypt and send every {@code pollTransmit()}, call
 * {@code handleTimeout} at {@code nextTimeoutNanos()}, and read {@code pollEvent()}.
 *
 * <p>Packet size: {@code SctpConfig.mtu} (1200 in WebRTC) is the size used from the start. With
 * {@code SctpConfig.maxMtu} above it, the association runs Datagram PLPMTUD (RFC 8899 §6.2.1) and
 * {@code pathMtu()} reports the size it builds now; a carrier should send a packet for which
 * {@code lastTransmitExceedsPathMtu()} is true with fragmentation allowed (DF clear, RFC 8261 §5).
 */
package dev.peerlink.sctp;
