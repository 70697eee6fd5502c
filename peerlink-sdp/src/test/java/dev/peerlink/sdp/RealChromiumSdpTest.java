package dev.peerlink.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peerlink.testkit.Chromium;
import dev.peerlink.testkit.NetworkNamespace;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SDP that a real Chromium writes — an offer with audio, video and a data channel, and the answer another
 * Chromium peer connection gives — round-trips through our parser and writer byte for byte, and Chromium accepts
 * what we wrote back. Debian's headless {@code chromium} in a network namespace (root); skipped with a reason
 * without them, failed in CI.
 */
class RealChromiumSdpTest {
    /** Builds an offerer and an answerer, waits for gathering (bounded), returns both descriptions. */
    private static final String OFFER_AND_ANSWER = """
            (async () => {
              const gathered = pc => new Promise(resolve => {
                if (pc.iceGatheringState === 'complete') return resolve();
                pc.addEventListener('icegatheringstatechange', () => {
                  if (pc.iceGatheringState === 'complete') resolve();
                });
                setTimeout(resolve, 5000);
              });
              const offerer = new RTCPeerConnection();
              offerer.createDataChannel('chat');
              offerer.addTransceiver('audio');
              offerer.addTransceiver('video');
              await offerer.setLocalDescription(await offerer.createOffer());
              await gathered(offerer);
              const answerer = new RTCPeerConnection();
              await answerer.setRemoteDescription(offerer.localDescription);
              await answerer.setLocalDescription(await answerer.createAnswer());
              await gathered(answerer);
              window.peers = {offerer, answerer};
              return {offer: offerer.localDescription.sdp, answer: answerer.localDescription.sdp};
            })()
            """;

    @Test
    void chromiumsOfferAndAnswerRoundTripUnchangedAndChromiumAcceptsOurs() throws Exception {
        // Inside a namespace of our own, so the candidates in the SDP are real host addresses (198.19.x.x) and
        // nothing Chromium does can reach another network; no mDNS names, so it sends no multicast either.
        try (NetworkNamespace namespace = NetworkNamespace.create();
             Chromium chromium = Chromium.launchIn(namespace, List.of("--disable-features=WebRtcHideLocalIpsWithMdns"))) {
            Chromium.Page page = chromium.newPage("about:blank");
            JsonNode descriptions = page.evaluate(OFFER_AND_ANSWER);
            String offer = descriptions.path("offer").asText();
            String answer = descriptions.path("answer").asText();

            SessionDescription parsedOffer = SessionDescription.parse(offer);
            SessionDescription parsedAnswer = SessionDescription.parse(answer);
            assertThat(parsedOffer.toString()).isEqualTo(offer);
            assertThat(parsedAnswer.toString()).isEqualTo(answer);

            assertThat(parsedOffer.mediaDescriptions()).extracting(MediaDescription::media)
                    .containsExactlyInAnyOrder("application", "audio", "video");
            assertThat(parsedOffer.bundleGroups()).hasSize(1);
            assertThat(offer).contains(" " + namespace.namespaceAddress().getHostAddress() + " ");
            assertThat(parsedOffer.mediaDescriptions().get(0).candidates()).isNotEmpty();
            for (MediaDescription media : parsedOffer.mediaDescriptions()) {
                assertThat(media.iceUfrag()).isPresent();
                assertThat(media.fingerprints()).isNotEmpty();
                assertThat(media.setup()).contains(SetupRole.ACTPASS);
                assertThat(media.mid()).isPresent();
            }
            assertThat(parsedOffer.mediaDescriptions().stream().filter(MediaDescription::isApplication)
                    .findFirst().orElseThrow().sctpPort()).isPresent();
            for (MediaDescription media : parsedAnswer.mediaDescriptions()) {
                assertThat(media.setup()).get().isIn(SetupRole.ACTIVE, SetupRole.PASSIVE);
            }

            // What we wrote is what Chromium accepts: a fresh peer connection takes our offer as its remote one.
            String accepted = page.evaluate("""
                    (async () => {
                      const pc = new RTCPeerConnection();
                      await pc.setRemoteDescription({type: 'offer', sdp: %s});
                      return pc.remoteDescription.sdp.length > 0 ? 'accepted' : 'empty';
                    })()
                    """.formatted(new com.fasterxml.jackson.databind.ObjectMapper()
                    .writeValueAsString(parsedOffer.toString()))).asText();
            assertThat(accepted).isEqualTo("accepted");
        }
    }
}
