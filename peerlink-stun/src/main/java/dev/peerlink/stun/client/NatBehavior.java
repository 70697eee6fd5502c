package dev.peerlink.stun.client;

import java.net.InetSocketAddress;

/**
 * What RFC 5780 discovery found, in RFC 4787 terms.
 *
 * @param localAddress   the client's own address
 * @param mappedAddress  the address the server saw
 * @param mapping        how the NAT picks external ports (RFC 4787 §4.1)
 * @param filtering      which inbound packets the NAT lets through (RFC 4787 §5)
 */
public record NatBehavior(InetSocketAddress localAddress, InetSocketAddress mappedAddress, Behavior mapping,
                          Behavior filtering) {

    /** RFC 4787 names for both mapping and filtering behaviour. */
    public enum Behavior {
        ENDPOINT_INDEPENDENT("endpoint-independent"),
        ADDRESS_DEPENDENT("address-dependent"),
        ADDRESS_AND_PORT_DEPENDENT("address-and-port-dependent");

        private final String rfcName;

        Behavior(String rfcName) {
            this.rfcName = rfcName;
        }

        public String rfcName() {
            return rfcName;
        }
    }

    /** True when the server saw the client's own address: no NAT on the path. */
    public boolean behindNat() {
        return !localAddress.equals(mappedAddress);
    }

    /** The classic (RFC 3489) name users search for. */
    public String commonName() {
        if (mapping != Behavior.ENDPOINT_INDEPENDENT) {
            return "symmetric NAT";
        }
        String kind = switch (filtering) {
            case ENDPOINT_INDEPENDENT -> behindNat() ? "full-cone NAT" : "no NAT, no filtering firewall";
            case ADDRESS_DEPENDENT -> behindNat() ? "address-restricted-cone NAT" : "no NAT, address-filtering firewall";
            case ADDRESS_AND_PORT_DEPENDENT -> behindNat() ? "port-restricted-cone NAT"
                    : "no NAT, port-filtering firewall";
        };
        return kind;
    }

    /** What this means for a peer-to-peer connection, in a sentence or two. */
    public String p2pOutlook() {
        if (mapping == Behavior.ENDPOINT_INDEPENDENT && filtering == Behavior.ENDPOINT_INDEPENDENT) {
            return "Direct peer-to-peer connections work with almost any peer; others can reach you at the "
                    + "mapped address once you have sent one packet.";
        }
        if (mapping == Behavior.ENDPOINT_INDEPENDENT) {
            return "Direct peer-to-peer connections work through ICE hole punching with most peers, including "
                    + "others behind cone NATs; a peer behind a symmetric NAT may need a TURN relay.";
        }
        return "Your NAT gives each destination its own port, so hole punching works only with peers whose NAT "
                + "filters endpoint-independently or who have no NAT; with a port-restricted or symmetric NAT on "
                + "the other side, expect to need a TURN relay.";
    }
}
