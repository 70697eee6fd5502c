package dev.peerlink.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.peerlink.turn.auth.StatelessNonces;
import dev.peerlink.turn.policy.PeerAddressPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnConfigTest {
    @Test
    void defaultsAreSecure() throws Exception {
        TurnConfig config = TurnConfig.defaults();
        PeerAddressPolicy policy = config.peerAddressPolicy(List.of(), 49152, 65535);
        assertThat(policy.check(InetAddress.getByName("127.0.0.1")).allowed()).isFalse();
        assertThat(config.nonceLifetime()).isEqualTo(Duration.ofSeconds(600));
        assertThat(config.allocationQuotas().tryAcquire("anyone")).isTrue();
    }

    @Test
    void coturnOptionsReachTheirComponents() throws Exception {
        TurnConfig config = config(List.of("alice:wonderland"), List.of("s1", "s2"), List.of("10.0.0.0/8"),
                List.of("1.1.1.0-1.1.1.255"), true, 1, 5, 64, 125_000);
        PeerAddressPolicy policy = config.peerAddressPolicy(
                List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 3478)), 49152, 65535);
        assertThat(policy.check(InetAddress.getByName("10.1.1.1")).allowed()).isTrue();
        assertThat(policy.check(InetAddress.getByName("127.0.0.1")).allowed()).isTrue();
        assertThat(policy.check(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 3478)).allowed()).isFalse();
        assertThat(policy.check(InetAddress.getByName("1.1.1.1")).reason())
                .isEqualTo("denied-peer-ip 1.1.1.0-1.1.1.255");
        assertThat(config.allocationLimits().maxPermissions()).isEqualTo(64);
        assertThat(config.allocationLimits().newBandwidthBucket()).isNotNull();
        var quotas = config.allocationQuotas();
        assertThat(quotas.tryAcquire("alice")).isTrue();
        assertThat(quotas.tryAcquire("alice")).isFalse();
        assertThat(config.authenticator(StatelessNonces.withRandomSecret(Duration.ofSeconds(60))).realm())
                .isEqualTo("example.org");
    }

    @Test
    void mistakesNameTheOption() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of("alice"), List.of(), List.of(), List.of(), false, 0, 0, 10, 0))
                .withMessage("--user takes NAME:PASSWORD, got \"alice\"");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of("a:x", "a:y"), List.of(), List.of(), List.of(), false, 0, 0, 10, 0))
                .withMessage("--user a is given twice");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of(), List.of(""), List.of(), List.of(), false, 0, 0, 10, 0))
                .withMessage("--static-auth-secret must not be empty");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of(), List.of(), List.of("intranet"), List.of(), false, 0, 0, 10, 0))
                .withMessage("--allowed-peer-ip: \"intranet\" is not an IP address literal");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of(), List.of(), List.of(), List.of("1.2.3.4/40"), false, 0, 0, 10, 0))
                .withMessage("--denied-peer-ip: the prefix length in 1.2.3.4/40 must be 0–32");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of(), List.of(), List.of(), List.of(), false, -1, 0, 10, 0))
                .withMessage("--user-quota takes 0 (no limit) or a positive number, got -1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of(), List.of(), List.of(), List.of(), false, 0, -2, 10, 0))
                .withMessage("--total-quota takes 0 (no limit) or a positive number, got -2");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(List.of(), List.of(), List.of(), List.of(), false, 0, 0, 10, -5))
                .withMessage("--max-bps takes 0 (no cap) or a positive number, got -5");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new TurnConfig(List.of(), List.of(), " ", List.of(), List.of(), false, 0, 0,
                        null, 10, 0, ':'))
                .withMessage("--realm must not be empty");
    }

    @Test
    void toStringHidesPasswordsAndSecrets() {
        TurnConfig config = config(List.of("alice:wonderland"), List.of("topsecret"), List.of(), List.of(), false,
                0, 0, 10, 0);
        assertThat(config.toString()).contains("alice").doesNotContain("wonderland").doesNotContain("topsecret");
    }

    private static TurnConfig config(List<String> users, List<String> secrets, List<String> allowed,
                                     List<String> denied, boolean loopback, int userQuota, int totalQuota,
                                     int maxPermissions, long maxBps) {
        return new TurnConfig(users, secrets, "example.org", allowed, denied, loopback, userQuota, totalQuota,
                Duration.ofSeconds(600), maxPermissions, maxBps, ':');
    }
}
