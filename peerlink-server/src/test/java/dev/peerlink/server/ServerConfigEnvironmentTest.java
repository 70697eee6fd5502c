package dev.peerlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEERLINK_<KEY> environment variables, and docs/configuration.md covering every key. */
class ServerConfigEnvironmentTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("peerlink.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void environmentOverridesYamlWhichOverridesDefaults() throws Exception {
        Path file = yaml("""
                listening-port: 4000
                tls-listening-port: 6000
                realm: from-yaml
                """);
        ServerConfig config = ServerConfig.load(file, Map.of("PEERLINK_LISTENING_PORT", "3479",
                "PEERLINK_REALM", "from-env"));
        assertThat(config.listeningPort()).isEqualTo(3479); // env over YAML
        assertThat(config.tlsListeningPort()).isEqualTo(6000); // YAML over default
        assertThat(config.httpPort()).isEqualTo(8080); // default
        assertThat(config.turn().realm()).isEqualTo("from-env");
        assertThat(ServerConfig.load(null, Map.of()).listeningPort()).isEqualTo(3478);
        assertThat(ServerConfig.load(null, Map.of("PEERLINK_HTTP_PORT", "8081")).httpPort()).isEqualTo(8081);
    }

    @Test
    void listsAreCommaSeparatedAndBooleansTrueOrFalse() throws Exception {
        ServerConfig config = ServerConfig.load(null, Map.of(
                "PEERLINK_LISTENING_IP", "127.0.0.1, 127.0.0.2",
                "PEERLINK_USER", "alice:pw,bob:pw",
                "PEERLINK_STATIC_AUTH_SECRET", "s3cret",
                "PEERLINK_RFC5780", "TRUE",
                "PEERLINK_NO_TLS", "false",
                "PEERLINK_NO_HTTP", "true",
                "PEERLINK_MAX_BPS", "125000",
                "PEERLINK_EXTERNAL_IP", "198.51.100.7/10.0.0.7"));
        assertThat(config.listeningIps()).containsExactly("127.0.0.1", "127.0.0.2");
        assertThat(config.turn().users()).containsExactly("alice:pw", "bob:pw");
        assertThat(config.turn().staticAuthSecrets()).containsExactly("s3cret");
        assertThat(config.rfc5780()).isTrue();
        assertThat(config.noTls()).isFalse();
        assertThat(config.noHttp()).isTrue();
        assertThat(config.turn().maxBps()).isEqualTo(125000);
        assertThat(config.turn().externalIp()).isEqualTo("198.51.100.7/10.0.0.7");
        assertThat(ServerConfig.load(null, Map.of("PEERLINK_SOFTWARE", "")).software()).isEmpty();
    }

    @Test
    void aBadValueNamesTheVariable() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PEERLINK_LISTENING_PORT", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("PEERLINK_LISTENING_PORT must be a port from 0 to 65535, not \"x\"");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PEERLINK_MIN_PORT", "70000")))
                .hasMessage("PEERLINK_MIN_PORT must be a port from 0 to 65535, not \"70000\"");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PEERLINK_RFC5780", "yes")))
                .hasMessage("PEERLINK_RFC5780 must be true or false, not \"yes\"");
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("PEERLINK_USER_QUOTA", "-1")))
                .hasMessageStartingWith("PEERLINK_USER_QUOTA must be a whole number from 0 to ");
    }

    @Test
    void otherPeerlinkVariablesAreIgnored() throws Exception {
        ServerConfig config = ServerConfig.load(null, Map.of("PEERLINK_DEBUG", "1", "PEERLINK_JAVA_OPTS", "-Xmx1g",
                "PEERLINK_LOG_LEVEL", "debug", "PEERLINK_BENCH_PORT", "x", "COTURN_BENCH_PORT", "y",
                "PEERLINK_LISTEN_PORT", "z", "LISTENING_PORT", "1"));
        assertThat(config).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void everyKeyHasAnEnvironmentVariable() {
        assertThat(ServerConfig.environmentVariable("listening-port")).isEqualTo("PEERLINK_LISTENING_PORT");
        assertThat(ServerConfig.environmentVariable("rfc5780")).isEqualTo("PEERLINK_RFC5780");
        for (String key : ServerConfig.keys()) {
            String name = ServerConfig.environmentVariable(key);
            assertThat(name).matches("PEERLINK_[A-Z0-9_]+");
        }
    }

    @Test
    void docsConfigurationMdDocumentsEveryKeyFlagAndVariable() throws Exception {
        Path doc = Path.of("../docs/configuration.md"); // Maven runs tests in the module directory
        if (!Files.isRegularFile(doc)) {
            doc = Path.of("docs/configuration.md"); // run from the repository root
        }
        assertThat(doc).isRegularFile();
        String text = Files.readString(doc);
        List<String> missing = new java.util.ArrayList<>();
        for (String key : ServerConfig.keys()) {
            String env = ServerConfig.environmentVariable(key);
            String flag = key.equals("software") ? "--no-software-attribute" : "--" + key;
            boolean row = text.lines().anyMatch(line -> line.startsWith("| `" + key + "` |")
                    && line.contains(env) && line.contains(flag));
            if (!row || !text.contains("\n" + key + ":")) { // a table row and a line in the full example
                missing.add(key);
            }
        }
        assertThat(missing).as("keys missing from docs/configuration.md (table row or example YAML)").isEmpty();
    }

    @Test
    void theDocumentedExampleLoads() throws Exception {
        Path doc = Path.of("../docs/configuration.md");
        if (!Files.isRegularFile(doc)) {
            doc = Path.of("docs/configuration.md");
        }
        String text = Files.readString(doc);
        int start = text.indexOf("```yaml\n") + "```yaml\n".length();
        String example = text.substring(start, text.indexOf("```", start));
        ServerConfig config = ServerConfig.load(yaml(example));
        assertThat(config.turn().realm()).isEqualTo("example.com");
        assertThat(config.roomTokenSecrets()).hasSize(2);
    }
}
