package dev.peerlink.ice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.sdp.IceCandidateLine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Priorities, foundations, pairing and pruning, candidates in SDP, credentials. */
class IceBasicsTest {
    private static final InetSocketAddress BASE = new InetSocketAddress("198.18.0.1", 5000);

    @Test
    void candidatePrioritiesFollowTheRfc8445Formula() {
        // 2^24 × type preference + 2^8 × 65535 + (256 − 1)
        assertThat(IcePriorities.candidatePriority(IceCandidate.Type.HOST, 65535, 1)).isEqualTo(2_130_706_431L);
        assertThat(IcePriorities.candidatePriority(IceCandidate.Type.PRFLX, 65535, 1)).isEqualTo(1_862_270_975L);
        assertThat(IcePriorities.candidatePriority(IceCandidate.Type.SRFLX, 65535, 1)).isEqualTo(1_694_498_815L);
        assertThat(IcePriorities.candidatePriority(IceCandidate.Type.RELAY, 65535, 1)).isEqualTo(16_777_215L);
        assertThat(IcePriorities.candidatePriority(IceCandidate.Type.HOST, 0, 2)).isEqualTo(2_113_929_470L);
        assertThat(IcePriorities.localPreferenceOf(IcePriorities.candidatePriority(126, 12345, 1))).isEqualTo(12345);
        assertThatThrownBy(() -> IcePriorities.candidatePriority(127, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pairPriorityUsesSixtyFourBitsAndIsTheSameSeenFromBothAgents() {
        long host = 2_130_706_431L;
        long srflx = 1_694_498_815L;
        // Controlling agent's candidate is host (G), the controlled one's srflx (D): 2^32·D + 2·G + 1.
        long expected = (srflx << 32) + 2 * host + 1;
        assertThat(IcePriorities.pairPriority(host, srflx)).isEqualTo(expected);
        assertThat(IcePriorities.pairPriority(true, host, srflx)).isEqualTo(expected);
        assertThat(IcePriorities.pairPriority(false, srflx, host)).isEqualTo(expected);
        // Swapping roles changes only the tie bit and which side is doubled.
        assertThat(IcePriorities.pairPriority(srflx, host)).isEqualTo((srflx << 32) + 2 * host);
        // The largest pair priority still fits in 63 bits, and priorities beyond 2^31 − 1 are refused.
        long max = IceCandidate.MAX_PRIORITY;
        assertThat(IcePriorities.pairPriority(max, max)).isPositive()
                .isGreaterThan(IcePriorities.pairPriority(max, max - 1));
        assertThatThrownBy(() -> IcePriorities.pairPriority(max + 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void localPreferencePutsIpv6AboveIpv4AndKeepsInterfacesApart() throws Exception {
        InetAddress v6 = InetAddress.getByName("2001:2::1");
        InetAddress v4 = InetAddress.getByName("198.18.0.1");
        InetAddress linkLocal = InetAddress.getByName("fe80::1");
        assertThat(IcePriorities.localPreference(v6, 0)).isEqualTo(IcePriorities.SINGLE_HOMED_LOCAL_PREFERENCE);
        assertThat(IcePriorities.localPreference(v6, 1)).isGreaterThan(IcePriorities.localPreference(v4, 0));
        assertThat(IcePriorities.localPreference(v4, 0)).isGreaterThan(IcePriorities.localPreference(v4, 1));
        assertThat(IcePriorities.localPreference(v4, 500)).isGreaterThan(IcePriorities.localPreference(linkLocal, 0));
    }

    @Test
    void foundationsAreSharedExactlyByCandidatesOfTheSameKind() throws Exception {
        IceFoundations foundations = new IceFoundations();
        InetAddress base = InetAddress.getByName("198.18.0.1");
        InetAddress otherBase = InetAddress.getByName("198.18.0.5");
        InetAddress server = InetAddress.getByName("198.19.255.1");
        InetAddress otherServer = InetAddress.getByName("198.19.255.2");
        String host = foundations.foundationOf(IceCandidate.Type.HOST, base, null, IceCandidate.Transport.UDP);
        assertThat(foundations.foundationOf(IceCandidate.Type.HOST, base, null, IceCandidate.Transport.UDP))
                .isEqualTo(host);
        assertThat(foundations.foundationOf(IceCandidate.Type.HOST, otherBase, null, IceCandidate.Transport.UDP))
                .isNotEqualTo(host);
        String srflx = foundations.foundationOf(IceCandidate.Type.SRFLX, base, server, IceCandidate.Transport.UDP);
        assertThat(srflx).isNotEqualTo(host);
        assertThat(foundations.foundationOf(IceCandidate.Type.SRFLX, base, otherServer, IceCandidate.Transport.UDP))
                .isNotEqualTo(srflx);
    }

    private static IceCandidate candidate(String foundation, IceCandidate.Type type, String ip, int port,
                                          InetSocketAddress base, int localPreference) {
        InetSocketAddress address = new InetSocketAddress(ip, port);
        return new IceCandidate(foundation, 1, IceCandidate.Transport.UDP,
                IcePriorities.candidatePriority(type, localPreference, 1), address, type,
                type == IceCandidate.Type.HOST ? null : base, base);
    }

    @Test
    void pruningReplacesServerReflexiveByItsBaseAndDropsRedundantPairs() {
        IceCandidate host = candidate("1", IceCandidate.Type.HOST, "198.18.0.1", 5000, BASE, 65535);
        IceCandidate srflx = candidate("2", IceCandidate.Type.SRFLX, "198.19.0.1", 40000, BASE, 65535);
        IceCandidate remoteHost = candidate("7", IceCandidate.Type.HOST, "198.18.0.2", 6000, null, 65535);
        IceCandidate remoteV6 = candidate("8", IceCandidate.Type.HOST, "2001:2::2", 6000, null, 65535);

        List<IcePairing.Pair> pairs = IcePairing.formChecklist(List.of(host, srflx), List.of(remoteHost, remoteV6),
                true, 100);

        assertThat(pairs).hasSize(1); // srflx became its base (a duplicate), and IPv4 never pairs with IPv6
        assertThat(pairs.get(0).local()).isEqualTo(host);
        assertThat(pairs.get(0).remote()).isEqualTo(remoteHost);
    }

    @Test
    void checklistIsOrderedByPriorityAndLimited() {
        List<IceCandidate> locals = List.of(
                candidate("1", IceCandidate.Type.HOST, "198.18.0.1", 5000, new InetSocketAddress("198.18.0.1", 5000), 65535),
                candidate("2", IceCandidate.Type.HOST, "198.18.0.3", 5000, new InetSocketAddress("198.18.0.3", 5000), 100));
        List<IceCandidate> remotes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            remotes.add(candidate("r" + i, i == 0 ? IceCandidate.Type.RELAY : IceCandidate.Type.HOST,
                    "198.18.1." + (i + 1), 6000, null, 1000 * i));
        }

        List<IcePairing.Pair> pairs = IcePairing.formChecklist(locals, remotes, false, 4);

        assertThat(pairs).hasSize(4);
        for (int i = 1; i < pairs.size(); i++) {
            assertThat(Long.compareUnsigned(pairs.get(i - 1).priority(), pairs.get(i).priority())).isPositive();
        }
        assertThat(pairs).noneMatch(pair -> pair.remote().type() == IceCandidate.Type.RELAY); // lowest went
    }

    @Test
    void candidatesRoundTripThroughSdpAndMdnsNamesStayUnresolved() throws Exception {
        IceCandidate srflx = candidate("2", IceCandidate.Type.SRFLX, "198.19.0.1", 40000, BASE, 65535);
        IceCandidateLine line = srflx.toSdpLine();
        assertThat(line.toString()).isEqualTo(
                "candidate:2 1 udp 1694498815 198.19.0.1 40000 typ srflx raddr 198.18.0.1 rport 5000");
        IceCandidate parsed = IceCandidate.fromSdp(line);
        assertThat(parsed.address()).isEqualTo(srflx.address());
        assertThat(parsed.relatedAddress()).isEqualTo(BASE);
        assertThat(parsed.priority()).isEqualTo(srflx.priority());
        assertThat(parsed.base()).isNull();

        IceCandidate mdns = IceCandidate.fromSdp(IceCandidateLine.parse(
                "candidate:1 1 UDP 2122260223 3f1b4c2a-8e7d-4f6a-b5c4-d3e2f1a0b9c8.local 54321 typ host"));
        assertThat(mdns.isResolved()).isFalse();
        assertThat(mdns.address().getHostString()).isEqualTo("3f1b4c2a-8e7d-4f6a-b5c4-d3e2f1a0b9c8.local");

        IceCandidate v6 = IceCandidate.fromSdp(IceCandidateLine.parse(
                "candidate:3 1 udp 2122262783 2001:2::5 9 typ host"));
        assertThat(v6.address().getAddress()).isEqualTo(InetAddress.getByName("2001:2::5"));
        assertThatThrownBy(() -> IceCandidate.fromSdp(IceCandidateLine.parse(
                "candidate:4 1 tcp 1518280447 198.18.0.1 9 typ host tcptype active")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generatedCredentialsMeetRfc8445Lengths() {
        SplittableRandom random = new SplittableRandom(1);
        IceAgent agent = new IceAgent(IceAgentConfig.defaults(IceRole.CONTROLLING), random);
        assertThat(agent.localUfrag()).hasSizeGreaterThanOrEqualTo(4).matches("[A-Za-z0-9+/]+");
        assertThat(agent.localPassword()).hasSizeGreaterThanOrEqualTo(22).matches("[A-Za-z0-9+/]+");
        IceAgent other = new IceAgent(IceAgentConfig.defaults(IceRole.CONTROLLING), random);
        assertThat(other.localUfrag()).isNotEqualTo(agent.localUfrag());
        assertThat(other.tieBreaker()).isNotEqualTo(agent.tieBreaker());
        assertThatThrownBy(() -> agent.setRemoteCredentials("ab", "x".repeat(22)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ufrag");
    }
}
