package dev.peerlink.netsim;

import java.net.InetAddress;

/** One address of a host or router on one {@link Segment}, with the {@link Link} that connects it there. */
public final class VirtualInterface {
    private final Node node;
    private final Segment segment;
    private final InetAddress address;
    private Link link;

    VirtualInterface(Node node, Segment segment, InetAddress address, Link link) {
        this.node = node;
        this.segment = segment;
        this.address = address;
        this.link = link;
    }

    public InetAddress address() {
        return address;
    }

    public Segment segment() {
        return segment;
    }

    /** The name of the host or router this interface belongs to. */
    public String ownerName() {
        return node.name();
    }

    public Link link() {
        return link;
    }

    /** Changes the link from now on; packets already on their way keep the delay they were given. */
    public void setLink(Link newLink) {
        if (newLink == null) {
            throw new IllegalArgumentException("a link is required; use Link.IDEAL for a perfect one");
        }
        this.link = newLink;
    }

    Node node() {
        return node;
    }

    @Override
    public String toString() {
        return node.name() + "@" + address.getHostAddress() + " on " + segment.name();
    }
}
