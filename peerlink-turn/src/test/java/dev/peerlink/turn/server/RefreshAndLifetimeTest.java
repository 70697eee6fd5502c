package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.turn.quota.AllocationQuotas;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.TurnErrorCodes;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** RFC 8656 §8.2 Refresh and the allocation's time to expiry, on the virtual clock. */
class RefreshAndLifetimeTest extends TurnCoreFixture {

    private static long lifetime(StunMessage response) {
        return response.attribute(StunAttributeType.LIFETIME, NumberAttribute.class).orElseThrow().value();
    }

    @Test
    void allocationExpiresAfterItsLifetimeAndClosesItsRelay() {
        build(builder -> builder.quotas(new AllocationQuotas(1, 1)));
        allocate(CLIENT);
        core.pollEvent();
        createPermission(CLIENT, PEER);
        channelBind(CLIENT, 0x4001, PEER2);
        FakeRelays.Handle relay = relays.last();

        advance(Duration.ofSeconds(599));
        assertThat(core.allocationCount()).isEqualTo(1);
        assertThat(relays.released).isEmpty();
        createPermission(CLIENT, PEER); // a permission refresh does not keep the allocation alive
        advance(Duration.ofSeconds(1));

        assertThat(core.allocationCount()).isZero();
        assertThat(relays.released).containsExactly(relay);
        assertThat(core.timerCount()).isZero(); // permissions and channels went with it
        assertThat(core.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(core.counters().allocationsExpired()).isEqualTo(1);
        assertThat(core.pollEvent().orElseThrow()).isEqualTo(new TurnServerEvent.AllocationDeleted(1, CLIENT,
                "alice", TurnServerEvent.Reason.EXPIRED));
        // Its relay is gone: peer data is dropped, the 5-tuple can allocate again, the quota was given back.
        assertThat(fromPeer(relay, PEER, new byte[] {1})).isEmpty();
        assertThat(core.counters().droppedNoAllocation()).isEqualTo(1);
        allocate(CLIENT);
    }

    @Test
    void closingTheClientsConnectionDeletesItsAllocationAtOnce() {
        build(builder -> builder.quotas(new AllocationQuotas(1, 1)));
        allocate(CLIENT_TCP);
        core.pollEvent();
        FakeRelays.Handle relay = relays.last();

        core.handleClientClosed(CLIENT); // another 5-tuple: nothing happens
        assertThat(core.allocationCount()).isEqualTo(1);
        core.handleClientClosed(CLIENT_TCP);

        assertThat(core.allocationCount()).isZero();
        assertThat(relays.released).containsExactly(relay);
        assertThat(core.timerCount()).isZero();
        assertThat(core.counters().allocationsClosedWithConnection()).isEqualTo(1);
        assertThat(core.pollEvent().orElseThrow()).isEqualTo(new TurnServerEvent.AllocationDeleted(1, CLIENT_TCP,
                "alice", TurnServerEvent.Reason.CONNECTION_CLOSED));
        allocate(CLIENT); // the quota slot was given back
    }

    @Test
    void refreshExtendsTheLifetime() {
        allocate(CLIENT);
        advance(Duration.ofSeconds(500));
        assertThat(lifetime(refresh(CLIENT))).isEqualTo(600);
        advance(Duration.ofSeconds(500));
        assertThat(core.allocationCount()).isEqualTo(1);
        assertThat(lifetime(refresh(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 2000))))
                .isEqualTo(2000);
        advance(Duration.ofSeconds(1999));
        assertThat(core.allocationCount()).isEqualTo(1);
        advance(Duration.ofSeconds(1));
        assertThat(core.allocationCount()).isZero();
    }

    @Test
    void refreshCanShortenTheLifetimeAgain() {
        allocate(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 3600));
        assertThat(lifetime(refresh(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 1)))).isEqualTo(600);
        assertThat(core.nextTimeoutNanos()).isEqualTo(now + Duration.ofSeconds(600).toNanos());
        advance(Duration.ofSeconds(600));
        assertThat(core.allocationCount()).isZero();
    }

    @Test
    void refreshWithLifetimeZeroDeletesTheAllocation() {
        allocate(CLIENT);
        core.pollEvent();
        StunMessage response = refresh(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 0));
        assertSuccess(response);
        assertThat(lifetime(response)).isZero();
        assertThat(core.allocationCount()).isZero();
        assertThat(relays.released).containsExactly(relays.last());
        assertThat(core.pollEvent().orElseThrow()).isInstanceOfSatisfying(TurnServerEvent.AllocationDeleted.class,
                deleted -> assertThat(deleted.reason()).isEqualTo(TurnServerEvent.Reason.DELETED_BY_CLIENT));
        // The retransmission finds no allocation: 437, which the client takes as success (RFC 8656 §8.3).
        assertError(refresh(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 0)),
                TurnErrorCodes.ALLOCATION_MISMATCH);
    }

    @Test
    void refreshWithoutAnAllocationIs437() {
        assertError(refresh(CLIENT), TurnErrorCodes.ALLOCATION_MISMATCH);
        assertThat(core.counters().allocationMismatches()).isEqualTo(1);
    }

    @Test
    void refreshWithAnotherAddressFamilyIs443() {
        allocate(CLIENT);
        assertError(refresh(CLIENT, AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV6)),
                TurnErrorCodes.PEER_ADDRESS_FAMILY_MISMATCH);
        assertSuccess(refresh(CLIENT, AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV4)));
        // A dual allocation has both.
        allocate(CLIENT_TCP, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
        assertSuccess(refresh(CLIENT_TCP, AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV6)));
    }

    @Test
    void dualAllocationReleasesBothRelays() {
        allocate(CLIENT, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
        assertThat(relays.open()).isEqualTo(2);
        advance(Duration.ofSeconds(600));
        assertThat(relays.open()).isZero();
        assertThat(relays.released).containsExactlyInAnyOrderElementsOf(relays.handles);
    }

    @Test
    void nextTimeoutIsTheEarliestDeadline() {
        allocate(CLIENT);
        long allocationDeadline = now + Duration.ofSeconds(600).toNanos();
        assertThat(core.nextTimeoutNanos()).isEqualTo(allocationDeadline);
        advance(Duration.ofSeconds(10));
        createPermission(CLIENT, PEER);
        assertThat(core.nextTimeoutNanos()).isEqualTo(now + Duration.ofSeconds(300).toNanos());
        advance(Duration.ofSeconds(300));
        assertThat(core.nextTimeoutNanos()).isEqualTo(allocationDeadline);
        // Calling early does nothing.
        core.handleTimeout(allocationDeadline - 1);
        assertThat(core.allocationCount()).isEqualTo(1);
        core.handleTimeout(allocationDeadline);
        assertThat(core.allocationCount()).isZero();
    }
}
