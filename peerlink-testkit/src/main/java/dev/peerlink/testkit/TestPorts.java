package dev.peerlink.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import java.util.List;

/** Free loopback ports for servers the tests start (a small race with other processes is accepted). */
public final class TestPorts {
    private TestPorts() {
    }

    /** A port free for both UDP and TCP on every given address, as coturn and peerlink use one port for both. */
    public static int free(InetAddress... addresses) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress(addresses[0], 0))) {
                port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
            } catch (IOException e) {
                throw new IllegalStateException("cannot bind a UDP port on " + addresses[0], e);
            }
            if (port < 65000 && allFree(port, addresses)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port found on " + List.of(addresses));
    }

    /** A port P with P and P+1 free on every given address (RFC 5780 servers use two ports). */
    public static int freePair(InetAddress... addresses) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = free(addresses);
            if (allFree(port + 1, addresses)) {
                return port;
            }
        }
        throw new IllegalStateException("no free pair of ports found on " + List.of(addresses));
    }

    private static boolean allFree(int port, InetAddress... addresses) {
        for (InetAddress address : addresses) {
            try (DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress(address, port));
                 ServerSocket tcp = new ServerSocket(port, 1, address)) {
                // both bindable
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    public static InetAddress loopback(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
