/**
 * An in-process virtual network for tests: hosts with UDP sockets, links with delay, jitter and loss, NATs with
 * RFC 4787 mapping, filtering, hairpinning and timeout behaviour, and UDP-blocking firewalls, all on a virtual clock
 * and one seeded random source. Tests run faster than real time and give the same result from the same seed.
 *
 * <pre>{@code
 * VirtualNetwork net = new VirtualNetwork(42);
 * Host stun = net.internet().addHost("stun", Link.withDelay(Duration.ofMillis(20)));
 * VirtualSocket server = stun.openUdpSocket(3478);
 * server.onReceive(in -> server.send(in.source(), in.payload()));
 * NatRouter homeA = net.addNatRouter("home-a", NatBehavior.PORT_RESTRICTED);
 * NatRouter homeB = net.addNatRouter("home-b", NatBehavior.SYMMETRIC.withHairpinning(false));
 * VirtualSocket alice = homeA.lan().addHost("alice").openUdpSocket(5000);
 * VirtualSocket bob = homeB.lan().addHost("bob").openUdpSocket();
 * alice.send(server.localAddress(), "ping".getBytes(StandardCharsets.UTF_8));
 * boolean answered = net.runUntil(() -> alice.queued() > 0, Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>{@link dev.peerlink.netsim.VirtualNetwork} has the event loop and builds the topology; routers are
 * {@link dev.peerlink.netsim.NatRouter} and {@link dev.peerlink.netsim.ForwardingRouter}. Code with wall-clock timers
 * of its own (DTLS, SCTP in a whole peer connection) runs on a network that {@link dev.peerlink.netsim.RealTimeDriver}
 * drives in real time on a thread of its own.
 */
package dev.peerlink.netsim;
