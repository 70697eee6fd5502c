package dev.peerlink.netsim;

import java.time.Duration;

/**
 * Everything that makes one NAT differ from another, in RFC 4787's terms.
 *
 * @param mapping          when an existing mapping is reused (RFC 4787 §4.1)
 * @param filtering        which inbound packets pass a mapping (RFC 4787 §5)
 * @param hairpinning      whether LAN hosts reach each other through the NAT's public mappings (RFC 4787 §6)
 * @param mappingLifetime  how long a UDP mapping lives after its last refresh (RFC 4787 §4.3; REQ-5 says at least
 *                         2 minutes for a compliant NAT, shorter values model the NATs that ignore it)
 * @param portPreservation whether a new mapping keeps the internal port when that external port is free
 *                         (RFC 4787 §4.2.1); otherwise ports are random from 1024-65535
 * @param portParity       whether a random external port has the internal port's parity (RFC 4787 §4.2.2)
 * @param inboundRefresh   whether inbound packets also refresh a mapping; outbound ones always do (RFC 4787 §4.3,
 *                         REQ-6)
 */
public record NatBehavior(MappingBehavior mapping, FilteringBehavior filtering, boolean hairpinning,
                          Duration mappingLifetime, boolean portPreservation, boolean portParity,
                          boolean inboundRefresh) {
    /** RFC 4787 §4.3 REQ-5's floor for UDP mapping lifetime. */
    public static final Duration DEFAULT_MAPPING_LIFETIME = Duration.ofSeconds(120);

    /** EIM/EIF, "full cone". */
    public static final NatBehavior FULL_CONE =
            of(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ENDPOINT_INDEPENDENT);
    /** EIM/ADF, "address-restricted cone". */
    public static final NatBehavior ADDRESS_RESTRICTED =
            of(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ADDRESS_DEPENDENT);
    /** EIM/APDF, "port-restricted cone", what most home routers do. */
    public static final NatBehavior PORT_RESTRICTED =
            of(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT);
    /** APDM/APDF, "symmetric": hole punching fails against another symmetric or port-restricted NAT. */
    public static final NatBehavior SYMMETRIC =
            of(MappingBehavior.ADDRESS_AND_PORT_DEPENDENT, FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT);

    public NatBehavior {
        if (mapping == null || filtering == null) {
            throw new IllegalArgumentException("a NAT needs both a mapping and a filtering behaviour");
        }
        if (mappingLifetime == null || mappingLifetime.isNegative() || mappingLifetime.isZero()) {
            throw new IllegalArgumentException("a NAT mapping lifetime must be positive, not " + mappingLifetime);
        }
    }

    /**
     * The given mapping and filtering with the defaults of a well-behaved home router: hairpinning on (RFC 4787
     * REQ-9), 120 s lifetime, port preservation on (as Linux does), no port parity, outbound-only refresh.
     */
    public static NatBehavior of(MappingBehavior mapping, FilteringBehavior filtering) {
        return new NatBehavior(mapping, filtering, true, DEFAULT_MAPPING_LIFETIME, true, false, false);
    }

    public NatBehavior withHairpinning(boolean enabled) {
        return new NatBehavior(mapping, filtering, enabled, mappingLifetime, portPreservation, portParity,
                inboundRefresh);
    }

    public NatBehavior withMappingLifetime(Duration lifetime) {
        return new NatBehavior(mapping, filtering, hairpinning, lifetime, portPreservation, portParity,
                inboundRefresh);
    }

    public NatBehavior withPortPreservation(boolean enabled) {
        return new NatBehavior(mapping, filtering, hairpinning, mappingLifetime, enabled, portParity, inboundRefresh);
    }

    public NatBehavior withPortParity(boolean enabled) {
        return new NatBehavior(mapping, filtering, hairpinning, mappingLifetime, portPreservation, enabled,
                inboundRefresh);
    }

    public NatBehavior withInboundRefresh(boolean enabled) {
        return new NatBehavior(mapping, filtering, hairpinning, mappingLifetime, portPreservation, portParity,
                enabled);
    }
}
