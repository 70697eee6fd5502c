package dev.peerlink.peer;

import dev.peerlink.dtls.DtlsCertificate;
import dev.peerlink.dtls.DtlsRole;
import dev.peerlink.ice.IceTransport;
import dev.peerlink.ice.IceTransportPolicy;
import dev.peerlink.ice.netty.IceSession;
import dev.peerlink.ice.netty.HostAddressGatherer;
import dev.peerlink.ice.netty.PortPolicy;
import dev.peerlink.stun.transport.NettyTransport;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link PeerConnection} is set up (W3C WebRTC {@code RTCConfiguration} plus what a server-side peer needs).
 *
 * @param iceServers         STUN and TURN servers
 * @param iceTransportPolicy {@code ALL} or {@code RELAY} (only relayed candidates are signalled and used)
 * @param gatherer           which local addresses give host candidates
 * @param ports              the UDP ports host sockets bind to
 * @param certificate        the DTLS certificate whose fingerprint goes in our descriptions
 * @param mdns               resolve the peer's {@code .local} candidates (RFC 8828 mDNS)
 * @param insecureTurnTls    accept any certificate from {@code turns:} servers (a development or lab server with a
 *                           self-signed certificate); off by default, when the certificate must chain to the JDK's
 *                           trusted roots and name the URL's host
 * @param iceTransport       what runs the ICE agent: by default an {@link IceSession} on real UDP sockets, on event
 *                           loops all peer connections share, set up with the gatherer, ports, mdns and
 *                           insecureTurnTls above (which another factory, such as
 *                           a test's virtual network, does not use)
 * @param answeringDtlsRole  the DTLS role we take when answering an offer that lets us choose ({@code actpass}, as
 *                           every WebRTC offer does): {@code SERVER} ({@code a=setup:passive}) by default, because
 *                           our DTLS server speaks DTLS 1.3 to a browser (a handshake one round trip shorter) while
 *                           our client speaks DTLS 1.2; {@code CLIENT} ({@code a=setup:active}) answers as browsers
 *                           do. RFC 5763 §5 allows either and recommends active, so that the handshake can start
 *                           before the offerer has the answer; with ICE the offerer cannot answer a ClientHello before
 *                           it has the answer anyway (docs/benchmarks.md has the measurements)
 */
public record PeerConnectionConfig(List<IceServer> iceServers, IceTransportPolicy iceTransportPolicy,
                                   HostAddressGatherer gatherer, PortPolicy ports, DtlsCertificate certificate,
                                   boolean mdns, boolean insecureTurnTls, IceTransport.Factory iceTransport,
                                   DtlsRole answeringDtlsRole) {

    public PeerConnectionConfig {
        iceServers = List.copyOf(iceServers);
        Objects.requireNonNull(iceTransportPolicy, "the ICE transport policy is null");
        Objects.requireNonNull(gatherer, "the host address gatherer is null");
        Objects.requireNonNull(ports, "the port policy is null");
        Objects.requireNonNull(certificate, "the DTLS certificate is null");
        Objects.requireNonNull(answeringDtlsRole, "the answering DTLS role is null");
        if (iceTransportPolicy == IceTransportPolicy.RELAY
                && iceServers.stream().flatMap(s -> s.urls().stream()).noneMatch(u -> IceServer.Url.parse(u).turn())) {
            throw new IllegalArgumentException("the ICE transport policy is relay, so at least one TURN server is needed");
        }
        if (iceTransport == null) {
            iceTransport = (agentConfig, listener) -> IceSession.builder(agentConfig)
                    .transport(SharedIceLoops.TRANSPORT)
                    .eventLoopGroup(SharedIceLoops.GROUP)
                    .gatherer(gatherer)
                    .ports(ports)
                    .mdns(mdns)
                    .insecureTurnTls(insecureTurnTls)
                    .listener(Runnable::run, listener)
                    .openWithoutWaiting(); // the host candidates come as events, as the connection takes them
        }
    }

    /**
     * The ICE event loops every peer connection of this JVM shares (daemon threads, made on first use, one per core):
     * a session then holds no thread of its own, and opening one starts none (that was most of the ~1 ms an
     * {@link IceSession} took to open, on the path from createOffer to connected).
     */
    private static final class SharedIceLoops {
        static final NettyTransport TRANSPORT = NettyTransport.best();
        static final EventLoopGroup GROUP = TRANSPORT.newEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                Thread.ofPlatform().name("peerlink-ice-", 0).daemon().factory());
    }

    public static PeerConnectionConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<IceServer> iceServers = new ArrayList<>();
        private IceTransportPolicy policy = IceTransportPolicy.ALL;
        private HostAddressGatherer gatherer = HostAddressGatherer.defaults();
        private PortPolicy ports = PortPolicy.EPHEMERAL;
        private DtlsCertificate certificate;
        private boolean mdns = true;
        private boolean insecureTurnTls;
        private IceTransport.Factory iceTransport;
        private DtlsRole answeringDtlsRole = DtlsRole.SERVER;

        private Builder() {
        }

        public Builder iceServer(IceServer server) {
            iceServers.add(Objects.requireNonNull(server, "the ICE server is null"));
            return this;
        }

        public Builder iceServers(List<IceServer> servers) {
            servers.forEach(this::iceServer);
            return this;
        }

        public Builder iceTransportPolicy(IceTransportPolicy value) {
            this.policy = value;
            return this;
        }

        public Builder gatherer(HostAddressGatherer value) {
            this.gatherer = value;
            return this;
        }

        /** Host sockets bind to ports in {@code [min, max]}. */
        public Builder portRange(int min, int max) {
            this.ports = PortPolicy.range(min, max);
            return this;
        }

        public Builder ports(PortPolicy value) {
            this.ports = value;
            return this;
        }

        public Builder certificate(DtlsCertificate value) {
            this.certificate = value;
            return this;
        }

        public Builder mdns(boolean value) {
            this.mdns = value;
            return this;
        }

        /** See {@link PeerConnectionConfig#insecureTurnTls()}: for development and lab servers only. */
        public Builder insecureTurnTls(boolean value) {
            this.insecureTurnTls = value;
            return this;
        }

        /**
         * Runs ICE on what {@code value} opens instead of an {@link IceSession} on real sockets (tests run peer
         * connections on a virtual network this way); null goes back to the default.
         */
        public Builder iceTransport(IceTransport.Factory value) {
            this.iceTransport = value;
            return this;
        }

        /**
         * The DTLS role to take when answering an {@code actpass} offer; {@code SERVER} ({@code a=setup:passive}) by
         * default, see {@link PeerConnectionConfig#answeringDtlsRole()}.
         */
        public Builder answeringDtlsRole(DtlsRole value) {
            this.answeringDtlsRole = Objects.requireNonNull(value, "the answering DTLS role is null");
            return this;
        }

        public PeerConnectionConfig build() {
            return new PeerConnectionConfig(iceServers, policy, gatherer, ports,
                    certificate != null ? certificate : DtlsCertificate.generate(), mdns, insecureTurnTls,
                    iceTransport, answeringDtlsRole);
        }
    }
}
