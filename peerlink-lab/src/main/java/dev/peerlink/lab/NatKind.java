package dev.peerlink.lab;

/**
 * What a lab router does between its LAN and the lab's internet. Each kind is made of real kernel rules
 * ({@link RouterRules} has them); the RFC 4787 behaviour each one shows is what {@code nat-type} measured in the
 * lab, recorded in docs/lab.md and asserted by LabNatBehaviourTest.
 */
public enum NatKind {
    /** Endpoint-independent mapping and filtering: SNAT to the WAN address plus a DNAT of all inbound UDP. */
    FULL_CONE("full-cone"),
    /** Full-cone rules plus an nftables filter that admits inbound UDP only from addresses the mapping sent to. */
    ADDRESS_RESTRICTED("address-restricted"),
    /** Plain MASQUERADE: Linux conntrack keeps the port (EIM) and admits only replies (APDF). */
    PORT_RESTRICTED("port-restricted"),
    /** MASQUERADE --random-fully: a new random port for every new destination (APDM). */
    SYMMETRIC("symmetric"),
    /** MASQUERADE, all UDP dropped, only TCP to port 443 let out: TURN over TLS on 443 must carry the call. */
    FIREWALL_TCP_443("firewall-tcp-443");

    private final String label;

    NatKind(String label) {
        this.label = label;
    }

    /** The name used on command lines and in reports, e.g. {@code port-restricted}. */
    public String label() {
        return label;
    }

    /** The kind with this label; the error names the labels there are. */
    public static NatKind fromLabel(String label) {
        for (NatKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        StringBuilder known = new StringBuilder();
        for (NatKind kind : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(kind.label);
        }
        throw new IllegalArgumentException("unknown NAT kind \"" + label + "\"; known kinds: " + known);
    }
}
