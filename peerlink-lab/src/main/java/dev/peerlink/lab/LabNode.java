package dev.peerlink.lab;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * One machine in the lab: a network namespace with its addresses.
 *
 * @param role       what it is in this lab: {@code internet}, {@code server}, {@code router-NAME},
 *                   {@code NAME-hostN}, or {@code public-NAME}
 * @param namespace  the network namespace's name ({@code ip netns exec NAMESPACE ...})
 * @param addresses  its IPv4 addresses, the main one first (all in 198.18.0.0/15)
 * @param gateway    where its default route points, when it has one
 */
public record LabNode(String role, String namespace, List<InetAddress> addresses, Optional<InetAddress> gateway) {
    public LabNode {
        addresses = List.copyOf(addresses);
    }

    /** The main address: the one a program inside uses toward the lab's internet. */
    public InetAddress address() {
        return addresses.getFirst();
    }

    /** The words that run a program inside: {@code ip netns exec NAMESPACE}. */
    public List<String> execPrefix() {
        return List.of("ip", "netns", "exec", namespace);
    }
}
