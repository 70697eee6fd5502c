package dev.peerlink.sctp;

/**
 * Counters of one association since it was created.
 *
 * @param packetsSent            packets returned by pollTransmit
 * @param packetsReceived        packets that passed the checksum and port checks
 * @param checksumErrors         packets dropped for a bad CRC32c (RFC 9260 §6.8)
 * @param dataChunksSent         DATA chunks sent for the first time
 * @param retransmittedChunks    DATA chunks sent again (T3-rtx or fast retransmit)
 * @param fastRetransmits        fast retransmit events (RFC 9260 §7.2.4)
 * @param t3Expirations          T3-rtx expiries with data outstanding (RFC 9260 §6.3.3)
 * @param duplicateTsnsReceived  DATA chunks received again (reported in SACKs)
 * @param abandonedMessages      PR-SCTP messages given up on (RFC 3758 §3.5)
 * @param receiveWindowDrops     DATA chunks dropped because the receive buffer was full (RFC 9260 §6.2)
 */
public record SctpStats(long packetsSent, long packetsReceived, long checksumErrors, long dataChunksSent,
                        long retransmittedChunks, long fastRetransmits, long t3Expirations,
                        long duplicateTsnsReceived, long abandonedMessages, long receiveWindowDrops) {
}
