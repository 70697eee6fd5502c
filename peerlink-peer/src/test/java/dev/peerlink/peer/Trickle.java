package dev.peerlink.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Candidates for one peer: queued until its remote description is set (W3C addIceCandidate needs one). */
final class Trickle {
    private final List<String> queued = new ArrayList<>();
    private PeerConnection target;

    /**
     * {@code offerer} offers, {@code answerer} answers; candidates trickle both ways through the recorders' sinks,
     * each held back until its receiver has the remote description.
     */
    static void offerAndAnswer(PeerConnection offerer, Recorder offererEvents, PeerConnection answerer,
                               Recorder answererEvents) {
        offerAndAnswer(offerer, offererEvents, answerer, answererEvents, UnaryOperator.identity());
    }

    /** As above, with the offer changed on its way to the answerer by {@code inTransit}. */
    static void offerAndAnswer(PeerConnection offerer, Recorder offererEvents, PeerConnection answerer,
                               Recorder answererEvents, UnaryOperator<String> inTransit) {
        Trickle toAnswerer = new Trickle();
        Trickle toOfferer = new Trickle();
        offererEvents.candidateSink = toAnswerer::offer;
        answererEvents.candidateSink = toOfferer::offer;
        String offer = offerer.createOffer();
        offerer.setLocalDescription(offer);
        answerer.setRemoteDescription(inTransit.apply(offer));
        toAnswerer.ready(answerer);
        String answer = answerer.createAnswer();
        answerer.setLocalDescription(answer);
        offerer.setRemoteDescription(answer);
        toOfferer.ready(offerer);
    }

    synchronized void offer(String candidate) {
        if (target == null) {
            queued.add(candidate);
        } else {
            target.addIceCandidate(candidate);
        }
    }

    synchronized void ready(PeerConnection pc) {
        target = pc;
        queued.forEach(pc::addIceCandidate);
        queued.clear();
    }
}
