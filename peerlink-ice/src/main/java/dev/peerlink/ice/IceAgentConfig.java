package dev.peerlink.ice;

import dev.peerlink.stun.client.RetransmissionPolicy;
import dev.peerlink.stun.client.StunTransport;
import dev.peerlink.stun.transport.SocketAddresses;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How an {@link IceAgent} behaves. Build with {@link #builder(IceRole)}; every value has the RFC's default.
 *
 * @param role                 the initial role (RFC 8445 §6.1.1); a role conflict may change it
 * @param localUfrag           null for a random one (RFC 8445 §5.3)
 * @param localPassword        null for a random one
 * @param ta                   check pacing (RFC 8445 §14.2: 50 ms by default, never below 5 ms)
 * @param checkRetransmission  RTO floor, Rc and Rm of connectivity checks; the RTO actually used is
 *                             max(floor, Ta × (waiting + in-progress pairs)) (RFC 8445 §14.3)
 * @param maxPairs             checklist limit (RFC 8445 §6.1.2.5)
 * @param renomination         whether the controlling agent nominates a better pair that succeeds after its first
 *                             nomination; see {@link IceAgent}
 * @param keepaliveInterval    RFC 8445 §11: Binding indication on an idle selected pair (15 s)
 * @param consentInterval      RFC 7675 §5.1: mean interval of consent checks, randomised ±20 % (5 s)
 * @param consentTimeout       RFC 7675 §5.1: stop sending when nothing answered for this long (30 s)
 * @param disconnectedTimeout  how long a consent check may go unanswered before the state is DISCONNECTED
 * @param stunServers          STUN servers for server-reflexive candidates (RFC 8445 §5.1.1.2)
 * @param stunServerRetransmission  retransmissions of those Binding requests
 * @param turnServers          TURN servers for relayed candidates (RFC 8445 §5.1.1.2): over UDP one allocation
 *                             per host base of the server's address family; over TCP or TLS one allocation on a
 *                             connection the driver opens (see {@link IceAgent#turnServersToConnect})
 * @param transportPolicy      which candidates are offered and used (W3C {@code iceTransportPolicy})
 */
public record IceAgentConfig(IceRole role, String localUfrag, String localPassword, Duration ta,
                             RetransmissionPolicy checkRetransmission, int maxPairs, boolean renomination,
                             Duration keepaliveInterval, Duration consentInterval, Duration consentTimeout,
                             Duration disconnectedTimeout, List<InetSocketAddress> stunServers,
                             RetransmissionPolicy stunServerRetransmission, List<IceTurnServer> turnServers,
                             IceTransportPolicy transportPolicy) {

    public IceAgentConfig {
        if (role == null) {
            throw new NullPointerException("the ICE role is null");
        }
        if (localUfrag != null) {
            IceCredentials.requireValidUfrag(localUfrag, "the local");
        }
        if (localPassword != null) {
            IceCredentials.requireValidPassword(localPassword, "the local");
        }
        if (ta.compareTo(Duration.ofMillis(5)) < 0) {
            throw new IllegalArgumentException("Ta must be at least 5 ms (RFC 8445 §14.2), not " + ta);
        }
        if (maxPairs < 1) {
            throw new IllegalArgumentException("the checklist limit must be at least 1, not " + maxPairs);
        }
        requirePositive(keepaliveInterval, "keepalive interval");
        requirePositive(consentInterval, "consent interval");
        requirePositive(consentTimeout, "consent timeout");
        requirePositive(disconnectedTimeout, "disconnected timeout");
        stunServers = List.copyOf(stunServers);
        for (InetSocketAddress server : stunServers) {
            if (server.isUnresolved()) {
                throw new IllegalArgumentException("STUN server " + server + " must be resolved to an IP address");
            }
        }
        turnServers = List.copyOf(turnServers);
        if (turnServers.stream().distinct().count() != turnServers.size()) {
            throw new IllegalArgumentException("a TURN server is configured twice: " + turnServers);
        }
        if (transportPolicy == null) {
            throw new NullPointerException("the ICE transport policy is null");
        }
        if (transportPolicy == IceTransportPolicy.RELAY && turnServers.isEmpty()) {
            throw new IllegalArgumentException("the ICE transport policy \"relay\" needs at least one TURN server,"
                    + " or no candidate could ever be gathered");
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("the " + name + " must be positive, not " + value);
        }
    }

    public static Builder builder(IceRole role) {
        return new Builder(role);
    }

    public static IceAgentConfig defaults(IceRole role) {
        return builder(role).build();
    }

    public static final class Builder {
        private final IceRole role;
        private String localUfrag;
        private String localPassword;
        private Duration ta = Duration.ofMillis(50);
        private RetransmissionPolicy checkRetransmission = RetransmissionPolicy.DEFAULT;
        private int maxPairs = IcePairing.DEFAULT_MAX_PAIRS;
        private boolean renomination = true;
        private Duration keepaliveInterval = Duration.ofSeconds(15);
        private Duration consentInterval = Duration.ofSeconds(5);
        private Duration consentTimeout = Duration.ofSeconds(30);
        private Duration disconnectedTimeout = Duration.ofSeconds(5);
        private final List<InetSocketAddress> stunServers = new ArrayList<>();
        private RetransmissionPolicy stunServerRetransmission = RetransmissionPolicy.DEFAULT;
        private final List<IceTurnServer> turnServers = new ArrayList<>();
        private IceTransportPolicy transportPolicy = IceTransportPolicy.ALL;

        private Builder(IceRole role) {
            this.role = role;
        }

        public Builder credentials(String ufrag, String password) {
            this.localUfrag = ufrag;
            this.localPassword = password;
            return this;
        }

        public Builder ta(Duration value) {
            this.ta = value;
            return this;
        }

        public Builder checkRetransmission(RetransmissionPolicy value) {
            this.checkRetransmission = value;
            return this;
        }

        public Builder maxPairs(int value) {
            this.maxPairs = value;
            return this;
        }

        public Builder renomination(boolean value) {
            this.renomination = value;
            return this;
        }

        public Builder keepaliveInterval(Duration value) {
            this.keepaliveInterval = value;
            return this;
        }

        public Builder consentInterval(Duration value) {
            this.consentInterval = value;
            return this;
        }

        public Builder consentTimeout(Duration value) {
            this.consentTimeout = value;
            return this;
        }

        public Builder disconnectedTimeout(Duration value) {
            this.disconnectedTimeout = value;
            return this;
        }

        public Builder stunServer(InetSocketAddress server) {
            this.stunServers.add(server);
            return this;
        }

        public Builder stunServerRetransmission(RetransmissionPolicy value) {
            this.stunServerRetransmission = value;
            return this;
        }

        public Builder turnServer(IceTurnServer server) {
            this.turnServers.add(server);
            return this;
        }

        /** W3C {@code iceTransportPolicy}: {@link IceTransportPolicy#ALL} unless set. */
        public Builder transportPolicy(IceTransportPolicy value) {
            this.transportPolicy = value;
            return this;
        }

        public IceAgentConfig build() {
            return new IceAgentConfig(role, localUfrag, localPassword, ta, checkRetransmission, maxPairs,
                    renomination, keepaliveInterval, consentInterval, consentTimeout, disconnectedTimeout,
                    stunServers, stunServerRetransmission, turnServers, transportPolicy);
        }
    }
}
