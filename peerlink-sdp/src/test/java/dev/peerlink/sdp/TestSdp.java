package dev.peerlink.sdp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the SDP fixtures in src/test/resources/dev/peerlink/sdp byte for byte. */
final class TestSdp {
    static final String CHROMIUM_OFFER = "chromium-offer.sdp";
    static final String CHROMIUM_DATA_CHANNEL_ANSWER = "chromium-answer-datachannel.sdp";

    private TestSdp() {
    }

    static String load(String name) {
        try (InputStream in = TestSdp.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
