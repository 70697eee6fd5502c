package dev.peerlink.turn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.StunMethod;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bad input is answered with an error or dropped; it never escapes as an exception. */
class MalformedInputTest extends TurnCoreFixture {

    @Test
    void stunLengthPastTheEndOfTheDatagramIsDropped() {
        byte[] request = signed(StunMethod.ALLOCATE, CLIENT, udp());
        ByteBuffer.wrap(request).putShort(2, (short) (request.length - 20 + 4)); // claims 4 bytes more
        assertThat(fromClient(CLIENT, request)).isEmpty();
        assertThat(fromClient(CLIENT, Arrays.copyOf(signed(StunMethod.ALLOCATE, CLIENT, udp()), 30))).isEmpty();
        assertThat(core.counters().malformedDropped()).isEqualTo(2);
        assertThat(core.allocationCount()).isZero();
    }

    @Test
    void attributeLengthPastTheEndOfTheMessageIsDropped() {
        byte[] request = unsigned(StunMethod.ALLOCATE, udp());
        ByteBuffer.wrap(request).putShort(22, (short) 400); // REQUESTED-TRANSPORT claims 400 bytes
        assertThat(fromClient(CLIENT, request)).isEmpty();
        assertThat(core.counters().malformedDropped()).isEqualTo(1);
    }

    @Test
    void channelDataLengthPastTheEndOfTheDatagramIsDropped() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        byte[] packet = channelData(0x4000, new byte[] {1, 2, 3, 4}, false);
        ByteBuffer.wrap(packet).putShort(2, (short) 5);
        assertThat(fromClient(CLIENT, packet)).isEmpty();
        byte[] trailing = Arrays.copyOf(channelData(0x4000, new byte[] {1}, false), 12); // more than padding
        assertThat(fromClient(CLIENT, trailing)).isEmpty();
        assertThat(fromClient(CLIENT, new byte[] {0x40, 0x00, 0x00})).isEmpty();
        assertThat(core.counters().malformedDropped()).isEqualTo(3);
        assertThat(core.counters().packetsToPeer()).isZero();
    }

    @Test
    void otherProtocolsAndEmptyPacketsAreDropped() {
        for (byte[] garbage : List.of(new byte[0], new byte[] {0x16, (byte) 0xFE, (byte) 0xFD},
                new byte[] {(byte) 0x80, 0, 0, 0}, "GET / HTTP/1.1\r\n\r\n".getBytes(), new byte[19])) {
            assertThat(fromClient(CLIENT, garbage)).isEmpty();
        }
        assertThat(core.counters().internalErrors()).isZero();
    }

    @Test
    void badFingerprintIsDropped() {
        byte[] request = new StunMessage(StunMethod.ALLOCATE, StunClass.REQUEST, newTransactionId(), udp())
                .toBytes(StunMessage.Signing.FINGERPRINT);
        request[request.length - 1] ^= 1;
        assertThat(fromClient(CLIENT, request)).isEmpty();
    }

    @Test
    void bindingRequestsOnTheTurnPortAreAnsweredLikeStun() {
        StunMessage response = exchange(CLIENT, new StunMessage(StunMethod.BINDING, StunClass.REQUEST,
                newTransactionId()).toBytes(StunMessage.Signing.FINGERPRINT));
        assertThat(response.messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
        assertThat(response.address(StunAttributeType.XOR_MAPPED_ADDRESS)).contains(CLIENT_ADDRESS);
        assertThat(response.has(StunAttributeType.FINGERPRINT)).isTrue();
        assertThat(core.counters().bindingRequests()).isEqualTo(1);
        assertThat(core.allocationCount()).isZero();
        // A Binding request needs no credentials, and a Binding indication (keep-alive) gets nothing.
        assertThat(fromClient(CLIENT, new StunMessage(StunMethod.BINDING, StunClass.INDICATION, newTransactionId())
                .toBytes())).isEmpty();
    }

    @Test
    void peerPacketsForUnknownRelaysOrUnresolvedPeersAreDropped() {
        assertThat(fromPeer(new FakeRelays.Handle(99, PEER), PEER, new byte[] {1})).isEmpty();
        allocate(CLIENT);
        assertThat(fromPeer(relays.last(), InetSocketAddress.createUnresolved("peer.example", 5000), new byte[1]))
                .isEmpty();
        assertThat(core.counters().internalErrors()).isZero();
    }

    /** Random bytes, and valid messages with random corruption, never throw and never reach a peer. */
    @Test
    void fuzzedInputNeverThrows() {
        allocate(CLIENT);
        channelBind(CLIENT, 0x4000, PEER);
        SplittableRandom random = new SplittableRandom(1234);
        List<byte[]> seeds = List.of(signed(StunMethod.ALLOCATE, CLIENT, udp()),
                signed(StunMethod.CREATE_PERMISSION, CLIENT, peer(PEER)),
                signed(StunMethod.CHANNEL_BIND, CLIENT, channel(0x4001), peer(PEER2)),
                sendIndication(PEER, new byte[] {1, 2, 3}, true),
                channelData(0x4000, new byte[] {1, 2, 3}, false));
        for (int i = 0; i < 20_000; i++) {
            byte[] packet;
            if (i % 2 == 0) {
                packet = new byte[random.nextInt(0, 200)];
                random.nextBytes(packet);
                if (packet.length > 0 && i % 4 == 0) {
                    packet[0] = (byte) random.nextInt(0, 4); // STUN-looking
                }
                if (packet.length >= 8 && i % 8 == 0) {
                    ByteBuffer.wrap(packet).putInt(4, 0x2112A442);
                }
            } else {
                packet = seeds.get(random.nextInt(seeds.size())).clone();
                int flips = random.nextInt(1, 4);
                for (int f = 0; f < flips; f++) {
                    packet[random.nextInt(packet.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            core.handleClientPacket(random.nextBoolean() ? CLIENT : CLIENT_TCP, ByteBuffer.wrap(packet), now, wall());
            drain();
        }
        assertThat(core.counters().internalErrors()).isZero();
    }
}
