package dev.peerlink.turn.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides whether the TURN server may relay to a peer address. It guards CreatePermission (RFC 8656 §9.3: a
 * refused XOR-PEER-ADDRESS is answered 403 Forbidden), ChannelBind (§11.2, also 403) and each Send indication
 * (§10.2, silently discarded). Immutable and thread-safe; {@link #isAllowed(byte[], int)} allocates nothing.
 *
 * <p>Why a default deny list: RFC 8656 §21.2.2 (blacklisted IP addresses) and §21.3.2 (anonymous relaying) leave
 * filtering to the operator, but a relay on the public Internet that forwards to 127.0.0.1, 10.0.0.0/8 or the
 * cloud metadata address 169.254.169.254 hands any authenticated user a way into the server's own network. So
 * every address that is not globally reachable unicast (the RFC 6890 special-purpose registries, plus multicast,
 * broadcast and reserved space) is refused unless the configuration allows it explicitly.
 *
 * <p>The order of the rules, first match wins:
 * <ol>
 *   <li>Normalise: an IPv6 address that embeds an IPv4 address the network would deliver to — IPv4-mapped
 *       {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96} (RFC 4291 §2.5.5), 6to4 {@code 2002::/16} (RFC 3056
 *       §2) and the NAT64 well-known prefix {@code 64:ff9b::/96} (RFC 6052 §2.1) — is judged as that IPv4 address
 *       too, so {@code ::ffff:127.0.0.1} is loopback. The NAT64 local-use prefix {@code 64:ff9b:1::/48} (RFC 8215)
 *       cannot be normalised: where the IPv4 address sits depends on the prefix length the local operator chose
 *       (RFC 6052 §2.2 allows /48 to /96), so an attacker could pick the layout that hides it. It is refused.</li>
 *   <li>The server's own listening and relay transport addresses (IP and port) are always refused: relaying to
 *       them makes the server talk to itself, the loop of RFC 8656 §21.1.7. No allow entry overrides this.</li>
 *   <li>Explicitly allowed ({@code --allowed-peer-ip}, or {@code --allow-loopback-peers} for 127.0.0.0/8 and
 *       {@code ::1}): allowed. As in coturn, an address both allowed and denied is allowed, so an operator can
 *       deny a range and open a few addresses inside it.</li>
 *   <li>Explicitly denied ({@code --denied-peer-ip}): refused.</li>
 *   <li>The server's own IP addresses are refused except on its relay ports: two clients of the same server
 *       reach each other through their relayed addresses (ports in the relay range), but any other port on the
 *       server's IP is a service of the server's host that a relay must not open to its users.</li>
 *   <li>The default deny list below.</li>
 * </ol>
 * A list entry matches an address if it contains the address as written or its normalised IPv4 form.
 */
public final class PeerAddressPolicy {
    /** Whether the peer may be relayed to, and if not, why (for logs and tests; never sent to the client). */
    public record Verdict(boolean allowed, String reason) {
        public static final Verdict ALLOWED = new Verdict(true, "allowed");

        static Verdict refused(String reason) {
            return new Verdict(false, reason);
        }
    }

    /** A port value meaning "any port": CreatePermission installs a permission for an IP address (§9). */
    public static final int ANY_PORT = -1;

    /**
     * RFC 6890 §2.2.2 special-purpose IPv4 addresses that are not globally reachable, plus multicast (RFC 5771),
     * limited broadcast and the reserved 240/4 (RFC 1112 §4). Left out, as globally reachable anycast services a
     * peer could legitimately be: 192.31.196.0/24 and 192.175.48.0/24 (AS112) and 192.52.193.0/24 (AMT). The 6to4
     * relay anycast 192.88.99.0/24 (deprecated by RFC 7526) is refused: relaying into a 6to4 tunnel is the
     * amplification path of RFC 8656 §21.4.
     */
    private static final List<IpRange> DEFAULT_DENIED_IPV4 = List.of(
            range("0.0.0.0/8", "unspecified"),
            range("10.0.0.0/8", "private"),
            range("100.64.0.0/10", "shared address space"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local"),
            range("172.16.0.0/12", "private"),
            range("192.0.0.0/24", "IETF protocol assignments"),
            range("192.0.2.0/24", "documentation"),
            range("192.88.99.0/24", "6to4 relay anycast"),
            range("192.168.0.0/16", "private"),
            range("198.18.0.0/15", "benchmarking"),
            range("198.51.100.0/24", "documentation"),
            range("203.0.113.0/24", "documentation"),
            range("224.0.0.0/4", "multicast"),
            range("255.255.255.255/32", "broadcast"),
            range("240.0.0.0/4", "reserved"));

    /**
     * RFC 6890 §2.2.3 special-purpose IPv6 addresses, the later documentation prefix 3fff::/20 (RFC 9637), the
     * deprecated site-local fec0::/10 (RFC 3879), multicast, and finally everything outside the global unicast
     * space 2000::/3 (RFC 4291 §2.4), which covers what the IANA has not allocated. The whole of 2001::/23 (IETF
     * protocol assignments: Teredo, benchmarking, ORCHID, AMT, anycast services) is refused: none of it is a
     * WebRTC peer, and Teredo is a tunnel (RFC 8656 §21.4). More specific reasons come first.
     */
    private static final List<IpRange> DEFAULT_DENIED_IPV6 = List.of(
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("64:ff9b:1::/48", "NAT64 local-use prefix, embedded IPv4 address unknown"),
            range("100::/64", "discard-only"),
            range("2001::/32", "Teredo"),
            range("2001:2::/48", "benchmarking"),
            range("2001::/23", "IETF protocol assignments"),
            range("2001:db8::/32", "documentation"),
            range("3fff::/20", "documentation"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "site-local"),
            range("fc00::/7", "unique local"),
            range("ff00::/8", "multicast"),
            outsideGlobalUnicast("::-1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            outsideGlobalUnicast("4000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));

    private static final IpRange LOOPBACK_IPV4 = IpRange.cidr("127.0.0.0/8");
    private static final IpRange LOOPBACK_IPV6 = IpRange.cidr("::1/128");

    // Kinds of embedded IPv4 address, as returned in bits 32.. of embeddedIpv4().
    private static final int MAPPED = 1;
    private static final int COMPATIBLE = 2;
    private static final int SIX_TO_FOUR = 3;
    private static final int NAT64 = 4;
    private static final String[] EMBEDDING_NAMES = {
        "", "IPv4-mapped ::ffff:0:0/96", "IPv4-compatible ::/96", "6to4 2002::/16", "NAT64 64:ff9b::/96"};

    /** Rule outcomes from {@link #decide}: negative means allowed, others index a reason. */
    private static final int ALLOW = -1;
    private static final int OWN_TRANSPORT_ADDRESS = -2;
    private static final int OWN_IP_OUTSIDE_RELAY_PORTS = -3;
    private static final int EXPLICITLY_DENIED = -4;
    private static final int NOT_AN_ADDRESS = -5;

    private final IpRange[] allowed;
    private final IpRange[] denied;
    private final IpRange[] defaultDenied;
    private final boolean allowLoopback;
    private final long[] ownHigh;
    private final long[] ownLow;
    private final boolean[] ownIsIpv4;
    private final int[] ownPorts;
    private final int relayPortMin;
    private final int relayPortMax;

    private PeerAddressPolicy(Builder builder) {
        this.allowed = builder.allowed.toArray(IpRange[]::new);
        this.denied = builder.denied.toArray(IpRange[]::new);
        List<IpRange> defaults = new ArrayList<>(DEFAULT_DENIED_IPV4);
        defaults.addAll(DEFAULT_DENIED_IPV6);
        this.defaultDenied = defaults.toArray(IpRange[]::new);
        this.allowLoopback = builder.allowLoopback;
        int count = builder.own.size();
        this.ownHigh = new long[count];
        this.ownLow = new long[count];
        this.ownIsIpv4 = new boolean[count];
        this.ownPorts = new int[count];
        for (int i = 0; i < count; i++) {
            InetSocketAddress own = builder.own.get(i);
            byte[] ip = own.getAddress().getAddress();
            long high = ip.length == 4 ? 0 : IpRange.readLong(ip, 0);
            long low = ip.length == 4 ? IpRange.readInt(ip) : IpRange.readLong(ip, 8);
            long embedded = ip.length == 4 ? -1 : embeddedIpv4(high, low);
            ownIsIpv4[i] = ip.length == 4 || embedded >= 0;
            ownHigh[i] = ownIsIpv4[i] ? 0 : high;
            ownLow[i] = ip.length == 4 ? low : embedded >= 0 ? embedded & 0xFFFF_FFFFL : low;
            ownPorts[i] = own.getPort();
        }
        this.relayPortMin = builder.relayPortMin;
        this.relayPortMax = builder.relayPortMax;
    }

    private static IpRange range(String cidr, String name) {
        IpRange range = IpRange.cidr(cidr);
        return new IpRange(range.ipv4(), range.firstHigh(), range.firstLow(), range.lastHigh(), range.lastLow(),
                name + " (" + cidr + ")");
    }

    private static IpRange outsideGlobalUnicast(String span) {
        IpRange range = IpRange.parse(span);
        return new IpRange(false, range.firstHigh(), range.firstLow(), range.lastHigh(), range.lastLow(),
                "not global unicast (outside 2000::/3)");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The secure defaults with nothing allowed, no own addresses known. */
    public static PeerAddressPolicy defaults() {
        return builder().build();
    }

    /** For CreatePermission, whose permission covers every port of the IP address (RFC 8656 §9). */
    public Verdict check(InetAddress peer) {
        return check(peer.getAddress(), ANY_PORT);
    }

    /** For ChannelBind and Send, which name a transport address. */
    public Verdict check(InetSocketAddress peer) {
        if (peer.isUnresolved()) {
            return Verdict.refused("unresolved address " + peer.getHostString());
        }
        return check(peer.getAddress().getAddress(), peer.getPort());
    }

    /** The verdict with its reason; {@code ip} is 4 or 16 bytes, {@code port} may be {@link #ANY_PORT}. */
    public Verdict check(byte[] ip, int port) {
        if (ip.length != 4 && ip.length != 16) {
            throw new IllegalArgumentException("an IP address is 4 or 16 bytes, not " + ip.length);
        }
        int rule = decide(ip, port);
        if (rule == ALLOW) {
            return Verdict.ALLOWED;
        }
        String embedding = "";
        if (ip.length == 16) {
            long embedded = embeddedIpv4(IpRange.readLong(ip, 0), IpRange.readLong(ip, 8));
            if (embedded >= 0) {
                embedding = " via " + EMBEDDING_NAMES[(int) (embedded >>> 32)];
            }
        }
        String reason = switch (rule) {
            case OWN_TRANSPORT_ADDRESS -> "the server's own transport address";
            case OWN_IP_OUTSIDE_RELAY_PORTS -> "the server's own IP address outside its relay ports "
                    + relayPortMin + "–" + relayPortMax;
            case EXPLICITLY_DENIED -> "denied-peer-ip " + deniedMatch(ip);
            default -> defaultDenied[rule].description();
        };
        return Verdict.refused(reason + embedding);
    }

    /** The allocation-free form of {@link #check(byte[], int)} for the relay path. */
    public boolean isAllowed(byte[] ip, int port) {
        return decide(ip, port) == ALLOW;
    }

    private int decide(byte[] ip, int port) {
        boolean v4;
        long high;
        long low;
        long embedded = -1;
        if (ip.length == 4) {
            v4 = true;
            high = 0;
            low = IpRange.readInt(ip);
        } else if (ip.length == 16) {
            high = IpRange.readLong(ip, 0);
            low = IpRange.readLong(ip, 8);
            embedded = embeddedIpv4(high, low);
            v4 = false;
        } else {
            return NOT_AN_ADDRESS;
        }
        long asIpv4 = v4 ? low : embedded >= 0 ? embedded & 0xFFFF_FFFFL : -1;
        if (port != ANY_PORT && isOwnTransportAddress(v4, high, low, asIpv4, port)) {
            return OWN_TRANSPORT_ADDRESS;
        }
        if (matches(allowed, v4, high, low, asIpv4) || allowLoopback && isLoopback(v4, high, low, asIpv4)) {
            return ALLOW;
        }
        if (matches(denied, v4, high, low, asIpv4)) {
            return EXPLICITLY_DENIED;
        }
        if (port != ANY_PORT && (port < relayPortMin || port > relayPortMax)
                && isOwnIp(v4, high, low, asIpv4)) {
            return OWN_IP_OUTSIDE_RELAY_PORTS;
        }
        for (int i = 0; i < defaultDenied.length; i++) {
            IpRange range = defaultDenied[i];
            if (asIpv4 >= 0 ? range.containsIpv4(asIpv4) : range.containsIpv6(high, low)) {
                return i;
            }
        }
        return ALLOW;
    }

    /**
     * The IPv4 address an IPv6 address stands for, with its kind in bits 32 and up, or -1. {@code ::} and
     * {@code ::1} are not IPv4-compatible addresses (RFC 4291 §2.5.5.1 excludes them): they keep their own meaning.
     */
    private static long embeddedIpv4(long high, long low) {
        if (high == 0 && (low >>> 32) == 0xFFFFL) {
            return ((long) MAPPED << 32) | (low & 0xFFFF_FFFFL); // RFC 4291 §2.5.5.2
        }
        if (high == 0 && (low >>> 32) == 0 && low > 1) {
            return ((long) COMPATIBLE << 32) | low; // RFC 4291 §2.5.5.1
        }
        if ((high >>> 48) == 0x2002L) {
            return ((long) SIX_TO_FOUR << 32) | ((high >>> 16) & 0xFFFF_FFFFL); // RFC 3056 §2: 2002:V4ADDR::/48
        }
        if (high == 0x0064_ff9b_0000_0000L && (low >>> 32) == 0) {
            return ((long) NAT64 << 32) | low; // RFC 6052 §2.2: a /96 prefix puts the IPv4 address in bits 96–127
        }
        return -1;
    }

    private static boolean matches(IpRange[] ranges, boolean v4, long high, long low, long asIpv4) {
        for (IpRange range : ranges) {
            if (matches(range, v4, high, low, asIpv4)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code range} holds the address as written or its normalised IPv4 form. */
    private static boolean matches(IpRange range, boolean v4, long high, long low, long asIpv4) {
        if (v4) {
            return range.containsIpv4(low);
        }
        return range.containsIpv6(high, low) || asIpv4 >= 0 && range.containsIpv4(asIpv4);
    }

    private static boolean isLoopback(boolean v4, long high, long low, long asIpv4) {
        return asIpv4 >= 0 ? LOOPBACK_IPV4.containsIpv4(asIpv4) : !v4 && LOOPBACK_IPV6.containsIpv6(high, low);
    }

    private boolean isOwnIp(boolean v4, long high, long low, long asIpv4) {
        for (int i = 0; i < ownPorts.length; i++) {
            if (ownIsIpv4[i] ? asIpv4 == ownLow[i] : !v4 && high == ownHigh[i] && low == ownLow[i]) {
                return true;
            }
        }
        return false;
    }

    private boolean isOwnTransportAddress(boolean v4, long high, long low, long asIpv4, int port) {
        for (int i = 0; i < ownPorts.length; i++) {
            boolean sameIp = ownIsIpv4[i] ? asIpv4 == ownLow[i] : !v4 && high == ownHigh[i] && low == ownLow[i];
            if (sameIp && port == ownPorts[i]) {
                return true;
            }
        }
        return false;
    }

    private String deniedMatch(byte[] ip) {
        boolean v4 = ip.length == 4;
        long high = v4 ? 0 : IpRange.readLong(ip, 0);
        long low = v4 ? IpRange.readInt(ip) : IpRange.readLong(ip, 8);
        long embedded = v4 ? -1 : embeddedIpv4(high, low);
        long asIpv4 = v4 ? low : embedded >= 0 ? embedded & 0xFFFF_FFFFL : -1;
        for (IpRange range : denied) {
            if (matches(range, v4, high, low, asIpv4)) {
                return range.description();
            }
        }
        return "";
    }

    /** Collects the configuration; {@link #build} makes the immutable policy. */
    public static final class Builder {
        private final List<IpRange> allowed = new ArrayList<>();
        private final List<IpRange> denied = new ArrayList<>();
        private final List<InetSocketAddress> own = new ArrayList<>();
        private boolean allowLoopback;
        private int relayPortMin = 49152; // RFC 8656 §6.2: the server SHOULD allocate from 49152–65535
        private int relayPortMax = 65535;

        private Builder() {
        }

        /** coturn's {@code --allowed-peer-ip}: "IP", "IP1-IP2" or CIDR. */
        public Builder allow(String range) {
            allowed.add(IpRange.parse(range));
            return this;
        }

        /** coturn's {@code --denied-peer-ip}: "IP", "IP1-IP2" or CIDR. */
        public Builder deny(String range) {
            denied.add(IpRange.parse(range));
            return this;
        }

        /** coturn's {@code --allow-loopback-peers}: for tests on one machine, never for production. */
        public Builder allowLoopback(boolean allow) {
            this.allowLoopback = allow;
            return this;
        }

        /** A listening or relay transport address of this server; its IP is also treated as the server's own. */
        public Builder ownAddress(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("the server's own address " + address + " must be an IP address");
            }
            own.add(address);
            return this;
        }

        /** The port range relayed transport addresses are allocated from. */
        public Builder relayPorts(int min, int max) {
            if (min < 1 || max > 65535 || min > max) {
                throw new IllegalArgumentException("the relay port range must lie within 1–65535 and not be empty,"
                        + " got " + min + "–" + max);
            }
            this.relayPortMin = min;
            this.relayPortMax = max;
            return this;
        }

        public PeerAddressPolicy build() {
            return new PeerAddressPolicy(this);
        }
    }
}
