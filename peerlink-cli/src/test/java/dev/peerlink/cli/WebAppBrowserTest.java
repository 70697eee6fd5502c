package dev.peerlink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peerlink.server.PeerlinkServer;
import dev.peerlink.server.ServerConfig;
import dev.peerlink.server.TurnSettings;
import dev.peerlink.testkit.Chromium;
import dev.peerlink.testkit.NetworkNamespace;
import dev.peerlink.testkit.TestPorts;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web app in real headless Chromium (Debian's {@code chromium}): pages served by an in-process
 * {@code peerlink server}, chatting and moving files to each other, to {@code peerlink receive}, from
 * {@code peerlink send}, chatting with {@code peerlink chat}, relaying through our TURN server only, and the
 * connectivity check. Chromium runs in a network namespace the test creates (198.19.x.2) and the server and CLI
 * peers listen on this side of its link (198.19.x.1), so no packet goes anywhere else. Needs root and Chromium:
 * skipped with the reason without them, failed in CI.
 */
class WebAppBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Raw host addresses instead of mDNS names, and a window big enough for a readable screenshot. */
    private static final List<String> FLAGS = List.of("--disable-features=WebRtcHideLocalIpsWithMdns",
            "--window-size=1280,1400");

    @TempDir
    Path dir;

    private NetworkNamespace namespace;
    private Chromium chromium;
    private PeerlinkServer server;

    @BeforeEach
    void setUp() throws IOException {
        namespace = NetworkNamespace.create();
        chromium = Chromium.launchIn(namespace, FLAGS);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (chromium != null) {
            chromium.close();
        }
        if (namespace != null) {
            namespace.close();
        }
    }

    /**
     * The server as `peerlink server` runs with no configuration (TURN with an ephemeral secret included), except
     * that it listens on this side of the namespace link, on test ports.
     */
    private PeerlinkServer zeroConfigServer() throws Exception {
        return startServer(ServerConfig.defaults().turn(), true);
    }

    private PeerlinkServer startServer(TurnSettings turn, boolean zeroConfig) throws Exception {
        InetAddress ip = namespace.hostAddress();
        ServerConfig defaults = ServerConfig.defaults();
        ServerConfig config = new ServerConfig(List.of(ip.getHostAddress()), TestPorts.free(ip), 0, 0, null, null,
                false, false, false, true, defaults.software(), 0, false, List.of(), List.of(), turn);
        server = PeerlinkServer.start(zeroConfig ? config.withEphemeralTurnSecretIfUnconfigured() : config);
        return server;
    }

    private String appUrl(String path) {
        return "http://" + namespace.hostAddress().getHostAddress() + ":" + server.httpAddress().orElseThrow()
                .getPort() + path;
    }

    private String signalingUrl() {
        return "ws://" + namespace.hostAddress().getHostAddress() + ":" + server.httpAddress().orElseThrow().getPort()
                + "/signaling/v1";
    }

    private Chromium.Page openApp() throws IOException {
        Chromium.Page page = chromium.newPage(appUrl("/"));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> page.evaluate(
                "typeof window.peerlink === 'object'").asBoolean());
        return page;
    }

    private static void join(Chromium.Page page, String room, String name, boolean relayOnly) throws IOException {
        JsonNode welcome = page.evaluate("peerlink.join('%s', '%s', {relayOnly: %s})".formatted(room, name,
                relayOnly));
        assertThat(welcome.path("peer").asText()).isEqualTo(name);
    }

    private static void awaitChatOpen(Chromium.Page page) {
        await().atMost(PATIENCE).until(() -> page.evaluate(
                "!!(peerlink.state.chat && peerlink.state.chat.readyState === 'open')").asBoolean());
    }

    /** Deterministic test bytes, the same in Java and in the page (xorshift32, as the lab's payload). */
    private static byte[] bytes(int size, int seed) {
        return dev.peerlink.lab.LabPayload.bytes(seed, size);
    }

    private static final String MAKE_FILE = """
            (() => {
              const bytes = new Uint8Array(%d);
              let x = %d;
              for (let i = 0; i < bytes.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; bytes[i] = x & 255; }
              window.testFile = new File([bytes], '%s');
              return bytes.length;
            })()
            """;

    private static final String RECEIVED_BYTES = """
            (async () => {
              const t = peerlink.state.transfers.find(t => t.direction === 'received' && t.ok);
              const b = new Uint8Array(await t.blob.arrayBuffer());
              let s = '';
              for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
              return btoa(s);
            })()
            """;

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static JsonNode receivedTransfer(Chromium.Page page) throws IOException {
        return page.evaluate("(() => { const t = peerlink.state.transfers.find(t => t.direction === 'received');"
                + " return t ? {ok: t.ok, reason: t.reason, name: t.name, size: t.size, sha256: t.sha256} : null; })()");
    }

    private static void awaitReceived(Chromium.Page page) {
        await().atMost(PATIENCE).until(() -> !receivedTransfer(page).isNull());
    }

    @Test
    void twoPagesChatAndMoveAFileWithMatchingSha256() throws Exception {
        zeroConfigServer();
        Chromium.Page ann = openApp();
        Chromium.Page ben = openApp();
        join(ann, "room-1", "ann", false);
        join(ben, "room-1", "ben", false); // the second to join calls the first
        awaitChatOpen(ann);
        awaitChatOpen(ben);
        assertThat(ann.evaluate("peerlink.state.peers").toString()).contains("ben");

        ann.evaluate("peerlink.sendChat('hello ben') || 'sent'");
        ben.evaluate("peerlink.sendChat('hi ann, ünïcödé ✓') || 'sent'");
        await().atMost(PATIENCE).until(() -> ben.evaluate("JSON.stringify(peerlink.state.chatLog)").asText()
                .contains("{\"from\":\"ann\",\"text\":\"hello ben\",\"mine\":false}"));
        await().atMost(PATIENCE).until(() -> ann.evaluate("JSON.stringify(peerlink.state.chatLog)").asText()
                .contains("{\"from\":\"ben\",\"text\":\"hi ann, ünïcödé ✓\",\"mine\":false}"));

        int size = 6 * 1024 * 1024 + 12345;
        byte[] expected = bytes(size, 20261121);
        assertThat(ann.evaluate(MAKE_FILE.formatted(size, 20261121, "data.bin")).asInt()).isEqualTo(size);
        ann.evaluate("peerlink.sendFile(window.testFile, 'data.bin').then(t => window.sent = t) && 'started'");
        // A screenshot while the bytes flow (or just after, on a fast machine): the progress bar and the panels.
        await().atMost(PATIENCE).until(() -> ben.evaluate("(() => { const bar = document.querySelector("
                + "'#transfers progress'); return !!bar && bar.value > 0.1; })()").asBoolean());
        Path artifacts = Files.createDirectories(Path.of("target", "artifacts"));
        byte[] png = ben.screenshot();
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        Files.write(artifacts.resolve("webapp-transfer.png"), png);

        awaitReceived(ben);
        JsonNode received = receivedTransfer(ben);
        assertThat(received.path("ok").asBoolean()).as(received.toString()).isTrue();
        assertThat(received.path("name").asText()).isEqualTo("data.bin");
        assertThat(received.path("size").asInt()).isEqualTo(size);
        assertThat(received.path("sha256").asText()).isEqualTo(sha256(expected));
        assertThat(Base64.getDecoder().decode(ben.evaluate(RECEIVED_BYTES).asText())).isEqualTo(expected);
        await().atMost(PATIENCE).until(() -> ann.evaluate("!!(window.sent && window.sent.ok)").asBoolean());
        assertThat(ann.evaluate("window.sent.sha256").asText()).isEqualTo(sha256(expected));

        // The network panel knows the selected pair (host candidates on the namespace link).
        assertThat(ben.evaluate("peerlink.state.selected && peerlink.state.selected.localType").asText())
                .isEqualTo("host");
        assertThat(ben.evaluate("document.getElementById('local-candidates').tBodies[0].rows.length").asInt())
                .isPositive();

        // The signaling connection drops: the page resumes its place (docs/signaling.md "Reconnecting"), ben never
        // hears that ann left, and signals flow again (ann hangs up; ben gets the bye).
        ann.evaluate("peerlink.dropSignaling() || 'dropped'");
        await().atMost(PATIENCE).until(() -> ann.evaluate("document.getElementById('log').textContent").asText()
                .contains("reconnected to the signaling server"));
        assertThat(ben.evaluate("peerlink.state.peers.includes('ann')").asBoolean()).isTrue();
        assertThat(ben.evaluate("document.getElementById('log').textContent").asText()).doesNotContain("ann left");
        ann.evaluate("peerlink.hangUp() || 'bye'");
        await().atMost(PATIENCE).until(() -> ben.evaluate("peerlink.state.pc === null").asBoolean());
    }

    @Test
    void aPageSendsToPeerlinkReceive() throws Exception {
        zeroConfigServer();
        Path out = Files.createDirectory(dir.resolve("out"));
        Chromium.Page page = openApp();
        join(page, "files", "web", false);
        CompletableFuture<CliRunner> receive = CompletableFuture.supplyAsync(() -> CliRunner.run("receive",
                "--server", signalingUrl(), "--room", "files", "--name", "cli", "--out", out.toString(),
                "--host-address", namespace.hostAddress().getHostAddress(), "--timeout", "60"), CliRunner.OWN_THREAD);
        await().atMost(PATIENCE).until(() -> page.evaluate("peerlink.state.peers.includes('cli')").asBoolean());
        page.evaluate("peerlink.call('cli').then(() => 'calling')"); // what the page's Connect button does
        awaitChatOpen(page);
        int size = 3 * 1024 * 1024 + 7;
        page.evaluate(MAKE_FILE.formatted(size, 7, "from-web.bin"));
        page.evaluate("peerlink.sendFile(window.testFile, 'from-web.bin').then(t => window.sent = t) && 'started'");
        await().atMost(PATIENCE).until(() -> page.evaluate("!!window.sent").asBoolean());
        assertThat(page.evaluate("window.sent.ok").asBoolean()).as(page.evaluate("window.sent.reason").asText())
                .isTrue();
        page.evaluate("peerlink.hangUp() || 'bye'");
        CliRunner received = receive.get(90, TimeUnit.SECONDS);
        assertThat(received.exitCode()).as(received.err()).isZero();
        Path saved = out.resolve("from-web.bin");
        assertThat(Files.readAllBytes(saved)).isEqualTo(bytes(size, 7));
        assertThat(received.out()).contains("received").contains("from web")
                .contains(sha256(bytes(size, 7)));
    }

    @Test
    void peerlinkSendSendsToAPage() throws Exception {
        zeroConfigServer();
        byte[] expected = bytes(2 * 1024 * 1024 + 99, 99);
        Path source = Files.write(dir.resolve("from-cli.bin"), expected);
        Chromium.Page page = openApp();
        join(page, "files", "web", false);
        CliRunner sent = CliRunner.run("send", source.toString(), "--server", signalingUrl(), "--room", "files",
                "--name", "cli", "--host-address", namespace.hostAddress().getHostAddress(), "--timeout", "60");
        assertThat(sent.exitCode()).as(sent.err()).isZero();
        assertThat(sent.out()).contains("sent from-cli.bin").contains("to web");
        awaitReceived(page);
        JsonNode received = receivedTransfer(page);
        assertThat(received.path("ok").asBoolean()).as(received.toString()).isTrue();
        assertThat(received.path("sha256").asText()).isEqualTo(sha256(expected));
        assertThat(Base64.getDecoder().decode(page.evaluate(RECEIVED_BYTES).asText())).isEqualTo(expected);
        // peerlink send says bye when done: the page hangs up too.
        await().atMost(PATIENCE).until(() -> page.evaluate("peerlink.state.pc === null").asBoolean());
    }

    @Test
    void aPageChatsWithPeerlinkChat() throws Exception {
        zeroConfigServer();
        Chromium.Page page = openApp();
        join(page, "talk", "web", false);
        PipedOutputStream typed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(typed);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> chat = CompletableFuture.supplyAsync(() -> PeerlinkCli.run(new String[] {"chat",
            "--server", signalingUrl(), "--room", "talk", "--name", "cli", "--host-address",
            namespace.hostAddress().getHostAddress(), "--timeout", "60"}, stdin, new PrintWriter(out, true),
                new PrintWriter(err, true)), CliRunner.OWN_THREAD);
        awaitChatOpen(page);
        await().atMost(PATIENCE).until(() -> err.toString().contains("connected to web"));
        page.evaluate("peerlink.sendChat('hello from the browser') || 'sent'");
        await().atMost(PATIENCE).until(() -> out.toString().contains("web: hello from the browser"));
        typed.write("hello from the terminal\n".getBytes(StandardCharsets.UTF_8));
        typed.flush();
        await().atMost(PATIENCE).until(() -> page.evaluate("JSON.stringify(peerlink.state.chatLog)").asText()
                .contains("{\"from\":\"cli\",\"text\":\"hello from the terminal\",\"mine\":false}"));
        typed.close(); // end of input hangs up
        assertThat(chat.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
        await().atMost(PATIENCE).until(() -> page.evaluate("peerlink.state.pc === null").asBoolean());
    }

    @Test
    void relayOnlyGoesThroughOurTurnServer() throws Exception {
        // A REST secret as an operator would configure it; relaying to the namespace link's addresses (a
        // benchmarking range, denied by default like every non-public range) is allowed for this test only.
        String host = namespace.hostAddress().getHostAddress();
        String inside = namespace.namespaceAddress().getHostAddress();
        TurnSettings turn = new TurnSettings(List.of(), List.of("relay-test-secret-0123456789"), "peerlink",
                List.of(host, inside), List.of(), false, TurnSettings.DEFAULT_MIN_PORT, TurnSettings.DEFAULT_MAX_PORT,
                host, null, 0, 0, 0, null);
        startServer(turn, false);
        Chromium.Page ann = openApp();
        Chromium.Page ben = openApp();
        join(ann, "relayed", "ann", true);
        join(ben, "relayed", "ben", true);
        awaitChatOpen(ann);
        awaitChatOpen(ben);
        int size = 1024 * 1024 + 3;
        ann.evaluate(MAKE_FILE.formatted(size, 3, "relayed.bin"));
        ann.evaluate("peerlink.sendFile(window.testFile, 'relayed.bin').then(t => window.sent = t) && 'started'");
        awaitReceived(ben);
        JsonNode received = receivedTransfer(ben);
        assertThat(received.path("ok").asBoolean()).as(received.toString()).isTrue();
        assertThat(received.path("sha256").asText()).isEqualTo(sha256(bytes(size, 3)));
        String selected = """
                (async () => {
                  const report = await peerlink.state.pc.getStats();
                  let pair = null;
                  report.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId); });
                  const local = report.get(pair.localCandidateId), remote = report.get(pair.remoteCandidateId);
                  return {local: local.candidateType, remote: remote.candidateType, localAddress: local.address,
                          relayProtocol: local.relayProtocol || null, url: local.url || null};
                })()
                """;
        JsonNode annPair = ann.evaluate(selected);
        assertThat(annPair.path("local").asText()).as(annPair.toString()).isEqualTo("relay");
        assertThat(annPair.path("localAddress").asText()).isEqualTo(host);
        assertThat(ann.evaluate("peerlink.state.localCandidates.every(c => c.type === 'relay')").asBoolean()).isTrue();
        JsonNode benPair = ben.evaluate(selected);
        assertThat(benPair.path("local").asText()).as(benPair.toString()).isEqualTo("relay");
        assertThat(server.turn().orElseThrow().snapshot().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .bytesToPeer()).isGreaterThan(size);
    }

    @Test
    void theConnectivityCheckFindsTheZeroConfigRelayAndGivesAVerdict() throws Exception {
        zeroConfigServer();
        Chromium.Page page = chromium.newPage(appUrl("/check"));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> page.evaluate("!!window.checkResult").asBoolean());
        JsonNode result = page.evaluate("window.checkResult");
        assertThat(result.has("error")).as(result.toString()).isFalse();
        List<String> types = result.path("candidates").findValuesAsText("type");
        assertThat(types).contains("host", "relay");
        // Chromium is on the namespace's own address: the STUN server sees it unchanged, so no NAT.
        assertThat(result.path("verdict").path("summary").asText()).startsWith("No NAT");
        assertThat(result.path("verdict").path("findings").toString()).contains("The TURN relay works");
        assertThat(page.evaluate("document.getElementById('verdict').textContent").asText())
                .contains("Direct connections: yes");
    }

    /**
     * A page calls {@code peerlink receive} and plays a misbehaving sender on a raw "file" channel: it sends
     * {@code script} (text messages, JSON-quoted) and then nothing. Returns what the CLI did.
     */
    private CliRunner receiveFromRawSender(Path out, String script, boolean hangUpOnReply, String... extraOptions)
            throws Exception {
        zeroConfigServer();
        Chromium.Page page = openApp();
        join(page, "raw", "web", false);
        List<String> command = new java.util.ArrayList<>(List.of("receive", "--server", signalingUrl(), "--room",
                "raw", "--name", "cli", "--out", out.toString(), "--host-address",
                namespace.hostAddress().getHostAddress(), "--timeout", "60"));
        command.addAll(List.of(extraOptions));
        CompletableFuture<CliRunner> receive = CompletableFuture.supplyAsync(() -> CliRunner.run(
                command.toArray(String[]::new)), CliRunner.OWN_THREAD);
        await().atMost(PATIENCE).until(() -> page.evaluate("peerlink.state.peers.includes('cli')").asBoolean());
        page.evaluate("peerlink.call('cli').then(() => 'calling')");
        awaitChatOpen(page);
        page.evaluate("""
                new Promise(resolve => {
                  const channel = peerlink.state.pc.createDataChannel('file');
                  window.rawReplies = [];
                  channel.onmessage = e => window.rawReplies.push(e.data);
                  channel.onopen = () => { for (const m of %s) channel.send(m); resolve('sent'); };
                })
                """.formatted(script));
        if (hangUpOnReply) {
            await().atMost(PATIENCE).until(() -> page.evaluate("window.rawReplies.length > 0").asBoolean());
            assertThat(page.evaluate("window.rawReplies[0]").asText()).startsWith("bad ");
            page.evaluate("peerlink.hangUp() || 'bye'");
        }
        return receive.get(90, TimeUnit.SECONDS);
    }

    @Test
    void peerlinkReceiveGivesUpOnAStalledTransfer() throws Exception {
        Path out = Files.createDirectory(dir.resolve("out"));
        CliRunner received = receiveFromRawSender(out,
                "[JSON.stringify({name: 'never.bin', size: 1000, sha256: '00'})]", false, "--stall-timeout", "2");
        assertThat(received.exitCode()).isNotZero();
        assertThat(received.withoutProgress().err()).contains("stalled: nothing arrived for 2 s")
                .doesNotContain("Exception");
        try (var files = Files.list(out)) {
            assertThat(files).isEmpty(); // the partial file is removed
        }
    }

    @Test
    void peerlinkReceiveRefusesAPathInTheFileName() throws Exception {
        Path out = Files.createDirectory(dir.resolve("out"));
        CliRunner received = receiveFromRawSender(out,
                "[JSON.stringify({name: '../escape.bin', size: 1, sha256: '00'}), 'x', 'end']", true);
        assertThat(received.exitCode()).isNotZero();
        assertThat(received.withoutProgress().err()).contains("refusing the file name \"../escape.bin\"");
        assertThat(dir.resolve("escape.bin")).doesNotExist();
        try (var files = Files.list(out)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void theAppsOwnSha256AndNatVerdictsAndAJoinLink() throws Exception {
        zeroConfigServer();
        Chromium.Page check = chromium.newPage(appUrl("/check"));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> check.evaluate("!!window.checkResult").asBoolean());
        // sha256.js, whole and fed in odd pieces, around every padding boundary (FIPS 180-4 §5.1.1).
        JsonNode hashes = check.evaluate("""
                (async () => {
                  const {Sha256} = await import('/sha256.js');
                  const out = [];
                  for (let n = 0; n <= 200; n++) {
                    const bytes = new Uint8Array(n);
                    for (let i = 0; i < n; i++) bytes[i] = (i * 7 + n) & 255;
                    const whole = new Sha256().update(bytes).hex();
                    const pieces = new Sha256();
                    for (let i = 0; i < n; i += 13) pieces.update(bytes.subarray(i, Math.min(n, i + 13)));
                    out.push([whole, pieces.hex()]);
                  }
                  return out;
                })()
                """);
        for (int n = 0; n <= 200; n++) {
            byte[] bytes = new byte[n];
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (i * 7 + n);
            }
            assertThat(hashes.get(n).get(0).asText()).as("length %d", n).isEqualTo(sha256(bytes));
            assertThat(hashes.get(n).get(1).asText()).as("length %d in pieces", n).isEqualTo(sha256(bytes));
        }
        // check.js's verdicts from made-up candidates: a cone NAT, a symmetric NAT, a firewall.
        JsonNode verdicts = check.evaluate("""
                (async () => {
                  const {diagnose} = await import('/check.js');
                  const {parseCandidate} = await import('/ice.js');
                  const c = (line, url) => Object.assign(parseCandidate(line), {url});
                  const host = c('candidate:1 1 udp 2122260223 192.168.1.5 50000 typ host');
                  const stun = 'stun:turn.example:3478';
                  return {
                    cone: diagnose([host, c('candidate:2 1 udp 1686052607 203.0.113.9 61000 typ srflx raddr 192.168.1.5 rport 50000', stun)], true),
                    symmetric: diagnose([host,
                      c('candidate:2 1 udp 1686052607 203.0.113.9 61000 typ srflx raddr 192.168.1.5 rport 50000', stun),
                      c('candidate:3 1 udp 1686052607 203.0.113.9 61007 typ srflx raddr 192.168.1.5 rport 50000', 'stun:other.example:3478')], true),
                    blocked: diagnose([host], true),
                    relayOnly: diagnose([host, c('candidate:4 1 udp 41885439 198.51.100.2 50001 typ relay raddr 203.0.113.9 rport 61000', 'turn:turn.example:3478?transport=tcp')], true),
                  };
                })()
                """);
        assertThat(verdicts.path("cone").path("summary").asText()).contains("endpoint-independent");
        assertThat(verdicts.path("cone").path("direct").asText()).isEqualTo("yes, usually");
        assertThat(verdicts.path("symmetric").path("summary").asText()).startsWith("A symmetric NAT");
        assertThat(verdicts.path("blocked").path("direct").asText()).isEqualTo("no");
        assertThat(verdicts.path("relayOnly").path("summary").asText()).contains("TURN relay is reachable");
        assertThat(verdicts.path("relayOnly").path("findings").toString()).contains("over TCP or TLS only");

        // A shared link joins at once, through the page's own form (its name patterns included).
        Chromium.Page linked = chromium.newPage(appUrl("/#room=linked-room&name=zed"));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> linked.evaluate(
                "document.getElementById('self-name').textContent").asText().equals("zed"));
        assertThat(linked.evaluate("document.getElementById('room-name').textContent").asText())
                .isEqualTo("linked-room");
    }
}
