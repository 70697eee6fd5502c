package dev.peerlink.ice;

/** RFC 8445 §6.1.2.6: the states of a candidate pair in the checklist. */
public enum CandidatePairState {
    FROZEN, WAITING, IN_PROGRESS, SUCCEEDED, FAILED
}
