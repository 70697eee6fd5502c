package dev.peerlink.stun.client;

import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.StunAttributeRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Client transactions (RFC 8489 §6.2) as a sans-IO state machine: it never touches a socket or the clock. The
 * driver starts requests, feeds in what arrives and the current time, and sends what {@link #pollTransmit}
 * hands out. Responses are matched by transaction id only, so an answer from another address (RFC 5780
 * CHANGE-REQUEST) is still found.
 */
public final class StunTransactions {
    /** Bytes to send to a destination. */
    public record Transmit(InetSocketAddress destination, byte[] bytes) {
    }

    /** How a transaction ended. */
    public sealed interface Outcome {
        TransactionId transactionId();

        InetSocketAddress server();
    }

    /** A success or error response arrived; {@code source} is where it came from. */
    public record Answered(TransactionId transactionId, InetSocketAddress server, StunMessage response,
                           InetSocketAddress source) implements Outcome {
    }

    /** No response within the policy's time. */
    public record TimedOut(TransactionId transactionId, InetSocketAddress server, int transmissions)
            implements Outcome {
    }

    private static final class Pending {
        final byte[] request;
        final InetSocketAddress server;
        int transmissions;
        long rtoNanos;
        long deadlineNanos;

        Pending(byte[] request, InetSocketAddress server) {
            this.request = request;
            this.server = server;
        }
    }

    private final RetransmissionPolicy policy;
    private final boolean reliable;
    private final StunAttributeRegistry registry;
    private final StunMessageReader reader = new StunMessageReader();
    private final Map<TransactionId, Pending> pending = new HashMap<>();
    private final ArrayDeque<Transmit> transmits = new ArrayDeque<>();
    private final ArrayDeque<Outcome> outcomes = new ArrayDeque<>();

    /** @param reliable true over TCP/TLS: one transmission, then {@link RetransmissionPolicy#reliableTimeout} */
    public StunTransactions(RetransmissionPolicy policy, boolean reliable, StunAttributeRegistry registry) {
        this.policy = policy;
        this.reliable = reliable;
        this.registry = registry;
    }

    public StunTransactions(RetransmissionPolicy policy, boolean reliable) {
        this(policy, reliable, StunAttributeRegistry.standard());
    }

    /** Starts a transaction; the request is transmitted at once (the first {@link #pollTransmit}). */
    public void start(TransactionId id, byte[] encodedRequest, InetSocketAddress server, long nowNanos) {
        if (pending.containsKey(id)) {
            throw new IllegalArgumentException("transaction " + id + " is already under way");
        }
        Pending transaction = new Pending(encodedRequest.clone(), server);
        transaction.rtoNanos = policy.rto().toNanos();
        pending.put(id, transaction);
        transmit(transaction, nowNanos);
    }

    private void transmit(Pending transaction, long nowNanos) {
        transmits.add(new Transmit(transaction.server, transaction.request));
        transaction.transmissions++;
        if (reliable) {
            transaction.deadlineNanos = nowNanos + policy.reliableTimeout().toNanos();
        } else if (transaction.transmissions < policy.rc()) {
            transaction.deadlineNanos = nowNanos + transaction.rtoNanos;
            transaction.rtoNanos *= 2; // RFC 8489 §6.2.1: the interval doubles after each transmission
        } else {
            transaction.deadlineNanos = nowNanos + policy.rm() * policy.rto().toNanos();
        }
    }

    /**
     * Offers a received packet. Returns true when it answered a pending transaction; anything else (not STUN, not
     * a response, unknown transaction, undecodable) is ignored, as RFC 8489 §6.3 asks.
     */
    public boolean handleInput(ByteBuffer packet, InetSocketAddress source, long nowNanos) {
        if (reader.wrap(packet) != StunParseStatus.OK || !reader.messageClass().isResponse()) {
            return false;
        }
        TransactionId id = reader.transactionId();
        Pending transaction = pending.get(id);
        if (transaction == null) {
            return false;
        }
        StunMessage response;
        try {
            response = StunMessage.decode(reader, registry);
        } catch (StunDecodeException e) {
            return false; // a forged or broken answer; a real one may still come
        }
        pending.remove(id);
        outcomes.add(new Answered(id, transaction.server, response, source));
        return true;
    }

    public void handleTimeout(long nowNanos) {
        Iterator<Map.Entry<TransactionId, Pending>> entries = pending.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<TransactionId, Pending> entry = entries.next();
            Pending transaction = entry.getValue();
            if (nowNanos - transaction.deadlineNanos < 0) {
                continue;
            }
            if (!reliable && transaction.transmissions < policy.rc()) {
                transmit(transaction, nowNanos);
            } else {
                entries.remove();
                outcomes.add(new TimedOut(entry.getKey(), transaction.server, transaction.transmissions));
            }
        }
    }

    /** Abandons a transaction without an outcome. */
    public void cancel(TransactionId id) {
        pending.remove(id);
    }

    public Optional<Transmit> pollTransmit() {
        return Optional.ofNullable(transmits.poll());
    }

    public Optional<Outcome> pollOutcome() {
        return Optional.ofNullable(outcomes.poll());
    }

    /** When {@link #handleTimeout} is next due, or {@link Long#MAX_VALUE} when nothing is pending. */
    public long nextTimeoutNanos() {
        long next = Long.MAX_VALUE;
        for (Pending transaction : pending.values()) {
            if (next == Long.MAX_VALUE || transaction.deadlineNanos - next < 0) {
                next = transaction.deadlineNanos;
            }
        }
        return next;
    }

    public boolean isIdle() {
        return pending.isEmpty() && transmits.isEmpty();
    }
}
