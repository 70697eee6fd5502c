package dev.peerlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerConfigTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = Files.createTempFile(dir, "peerlink", ".yaml");
        Files.writeString(file, text);
        return file;
    }

    /** Defaults with the given listening IPs, RFC 5780 on, fixed ports. */
    private static ServerConfig rfc5780(List<String> ips, int port, int altPort) {
        return new ServerConfig(ips, port, altPort, 5349, null, null, true, false, false, false, "peerlink");
    }

    private static ServerConfig withIps(String... ips) {
        return new ServerConfig(List.of(ips), 3478, 0, 5349, null, null, false, false, false, false, "peerlink");
    }

    // --- TURN ---

    @Test
    void turnKeysLoadFromYamlWithCoturnNamesAndNeverShowSecrets() throws Exception {
        ServerConfig config = ServerConfig.load(yaml("""
                user: [alice:wonderland, bob:builder]
                static-auth-secret: rest-secret
                realm: example.org
                allowed-peer-ip: 10.1.0.0/16
                denied-peer-ip: [203.0.113.0/24]
                allow-loopback-peers: true
                min-port: 50000
                max-port: 50100
                relay-ip: 192.0.2.10
                external-ip: 198.51.100.7/192.0.2.10
                user-quota: 5
                total-quota: 100
                max-bps: 125000
                server-name: turn.example.org
                lt-cred-mech: true
                use-auth-secret: true
                """));
        TurnSettings turn = config.turn();
        assertThat(turn.enabled()).isTrue();
        assertThat(turn.users()).containsExactly("alice:wonderland", "bob:builder");
        assertThat(turn.staticAuthSecrets()).containsExactly("rest-secret");
        assertThat(turn.realm()).isEqualTo("example.org");
        assertThat(turn.minPort()).isEqualTo(50000);
        assertThat(turn.maxPort()).isEqualTo(50100);
        assertThat(turn.externalAddress().getHostAddress()).isEqualTo("198.51.100.7");
        assertThat(turn.privateAddress().getHostAddress()).isEqualTo("192.0.2.10");
        assertThat(turn.maxBps()).isEqualTo(125000);
        assertThatCode(config::validate).doesNotThrowAnyException();
        assertThat(config.toString()).contains("alice").contains("bob").contains("static-auth-secrets=1 configured")
                .doesNotContain("wonderland").doesNotContain("builder").doesNotContain("rest-secret");
    }

    @Test
    void turnIsOffWithoutUsersOrSecretsAndMistakesNameTheFlag() {
        assertThat(ServerConfig.defaults().turn().enabled()).isFalse();
        ServerConfig base = ServerConfig.defaults();
        TurnSettings alice = TurnSettings.off().withUsers(List.of("alice:x"));
        assertThatThrownBy(() -> base.withTurn(alice.withRelayPorts(0, 10)).validate())
                .isInstanceOf(ConfigException.class).hasMessage("--min-port must be a port from 1 to 65535, not 0");
        assertThatThrownBy(() -> base.withTurn(alice.withRelayIp("relay.example")).validate())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--relay-ip takes an IP address");
        assertThatThrownBy(() -> base.withTurn(alice.withRelayIp("192.0.2.1,192.0.2.2")).validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("at most one IPv4 and one IPv6 address");
        assertThatThrownBy(() -> base.withTurn(alice.withRelayIp("0.0.0.0")).validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("not the wildcard");
        assertThatThrownBy(() -> base.withTurn(alice.withExternalIp("198.51.100.7/::1")).validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("mixes IPv4 and IPv6");
        assertThatThrownBy(() -> base.withTurn(alice.withRealm(" ")).validate())
                .isInstanceOf(ConfigException.class).hasMessage("--realm must not be empty");
        assertThatThrownBy(() -> base.withTurn(alice.withQuotas(-1, 0)).validate())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--user-quota");
        assertThatThrownBy(() -> new ServerConfig(List.of("127.0.0.1", "127.0.0.2"), 3478, 0, 5349, null, null, true,
                false, false, false, "peerlink").withTurn(alice).validate())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--rfc5780 cannot be combined with TURN");
    }

    // --- defaults ---

    @Test
    void defaultsListenEverywhereOnTheRfcPorts() throws ConfigException {
        ServerConfig config = ServerConfig.defaults();

        assertThat(config.listeningIps()).isEmpty();
        assertThat(config.listeningAddresses()).isEmpty();
        assertThat(config.listeningPort()).isEqualTo(3478);
        assertThat(config.tlsListeningPort()).isEqualTo(5349);
        assertThat(config.altListeningPort()).isZero();
        assertThat(config.effectiveAltPort()).isEqualTo(3479);
        assertThat(config.rfc5780()).isFalse();
        assertThat(config.noUdp()).isFalse();
        assertThat(config.noTcp()).isFalse();
        assertThat(config.noTls()).isFalse();
        assertThat(config.cert()).isNull();
        assertThat(config.pkey()).isNull();
        assertThat(config.software()).isEqualTo("peerlink").isEqualTo(ServerConfig.DEFAULT_SOFTWARE);
        assertThatCode(config::validate).doesNotThrowAnyException();
    }

    @Test
    void altPortFollowsTheListeningPortUnlessSet() {
        ServerConfig derived = new ServerConfig(null, 4000, 0, 5349, null, null, false, false, false, false, null);
        ServerConfig explicit = new ServerConfig(null, 4000, 4100, 5349, null, null, false, false, false, false, null);

        assertThat(derived.effectiveAltPort()).isEqualTo(4001);
        assertThat(explicit.effectiveAltPort()).isEqualTo(4100);
        assertThat(derived.listeningIps()).isEmpty(); // null means "everywhere"
        assertThat(derived.software()).isEqualTo("peerlink"); // null means the default
    }

    @Test
    void listeningIpsAreCopied() {
        List<String> ips = new java.util.ArrayList<>(List.of("127.0.0.1"));
        ServerConfig config = withIps(ips.toArray(String[]::new));
        ips.add("127.0.0.2");
        assertThat(config.listeningIps()).containsExactly("127.0.0.1");
    }

    // --- YAML ---

    @Test
    void loadsEveryKey() throws Exception {
        Path file = yaml("""
                # every key peerlink server knows
                listening-ip:
                  - 127.0.0.1
                  - "::1"
                listening-port: 3500
                alt-listening-port: 3600
                tls-listening-port: 5400
                cert: /etc/peerlink/fullchain.pem
                pkey: /etc/peerlink/privkey.pem
                rfc5780: true
                no-udp: true
                no-tcp: true
                no-tls: true
                software: "example STUN 1.0"
                http-port: 8081
                no-http: true
                allowed-origin: [http://localhost:8081]
                room-token-secret: [s3cret]
                """);

        ServerConfig config = ServerConfig.load(file);

        assertThat(config).isEqualTo(new ServerConfig(List.of("127.0.0.1", "::1"), 3500, 3600, 5400,
                "/etc/peerlink/fullchain.pem", "/etc/peerlink/privkey.pem", true, true, true, true,
                "example STUN 1.0", 8081, true, List.of("http://localhost:8081"), List.of("s3cret")));
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.effectiveAltPort()).isEqualTo(3600);
    }

    @Test
    void keysLeftOutKeepTheirDefaults() throws Exception {
        ServerConfig config = ServerConfig.load(yaml("listening-port: 13478\n"));

        assertThat(config).isEqualTo(new ServerConfig(List.of(), 13478, 0, 5349, null, null, false, false, false,
                false, "peerlink", 8080, false, List.of(), List.of()));
    }

    @Test
    void dualStackRelayIpsLoadAsAListOrOneAddress() throws Exception {
        assertThat(ServerConfig.load(yaml("relay-ip: [192.0.2.10, \"2001:db8::10\"]\n")).turn().relayAddresses())
                .extracting(java.net.InetAddress::getHostAddress).containsExactly("192.0.2.10", "2001:db8:0:0:0:0:0:10");
        assertThat(ServerConfig.load(yaml("relay-ip: 192.0.2.10\n")).turn().relayIp()).isEqualTo("192.0.2.10");
    }

    @Test
    void aSingleListeningIpNeedsNoList() throws Exception {
        ServerConfig config = ServerConfig.load(yaml("listening-ip: 127.0.0.1\n"));

        assertThat(config.listeningIps()).containsExactly("127.0.0.1");
        assertThat(config.listeningAddresses()).containsExactly(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void anEmptySoftwareTurnsTheAttributeOff() throws Exception {
        assertThat(ServerConfig.load(yaml("software: \"\"\n")).software()).isEmpty();
    }

    @Test
    void anEmptyOrCommentedOutFileMeansTheDefaults() throws Exception {
        assertThat(ServerConfig.load(yaml(""))).isEqualTo(ServerConfig.defaults());
        assertThat(ServerConfig.load(yaml("# listening-port: 3478\n"))).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void aMissingFileIsAConfigError() {
        Path missing = dir.resolve("nowhere.yaml");

        assertThatThrownBy(() -> ServerConfig.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void aDirectoryIsNotAConfigFile() {
        assertThatThrownBy(() -> ServerConfig.load(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.toString());
    }

    @Test
    void anUnknownKeyIsNamedWithTheKnownKeys() throws Exception {
        Path file = yaml("listening-port: 3478\nlistening-prot: 3479\n");

        assertThatThrownBy(() -> ServerConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("unknown key \"listening-prot\"")
                .hasMessageContaining("known keys: listening-ip, listening-port, alt-listening-port, "
                        + "tls-listening-port, cert, pkey, rfc5780, no-udp, no-tcp, no-tls, software");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "listening-port: not-a-port\n",
        "listening-port: [3478, 3479]\n",
        "listening-port: ~\n",
    })
    void aWrongTypeNamesTheKey(String text) throws Exception {
        Path file = yaml(text);

        assertThatThrownBy(() -> ServerConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("bad value for \"listening-port\"");
    }

    @Test
    void aWrongTypeForABooleanOrListNamesTheKey() throws Exception {
        Path badBoolean = yaml("rfc5780: perhaps\n");
        Path badList = yaml("listening-ip:\n  - 127.0.0.1\n  - {address: 127.0.0.2}\n");

        assertThatThrownBy(() -> ServerConfig.load(badBoolean))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"rfc5780\"");
        assertThatThrownBy(() -> ServerConfig.load(badList))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad value for \"listening-ip[1]\"");
    }

    @Test
    void brokenYamlIsAConfigError() throws Exception {
        Path file = yaml("listening-port: [3478\n");

        assertThatThrownBy(() -> ServerConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString());
    }

    // --- validate() ---

    @Test
    void certWithoutKeyIsRefused() {
        ServerConfig certOnly = new ServerConfig(null, 3478, 0, 5349, "cert.pem", null, false, false, false, false,
                null);
        ServerConfig keyOnly = new ServerConfig(null, 3478, 0, 5349, null, "key.pem", false, false, false, false,
                null);

        assertThatThrownBy(certOnly::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--cert and --pkey go together");
        assertThatThrownBy(keyOnly::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--cert and --pkey go together");
    }

    @Test
    void portsOutOfRangeAreRefusedByName() {
        assertThatThrownBy(new ServerConfig(null, 65536, 0, 5349, null, null, false, false, false, false, null)
                ::validate).isInstanceOf(ConfigException.class)
                .hasMessage("--listening-port must be a port from 0 to 65535, not 65536");
        assertThatThrownBy(new ServerConfig(null, 3478, -1, 5349, null, null, false, false, false, false, null)
                ::validate).isInstanceOf(ConfigException.class)
                .hasMessage("--alt-listening-port must be a port from 0 to 65535, not -1");
        assertThatThrownBy(new ServerConfig(null, 3478, 0, 70000, null, null, false, false, false, false, null)
                ::validate).isInstanceOf(ConfigException.class)
                .hasMessage("--tls-listening-port must be a port from 0 to 65535, not 70000");
    }

    @Test
    void portsAtTheEdgesOfTheRangeAreAccepted() {
        assertThatCode(new ServerConfig(null, 0, 0, 65535, null, null, false, false, false, false, null)::validate)
                .doesNotThrowAnyException();
    }

    @Test
    void rfc5780WithTwoAddressesOfOneFamilyIsAccepted() {
        assertThatCode(rfc5780(List.of("127.0.0.1", "127.0.0.2"), 3478, 0)::validate).doesNotThrowAnyException();
        assertThatCode(rfc5780(List.of("::1", "fe80::1"), 3478, 3480)::validate).doesNotThrowAnyException();
    }

    @Test
    void rfc5780NeedsTwoUsableAddresses() {
        List<List<String>> wrong = List.of(
                List.of(),                          // all addresses
                List.of("127.0.0.1"),               // one
                List.of("127.0.0.1", "::1"),        // two families
                List.of("0.0.0.0", "127.0.0.1"),    // a wildcard
                List.of("127.0.0.1", "::"),         // a wildcard, and two families
                List.of("127.0.0.1", "127.0.0.1"),  // the same twice
                List.of("127.0.0.1", "[::ffff:127.0.0.1]")); // the same, spelt as IPv4-mapped IPv6
        for (List<String> ips : wrong) {
            assertThatThrownBy(rfc5780(ips, 3478, 0)::validate).as("listening-ip %s", ips)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--rfc5780 needs two different --listening-ip addresses of the same family");
        }
    }

    @Test
    void rfc5780NeedsTwoDifferentFixedPorts() {
        List<String> ips = List.of("127.0.0.1", "127.0.0.2");

        assertThatThrownBy(rfc5780(ips, 3478, 3478)::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("two different fixed ports");
        assertThatThrownBy(rfc5780(ips, 0, 4000)::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("two different fixed ports");
    }

    @Test
    void rfc5780NeedsUdp() {
        ServerConfig config = new ServerConfig(List.of("127.0.0.1", "127.0.0.2"), 3478, 0, 5349, null, null, true,
                true, false, false, null);

        assertThatThrownBy(config::validate).isInstanceOf(ConfigException.class).hasMessageContaining("--no-udp");
    }

    @Test
    void turningEverythingOffIsRefused() {
        ServerConfig config = new ServerConfig(null, 3478, 0, 5349, null, null, false, true, true, true, null);
        assertThat(config.noHttp()).as("the STUN-only constructor leaves HTTP off").isTrue();

        assertThatThrownBy(config::validate).isInstanceOf(ConfigException.class)
                .hasMessage("--no-udp, --no-tcp, --no-tls and --no-http together leave nothing to listen on");
    }

    @Test
    void anyOneTransportIsEnough() {
        assertThatCode(new ServerConfig(null, 3478, 0, 5349, null, null, false, true, true, false, null)::validate)
                .doesNotThrowAnyException();
        assertThatCode(new ServerConfig(null, 3478, 0, 5349, null, null, false, false, true, true, null)::validate)
                .doesNotThrowAnyException();
    }

    // --- listening-ip ---

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "", " ", "[localhost]", "127.0.0.one"})
    void listeningIpMustBeALiteral(String ip) {
        assertThatThrownBy(withIps(ip)::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--listening-ip takes an IP address")
                .hasMessageContaining("\"" + ip + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"999.1.1.1", "1:2:3", "::1::2", "[::1"})
    void malformedLiteralsAreRefusedWithoutALookup(String ip) {
        assertThatThrownBy(withIps(ip)::validate).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--listening-ip takes an IP address")
                .hasMessageContaining("\"" + ip + "\"");
    }

    @Test
    void bracketedIpv6AndPlainLiteralsAreAccepted() throws Exception {
        ServerConfig config = withIps("[::1]", "::1", "127.0.0.1", " 10.0.0.1 ", "::");

        assertThatCode(config::validate).doesNotThrowAnyException();
        assertThat(config.listeningAddresses()).containsExactly(
                InetAddress.getByName("::1"), InetAddress.getByName("::1"), InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("10.0.0.1"), InetAddress.getByName("::"));
    }
}
