/**
 * WebRTC data channels (RFC 8831) and DCEP (RFC 8832) on a sans-IO {@link dev.peerlink.sctp.SctpAssociation}:
 * {@link dev.peerlink.datachannel.DataChannelManager} wraps the association and is driven the same way.
 */
package dev.peerlink.datachannel;
