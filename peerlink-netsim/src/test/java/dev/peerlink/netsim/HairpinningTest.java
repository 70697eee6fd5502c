package dev.peerlink.netsim;

import static dev.peerlink.netsim.NetsimTestSupport.at;
import static dev.peerlink.netsim.NetsimTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** RFC 4787 §6: two hosts behind one NAT reach each other at their public mappings only if the NAT hairpins. */
class HairpinningTest {
    private final VirtualNetwork network = new VirtualNetwork(23);
    private final Host echo = network.internet().addHost("echo");

    private record Lan(NatRouter nat, VirtualSocket alice, VirtualSocket bob, InetSocketAddress aliceMapped,
                       InetSocketAddress bobMapped) {
    }

    private Lan lanWithTwoHostsWhoKnowTheirMappings(NatBehavior behavior) {
        NetsimTestSupport.startEcho(echo, 3478);
        NatRouter nat = network.addNatRouter("nat", behavior);
        VirtualSocket alice = nat.lan().addHost("alice").openUdpSocket(5000);
        VirtualSocket bob = nat.lan().addHost("bob").openUdpSocket(6000);
        alice.send(at(echo.address(), 3478), bytes("what is my address?"));
        bob.send(at(echo.address(), 3478), bytes("what is my address?"));
        network.runFor(Duration.ofMillis(1));
        return new Lan(nat, alice, bob, reflexive(alice), reflexive(bob));
    }

    private static InetSocketAddress reflexive(VirtualSocket socket) {
        return NetsimTestSupport.parseEndpoint(NetsimTestSupport.text(socket.poll().orElseThrow()));
    }

    @Test
    void withHairpinningAPacketToAPublicMappingComesBackFromTheSendersPublicMapping() {
        Lan lan = lanWithTwoHostsWhoKnowTheirMappings(NatBehavior.FULL_CONE);

        lan.alice().send(lan.bobMapped(), bytes("hi bob, via the NAT"));
        network.runFor(Duration.ofMillis(1));

        assertThat(lan.bob().poll()).hasValueSatisfying(d -> {
            assertThat(NetsimTestSupport.text(d)).isEqualTo("hi bob, via the NAT");
            // RFC 4787 REQ-9b: the source is Alice's external address, not her LAN address.
            assertThat(d.source()).isEqualTo(lan.aliceMapped());
        });
        assertThat(lan.nat().stats().hairpinned()).isEqualTo(1);
    }

    @Test
    void hairpinnedPacketsStillMeetTheTargetMappingsFilter() {
        Lan lan = lanWithTwoHostsWhoKnowTheirMappings(NatBehavior.PORT_RESTRICTED);

        lan.alice().send(lan.bobMapped(), bytes("bob has not sent to me yet"));
        network.runFor(Duration.ofMillis(1));
        lan.bob().send(lan.aliceMapped(), bytes("now I have"));
        lan.alice().send(lan.bobMapped(), bytes("so this one passes"));
        network.runFor(Duration.ofMillis(1));

        assertThat(NetsimTestSupport.drain(lan.bob())).extracting(NetsimTestSupport::text)
                .containsExactly("so this one passes");
        assertThat(NetsimTestSupport.drain(lan.alice())).extracting(NetsimTestSupport::text)
                .containsExactly("now I have");
        assertThat(lan.nat().stats().droppedByFilter()).isEqualTo(1);
    }

    @Test
    void withoutHairpinningThePublicPathFailsWhileTheLanPathStillWorks() {
        Lan lan = lanWithTwoHostsWhoKnowTheirMappings(NatBehavior.FULL_CONE.withHairpinning(false));

        lan.alice().send(lan.bobMapped(), bytes("via the NAT"));
        lan.alice().send(lan.bob().localAddress(), bytes("on the LAN"));
        network.runFor(Duration.ofMillis(1));

        assertThat(NetsimTestSupport.drain(lan.bob())).extracting(NetsimTestSupport::text)
                .containsExactly("on the LAN");
        assertThat(lan.nat().stats().droppedHairpinningDisabled()).isEqualTo(1);
        assertThat(lan.nat().stats().hairpinned()).isZero();
    }
}
