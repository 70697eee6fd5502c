package dev.peerlink.turn.client;

import static dev.peerlink.turn.client.ScriptedTurnServer.KEY;
import static dev.peerlink.turn.client.ScriptedTurnServer.MAPPED;
import static dev.peerlink.turn.client.ScriptedTurnServer.REALM;
import static dev.peerlink.turn.client.ScriptedTurnServer.RELAYED;
import static dev.peerlink.turn.client.ScriptedTurnServer.SERVER;
import static dev.peerlink.turn.client.ScriptedTurnServer.USERNAME;
import static dev.peerlink.turn.client.ScriptedTurnServer.address;
import static dev.peerlink.turn.client.ScriptedTurnServer.lifetime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.AddressAttribute;
import dev.peerlink.stun.attribute.BytesAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.NumberAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.turn.wire.AddressFamilyAttribute;
import dev.peerlink.turn.wire.ChannelData;
import dev.peerlink.turn.wire.ChannelNumberAttribute;
import dev.peerlink.turn.wire.RequestedTransportAttribute;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TurnClientCoreTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40_000);
    private static final InetSocketAddress OTHER_PEER = new InetSocketAddress("127.0.0.2", 40_001);
    private static final long SECOND = 1_000_000_000L;

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static StunMessage dataIndication(InetSocketAddress peer, byte[] data) {
        return new StunMessage(StunMethod.DATA, StunClass.INDICATION, TransactionId.random(new SplittableRandom(3)),
                new AddressAttribute(StunAttributeType.XOR_PEER_ADDRESS, peer),
                new BytesAttribute(StunAttributeType.DATA, data));
    }

    private static byte[] channelData(int channel, byte[] data, boolean pad) {
        ByteBuffer out = ByteBuffer.allocate(data.length + 8);
        int length = ChannelData.write(out, channel, ByteBuffer.wrap(data), 0, data.length, pad);
        return Arrays.copyOf(out.array(), length);
    }

    /** Creates a permission for PEER's IP and confirms it. */
    private static void permit(ScriptedTurnServer server, InetAddress peer) {
        server.core.createPermission(server.now, peer);
        server.success(server.nextRequest());
        server.drainEvents();
    }

    @Nested
    class Allocation {
        @Test
        void firstAllocateCarriesNoCredentialsThenTheChallengeIsAnsweredWithTheLongTermKey() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.ALLOCATING);

            StunMessage first = server.nextRequest();
            assertThat(first.method()).isEqualTo(StunMethod.ALLOCATE);
            assertThat(first.messageClass()).isEqualTo(StunClass.REQUEST);
            assertThat(first.attribute(StunAttributeType.REQUESTED_TRANSPORT, RequestedTransportAttribute.class))
                    .hasValue(new RequestedTransportAttribute(17));
            assertThat(first.attribute(StunAttributeType.LIFETIME, NumberAttribute.class).map(NumberAttribute::value))
                    .hasValue(600L);
            assertThat(first.has(StunAttributeType.USERNAME)).isFalse();
            assertThat(first.has(StunAttributeType.MESSAGE_INTEGRITY)).isFalse();
            assertThat(first.has(StunAttributeType.REQUESTED_ADDRESS_FAMILY)).isFalse();

            server.challenge(first, "nonce-1");
            StunMessage second = server.nextRequest();
            assertThat(second.method()).isEqualTo(StunMethod.ALLOCATE);
            assertThat(second.transactionId()).isNotEqualTo(first.transactionId());
            assertThat(second.string(StunAttributeType.USERNAME)).hasValue(USERNAME);
            assertThat(second.string(StunAttributeType.REALM)).hasValue(REALM);
            assertThat(second.string(StunAttributeType.NONCE)).hasValue("nonce-1");
            assertThat(second.has(StunAttributeType.REQUESTED_TRANSPORT)).isTrue();
            assertThat(server.lastRequestVerifies()).as("MESSAGE-INTEGRITY with MD5(user:realm:pass)").isTrue();

            server.success(second, address(StunAttributeType.XOR_RELAYED_ADDRESS, RELAYED),
                    address(StunAttributeType.XOR_MAPPED_ADDRESS, MAPPED), lifetime(600));
            assertThat(server.drainEvents()).containsExactly(
                    new TurnEvent.Allocated(List.of(RELAYED), MAPPED, Duration.ofSeconds(600)));
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.ALLOCATED);
            assertThat(server.core.relayedAddress()).hasValue(RELAYED);
            assertThat(server.core.mappedAddress()).hasValue(MAPPED);
            assertThat(server.core.lifetime()).isEqualTo(Duration.ofSeconds(600));
        }

        @Test
        void requestedAndAdditionalAddressFamiliesAreSentWhenConfigured() {
            TurnClientConfig base = TurnClientConfig.of(SERVER, StunTransport.UDP, USERNAME, "secret");
            TurnClientCore v6 = new TurnClientCore(base.withRequestedFamily(AddressFamilyAttribute.IPV6),
                    new SplittableRandom(1));
            v6.allocate(0);
            StunMessage request = ScriptedTurnServer.decode(v6.pollTransmit().orElseThrow().data());
            assertThat(request.attribute(StunAttributeType.REQUESTED_ADDRESS_FAMILY))
                    .hasValue(AddressFamilyAttribute.requested(AddressFamilyAttribute.IPV6));

            TurnClientCore dual = new TurnClientCore(base.withDualStack(true), new SplittableRandom(1));
            dual.allocate(0);
            StunMessage dualRequest = ScriptedTurnServer.decode(dual.pollTransmit().orElseThrow().data());
            assertThat(dualRequest.attribute(StunAttributeType.ADDITIONAL_ADDRESS_FAMILY))
                    .hasValue(AddressFamilyAttribute.additional(AddressFamilyAttribute.IPV6));
            assertThat(dualRequest.has(StunAttributeType.REQUESTED_ADDRESS_FAMILY)).isFalse();
            assertThatThrownBy(() -> base.withDualStack(true).withRequestedFamily(AddressFamilyAttribute.IPV4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dual-stack");
        }

        @Test
        void aDualStackSuccessExposesBothRelayedAddresses() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.challenge(server.nextRequest(), "n");
            InetSocketAddress relayed6 = new InetSocketAddress("::1", 49_300);
            server.success(server.nextRequest(), address(StunAttributeType.XOR_RELAYED_ADDRESS, RELAYED),
                    address(StunAttributeType.XOR_RELAYED_ADDRESS, relayed6),
                    address(StunAttributeType.XOR_MAPPED_ADDRESS, MAPPED), lifetime(600));
            assertThat(server.core.relayedAddresses()).containsExactly(RELAYED, relayed6);
        }

        @Test
        void staleNonceIsRetriedWithTheNewNonce() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.challenge(server.nextRequest(), "nonce-1");
            StunMessage authenticated = server.nextRequest();
            server.answer(authenticated, StunClass.ERROR_RESPONSE, false,
                    new ErrorCodeAttribute(438, "Stale Nonce"), new StringAttribute(StunAttributeType.REALM, REALM),
                    new StringAttribute(StunAttributeType.NONCE, "nonce-2"));
            StunMessage retried = server.nextRequest();
            assertThat(retried.method()).isEqualTo(StunMethod.ALLOCATE);
            assertThat(retried.string(StunAttributeType.NONCE)).hasValue("nonce-2");
            assertThat(server.lastRequestVerifies()).isTrue();
            server.success(retried, address(StunAttributeType.XOR_RELAYED_ADDRESS, RELAYED), lifetime(600));
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.ALLOCATED);

            // Later requests use the newest nonce, and a 438 on them is retried too.
            server.core.createPermission(server.now, PEER.getAddress());
            StunMessage permission = server.nextRequest();
            assertThat(permission.string(StunAttributeType.NONCE)).hasValue("nonce-2");
            server.answer(permission, StunClass.ERROR_RESPONSE, false, new ErrorCodeAttribute(438, "Stale Nonce"),
                    new StringAttribute(StunAttributeType.NONCE, "nonce-3"));
            StunMessage again = server.nextRequest();
            assertThat(again.method()).isEqualTo(StunMethod.CREATE_PERMISSION);
            assertThat(again.string(StunAttributeType.NONCE)).hasValue("nonce-3");
            server.success(again);
            assertThat(server.drainEvents()).contains(new TurnEvent.PermissionCreated(PEER.getAddress()));
        }

        @Test
        void endlessStaleNoncesEndInAnError() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.challenge(server.nextRequest(), "n0");
            for (int i = 1; i <= TurnClientCore.MAX_STALE_NONCE_RETRIES + 1; i++) {
                server.answer(server.nextRequest(), StunClass.ERROR_RESPONSE, false,
                        new ErrorCodeAttribute(438, "Stale Nonce"), new StringAttribute(StunAttributeType.NONCE, "n" + i));
            }
            assertThat(server.nextTransmit()).isEmpty();
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.FAILED);
            assertThat(server.drainEvents()).singleElement().isInstanceOfSatisfying(TurnEvent.ErrorResponse.class,
                    error -> assertThat(error.code()).isEqualTo(438));
        }

        @Test
        void aWrongPasswordEndsInA401ErrorNamingTheServer() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.challenge(server.nextRequest(), "nonce-1");
            // The server cannot verify the integrity and challenges again: credentials are wrong, no more retries.
            server.challenge(server.nextRequest(), "nonce-1");
            assertThat(server.nextTransmit()).isEmpty();
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.FAILED);
            TurnEvent event = server.drainEvents().get(0);
            assertThat(event).isInstanceOf(TurnEvent.ErrorResponse.class);
            TurnEvent.ErrorResponse error = (TurnEvent.ErrorResponse) event;
            assertThat(error.code()).isEqualTo(401);
            assertThat(error.fatal()).isTrue();
            assertThat(error.method()).isEqualTo(StunMethod.ALLOCATE);
            assertThat(error.message()).isEqualTo(
                    "the TURN server turn.test (127.0.0.1:3478) over UDP answered Allocate with 401 Unauthorized");
            assertThat(server.core.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void allocateErrorsAreFatalEventsWithCodeAndReason() {
            for (int code : new int[] {486, 508, 437, 442}) {
                ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
                server.core.allocate(server.now);
                server.challenge(server.nextRequest(), "n");
                server.error(server.nextRequest(), code, "Reason " + code);
                assertThat(server.drainEvents()).containsExactly(new TurnEvent.ErrorResponse(StunMethod.ALLOCATE,
                        "Allocate", code, "Reason " + code, "turn.test (127.0.0.1:3478) over UDP", true));
                assertThat(server.core.state()).isEqualTo(TurnClientCore.State.FAILED);
            }
        }

        @Test
        void aSuccessWithABadIntegrityIsIgnoredAndTheGenuineOneCounts() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.challenge(server.nextRequest(), "n");
            StunMessage request = server.nextRequest();
            StunMessage forged = new StunMessage(StunMethod.ALLOCATE, StunClass.SUCCESS_RESPONSE,
                    request.transactionId(), address(StunAttributeType.XOR_RELAYED_ADDRESS, OTHER_PEER), lifetime(600));
            server.deliver(forged.toBytes(StunMessage.Signing.integrity(utf8("another key"))));
            server.deliver(forged.toBytes(StunMessage.Signing.FINGERPRINT)); // no integrity at all
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.ALLOCATING);
            server.success(request, address(StunAttributeType.XOR_RELAYED_ADDRESS, RELAYED), lifetime(600));
            assertThat(server.core.relayedAddress()).hasValue(RELAYED);
        }

        @Test
        void packetsFromAnotherAddressThanTheServerAreIgnoredOverUdp() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            StunMessage request = server.nextRequest();
            byte[] challenge = server.encode(request, StunClass.ERROR_RESPONSE, false,
                    new ErrorCodeAttribute(401, "Unauthorized"), new StringAttribute(StunAttributeType.REALM, REALM),
                    new StringAttribute(StunAttributeType.NONCE, "n"));
            server.core.handleInput(ByteBuffer.wrap(challenge), OTHER_PEER, server.now);
            assertThat(server.nextTransmit()).isEmpty();
        }

        @Test
        void unansweredAllocateIsRetransmittedThenTimesOutNamingTheServer() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.nextRequest();
            int transmissions = 1;
            while (server.core.state() == TurnClientCore.State.ALLOCATING) {
                server.advanceTo(server.core.nextTimeoutNanos());
                if (server.nextTransmit().isPresent()) {
                    transmissions++;
                }
            }
            assertThat(transmissions).isEqualTo(7); // RFC 8489 §6.2.1: Rc = 7
            TurnEvent.TimedOut timedOut = (TurnEvent.TimedOut) server.drainEvents().get(0);
            assertThat(timedOut.fatal()).isTrue();
            assertThat(timedOut.message()).isEqualTo("no answer from the TURN server turn.test (127.0.0.1:3478) "
                    + "over UDP to Allocate after 7 transmissions");
        }

        @Test
        void overTcpARequestIsSentOnceAndTimesOutAfterTi() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.TCP);
            long start = server.now;
            server.core.allocate(server.now);
            server.nextRequest();
            assertThat(server.core.nextTimeoutNanos() - start).isEqualTo(Duration.ofMillis(39_500).toNanos());
            server.advanceTo(server.core.nextTimeoutNanos());
            assertThat(server.nextTransmit()).isEmpty();
            assertThat(server.drainEvents()).singleElement().isInstanceOf(TurnEvent.TimedOut.class);
        }

        @Test
        void tryAlternateMovesTheAllocationToTheAlternateServerOverUdp() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            InetSocketAddress alternate = new InetSocketAddress("127.0.0.1", 3479);
            server.core.allocate(server.now);
            server.answer(server.nextRequest(), StunClass.ERROR_RESPONSE, false,
                    new ErrorCodeAttribute(300, "Try Alternate"),
                    new AddressAttribute(StunAttributeType.ALTERNATE_SERVER, alternate));
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.Redirected(alternate));
            TurnClientCore.Transmit retry = server.core.pollTransmit().orElseThrow();
            assertThat(retry.destination()).isEqualTo(alternate);
            assertThat(server.core.server()).isEqualTo(alternate);
            StunMessage request = ScriptedTurnServer.decode(retry.data());
            assertThat(request.method()).isEqualTo(StunMethod.ALLOCATE);
            assertThat(request.has(StunAttributeType.USERNAME)).isFalse();
        }
    }

    @Nested
    class Timers {
        @Test
        void theAllocationIsRefreshedAMinuteBeforeItExpires() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated(600);
            long allocatedAt = server.now;
            assertThat(server.core.nextTimeoutNanos()).isEqualTo(allocatedAt + 540 * SECOND);

            server.advanceTo(allocatedAt + 539 * SECOND);
            assertThat(server.nextTransmit()).isEmpty();
            server.advanceTo(allocatedAt + 540 * SECOND);
            StunMessage refresh = server.nextRequest();
            assertThat(refresh.method()).isEqualTo(StunMethod.REFRESH);
            assertThat(refresh.attribute(StunAttributeType.LIFETIME, NumberAttribute.class)
                    .map(NumberAttribute::value)).hasValue(600L);
            assertThat(refresh.string(StunAttributeType.USERNAME)).hasValue(USERNAME);
            assertThat(server.lastRequestVerifies()).isTrue();

            // A short grant is refreshed at half its length.
            server.success(refresh, lifetime(100));
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.Refreshed(Duration.ofSeconds(100)));
            assertThat(server.core.nextTimeoutNanos()).isEqualTo(server.now + 50 * SECOND);
        }

        @Test
        void aRefreshAnsweredWith437LosesTheAllocation() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated(600);
            server.advanceBy(Duration.ofSeconds(540));
            server.error(server.nextRequest(), 437, "Allocation Mismatch");
            TurnEvent.ErrorResponse error = (TurnEvent.ErrorResponse) server.drainEvents().get(0);
            assertThat(error.code()).isEqualTo(437);
            assertThat(error.fatal()).isTrue();
            assertThat(error.request()).isEqualTo("Refresh");
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.FAILED);
        }

        @Test
        void anUnansweredRefreshIsRetriedAndTheAllocationExpiresIfNoneSucceeds() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated(600);
            long allocatedAt = server.now;
            List<TurnEvent> events = new ArrayList<>();
            int refreshes = 0;
            while (server.core.state() == TurnClientCore.State.ALLOCATED) {
                server.advanceTo(server.core.nextTimeoutNanos());
                while (server.nextTransmit().isPresent()) {
                    refreshes++;
                }
                events.addAll(server.drainEvents());
            }
            assertThat(server.now).isEqualTo(allocatedAt + 600 * SECOND);
            assertThat(refreshes).isGreaterThan(7); // a second Refresh transaction began after the first timed out
            assertThat(events).first().isInstanceOf(TurnEvent.TimedOut.class);
            assertThat(events).last().isInstanceOfSatisfying(TurnEvent.Failed.class,
                    failed -> assertThat(failed.message()).contains("expired").contains("turn.test"));
        }

        @Test
        void permissionsAreRefreshedEveryFourMinutesTogether() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated(3600);
            long start = server.now;
            server.core.createPermission(server.now, PEER.getAddress(), OTHER_PEER.getAddress());
            StunMessage request = server.nextRequest();
            assertThat(request.method()).isEqualTo(StunMethod.CREATE_PERMISSION);
            assertThat(request.attributes()).filteredOn(a -> a.type() == StunAttributeType.XOR_PEER_ADDRESS)
                    .extracting(a -> ((AddressAttribute) a).address().getAddress())
                    .containsExactly(PEER.getAddress(), OTHER_PEER.getAddress());
            server.success(request);
            assertThat(server.drainEvents()).containsExactlyInAnyOrder(
                    new TurnEvent.PermissionCreated(PEER.getAddress()),
                    new TurnEvent.PermissionCreated(OTHER_PEER.getAddress()));
            assertThat(server.core.hasPermission(PEER.getAddress())).isTrue();

            for (int round = 1; round <= 3; round++) {
                assertThat(server.core.nextTimeoutNanos()).isEqualTo(start + round * 240 * SECOND);
                server.advanceTo(server.core.nextTimeoutNanos());
                StunMessage refresh = server.nextRequest();
                assertThat(refresh.method()).isEqualTo(StunMethod.CREATE_PERMISSION);
                assertThat(refresh.attributes()).filteredOn(a -> a.type() == StunAttributeType.XOR_PEER_ADDRESS)
                        .hasSize(2);
                assertThat(server.nextTransmit()).isEmpty();
                server.success(refresh);
                assertThat(server.drainEvents()).as("refreshes are not reported").isEmpty();
            }

            server.core.removePermission(OTHER_PEER.getAddress());
            server.advanceTo(server.core.nextTimeoutNanos());
            assertThat(server.nextRequest().attributes())
                    .filteredOn(a -> a.type() == StunAttributeType.XOR_PEER_ADDRESS).hasSize(1);
        }

        @Test
        void channelsAreRefreshedBeforeTenMinutesAndTheirPermissionEveryFour() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated(3600);
            long start = server.now;
            int channel = server.core.bindChannel(PEER, server.now);
            server.success(server.nextRequest());
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.PermissionCreated(PEER.getAddress()),
                    new TurnEvent.ChannelBound(PEER, channel));

            List<String> schedule = new ArrayList<>();
            while (server.now < start + 1200 * SECOND) {
                server.advanceTo(server.core.nextTimeoutNanos());
                StunMessage request = server.nextRequest();
                schedule.add((server.now - start) / SECOND + "s " + StunMethod.name(request.method()));
                if (request.method() == StunMethod.CHANNEL_BIND) {
                    assertThat(request.attribute(StunAttributeType.CHANNEL_NUMBER))
                            .hasValue(new ChannelNumberAttribute(channel));
                    assertThat(request.address(StunAttributeType.XOR_PEER_ADDRESS)).hasValue(PEER);
                }
                server.success(request);
            }
            // A ChannelBind also refreshes the peer's permission (RFC 8656 §12.2), which moves its next refresh.
            assertThat(schedule).containsExactly("240s CreatePermission", "480s CreatePermission",
                    "540s ChannelBind", "780s CreatePermission", "1020s CreatePermission", "1080s ChannelBind",
                    "1320s CreatePermission");
        }
    }

    @Nested
    class Channels {
        @Test
        void channelNumbersCountUpFrom0x4000AndAPeerKeepsItsNumber() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            assertThat(server.core.bindChannel(PEER, server.now)).isEqualTo(0x4000);
            assertThat(server.core.bindChannel(OTHER_PEER, server.now)).isEqualTo(0x4001);
            assertThat(server.core.bindChannel(PEER, server.now)).isEqualTo(0x4000);
            assertThat(server.core.bindChannel(new InetSocketAddress("127.0.0.1", 40_002), server.now))
                    .isEqualTo(0x4002);
            StunMessage first = server.nextRequest();
            assertThat(first.method()).isEqualTo(StunMethod.CHANNEL_BIND);
            assertThat(first.attribute(StunAttributeType.CHANNEL_NUMBER)).hasValue(new ChannelNumberAttribute(0x4000));
            assertThat(first.address(StunAttributeType.XOR_PEER_ADDRESS)).hasValue(PEER);
            assertThat(server.nextRequest().attribute(StunAttributeType.CHANNEL_NUMBER))
                    .hasValue(new ChannelNumberAttribute(0x4001));
        }

        @Test
        void aRefusedBindingIsAnErrorEventAndDataKeepsGoingAsSendIndications() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            permit(server, PEER.getAddress());
            int channel = server.core.bindChannel(PEER, server.now);
            server.error(server.nextRequest(), 400, "Bad Request");
            TurnEvent.ErrorResponse error = (TurnEvent.ErrorResponse) server.drainEvents().get(0);
            assertThat(error.fatal()).isFalse();
            assertThat(error.request()).isEqualTo("ChannelBind of channel 0x" + Integer.toHexString(channel)
                    .toUpperCase() + " to 127.0.0.1:40000");
            assertThat(server.core.isChannelBound(PEER)).isFalse();
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.ALLOCATED);
            ByteBuffer out = ByteBuffer.allocate(100);
            assertThat(server.core.writeSend(PEER, ByteBuffer.wrap(utf8("x")), out)).isPositive();
            assertThat(out.get(0)).isEqualTo((byte) 0x00); // a STUN indication, not ChannelData
        }
    }

    @Nested
    class Data {
        @Test
        void sendIsASendIndicationUntilTheChannelIsBoundThenChannelData() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            ByteBuffer out = ByteBuffer.allocate(200);
            ByteBuffer payload = ByteBuffer.wrap(utf8("hello"));
            assertThat(server.core.writeSend(PEER, payload, out)).as("no permission yet").isZero();
            assertThat(server.core.send(PEER, payload)).isFalse();

            permit(server, PEER.getAddress());
            int length = server.core.writeSend(PEER, payload, out);
            assertThat(payload.position()).isZero();
            StunMessage indication = ScriptedTurnServer.decode(Arrays.copyOf(out.array(), length));
            assertThat(indication.method()).isEqualTo(StunMethod.SEND);
            assertThat(indication.messageClass()).isEqualTo(StunClass.INDICATION);
            assertThat(indication.address(StunAttributeType.XOR_PEER_ADDRESS)).hasValue(PEER);
            assertThat(indication.attribute(StunAttributeType.DATA))
                    .hasValue(new BytesAttribute(StunAttributeType.DATA, utf8("hello")));
            assertThat(indication.has(StunAttributeType.MESSAGE_INTEGRITY)).isFalse();

            int channel = server.core.bindChannel(PEER, server.now);
            out.clear();
            assertThat(server.core.writeSend(PEER, payload, out)).as("binding not yet confirmed").isEqualTo(length);
            assertThat(out.get(0)).isEqualTo((byte) 0x00);
            server.success(server.nextRequest());
            out.clear();
            int channelLength = server.core.writeSend(PEER, payload, out);
            assertThat(Arrays.copyOf(out.array(), channelLength)).isEqualTo(channelData(channel, utf8("hello"), false));

            assertThat(server.core.send(PEER, payload)).isTrue();
            TurnClientCore.Transmit transmit = server.nextTransmit().orElseThrow();
            assertThat(transmit.destination()).isEqualTo(SERVER);
            assertThat(transmit.data()).isEqualTo(channelData(channel, utf8("hello"), false));
        }

        @Test
        void overTcpChannelDataIsPaddedToFourBytes() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.TCP).allocated();
            int channel = server.core.bindChannel(PEER, server.now);
            server.success(server.nextRequest());
            ByteBuffer out = ByteBuffer.allocate(100);
            int length = server.core.writeSend(PEER, ByteBuffer.wrap(utf8("hello")), out);
            assertThat(length).isEqualTo(12);
            assertThat(Arrays.copyOf(out.array(), length)).isEqualTo(channelData(channel, utf8("hello"), true));
        }

        @Test
        void dataIndicationsAndChannelDataBecomeDataReceivedEvents() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            permit(server, PEER.getAddress());
            server.deliver(dataIndication(PEER, utf8("via indication")).toBytes());
            int channel = server.core.bindChannel(PEER, server.now);
            server.success(server.nextRequest());
            server.deliver(channelData(channel, utf8("via channel"), false));
            server.deliver(channelData(channel, utf8("padded"), true));
            assertThat(server.drainEvents()).containsExactly(
                    new TurnEvent.DataReceived(PEER, 0, utf8("via indication")),
                    new TurnEvent.ChannelBound(PEER, channel),
                    new TurnEvent.DataReceived(PEER, channel, utf8("via channel")),
                    new TurnEvent.DataReceived(PEER, channel, utf8("padded")));
        }

        @Test
        void dataFromPeersWithoutPermissionOrOnUnknownChannelsIsDropped() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            permit(server, PEER.getAddress());
            server.deliver(dataIndication(OTHER_PEER, utf8("no permission")).toBytes());
            server.deliver(channelData(0x4009, utf8("unknown channel"), false));
            server.deliver(new byte[] {0x40, 0x00, 0x00, 0x10, 1, 2}); // truncated ChannelData
            assertThat(server.drainEvents()).isEmpty();
        }

        @Test
        void aHandlerSeesTheDataInPlace() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP, true, Duration.ofMinutes(10))
                    .allocated();
            permit(server, PEER.getAddress());
            int channel = server.core.bindChannel(PEER, server.now);
            server.success(server.nextRequest());
            byte[] packet = channelData(channel, utf8("in place"), false);
            ByteBuffer buffer = ByteBuffer.wrap(packet);
            server.core.handleInput(buffer, SERVER, server.now);
            server.deliver(dataIndication(PEER, utf8("indicated")).toBytes());
            assertThat(buffer.position()).isZero();
            assertThat(buffer.limit()).isEqualTo(packet.length);
            assertThat(server.received).extracting(b -> new String(b.array(), StandardCharsets.UTF_8))
                    .containsExactly("in place", "indicated");
            assertThat(server.drainEvents()).noneMatch(e -> e instanceof TurnEvent.DataReceived);
        }

        @Test
        void sendingAndReceivingChannelDataAllocatesNothing() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP, true, Duration.ofMinutes(10))
                    .allocated();
            permit(server, OTHER_PEER.getAddress());
            int channel = server.core.bindChannel(PEER, server.now);
            server.success(server.nextRequest());
            ByteBuffer payload = ByteBuffer.wrap(new byte[160]);
            ByteBuffer out = ByteBuffer.allocate(400);
            ByteBuffer incoming = ByteBuffer.wrap(channelData(channel, new byte[160], false));
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 30_000; i++) { // warm up, so that the JIT's escape analysis has run
                out.clear();
                server.core.writeSend(PEER, payload, out);
                out.clear();
                server.core.writeSend(OTHER_PEER, payload, out);
                server.core.handleInput(incoming, SERVER, server.now);
            }
            server.received.clear();
            TurnClientCore core = server.core;
            long before = threads.getCurrentThreadAllocatedBytes();
            long written = 0;
            for (int i = 0; i < 10_000; i++) {
                out.clear();
                written += core.writeSend(PEER, payload, out); // ChannelData
                out.clear();
                written += core.writeSend(OTHER_PEER, payload, out); // a Send indication
            }
            long sendBytes = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(sendBytes).as("written %d", written).isLessThan(1024);
        }

        @Test
        void receivingChannelDataWithAHandlerAllocatesNothing() {
            long[] sum = new long[1];
            TurnClientConfig config = TurnClientConfig.of(SERVER, StunTransport.UDP, USERNAME, "secret");
            TurnClientCore core = new TurnClientCore(config, new SplittableRandom(1),
                    (peer, channel, data) -> sum[0] += data.remaining() + peer.getPort());
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            allocate(core, server);
            int channel = core.bindChannel(PEER, 0);
            StunMessage bind = ScriptedTurnServer.decode(core.pollTransmit().orElseThrow().data());
            core.handleInput(ByteBuffer.wrap(server.encode(bind, StunClass.SUCCESS_RESPONSE, true)), SERVER, 0);
            ByteBuffer incoming = ByteBuffer.wrap(channelData(channel, new byte[160], false));
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 30_000; i++) {
                core.handleInput(incoming, SERVER, 0);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                core.handleInput(incoming, SERVER, 0);
            }
            assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("sum %d", sum[0]).isLessThan(1024);
            assertThat(sum[0]).isEqualTo(40_000L * (160 + PEER.getPort()));
        }

        /** The auth dance for a core built outside {@link ScriptedTurnServer}, at time 0. */
        private void allocate(TurnClientCore core, ScriptedTurnServer script) {
            core.allocate(0);
            StunMessage first = ScriptedTurnServer.decode(core.pollTransmit().orElseThrow().data());
            core.handleInput(ByteBuffer.wrap(script.encode(first, StunClass.ERROR_RESPONSE, false,
                    new ErrorCodeAttribute(401, "Unauthorized"), new StringAttribute(StunAttributeType.REALM, REALM),
                    new StringAttribute(StunAttributeType.NONCE, "n"))), SERVER, 0);
            StunMessage second = ScriptedTurnServer.decode(core.pollTransmit().orElseThrow().data());
            core.handleInput(ByteBuffer.wrap(script.encode(second, StunClass.SUCCESS_RESPONSE, true,
                    address(StunAttributeType.XOR_RELAYED_ADDRESS, RELAYED), lifetime(600))), SERVER, 0);
            assertThat(core.state()).isEqualTo(TurnClientCore.State.ALLOCATED);
        }
    }

    @Nested
    class Errors {
        @Test
        void aRefusedPermissionIsAnEventNamingThePeerAndTheServer() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            server.core.createPermission(server.now, PEER.getAddress());
            server.error(server.nextRequest(), 403, "Forbidden");
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.ErrorResponse(
                    StunMethod.CREATE_PERMISSION, "CreatePermission for 127.0.0.1", 403, "Forbidden",
                    "turn.test (127.0.0.1:3478) over UDP", false));
            assertThat(server.core.hasPermission(PEER.getAddress())).isFalse();
            assertThat(server.core.writeSend(PEER, ByteBuffer.wrap(utf8("x")), ByteBuffer.allocate(64))).isZero();
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.ALLOCATED);
        }

        @Test
        void requestsBeforeTheAllocationExistAreRefusedWithASentence() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            assertThatThrownBy(() -> server.core.createPermission(0, PEER.getAddress()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot create a permission before the TURN allocation at turn.test (127.0.0.1:3478) "
                            + "over UDP exists (state NEW)");
            server.allocated();
            assertThatThrownBy(() -> server.core.allocate(server.now)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("one allocation per core");
        }
    }

    @Nested
    class Deallocation {
        @Test
        void deallocateSendsRefreshWithLifetimeZeroAndStopsEverything() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            permit(server, PEER.getAddress());
            server.core.bindChannel(PEER, server.now);
            server.nextRequest(); // the ChannelBind stays unanswered; deallocation cancels it
            server.core.deallocate(server.now);
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.DEALLOCATING);
            StunMessage refresh = server.nextRequest();
            assertThat(refresh.method()).isEqualTo(StunMethod.REFRESH);
            assertThat(refresh.attribute(StunAttributeType.LIFETIME, NumberAttribute.class)
                    .map(NumberAttribute::value)).hasValue(0L);
            assertThat(server.lastRequestVerifies()).isTrue();
            server.success(refresh, lifetime(0));
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.Deallocated());
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.DEALLOCATED);
            assertThat(server.core.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
            assertThat(server.core.writeSend(PEER, ByteBuffer.wrap(utf8("x")), ByteBuffer.allocate(64))).isZero();
            server.deliver(dataIndication(PEER, utf8("late")).toBytes());
            assertThat(server.drainEvents()).isEmpty();
        }

        @Test
        void allocationMismatchOnDeallocationMeansItIsGoneAlready() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP).allocated();
            server.core.deallocate(server.now);
            server.error(server.nextRequest(), 437, "Allocation Mismatch");
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.Deallocated());
        }

        @Test
        void deallocatingBeforeAllocationJustStops() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.UDP);
            server.core.allocate(server.now);
            server.nextRequest();
            server.core.deallocate(server.now);
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.Deallocated());
            assertThat(server.core.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Nested
    class StreamFraming {
        private byte[] concat(byte[]... parts) {
            ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
            for (byte[] part : parts) {
                all.put(part);
            }
            return all.array();
        }

        @Test
        void messagesSplitIntoSingleBytesAreReassembled() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.TCP);
            server.core.allocate(server.now);
            StunMessage request = server.nextRequest();
            byte[] challenge = server.encode(request, StunClass.ERROR_RESPONSE, false,
                    new ErrorCodeAttribute(401, "Unauthorized"), new StringAttribute(StunAttributeType.REALM, REALM),
                    new StringAttribute(StunAttributeType.NONCE, "n"));
            for (int i = 0; i < challenge.length; i++) {
                assertThat(server.nextTransmit()).as("nothing before the last byte").isEmpty();
                server.deliver(new byte[] {challenge[i]});
            }
            assertThat(server.nextRequest().string(StunAttributeType.NONCE)).hasValue("n");
        }

        @Test
        void mergedMessagesAndPaddedChannelDataAreSplitApart() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.TLS).allocated();
            server.core.createPermission(server.now, PEER.getAddress());
            StunMessage permission = server.nextRequest();
            int channel = server.core.bindChannel(PEER, server.now);
            StunMessage bind = server.nextRequest();
            byte[] merged = concat(
                    server.encode(permission, StunClass.SUCCESS_RESPONSE, true),
                    server.encode(bind, StunClass.SUCCESS_RESPONSE, true),
                    channelData(channel, utf8("abc"), true),
                    dataIndication(PEER, utf8("indication")).toBytes(),
                    channelData(channel, utf8("defgh"), true));
            // Delivered in two pieces cut inside the first ChannelData message.
            int cut = merged.length - 14;
            server.deliver(Arrays.copyOfRange(merged, 0, cut));
            server.deliver(Arrays.copyOfRange(merged, cut, merged.length));
            assertThat(server.drainEvents()).containsExactly(
                    new TurnEvent.PermissionCreated(PEER.getAddress()),
                    new TurnEvent.ChannelBound(PEER, channel),
                    new TurnEvent.DataReceived(PEER, channel, utf8("abc")),
                    new TurnEvent.DataReceived(PEER, 0, utf8("indication")),
                    new TurnEvent.DataReceived(PEER, channel, utf8("defgh")));
        }

        @Test
        void garbageOnTheStreamFailsTheAllocation() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.TCP).allocated();
            server.deliver(new byte[] {(byte) 0x80, 1, 2, 3, 4, 5, 6, 7});
            assertThat(server.core.state()).isEqualTo(TurnClientCore.State.FAILED);
            assertThat(server.drainEvents()).singleElement().isInstanceOfSatisfying(TurnEvent.Failed.class,
                    failed -> assertThat(failed.message()).contains("turn.test").contains("neither STUN nor ChannelData"));
        }

        @Test
        void aMaximalChannelDataMessageFitsTheStreamBuffer() {
            ScriptedTurnServer server = new ScriptedTurnServer(StunTransport.TCP).allocated();
            int channel = server.core.bindChannel(PEER, server.now);
            server.success(server.nextRequest());
            server.drainEvents();
            byte[] big = new byte[65_535];
            new SplittableRandom(5).nextBytes(big);
            byte[] framed = concat(channelData(channel, utf8("x"), true), channelData(channel, big, true));
            for (int offset = 0; offset < framed.length; offset += 10_000) {
                server.deliver(Arrays.copyOfRange(framed, offset, Math.min(framed.length, offset + 10_000)));
            }
            assertThat(server.drainEvents()).containsExactly(new TurnEvent.DataReceived(PEER, channel, utf8("x")),
                    new TurnEvent.DataReceived(PEER, channel, big));
        }
    }

    @Test
    void theConfigNeverPrintsThePassword() {
        TurnClientConfig config = TurnClientConfig.of(SERVER, StunTransport.UDP, USERNAME, "hunter2");
        assertThat(config.toString()).doesNotContain("hunter2").contains("alice");
        assertThat(KEY).hasSize(16);
    }
}
