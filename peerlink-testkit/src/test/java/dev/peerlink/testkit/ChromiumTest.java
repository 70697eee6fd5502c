package dev.peerlink.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The browser harness itself: it starts, runs JavaScript, and gathers candidates inside a namespace. */
class ChromiumTest {
    @Test
    void evaluatesJavaScriptAndAwaitsPromises() throws Exception {
        try (Chromium chromium = Chromium.launch(List.of())) {
            Chromium.Page page = chromium.newPage("about:blank");
            assertThat(page.evaluate("1 + 2").asInt()).isEqualTo(3);
            assertThat(page.evaluate("Promise.resolve('done')").asText()).isEqualTo("done");
            assertThat(page.evaluate("typeof RTCPeerConnection").asText()).isEqualTo("function");
        }
    }

    @Test
    void insideANamespaceChromiumGathersAHostCandidateOnTheNamespaceAddress() throws Exception {
        try (NetworkNamespace namespace = NetworkNamespace.create();
             Chromium chromium = Chromium.launchIn(namespace,
                     List.of("--disable-features=WebRtcHideLocalIpsWithMdns"))) {
            Chromium.Page page = chromium.newPage("about:blank");
            String sdp = page.evaluate("""
                    (async () => {
                      const pc = new RTCPeerConnection();
                      pc.createDataChannel('x');
                      await pc.setLocalDescription(await pc.createOffer());
                      await new Promise(resolve => {
                        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
                        setTimeout(resolve, 5000);
                      });
                      return pc.localDescription.sdp;
                    })()
                    """).asText();
            assertThat(sdp).contains(" " + namespace.namespaceAddress().getHostAddress() + " ")
                    .contains(" typ host");
        }
    }
}
