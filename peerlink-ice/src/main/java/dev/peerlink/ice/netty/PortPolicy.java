package dev.peerlink.ice.netty;

/**
 * Which UDP ports an {@link IceSession} binds its host candidates to.
 *
 * @param minPort                 lowest port, or 0 with {@code maxPort} 0 for ports the system chooses
 * @param maxPort                 highest port (inclusive)
 * @param samePortOnEveryAddress  bind one port number on every gathered address, for firewalls configured with a
 *                                single port
 */
public record PortPolicy(int minPort, int maxPort, boolean samePortOnEveryAddress) {
    /** Ports the system chooses, one per address. */
    public static final PortPolicy EPHEMERAL = new PortPolicy(0, 0, false);

    public PortPolicy {
        boolean ephemeral = minPort == 0 && maxPort == 0;
        if (!ephemeral && (minPort < 1 || maxPort > 65_535 || minPort > maxPort)) {
            throw new IllegalArgumentException("a port range is 1–65535 with the lowest port first, not "
                    + minPort + "–" + maxPort);
        }
    }

    /** Ports from {@code minPort} to {@code maxPort}, tried from a random point in the range. */
    public static PortPolicy range(int minPort, int maxPort) {
        return new PortPolicy(minPort, maxPort, false);
    }

    public PortPolicy withSamePortOnEveryAddress() {
        return new PortPolicy(minPort, maxPort, true);
    }

    public boolean isEphemeral() {
        return minPort == 0;
    }

    public int size() {
        return isEphemeral() ? 0 : maxPort - minPort + 1;
    }
}
