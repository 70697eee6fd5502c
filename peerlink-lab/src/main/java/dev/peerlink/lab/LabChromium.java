package dev.peerlink.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.lab.LabIceMatrix.Peers;
import dev.peerlink.lab.LabIceMatrix.Result;
import dev.peerlink.lab.LabIceMatrix.Scenario;
import dev.peerlink.testkit.Chromium;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

/**
 * The Chromium rows of the matrix: headless Chromium launched inside each side's host namespace (whose default
 * route lets it gather host candidates; {@code --disable-features=WebRtcHideLocalIpsWithMdns} shows raw addresses
 * instead of .local names), one page each with an RTCPeerConnection using the lab's STUN and TURN servers
 * ({@link LabIceServers#forChromium}). This harness relays the offer and answer between the pages with
 * {@code Page.evaluate} once gathering is over (no trickle). Side A opens the data channel {@code file} and sends the
 * {@link LabPayload} for the scenario's seed the way {@code peerlink send} does (a JSON header with its SHA-256, 16 KiB
 * binary messages, {@code end}); side B hashes what arrived with {@code crypto.subtle.digest} and answers {@code ok}
 * or {@code bad}. The harness checks both hashes against the one the seed gives, and reads the selected pair's
 * candidate types (and a relayed end's {@code relayProtocol}) from each page's getStats.
 */
final class LabChromium {
    /** The browsers present the lab's self-signed TURN-over-TLS certificate; accept it (lab only). */
    static final List<String> FLAGS = List.of("--disable-features=WebRtcHideLocalIpsWithMdns",
            "--ignore-certificate-errors");
    /** Gathering waits for every server; a side whose UDP is blocked sends what it has after this long. */
    private static final long GATHER_MILLIS = 5000;
    static final long SETTLED_MILLIS = 2000;
    static final long SETTLE_LIMIT_MILLIS = 15_000;

    private static final String HELPERS = LabPayload.JAVASCRIPT + """
            window.lab = {};
            lab.bounded = (promise, ms, value) => Promise.race([promise,
                new Promise(resolve => setTimeout(() => resolve(value), ms))]);
            lab.gathered = pc => lab.bounded(new Promise(resolve => {
              if (pc.iceGatheringState === 'complete') return resolve();
              pc.addEventListener('icegatheringstatechange', () => {
                if (pc.iceGatheringState === 'complete') resolve();
              });
            }), %d);
            lab.hex = buffer => Array.from(new Uint8Array(buffer), b => b.toString(16).padStart(2, '0')).join('');
            lab.open = iceServers => {
              const pc = new RTCPeerConnection({iceServers});
              lab.pc = pc;
              lab.connected = new Promise(resolve => pc.addEventListener('connectionstatechange', () => {
                if (pc.connectionState === 'connected') resolve(performance.now());
                if (pc.connectionState === 'failed') resolve(-1);
              }));
              return pc;
            };
            lab.selected = async () => {
              const stats = await lab.pc.getStats();
              let pair = null;
              stats.forEach(s => {
                if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
              });
              if (!pair) stats.forEach(s => {
                if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
              });
              if (!pair) return null;
              const local = stats.get(pair.localCandidateId), remote = stats.get(pair.remoteCandidateId);
              return {local: local.candidateType, relayProtocol: local.relayProtocol || '',
                      localAddress: local.address + ':' + local.port, remote: remote.candidateType,
                      remoteAddress: remote.address + ':' + remote.port};
            };
            'ok'
            """.formatted(GATHER_MILLIS);

    private static final String OFFER = """
            (async () => {
              const pc = lab.open(%s);
              lab.dc = pc.createDataChannel('file');
              lab.dc.binaryType = 'arraybuffer';
              lab.opened = new Promise(resolve => lab.dc.onopen = resolve);
              lab.verdict = new Promise(resolve => lab.dc.onmessage = e => resolve(String(e.data)));
              await pc.setLocalDescription();
              await lab.gathered(pc);
              return pc.localDescription.sdp;
            })()
            """;

    private static final String ANSWER = """
            (async offer => {
              const pc = lab.open(%s);
              lab.received = new Promise(resolve => pc.ondatachannel = event => {
                const dc = event.channel;
                dc.binaryType = 'arraybuffer';
                let header = null, size = 0;
                const parts = [];
                dc.onmessage = async message => {
                  if (typeof message.data !== 'string') {
                    parts.push(new Uint8Array(message.data));
                    size += message.data.byteLength;
                  } else if (header === null) {
                    header = JSON.parse(message.data);
                  } else if (message.data === 'end') {
                    const all = new Uint8Array(size);
                    let at = 0;
                    for (const part of parts) { all.set(part, at); at += part.length; }
                    const sha = lab.hex(await crypto.subtle.digest('SHA-256', all));
                    const ok = sha === header.sha256 && size === header.size;
                    dc.send(ok ? 'ok' : 'bad sha-256 ' + sha + ' size ' + size);
                    resolve({sha, size});
                  }
                };
              });
              await pc.setRemoteDescription({type: 'offer', sdp: offer});
              await pc.setLocalDescription();
              await lab.gathered(pc);
              return pc.localDescription.sdp;
            })(%s)
            """;

    private static final String CONNECT = """
            (async answer => {
              const started = performance.now();
              await lab.pc.setRemoteDescription({type: 'answer', sdp: answer});
              const at = await lab.bounded(lab.connected, %d, -2);
              return at < 0 ? {connected: false, state: lab.pc.connectionState}
                            : {connected: true, ms: Math.round(at - started)};
            })(%s)
            """;

    private static final String SEND = """
            (async (seed, size) => {
              const opened = await lab.bounded(lab.opened.then(() => true), %d, false);
              if (!opened) return {sha: '', verdict: 'the data channel did not open'};
              const data = labPayload(seed, size);
              const sha = lab.hex(await crypto.subtle.digest('SHA-256', data));
              lab.dc.send(JSON.stringify({name: 'payload.bin', size, sha256: sha}));
              lab.dc.bufferedAmountLowThreshold = 1 << 20;
              for (let at = 0; at < size; at += 16384) {
                if (lab.dc.bufferedAmount > (4 << 20)) {
                  await new Promise(resolve => lab.dc.onbufferedamountlow = resolve);
                }
                lab.dc.send(data.subarray(at, Math.min(size, at + 16384)));
              }
              lab.dc.send('end');
              return {sha, verdict: await lab.bounded(lab.verdict, %d, 'no verdict in time')};
            })(%d, %d)
            """;

    private static final String RECEIVED = "lab.bounded(lab.received, %d, {sha: '', size: -1})";

    private LabChromium() {
    }

    /** Runs one scenario with Chromium peers; a browser that is missing or breaks makes a failed row saying why. */
    static Result run(LabTopology lab, Scenario scenario, int seed) {
        try {
            return runWithChromium(lab, scenario, seed);
        } catch (LinkageError e) {
            // A packaging mistake, not a user's: say which class is missing instead of dying mid-matrix.
            return failed(scenario, "the Chromium driver is missing from the classpath (" + e + ")");
        }
    }

    private static Result runWithChromium(LabTopology lab, Scenario scenario, int seed) {
        if (Chromium.executable().isEmpty()) {
            return failed(scenario, Chromium.NOT_INSTALLED);
        }
        java.nio.file.Path page = null;
        try {
            page = Files.createTempFile("peerlink-lab-", ".html");
            Files.writeString(page, "<!doctype html><title>peerlink lab peer</title>");
            try (Chromium chromeA = Chromium.launchWith(scenario.hostA().apply(lab).execPrefix(), FLAGS);
                 Chromium chromeB = Chromium.launchWith(scenario.hostB().apply(lab).execPrefix(), FLAGS)) {
                return connect(scenario, seed, securePage(chromeA, page), securePage(chromeB, page));
            }
        } catch (IOException | RuntimeException e) {
            return failed(scenario, "Chromium: " + oneLine(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(scenario, "interrupted");
        } finally {
            if (page != null) {
                page.toFile().delete();
            }
        }
    }

    /**
     * A page at a file: URL: crypto.subtle exists only in a secure context, which file: URLs are and about:blank
     * is not. Waits (bounded) until the page has left its initial about:blank.
     */
    private static Chromium.Page securePage(Chromium chromium, java.nio.file.Path file)
            throws IOException, InterruptedException {
        Chromium.Page page = chromium.newPage(file.toUri().toString());
        for (int i = 0; i < 100; i++) {
            if (page.evaluate("location.protocol === 'file:' && document.readyState === 'complete' "
                    + "&& isSecureContext").asBoolean()) {
                return page;
            }
            Thread.sleep(50);
        }
        throw new IOException("the lab page did not load as a secure context");
    }

    private static Result connect(Scenario scenario, int seed, Chromium.Page a, Chromium.Page b) throws IOException {
        ObjectMapper json = new ObjectMapper();
        String iceServers = LabIceServers.forChromium(scenario.behindFirewall());
        long limit = LabIceMatrix.PEER_LIMIT.toMillis();
        a.evaluate(HELPERS);
        b.evaluate(HELPERS);
        String offer = a.evaluate(OFFER.formatted(iceServers)).asText();
        String answer = b.evaluate(ANSWER.formatted(iceServers, json.writeValueAsString(offer))).asText();
        JsonNode connected = a.evaluate(CONNECT.formatted(limit, json.writeValueAsString(answer)));
        if (!connected.path("connected").asBoolean()) {
            String state = connected.path("state").asText();
            String stateB = b.evaluate("lab.pc.connectionState").asText();
            return LabIceMatrix.judge(scenario, Peers.CHROMIUM, LabPeer.FAILED + "not connected within "
                    + LabIceMatrix.PEER_LIMIT.toSeconds() + " s (state " + state + ")", LabPeer.FAILED
                    + "not connected (state " + stateB + ")");
        }
        long millis = connected.path("ms").asLong();
        JsonNode sent = a.evaluate(SEND.formatted(limit, limit, seed, LabPayload.SIZE));
        JsonNode received = b.evaluate(RECEIVED.formatted(limit));
        JsonNode[] pairs = settledPairs(a, b);
        JsonNode pairA = pairs[0];
        JsonNode pairB = pairs[1];
        String expected = LabPayload.sha256(seed, LabPayload.SIZE);
        String sentSha = sent.path("sha").asText();
        String receivedSha = received.path("sha").asText();
        String shaA = !sentSha.equals(expected) ? "sha256=failed:the page made " + sentSha + ", the seed gives "
                + expected : !sent.path("verdict").asText().equals("ok") ? "sha256=failed:B said "
                + sent.path("verdict").asText() : LabPeer.SHA_OK;
        String shaB = receivedSha.equals(expected) ? LabPeer.SHA_OK : "sha256=failed:got " + receivedSha + " ("
                + received.path("size").asLong() + " bytes), the seed gives " + expected;
        String noteB = samePair(pairA, pairB) ? "" : " (its own selected pair, not the one A nominated)";
        return LabIceMatrix.judge(scenario, Peers.CHROMIUM, line(pairA, pairB, millis, "", shaA),
                line(pairB, pairA, millis, noteB, shaB));
    }

    /**
     * Both pages' selected pairs once they have settled. Chromium selects the first pair that works and moves to a
     * better one when its checks succeed (the controlled side follows the controlling side's nomination), so right
     * after connecting the two sides may still report an early relayed pair, or different pairs. Settled means both
     * describe the same pair (each one's local address is the other's remote) and it has not changed for
     * {@value #SETTLED_MILLIS} ms; after {@value #SETTLE_LIMIT_MILLIS} ms the last pairs are taken as they are (side
     * A's is the nominated pair the row is judged on; a side B that still disagrees is noted in its line).
     */
    private static JsonNode[] settledPairs(Chromium.Page a, Chromium.Page b) throws IOException {
        long limit = System.nanoTime() + SETTLE_LIMIT_MILLIS * 1_000_000;
        String last = null;
        long since = System.nanoTime();
        while (true) {
            JsonNode pairA = a.evaluate("lab.selected()");
            JsonNode pairB = b.evaluate("lab.selected()");
            String key = samePair(pairA, pairB) ? pairA.toString() + pairB : null;
            if (key == null || !key.equals(last)) {
                last = key;
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= SETTLED_MILLIS * 1_000_000) {
                return new JsonNode[] {pairA, pairB};
            }
            if (System.nanoTime() > limit) {
                return new JsonNode[] {pairA, pairB};
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading Chromium's selected pairs", e);
            }
        }
    }

    /** Both pages describe the same pair: each one's local address is the other's remote. */
    static boolean samePair(JsonNode pairA, JsonNode pairB) {
        return pairA.has("localAddress") && pairB.has("localAddress")
                && pairA.path("localAddress").equals(pairB.path("remoteAddress"))
                && pairA.path("remoteAddress").equals(pairB.path("localAddress"));
    }

    /**
     * One side's result line in {@link LabPeer}'s form. A relayed end is named {@code relay-PROTOCOL}: the local
     * candidate's stats carry {@code relayProtocol}; for a relayed remote end it comes from the other page's local
     * candidate at the same address.
     */
    static String line(JsonNode pair, JsonNode otherPair, long millis, String note, String transfer) {
        if (pair == null || pair.isNull() || pair.isMissingNode() || !pair.has("local")) {
            return LabPeer.FAILED + "connected, but no selected pair in getStats; " + transfer;
        }
        String local = pair.path("local").asText();
        if (local.equals("relay")) {
            local = "relay-" + (pair.path("relayProtocol").asText().isEmpty() ? "udp"
                    : pair.path("relayProtocol").asText());
        }
        String remote = pair.path("remote").asText();
        if (remote.equals("relay") && otherPair != null && otherPair.path("local").asText().equals("relay")
                && otherPair.path("localAddress").asText().equals(pair.path("remoteAddress").asText())
                && !otherPair.path("relayProtocol").asText().isEmpty()) {
            remote = "relay-" + otherPair.path("relayProtocol").asText();
        }
        return LabPeer.CONNECTED + local + "/" + remote + " ms=" + millis + note + " " + transfer;
    }

    private static Result failed(Scenario scenario, String why) {
        String line = LabPeer.FAILED + why;
        return LabIceMatrix.judge(scenario, Peers.CHROMIUM, line, line);
    }

    /** One line, at most 300 characters: a browser's whole log does not belong in a table cell. */
    private static String oneLine(String text) {
        String line = String.valueOf(text).replace('\n', ' ').replace('\r', ' ');
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
