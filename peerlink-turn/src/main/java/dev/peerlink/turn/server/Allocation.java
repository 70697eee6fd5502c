package dev.peerlink.turn.server;

import dev.peerlink.stun.TransactionId;
import dev.peerlink.turn.quota.TokenBucket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;

/** One allocation's state (RFC 8656 §6): its relays, permissions, channels and time to expiry. */
final class Allocation extends TimerNode {
    final long id;
    final FiveTuple tuple;
    final String username;
    final String realm;
    final Relay[] relays;
    final boolean dontFragment;
    final TokenBucket toPeerBucket;
    final TokenBucket toClientBucket;
    final HashMap<InetAddress, Permission> permissions = new HashMap<>();
    final ChannelTable channels = new ChannelTable();
    final HashMap<InetSocketAddress, Channel> channelsByPeer = new HashMap<>();
    final TransactionId allocateTransaction;
    final long createdNanos;
    /** The success response, resent for a retransmitted Allocate (RFC 8656 §7.2, RFC 8489 §6.3.1). */
    byte[] successResponse;

    Allocation(long id, FiveTuple tuple, String username, String realm, Relay[] relays, boolean dontFragment,
               TokenBucket toPeerBucket, TokenBucket toClientBucket, TransactionId allocateTransaction,
               long createdNanos) {
        this.id = id;
        this.tuple = tuple;
        this.username = username;
        this.realm = realm;
        this.relays = relays;
        this.dontFragment = dontFragment;
        this.toPeerBucket = toPeerBucket;
        this.toClientBucket = toClientBucket;
        this.allocateTransaction = allocateTransaction;
        this.createdNanos = createdNanos;
        for (Relay relay : relays) {
            relay.allocation = this;
        }
    }

    /** The relay of {@code peer}'s address family, or null: peers are reached from a relay of their own family. */
    Relay relayFor(InetAddress peer) {
        int family = Relay.familyOf(peer);
        for (Relay relay : relays) {
            if (relay.family == family) {
                return relay;
            }
        }
        return null;
    }

    boolean hasFamily(int family) {
        for (Relay relay : relays) {
            if (relay.family == family) {
                return true;
            }
        }
        return false;
    }
}
