package dev.peerlink.datachannel;

/** The W3C RTCDataChannelState. */
public enum DataChannelState {
    CONNECTING, OPEN, CLOSING, CLOSED
}
