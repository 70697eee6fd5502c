package dev.peerlink.ice.netty;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Picks the local IP addresses to open host candidates on (RFC 8445 §5.1.1.1: "every IP address the agent has on
 * its interfaces", within what the application allows). By default: interfaces that are up, not loopback, not
 * point-to-point; IPv4 and IPv6 global or unique-local addresses, no IPv6 link-local ones (RFC 8445 §5.1.1.1 says
 * not to use them unless both peers are on the same link, which a browser never assumes).
 *
 * <p>Include filters narrow the choice (an address must match one of them when any is given); exclude filters
 * always win. A test restricts the gatherer to exactly one address with {@link Builder#includeAddress}, so that
 * nothing it does reaches this machine's real networks.
 */
public final class HostAddressGatherer {
    /** One interface as the operating system reports it; what {@link #select} filters. */
    public record LocalInterface(String name, int index, boolean up, boolean loopback, boolean pointToPoint,
                                 List<InetAddress> addresses) {
        public LocalInterface {
            addresses = List.copyOf(addresses);
        }
    }

    /** A usable address and the interface it belongs to (the mDNS resolver sends on that interface). */
    public record HostAddress(InetAddress address, String interfaceName, int interfaceIndex) {
        /** The live interface, or null if it has gone since it was gathered. */
        public NetworkInterface networkInterface() throws SocketException {
            return NetworkInterface.getByIndex(interfaceIndex);
        }
    }

    private final boolean allowLoopback;
    private final boolean allowPointToPoint;
    private final boolean allowLinkLocalIpv6;
    private final boolean ipv4;
    private final boolean ipv6;
    private final Set<String> includedInterfaces;
    private final Set<String> excludedInterfaces;
    private final List<AddressPrefix> includedAddresses;
    private final List<AddressPrefix> excludedAddresses;

    private HostAddressGatherer(Builder builder) {
        this.allowLoopback = builder.allowLoopback;
        this.allowPointToPoint = builder.allowPointToPoint;
        this.allowLinkLocalIpv6 = builder.allowLinkLocalIpv6;
        this.ipv4 = builder.ipv4;
        this.ipv6 = builder.ipv6;
        this.includedInterfaces = Set.copyOf(builder.includedInterfaces);
        this.excludedInterfaces = Set.copyOf(builder.excludedInterfaces);
        this.includedAddresses = List.copyOf(builder.includedAddresses);
        this.excludedAddresses = List.copyOf(builder.excludedAddresses);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: every usable non-loopback address of this machine. */
    public static HostAddressGatherer defaults() {
        return builder().build();
    }

    /** Only {@code address} (which may be loopback), e.g. the host side of a test's veth link or 127.0.0.1. */
    public static HostAddressGatherer only(InetAddress address) {
        return builder().allowLoopback(true).allowPointToPoint(true).allowLinkLocalIpv6(true)
                .includeAddress(AddressPrefix.of(address)).build();
    }

    /** The machine's interfaces now, filtered; in interface order, each interface's addresses as reported. */
    public List<HostAddress> gather() throws SocketException {
        List<LocalInterface> interfaces = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            List<InetAddress> addresses = Collections.list(nic.getInetAddresses());
            // Each flag costs a system call (on the path of every connect): asked only of interfaces that could
            // give an address.
            if (nameAllowed(nic.getName()) && addresses.stream().anyMatch(this::isUsable)) {
                interfaces.add(new LocalInterface(nic.getName(), nic.getIndex(), nic.isUp(), nic.isLoopback(),
                        nic.isPointToPoint(), addresses));
            }
        }
        return select(interfaces);
    }

    /** The filtering {@link #gather} applies, on interfaces given by the caller. */
    public List<HostAddress> select(List<LocalInterface> interfaces) {
        List<HostAddress> chosen = new ArrayList<>();
        for (LocalInterface nic : interfaces) {
            if (!nic.up() || (nic.loopback() && !allowLoopback) || (nic.pointToPoint() && !allowPointToPoint)
                    || !nameAllowed(nic.name())) {
                continue;
            }
            for (InetAddress address : nic.addresses()) {
                if (isUsable(address)) {
                    chosen.add(new HostAddress(address, nic.name(), nic.index()));
                }
            }
        }
        return chosen;
    }

    private boolean nameAllowed(String interfaceName) {
        return !excludedInterfaces.contains(interfaceName)
                && (includedInterfaces.isEmpty() || includedInterfaces.contains(interfaceName));
    }

    private boolean isUsable(InetAddress address) {
        if (address instanceof Inet4Address ? !ipv4 : !ipv6) {
            return false;
        }
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        if (address.isLoopbackAddress() && !allowLoopback) {
            return false;
        }
        if (address instanceof Inet6Address && address.isLinkLocalAddress() && !allowLinkLocalIpv6) {
            return false;
        }
        for (AddressPrefix excluded : excludedAddresses) {
            if (excluded.contains(address)) {
                return false;
            }
        }
        if (includedAddresses.isEmpty()) {
            return true;
        }
        for (AddressPrefix included : includedAddresses) {
            if (included.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "HostAddressGatherer[loopback=" + allowLoopback + ", pointToPoint=" + allowPointToPoint
                + ", linkLocalIpv6=" + allowLinkLocalIpv6 + ", ipv4=" + ipv4 + ", ipv6=" + ipv6
                + ", interfaces +" + includedInterfaces + " -" + excludedInterfaces
                + ", addresses +" + includedAddresses + " -" + excludedAddresses + "]";
    }

    public static final class Builder {
        private boolean allowLoopback;
        private boolean allowPointToPoint;
        private boolean allowLinkLocalIpv6;
        private boolean ipv4 = true;
        private boolean ipv6 = true;
        private final Set<String> includedInterfaces = new LinkedHashSet<>();
        private final Set<String> excludedInterfaces = new LinkedHashSet<>();
        private final List<AddressPrefix> includedAddresses = new ArrayList<>();
        private final List<AddressPrefix> excludedAddresses = new ArrayList<>();

        private Builder() {
        }

        /** Loopback interfaces and addresses (off by default: a peer elsewhere cannot reach them). */
        public Builder allowLoopback(boolean value) {
            this.allowLoopback = value;
            return this;
        }

        /** Point-to-point interfaces such as VPN tunnels (off by default). */
        public Builder allowPointToPoint(boolean value) {
            this.allowPointToPoint = value;
            return this;
        }

        /** IPv6 link-local addresses, fe80::/10 (off by default, RFC 8445 §5.1.1.1). */
        public Builder allowLinkLocalIpv6(boolean value) {
            this.allowLinkLocalIpv6 = value;
            return this;
        }

        public Builder ipv4(boolean value) {
            this.ipv4 = value;
            return this;
        }

        public Builder ipv6(boolean value) {
            this.ipv6 = value;
            return this;
        }

        /** Only interfaces with these names (all of them when none is given). */
        public Builder includeInterface(String name) {
            this.includedInterfaces.add(requireName(name));
            return this;
        }

        public Builder excludeInterface(String name) {
            this.excludedInterfaces.add(requireName(name));
            return this;
        }

        /** Only addresses inside these blocks, e.g. {@code "198.19.0.1"} or {@code "10.0.0.0/8"}. */
        public Builder includeAddress(String cidr) {
            return includeAddress(AddressPrefix.parse(cidr));
        }

        public Builder includeAddress(AddressPrefix prefix) {
            this.includedAddresses.add(prefix);
            return this;
        }

        public Builder excludeAddress(String cidr) {
            return excludeAddress(AddressPrefix.parse(cidr));
        }

        public Builder excludeAddress(AddressPrefix prefix) {
            this.excludedAddresses.add(prefix);
            return this;
        }

        private static String requireName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("an interface name must not be blank");
            }
            return name;
        }

        public HostAddressGatherer build() {
            if (!ipv4 && !ipv6) {
                throw new IllegalArgumentException("a gatherer with neither IPv4 nor IPv6 would find no address");
            }
            return new HostAddressGatherer(this);
        }
    }
}
