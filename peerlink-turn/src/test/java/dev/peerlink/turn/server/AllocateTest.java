package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.FlagAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StunAttribute;
import dev.peerlink.stun.attribute.UnknownAttributesAttribute;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.turn.quota.AllocationQuotas;
import dev.peerlink.turn.wire.AddressErrorCodeAttribute;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.EvenPortAttribute;
import dev.peerlink.turn.wire.RequestedTransportAttribute;
import dev.peerlink.turn.wire.TurnErrorCodes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 8656 §7.2: Allocate, step by step. */
class AllocateTest extends TurnCoreFixture {

    private static List<InetSocketAddress> relayed(StunMessage response) {
        return response.attributes().stream()
                .filter(a -> a.type() == StunAttributeType.XOR_RELAYED_ADDRESS)
                .map(a -> ((AddressAttribute) a).address())
                .toList();
    }

    private static long lifetime(StunMessage response) {
        return response.attribute(StunAttributeType.LIFETIME, NumberAttribute.class).orElseThrow().value();
    }

    @Test
    void successCarriesRelayedAddressLifetimeMappedAddressAndIntegrity() {
        byte[] request = signed(StunMethod.ALLOCATE, CLIENT, udp());
        Sent sent = exchangeRaw(CLIENT, request);
        StunMessage response = sent.decode();

        assertSuccess(response);
        assertThat(relayed(response)).containsExactly(relays.last().address());
        assertThat(relays.last().address().getAddress()).isEqualTo(SERVER_IP);
        assertThat(lifetime(response)).isEqualTo(600);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(CLIENT_ADDRESS);
        assertThat(sent.verifies(ALICE_KEY)).isTrue();
        assertThat(response.has(StunAttributeType.FINGERPRINT)).isTrue();
        assertThat(response.has(StunAttributeType.RESERVATION_TOKEN)).isFalse();
        assertThat(core.allocationCount()).isEqualTo(1);
        assertThat(core.nextTimeoutNanos()).isEqualTo(now + Duration.ofSeconds(600).toNanos());
        assertThat(relays.requests.get(0).family()).isEqualTo(AddressFamilyAttribute.IPV4);
        assertThat(relays.requests.get(0).portRule()).isEqualTo(RelayAllocator.PortRule.ANY);
        assertThat(core.counters().allocationsCreated()).isEqualTo(1);

        TurnServerEvent event = core.pollEvent().orElseThrow();
        assertThat(event).isInstanceOfSatisfying(TurnServerEvent.AllocationCreated.class, created -> {
            assertThat(created.client()).isEqualTo(CLIENT);
            assertThat(created.username()).isEqualTo("alice");
            assertThat(created.relayedAddresses()).containsExactly(relays.last().address());
            assertThat(created.lifetime()).isEqualTo(Duration.ofSeconds(600));
        });
        assertThat(event.toString()).doesNotContain("wonderland");
    }

    @Test
    void responsesCarryFingerprintOnlyWhenTheRequestDid() {
        StunMessage request = new StunMessage(StunMethod.ALLOCATE, dev.peerlink.stun.StunClass.REQUEST,
                newTransactionId(), List.of(udp(),
                new StringAttribute(StunAttributeType.USERNAME, "alice"),
                new StringAttribute(StunAttributeType.REALM, REALM),
                new StringAttribute(StunAttributeType.NONCE, nonces.issue(CLIENT_ADDRESS, wall()))));
        byte[] bytes = request.toBytes(new StunMessage.Signing(ALICE_KEY, true, false, false));
        Sent sent = exchangeRaw(CLIENT, bytes);
        assertSuccess(sent.decode());
        assertThat(sent.decode().has(StunAttributeType.FINGERPRINT)).isFalse();
        assertThat(sent.verifies(ALICE_KEY)).isTrue();
    }

    @Test
    void messageIntegritySha256IsAnsweredInKind() {
        StunMessage request = new StunMessage(StunMethod.ALLOCATE, dev.peerlink.stun.StunClass.REQUEST,
                newTransactionId(), List.of(udp(),
                new StringAttribute(StunAttributeType.USERNAME, "alice"),
                new StringAttribute(StunAttributeType.REALM, REALM),
                new StringAttribute(StunAttributeType.NONCE, nonces.issue(CLIENT_ADDRESS, wall()))));
        StunMessage response = exchange(CLIENT, request.toBytes(StunMessage.Signing.integritySha256(ALICE_KEY)));
        assertSuccess(response);
        assertThat(response.has(StunAttributeType.MESSAGE_INTEGRITY_SHA256)).isTrue();
        assertThat(response.has(StunAttributeType.MESSAGE_INTEGRITY)).isFalse();
    }

    @Test
    void secondAllocateOnTheSameFiveTupleIs437() {
        allocate(CLIENT);
        StunMessage second = exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp()));
        assertError(second, TurnErrorCodes.ALLOCATION_MISMATCH);
        assertThat(relays.handles).hasSize(1);
        assertThat(core.counters().allocationMismatches()).isEqualTo(1);
        // Another 5-tuple (another transport from the same address) is another allocation.
        allocate(CLIENT_TCP);
        assertThat(core.allocationCount()).isEqualTo(2);
    }

    @Test
    void retransmittedAllocateWithin40SecondsGetsTheSameSuccessAnd437After() {
        TransactionId id = newTransactionId();
        byte[] request = signed(StunMethod.ALLOCATE, CLIENT, id, "alice", ALICE_KEY, udp());
        byte[] first = exchangeRaw(CLIENT, request).data();
        advance(Duration.ofSeconds(39));
        byte[] again = exchangeRaw(CLIENT, request).data();
        assertThat(again).isEqualTo(first);
        assertThat(relays.handles).hasSize(1);

        advance(Duration.ofSeconds(2));
        assertError(exchange(CLIENT, request), TurnErrorCodes.ALLOCATION_MISMATCH);
    }

    @Test
    void requestedTransportMissingIs400AndNotUdpIs442() {
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT)), 400);
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT,
                new RequestedTransportAttribute(RequestedTransportAttribute.TCP))),
                TurnErrorCodes.UNSUPPORTED_TRANSPORT_PROTOCOL);
        assertThat(core.allocationCount()).isZero();
        assertThat(relays.requests).isEmpty();
    }

    @Test
    void malformedAttributeAfterAuthenticationIs400Signed() {
        // REQUESTED-TRANSPORT must be 4 bytes; 3 cannot be decoded.
        Sent sent = exchangeRaw(CLIENT, signed(StunMethod.ALLOCATE, CLIENT,
                new BytesAttribute(StunAttributeType.REQUESTED_TRANSPORT, new byte[] {17, 0, 0})));
        assertError(sent.decode(), 400);
        assertThat(sent.verifies(ALICE_KEY)).isTrue();
    }

    @Test
    void unknownComprehensionRequiredAttributeIs420WithUnknownAttributes() {
        Sent sent = exchangeRaw(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp(),
                new BytesAttribute(0x0777, new byte[4])));
        StunMessage response = sent.decode();
        assertError(response, 420);
        assertThat(response.attribute(StunAttributeType.UNKNOWN_ATTRIBUTES, UnknownAttributesAttribute.class)
                .orElseThrow().types()).containsExactly(0x0777);
        assertThat(sent.verifies(ALICE_KEY)).isTrue();
        // Comprehension-optional unknowns are ignored.
        allocate(CLIENT, new BytesAttribute(0x8777, new byte[4]));
    }

    @Test
    void dontFragmentIsAcceptedAndPassedToTheRelay() {
        allocate(CLIENT, new FlagAttribute(StunAttributeType.DONT_FRAGMENT));
        assertThat(relays.requests.get(0).dontFragment()).isTrue();
    }

    @Test
    void lifetimeIsClampedBetweenTheDefaultAndTheMaximum() {
        assertThat(lifetime(allocate(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 30)))).isEqualTo(600);
        assertThat(lifetime(allocate(CLIENT_TCP, NumberAttribute.uint32(StunAttributeType.LIFETIME, 1200))))
                .isEqualTo(1200);
        assertThat(lifetime(allocate(OTHER_CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 99_999))))
                .isEqualTo(3600);
    }

    @Test
    void requestedAddressFamilyIpv6GivesAnIpv6RelayAndUnsupportedFamiliesAre440() {
        StunMessage v6 = allocate(CLIENT, AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV6));
        assertThat(relayed(v6)).hasSize(1);
        assertThat(relayed(v6).get(0).getAddress()).isEqualTo(relays.ipv6);

        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp(),
                AddressFamilyAttribute.requested(0x03))), TurnErrorCodes.ADDRESS_FAMILY_NOT_SUPPORTED);

        build(builder -> builder.relayFamilies(true, false));
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp(),
                AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV6))),
                TurnErrorCodes.ADDRESS_FAMILY_NOT_SUPPORTED);

        build(builder -> builder.relayFamilies(false, true));
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp())),
                TurnErrorCodes.ADDRESS_FAMILY_NOT_SUPPORTED); // IPv4 is the default and is not offered
    }

    @Test
    void additionalAddressFamilyMakesADualAllocation() {
        StunMessage response = allocate(CLIENT, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
        assertThat(relayed(response)).hasSize(2);
        assertThat(relayed(response).get(0).getAddress()).isEqualTo(relays.ipv4);
        assertThat(relayed(response).get(1).getAddress()).isEqualTo(relays.ipv6);
        assertThat(response.has(StunAttributeType.ADDRESS_ERROR_CODE)).isFalse();
    }

    @Test
    void additionalAddressFamilyRulesAre400() {
        // Both family attributes.
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp(),
                AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV4),
                AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6))), 400);
        // ADDITIONAL-ADDRESS-FAMILY of IPv4.
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp(),
                AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV4))), 400);
        // With EVEN-PORT's R bit.
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp(), new EvenPortAttribute(true),
                AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6))), 400);
        assertThat(relays.requests).isEmpty();
    }

    @Test
    void dualAllocationWithoutIpv6SaysWhyInAddressErrorCode() {
        build(builder -> builder.relayFamilies(true, false));
        StunMessage unsupported = allocate(CLIENT, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
        assertThat(relayed(unsupported)).hasSize(1);
        AddressErrorCodeAttribute error = unsupported.attribute(StunAttributeType.ADDRESS_ERROR_CODE,
                AddressErrorCodeAttribute.class).orElseThrow();
        assertThat(error.family()).isEqualTo(AddressFamilyAttribute.IPV6);
        assertThat(error.code()).isEqualTo(TurnErrorCodes.ADDRESS_FAMILY_NOT_SUPPORTED);

        build(builder -> builder.relayFamilies(true, true));
        relays.ipv6Fails = true;
        StunMessage noCapacity = allocate(CLIENT_TCP, AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
        assertThat(relayed(noCapacity)).hasSize(1);
        assertThat(noCapacity.attribute(StunAttributeType.ADDRESS_ERROR_CODE, AddressErrorCodeAttribute.class)
                .orElseThrow().code()).isEqualTo(TurnErrorCodes.INSUFFICIENT_CAPACITY);
    }

    @Test
    void evenPortGivesAnEvenPort() {
        StunMessage response = allocate(CLIENT, new EvenPortAttribute(false));
        assertThat(relayed(response).get(0).getPort() % 2).isZero();
        assertThat(relays.requests.get(0).portRule()).isEqualTo(RelayAllocator.PortRule.EVEN);
        assertThat(response.has(StunAttributeType.RESERVATION_TOKEN)).isFalse();
    }

    @Test
    void evenPortWithReserveBitHandsOutATokenForTheNextPort() {
        StunMessage first = allocate(CLIENT, new EvenPortAttribute(true));
        int port = relayed(first).get(0).getPort();
        assertThat(port % 2).isZero();
        long token = first.attribute(StunAttributeType.RESERVATION_TOKEN, NumberAttribute.class).orElseThrow()
                .value();
        assertThat(token).isNotZero();
        assertThat(relays.requests.get(0).portRule()).isEqualTo(RelayAllocator.PortRule.EVEN_RESERVE_NEXT);
        assertThat(relays.requests.get(0).reservationToken()).isEqualTo(token);

        // The token with EVEN-PORT is a 400; an unknown token a 508.
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp(), reservation(token),
                new EvenPortAttribute(false))), 400);
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp(), reservation(token + 1))),
                TurnErrorCodes.INSUFFICIENT_CAPACITY);
        // Another user cannot redeem it.
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, newTransactionId(), "bob",
                BOB_KEY, udp(), reservation(token))), TurnErrorCodes.INSUFFICIENT_CAPACITY);

        StunMessage second = allocate(CLIENT_TCP, reservation(token));
        assertThat(relayed(second).get(0).getPort()).isEqualTo(port + 1);
        assertThat(relays.requests.get(relays.requests.size() - 1).portRule())
                .isEqualTo(RelayAllocator.PortRule.RESERVED);

        // Redeemed once only.
        assertError(exchange(OTHER_CLIENT, signed(StunMethod.ALLOCATE, OTHER_CLIENT, udp(), reservation(token))),
                TurnErrorCodes.INSUFFICIENT_CAPACITY);
        assertThat(relays.cancelledReservations).isEmpty();
    }

    @Test
    void unredeemedReservationIsCancelledAfter30Seconds() {
        StunMessage first = allocate(CLIENT, new EvenPortAttribute(true));
        long token = first.attribute(StunAttributeType.RESERVATION_TOKEN, NumberAttribute.class).orElseThrow()
                .value();
        advance(Duration.ofSeconds(29));
        assertThat(relays.cancelledReservations).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(relays.cancelledReservations).containsExactly(token);
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp(), reservation(token))),
                TurnErrorCodes.INSUFFICIENT_CAPACITY);
    }

    @Test
    void tokenWithAFamilyAttributeIs400() {
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp(), reservation(5),
                AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV4))), 400);
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp(), reservation(5),
                AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6))), 400);
    }

    @Test
    void overQuotaIs486AndTheQuotaComesBackWhenTheAllocationGoes() {
        build(builder -> builder.quotas(new AllocationQuotas(1, 0)));
        allocate(CLIENT);
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp())),
                TurnErrorCodes.ALLOCATION_QUOTA_REACHED);
        assertThat(core.counters().quotaRejections()).isEqualTo(1);
        // bob has his own quota.
        assertSuccess(exchange(OTHER_CLIENT, signed(StunMethod.ALLOCATE, OTHER_CLIENT, newTransactionId(), "bob",
                BOB_KEY, udp())));

        assertSuccess(refresh(CLIENT, NumberAttribute.uint32(StunAttributeType.LIFETIME, 0)));
        allocate(CLIENT_TCP);
    }

    @Test
    void noRelayPortIs508AndReleasesTheQuota() {
        build(builder -> builder.quotas(new AllocationQuotas(1, 0)));
        relays.capacity = 0;
        StunMessage response = exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp()));
        assertError(response, TurnErrorCodes.INSUFFICIENT_CAPACITY);
        assertThat(core.allocationCount()).isZero();
        relays.capacity = 1;
        allocate(CLIENT); // the quota of 1 was given back
    }

    @Test
    void allocatorThatThrowsIsTreatedAsNoCapacity() {
        build(builder -> builder.relayAllocator(new RelayAllocator() {
            @Override
            public RelayResult allocate(RelayRequest request) {
                throw new IllegalStateException("driver bug");
            }

            @Override
            public void release(RelayHandle handle) {
            }

            @Override
            public void cancelReservation(long token) {
            }
        }));
        assertError(exchange(CLIENT, signed(StunMethod.ALLOCATE, CLIENT, udp())),
                TurnErrorCodes.INSUFFICIENT_CAPACITY);
        assertThat(core.counters().internalErrors()).isEqualTo(1);
    }

    @Test
    void softwareIsIncludedInAllocateAndRefreshResponsesWhenConfigured() {
        build(builder -> builder.software("peerlink 0.1"));
        assertThat(allocate(CLIENT).string(StunAttributeType.SOFTWARE)).contains("peerlink 0.1");
        assertThat(refresh(CLIENT).string(StunAttributeType.SOFTWARE)).contains("peerlink 0.1");
        assertThat(Optional.of(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP)))
                .map(r -> r.string(StunAttributeType.SOFTWARE)).orElseThrow()).contains("peerlink 0.1");
    }

    @Test
    void builderTakesAuthenticationQuotasAndLimitsFromTheConfiguration() {
        dev.peerlink.turn.TurnConfig config = new dev.peerlink.turn.TurnConfig(List.of("alice:wonderland"),
                List.of(), REALM, List.of(), List.of(), false, 1, 0, Duration.ofSeconds(600), 1, 0, ':');
        build(builder -> builder.config(config, nonces));
        allocate(CLIENT);
        assertError(exchange(CLIENT_TCP, signed(StunMethod.ALLOCATE, CLIENT_TCP, udp())),
                TurnErrorCodes.ALLOCATION_QUOTA_REACHED);
        createPermission(CLIENT, PEER);
        assertError(exchange(CLIENT, signed(StunMethod.CREATE_PERMISSION, CLIENT, peer(PEER2))),
                TurnErrorCodes.INSUFFICIENT_CAPACITY); // one permission per allocation
        assertError(exchange(CLIENT, signed(StunMethod.REFRESH, CLIENT, newTransactionId(), "bob", BOB_KEY)),
                401); // bob is not in this configuration
    }

    private static StunAttribute reservation(long token) {
        return NumberAttribute.uint64(StunAttributeType.RESERVATION_TOKEN, token);
    }
}
