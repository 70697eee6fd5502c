package dev.peerlink.testkit;

/**
 * JavaScript for {@link Chromium.Page#evaluate} that puts one {@code RTCPeerConnection} in a page as {@code window.pc}
 * and records what it does: trickled candidates in {@code window.trickled}, {@code window.gatheringDone} at the end
 * of gathering, and connection states in {@code window.states}.
 */
public final class ChromiumPeerScripts {
    private static final String NEW_PEER_CONNECTION = """
            const pc = new RTCPeerConnection();
            window.pc = pc;
            window.trickled = [];
            window.gatheringDone = false;
            window.states = [];
            pc.addEventListener('connectionstatechange', () => window.states.push(pc.connectionState));
            pc.addEventListener('icecandidate', event => {
              if (event.candidate && event.candidate.candidate) window.trickled.push(event.candidate.candidate);
              if (!event.candidate) window.gatheringDone = true;
            });
            """;

    /** Offers one data channel and resolves with the offer once gathering is complete (all candidates in it). */
    public static final String OFFER = "(async () => {" + NEW_PEER_CONNECTION + """
              pc.createDataChannel('peerlink');
              await pc.setLocalDescription(await pc.createOffer());
              await new Promise(resolve => {
                if (pc.iceGatheringState === 'complete') return resolve();
                pc.addEventListener('icegatheringstatechange', () => {
                  if (pc.iceGatheringState === 'complete') resolve();
                });
              });
              return pc.localDescription.sdp;
            })()
            """;

    /**
     * Answers the offer given by {@code formatted} as a JSON string and resolves with the answer at once; its
     * candidates trickle into {@code window.trickled}.
     */
    public static final String ANSWER = "(async offer => {" + NEW_PEER_CONNECTION + """
              await pc.setRemoteDescription({type: 'offer', sdp: offer});
              await pc.setLocalDescription(await pc.createAnswer());
              return pc.localDescription.sdp;
            })(%s)
            """;

    private ChromiumPeerScripts() {
    }
}
