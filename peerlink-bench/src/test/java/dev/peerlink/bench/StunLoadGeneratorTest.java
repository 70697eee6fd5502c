package dev.peerlink.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StunLoadGeneratorTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);

    private static void assumeTransport(String transport) {
        if (transport.equals("epoll")) {
            assumeTrue(Epoll.isAvailable(), () -> "Netty epoll is unavailable: " + Epoll.unavailabilityCause());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void countsAnswersAndLossesAgainstAResponderThatDropsEveryTenthRequest(String transport) throws Exception {
        assumeTransport(transport);
        List<String> progress = new CopyOnWriteArrayList<>();
        try (TestStunResponder responder = new TestStunResponder(10)) {
            StunLoadGenerator.Options options = StunLoadGenerator.Options.of(responder.address())
                    .withWarmup(Duration.ofMillis(200))
                    .withDuration(Duration.ofSeconds(1))
                    .withLossTimeout(Duration.ofMillis(100))
                    .withWindow(64);

            StunLoadGenerator.Result result = StunLoadGenerator.run(options, progress::add, transport);

            assertThat(result.received()).isPositive();
            assertThat(result.lost()).isPositive();
            assertThat(result.lossPercent()).isBetween(5.0, 15.0);
            assertThat(result.sent()).isGreaterThanOrEqualTo(result.received() + result.lost() - options.window());
            assertThat(result.received() + result.lost()).isLessThanOrEqualTo(result.sent());
            assertThat(result.responsesPerSecond()).isPositive();
            assertThat(result.p50RttMicros()).isPositive();
            assertThat(result.p99RttMicros()).isGreaterThanOrEqualTo(result.p50RttMicros());
            assertThat(result.invalid()).isZero();
            assertThat(result.summary()).contains("responses/s").contains("lost");
            assertThat(progress).anySatisfy(line -> assertThat(line).contains("via " + transport));
            assertThat(progress).anySatisfy(line -> assertThat(line).contains("responses/s"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void aTargetThatNeverAnswersGivesNoResponsesAndFullLoss(String transport) throws IOException {
        assumeTransport(transport);
        try (DatagramChannel silent = DatagramChannel.open()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            StunLoadGenerator.Options options = StunLoadGenerator.Options.of(
                            (InetSocketAddress) silent.getLocalAddress())
                    .withWarmup(Duration.ofMillis(200))
                    .withDuration(Duration.ofSeconds(1))
                    .withLossTimeout(Duration.ofMillis(200))
                    .withWindow(16);

            StunLoadGenerator.Result result = StunLoadGenerator.run(options, line -> { }, transport);

            assertThat(result.received()).isZero();
            assertThat(result.responsesPerSecond()).isZero();
            assertThat(result.lossPercent()).isEqualTo(100.0);
            assertThat(result.lost()).isEqualTo(result.sent());
            assertThat(result.p50RttMicros()).isNaN();
            assertThat(result.summary()).contains("RTT n/a");
        }
    }

    @Test
    void defaultsAreTenSecondsTwoSecondsWarmUpSixtyFourInFlightAndOneSecondLossTimeout() {
        StunLoadGenerator.Options options = StunLoadGenerator.Options.of(LOOPBACK);
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.window()).isEqualTo(64);
        assertThat(options.lossTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void rejectsAWindowOutsideOneTo65536() {
        StunLoadGenerator.Options options = StunLoadGenerator.Options.of(LOOPBACK);
        assertThatThrownBy(() -> options.withWindow(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window must be between 1 and 65536").hasMessageContaining("not 0");
        assertThatThrownBy(() -> options.withWindow(65_537))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 65537");
        assertThat(options.withWindow(1).window()).isEqualTo(1);
        assertThat(options.withWindow(65_536).window()).isEqualTo(65_536);
    }

    @Test
    void rejectsANonPositiveDurationOrLossTimeoutAndANegativeWarmUp() {
        StunLoadGenerator.Options options = StunLoadGenerator.Options.of(LOOPBACK);
        assertThatThrownBy(() -> options.withDuration(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration must be positive");
        assertThatThrownBy(() -> options.withDuration(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration must be positive");
        assertThatThrownBy(() -> options.withLossTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loss timeout must be positive");
        assertThatThrownBy(() -> options.withWarmup(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warm-up");
        assertThat(options.withWarmup(Duration.ZERO).warmup()).isZero();
    }

    @Test
    void rejectsAnUnresolvedOrMissingTarget() {
        assertThatThrownBy(() -> StunLoadGenerator.Options.of(InetSocketAddress.createUnresolved("stun.invalid", 3478)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stun.invalid:3478 is unresolved");
        assertThatThrownBy(() -> StunLoadGenerator.Options.of(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a target");
    }
}
