/**
 * Resolving {@code .local} host names by Multicast DNS (RFC 6762) for the ICE candidates browsers hide behind them
 * (draft-ietf-mmusic-mdns-ice-candidates): a sans-IO {@link dev.peerlink.ice.mdns.MdnsResolver} and the little of
 * the DNS wire format (RFC 1035 §4) it needs. Resolving only: peerlink does not publish names of its own.
 */
package dev.peerlink.ice.mdns;
