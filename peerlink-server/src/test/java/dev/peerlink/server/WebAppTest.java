package dev.peerlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peerlink.server.http.WebAppRoutes;
import dev.peerlink.testkit.TestPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The web app's files over HTTP from a zero-configuration server (on loopback test ports): content types, the
 * Content-Security-Policy, 404 for everything else including directory traversal attempts sent byte for byte,
 * and zero-config TURN handing out credentials from /api/ice-servers.
 */
class WebAppTest {
    private static PeerlinkServer server;
    private static InetSocketAddress http;

    @BeforeAll
    static void start() throws Exception {
        InetAddress loopback = TestPorts.loopback("127.0.0.1");
        ServerConfig defaults = ServerConfig.defaults();
        ServerConfig config = new ServerConfig(List.of("127.0.0.1"), TestPorts.free(loopback), 0, 0, null, null,
                false, false, false, true, defaults.software(), 0, false, List.of(), List.of(), defaults.turn())
                .withEphemeralTurnSecretIfUnconfigured();
        server = PeerlinkServer.start(config);
        http = server.httpAddress().orElseThrow();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** One raw HTTP/1.1 exchange, so the request target goes out exactly as written (no client normalises it). */
    private static Reply get(String target) throws IOException {
        try (Socket socket = new Socket(http.getAddress(), http.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + http.getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = text.substring(0, split);
            return new Reply(Integer.parseInt(head.split(" ")[1]), head, text.substring(split + 4));
        }
    }

    private record Reply(int status, String head, String body) {
        String header(String name) {
            return head.lines().filter(line -> line.toLowerCase().startsWith(name.toLowerCase() + ":"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip()).findFirst().orElse(null);
        }
    }

    @Test
    void theAppAndTheCheckPageAreHtmlWithAStrictPolicy() throws Exception {
        Reply app = get("/");
        assertThat(app.status()).isEqualTo(200);
        assertThat(app.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(app.header("Content-Security-Policy")).isEqualTo(WebAppRoutes.CONTENT_SECURITY_POLICY)
                .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
        assertThat(app.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(app.body()).contains("<script type=\"module\" src=\"/app.js\">").doesNotContain("<script>")
                .doesNotContain("style=\"");
        Reply check = get("/check");
        assertThat(check.status()).isEqualTo(200);
        assertThat(check.body()).contains("/check.js");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/app.js", "/check.js", "/signaling.js", "/transfer.js", "/sha256.js", "/ice.js",
        "/chart.js"})
    void modulesAreJavaScriptAndImportOnlyTheirSiblings(String path) throws Exception {
        Reply module = get(path);
        assertThat(module.status()).isEqualTo(200);
        assertThat(module.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        // No CDN, no build step: every import is another file of the app, served here.
        module.body().lines().filter(line -> line.startsWith("import ")).forEach(line -> {
            String from = line.replaceAll(".*from '([^']+)'.*", "$1");
            assertThat(from).startsWith("./");
            try {
                assertThat(get(from.substring(1)).status()).as(from).isEqualTo(200);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(module.body()).doesNotContain("http://", "https://");
    }

    @Test
    void stylesAndIconHaveTheirTypes() throws Exception {
        assertThat(get("/style.css").header("Content-Type")).isEqualTo("text/css; charset=utf-8");
        assertThat(get("/favicon.svg").header("Content-Type")).isEqualTo("image/svg+xml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../pom.xml", "/..%2fpom.xml", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../pom.xml",
        "/dev/peerlink/server/webapp/app.js", "/webapp/app.js", "//etc/passwd", "/index.html", "/app.js%00.html",
        "/APP.JS", "/check/", "/nothing", "/..\\pom.xml", "/%5c..%5cpom.xml"})
    void everythingElseIsNotFound(String target) throws Exception {
        Reply reply = get(target);
        assertThat(reply.status()).as(target).isEqualTo(404);
        assertThat(reply.body()).doesNotContain("<project", "root:", "import ");
    }

    @Test
    void zeroConfigurationServesTurnCredentialsSignedWithASecretItNeverShows() throws Exception {
        ServerConfig zero = ServerConfig.defaults().withEphemeralTurnSecretIfUnconfigured();
        assertThat(zero.turn().enabled()).isTrue();
        String secret = zero.turn().staticAuthSecrets().getFirst();
        assertThat(secret).hasSizeGreaterThanOrEqualTo(43); // 256 bits, base64url
        assertThat(zero.toString()).doesNotContain(secret);
        assertThat(ServerConfig.defaults().withEphemeralTurnSecretIfUnconfigured().turn().staticAuthSecrets())
                .doesNotContain(secret); // made anew each time
        ServerConfig configured = ServerConfig.defaults().withTurn(ServerConfig.defaults().turn()
                .withStaticAuthSecrets(List.of("operator-secret-0123456789")));
        assertThat(configured.withEphemeralTurnSecretIfUnconfigured()).isSameAs(configured);

        assertThat(server.turn()).isPresent();
        Reply reply = get("/api/ice-servers?user=ann");
        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(reply.body());
        JsonNode turn = body.path("iceServers").get(1);
        assertThat(turn.path("urls").get(0).asText()).startsWith("turn:127.0.0.1:");
        assertThat(turn.path("username").asText()).endsWith(":ann");
        assertThat(turn.path("credential").asText()).isNotBlank();
    }
}
