package dev.peerlink.netsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The example in package-info.java, kept compiling and true. */
class UsageExampleTest {
    @Test
    void thePackageDocumentationExampleWorksAsWritten() {
        VirtualNetwork net = new VirtualNetwork(42);
        Host stun = net.internet().addHost("stun", Link.withDelay(Duration.ofMillis(20)));
        VirtualSocket server = stun.openUdpSocket(3478);
        server.onReceive(in -> server.send(in.source(), in.payload()));
        NatRouter homeA = net.addNatRouter("home-a", NatBehavior.PORT_RESTRICTED);
        NatRouter homeB = net.addNatRouter("home-b", NatBehavior.SYMMETRIC.withHairpinning(false));
        VirtualSocket alice = homeA.lan().addHost("alice").openUdpSocket(5000);
        VirtualSocket bob = homeB.lan().addHost("bob").openUdpSocket();
        alice.send(server.localAddress(), "ping".getBytes(StandardCharsets.UTF_8));
        boolean answered = net.runUntil(() -> alice.queued() > 0, Duration.ofSeconds(1));

        assertThat(answered).isTrue();
        assertThat(net.clock().elapsed()).isEqualTo(Duration.ofMillis(40));
        assertThat(alice.poll().orElseThrow().source()).isEqualTo(server.localAddress());
        assertThat(bob.localAddress().getPort()).isBetween(49152, 65535);
    }
}
