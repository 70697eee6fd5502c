package dev.peerlink.stun.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The client transaction state machine on a virtual clock (RFC 8489 §6.2.1, §6.2.2). */
class StunTransactionsTest {
    private static final long MS = 1_000_000L;
    private static final InetSocketAddress SERVER = new InetSocketAddress("192.0.2.10", 3478);
    private static final InetSocketAddress OTHER = new InetSocketAddress("192.0.2.11", 3479);

    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void udpRetransmitsWithDoublingIntervalsThenTimesOutAfterRmRtos() {
        StunTransactions transactions = new StunTransactions(RetransmissionPolicy.DEFAULT, false);
        TransactionId id = TransactionId.random(random);
        transactions.start(id, request(id), SERVER, 0);

        List<Long> sentAt = new ArrayList<>();
        long now = 0;
        StunTransactions.Outcome outcome = null;
        for (int step = 0; step < 100 && outcome == null; step++) {
            while (transactions.pollTransmit().isPresent()) {
                sentAt.add(now / MS);
            }
            outcome = transactions.pollOutcome().orElse(null);
            if (outcome == null) {
                now = transactions.nextTimeoutNanos();
                transactions.handleTimeout(now);
            }
        }
        // RFC 8489 §6.2.1's example: sent at 0, 500, 1500, 3500, 7500, 15500 and 31500 ms, failed at 39500 ms.
        assertThat(sentAt).containsExactly(0L, 500L, 1500L, 3500L, 7500L, 15500L, 31500L);
        assertThat(outcome).isInstanceOf(StunTransactions.TimedOut.class);
        assertThat(now / MS).isEqualTo(39_500L);
        assertThat(((StunTransactions.TimedOut) outcome).transmissions()).isEqualTo(7);
        assertThat(RetransmissionPolicy.DEFAULT.udpTransactionTimeout()).isEqualTo(Duration.ofMillis(39_500));
        assertThat(transactions.isIdle()).isTrue();
        assertThat(transactions.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void reliableTransportsSendOnceAndWaitTi() {
        RetransmissionPolicy policy = new RetransmissionPolicy(Duration.ofMillis(100), 3, 4, Duration.ofSeconds(5));
        StunTransactions transactions = new StunTransactions(policy, true);
        TransactionId id = TransactionId.random(random);
        transactions.start(id, request(id), SERVER, 1_000 * MS);
        assertThat(transactions.pollTransmit()).isPresent();
        assertThat(transactions.nextTimeoutNanos()).isEqualTo(6_000 * MS);
        transactions.handleTimeout(5_999 * MS);
        assertThat(transactions.pollOutcome()).isEmpty();
        assertThat(transactions.pollTransmit()).isEmpty();
        transactions.handleTimeout(6_000 * MS);
        assertThat(transactions.pollOutcome()).get().isInstanceOf(StunTransactions.TimedOut.class);
    }

    @Test
    void aResponseEndsItsTransactionEvenFromAnotherAddress() {
        StunTransactions transactions = new StunTransactions(RetransmissionPolicy.DEFAULT, false);
        TransactionId first = TransactionId.random(random);
        TransactionId second = TransactionId.random(random);
        transactions.start(first, request(first), SERVER, 0);
        transactions.start(second, request(second), SERVER, 0);

        InetSocketAddress mapped = new InetSocketAddress("198.51.100.4", 61000);
        assertThat(transactions.handleInput(response(second, mapped), OTHER, 10 * MS)).isTrue();
        StunTransactions.Answered answered = (StunTransactions.Answered) transactions.pollOutcome().orElseThrow();
        assertThat(answered.transactionId()).isEqualTo(second);
        assertThat(answered.source()).isEqualTo(OTHER);
        assertThat(answered.response().address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(mapped);
        // The duplicate of an answered response, a stranger's response and a request are all ignored.
        assertThat(transactions.handleInput(response(second, mapped), OTHER, 11 * MS)).isFalse();
        assertThat(transactions.handleInput(response(TransactionId.random(random), mapped), SERVER, 12 * MS)).isFalse();
        assertThat(transactions.handleInput(ByteBuffer.wrap(request(first)), SERVER, 13 * MS)).isFalse();
        assertThat(transactions.handleInput(ByteBuffer.wrap(new byte[] {1, 2, 3}), SERVER, 14 * MS)).isFalse();
        assertThat(transactions.pollOutcome()).isEmpty();
        assertThat(transactions.isIdle()).isFalse(); // the first one is still waiting
    }

    @Test
    void cancelledTransactionsNeitherRetransmitNorTimeOut() {
        StunTransactions transactions = new StunTransactions(RetransmissionPolicy.DEFAULT, false);
        TransactionId id = TransactionId.random(random);
        transactions.start(id, request(id), SERVER, 0);
        transactions.pollTransmit();
        transactions.cancel(id);
        transactions.handleTimeout(60_000 * MS);
        assertThat(transactions.pollTransmit()).isEmpty();
        assertThat(transactions.pollOutcome()).isEmpty();
    }

    @Test
    void policiesRejectNonsense() {
        assertThatThrownBy(() -> new RetransmissionPolicy(Duration.ZERO, 7, 16, Duration.ofSeconds(1)))
                .hasMessageContaining("RTO");
        assertThatThrownBy(() -> new RetransmissionPolicy(Duration.ofMillis(1), 0, 16, Duration.ofSeconds(1)))
                .hasMessageContaining("Rc");
        assertThatThrownBy(() -> new RetransmissionPolicy(Duration.ofMillis(1), 1, 0, Duration.ofSeconds(1)))
                .hasMessageContaining("Rm");
        StunTransactions transactions = new StunTransactions(RetransmissionPolicy.DEFAULT, false);
        TransactionId id = TransactionId.random(random);
        transactions.start(id, request(id), SERVER, 0);
        assertThatThrownBy(() -> transactions.start(id, request(id), SERVER, 0)).hasMessageContaining("already");
    }

    private static byte[] request(TransactionId id) {
        return new StunMessage(StunMethod.BINDING, StunClass.REQUEST, id).toBytes(StunMessage.Signing.FINGERPRINT);
    }

    private static ByteBuffer response(TransactionId id, InetSocketAddress mapped) {
        return ByteBuffer.wrap(new StunMessage(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, id,
                new AddressAttribute(StunAttributeType.XOR_MAPPED_ADDRESS, mapped)).toBytes());
    }
}
