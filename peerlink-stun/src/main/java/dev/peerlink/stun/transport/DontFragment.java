package dev.peerlink.stun.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The don't-fragment bit on a UDP socket, which path MTU probes need (RFC 8899 §3: a probe that the network may
 * fragment proves nothing about the path). Linux sets it per socket with {@code IP_MTU_DISCOVER} (IPv4) and
 * {@code IPV6_MTU_DISCOVER} (IPv6) set to {@code IP_PMTUDISC_PROBE}: DF on every datagram, while the kernel's cached
 * path MTU does not cap what the socket may send (a probe larger than it must still go out). A datagram larger than
 * the interface MTU then fails with EMSGSIZE instead of being fragmented. Only native epoll sockets can set it; on NIO
 * and other systems DF is reported as unavailable, so probing stays off.
 */
public final class DontFragment {
    /** {@code IPPROTO_IP}, {@code IP_MTU_DISCOVER} (linux/in.h). */
    private static final IntegerUnixChannelOption IPV4 = new IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
    /** {@code IPPROTO_IPV6}, {@code IPV6_MTU_DISCOVER} (linux/in6.h). */
    private static final IntegerUnixChannelOption IPV6 = new IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
    /** {@code IP_PMTUDISC_PROBE} and {@code IPV6_PMTUDISC_PROBE}: DF set, the cached path MTU ignored. */
    private static final int PMTUDISC_PROBE = 3;
    /** IPv4 header (20) + UDP header (8). */
    public static final int IPV4_UDP_HEADERS = 28;
    /** IPv6 header (40) + UDP header (8). */
    public static final int IPV6_UDP_HEADERS = 48;

    private DontFragment() {
    }

    /**
     * Sets DF (probe mode) on a bound UDP socket; true when it is set for the socket's address family, as read back
     * from the socket. False for sockets that cannot have it (not native epoll), never an exception.
     */
    public static boolean apply(Channel channel) {
        if (!(channel instanceof EpollDatagramChannel) || !(channel.localAddress() instanceof InetSocketAddress local)) {
            return false;
        }
        boolean ipv6 = local.getAddress() instanceof Inet6Address;
        IntegerUnixChannelOption option = ipv6 ? IPV6 : IPV4;
        try {
            if (!ipv6) {
                // A dual-stack (AF_INET6) socket sends IPv4 traffic too; Linux applies the IPv6 option to it only
                // on such a socket, where setting it succeeds. On a plain IPv4 socket it fails: that is fine.
                trySet(channel, IPV6);
            }
            channel.config().setOption(option, PMTUDISC_PROBE);
            Integer now = channel.config().getOption(option);
            return now != null && now == PMTUDISC_PROBE;
        } catch (ChannelException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void trySet(Channel channel, IntegerUnixChannelOption option) {
        try {
            channel.config().setOption(option, PMTUDISC_PROBE);
        } catch (ChannelException | UnsupportedOperationException e) {
            // not an IPv6 socket
        }
    }

    /** The IP and UDP headers in front of a UDP payload sent from {@code local}. */
    public static int udpHeaders(InetSocketAddress local) {
        return local.getAddress() instanceof Inet6Address ? IPV6_UDP_HEADERS : IPV4_UDP_HEADERS;
    }
}
