package dev.peerlink.lab;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The commands that turn a lab router into each {@link NatKind}, run inside the router's namespace (so they touch
 * nothing outside the lab). The router's interfaces are {@code wan} (toward the internet bridge) and {@code br}
 * (the LAN bridge). docs/lab.md quotes these rules and what nat-type measured behind each.
 */
public final class RouterRules {
    /** The router's WAN interface, in its own namespace. */
    public static final String WAN = "wan";
    /** The router's LAN bridge, in its own namespace. */
    public static final String LAN = "br";

    /** A command for the router's namespace, with what to feed its standard input (an nft script) or null. */
    public record RuleCommand(List<String> argv, String stdin) {
        public RuleCommand {
            argv = List.copyOf(argv);
        }

        static RuleCommand of(String... argv) {
            return new RuleCommand(List.of(argv), null);
        }

        @Override
        public String toString() {
            return String.join(" ", argv) + (stdin == null ? "" : " <<'EOF'\n" + stdin + "EOF");
        }
    }

    private RouterRules() {
    }

    /**
     * The rules for {@code kind}.
     *
     * @param wanAddress  the router's address on the internet, the NAT's external address
     * @param lanHost     the LAN's first host, where full-cone rules forward unsolicited inbound UDP
     */
    public static List<RuleCommand> forKind(NatKind kind, InetAddress wanAddress, InetAddress lanHost) {
        String wan = wanAddress.getHostAddress();
        String host = lanHost.getHostAddress();
        List<RuleCommand> rules = new ArrayList<>();
        switch (kind) {
            case FULL_CONE -> fullCone(rules, wan, host);
            case ADDRESS_RESTRICTED -> {
                fullCone(rules, wan, host);
                // RFC 4787 §5 address-dependent filtering, per mapping: outbound UDP records (remote address,
                // mapped port) in a set; unsolicited inbound UDP passes only if its (source address, port) pair
                // is there, whatever its source port. The LAN port is the external port: SNAT keeps it.
                rules.add(new RuleCommand(List.of("nft", "-f", "-"), """
                        table ip peerlink_lab {
                          set contacted {
                            type ipv4_addr . inet_service
                            flags dynamic, timeout
                            timeout 5m
                          }
                          chain forward {
                            type filter hook forward priority filter; policy accept;
                            iifname "br" oifname "wan" meta l4proto udp update @contacted { ip daddr . udp sport }
                            iifname "wan" oifname "br" meta l4proto udp ip saddr . udp dport != @contacted drop
                          }
                        }
                        """));
            }
            // Linux conntrack: the source port is kept while it is free (endpoint-independent mapping), and
            // only packets of a tracked flow come back in (address-and-port-dependent filtering). Unsolicited
            // packets to the router itself are dropped in INPUT, as a home router's WAN firewall does: otherwise
            // conntrack confirms an entry for each (say, a peer's ICE check arriving before our own went out), and
            // our later packet to that peer clashes with it and leaves on another port, breaking the mapping.
            case PORT_RESTRICTED -> {
                rules.add(RuleCommand.of("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", WAN, "-j",
                        "MASQUERADE"));
                rules.add(dropUnsolicitedInput());
            }
            // A random source port for every new flow: each destination sees another port (RFC 4787 APDM).
            case SYMMETRIC -> {
                rules.add(RuleCommand.of("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", WAN, "-j",
                        "MASQUERADE", "--random-fully"));
                rules.add(dropUnsolicitedInput());
            }
            case FIREWALL_TCP_443 -> {
                rules.add(RuleCommand.of("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", WAN, "-j",
                        "MASQUERADE"));
                rules.add(RuleCommand.of("iptables", "-P", "FORWARD", "DROP"));
                rules.add(RuleCommand.of("iptables", "-A", "FORWARD", "-i", WAN, "-o", LAN, "-m", "conntrack",
                        "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"));
                rules.add(RuleCommand.of("iptables", "-A", "FORWARD", "-i", LAN, "-o", WAN, "-p", "tcp",
                        "--dport", "443", "-j", "ACCEPT"));
                rules.add(RuleCommand.of("iptables", "-A", "FORWARD", "-i", LAN, "-o", WAN, "-p", "udp",
                        "-j", "DROP"));
            }
        }
        return rules;
    }

    /** A NEW packet dropped before conntrack confirms it leaves no entry behind for a later flow to clash with. */
    private static RuleCommand dropUnsolicitedInput() {
        return RuleCommand.of("iptables", "-A", "INPUT", "-i", WAN, "-m", "conntrack", "--ctstate", "NEW", "-j",
                "DROP");
    }

    private static void fullCone(List<RuleCommand> rules, String wan, String host) {
        // Endpoint-independent mapping: one fixed external address, the LAN port kept as the external port.
        rules.add(RuleCommand.of("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", WAN, "-j", "SNAT",
                "--to-source", wan));
        // Endpoint-independent filtering: any unsolicited UDP to the WAN address goes to the LAN host, same port.
        rules.add(RuleCommand.of("iptables", "-t", "nat", "-A", "PREROUTING", "-i", WAN, "-p", "udp", "-j", "DNAT",
                "--to-destination", host));
    }

    /** netem on one side of the WAN link (run for the router's {@code wan} and the internet's end of it). */
    public static RuleCommand netem(String device, Impairment impairment) {
        List<String> argv = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", device, "root", "netem"));
        if (!impairment.delay().isZero()) {
            argv.addAll(List.of("delay", impairment.delay().toMillis() + "ms"));
            if (!impairment.jitter().isZero()) {
                argv.add(impairment.jitter().toMillis() + "ms");
            }
        }
        if (impairment.lossPercent() > 0) {
            argv.addAll(List.of("loss", String.format(Locale.ROOT, "%.4f%%", impairment.lossPercent())));
        }
        return new RuleCommand(argv, null);
    }

    /** Random loss on the router's WAN without netem: nftables numgen drops in both directions. */
    public static RuleCommand nftLoss(Impairment impairment) {
        long perTenThousand = Math.round(impairment.lossPercent() * 100);
        // numgen's range is 0..9999, so "< 10000" is out of range: total loss is a plain drop.
        String when = perTenThousand >= 10_000 ? "" : "numgen random mod 10000 < " + perTenThousand + " ";
        return new RuleCommand(List.of("nft", "-f", "-"), """
                table ip peerlink_lab_loss {
                  chain inbound {
                    type filter hook prerouting priority raw; policy accept;
                    iifname "wan" %sdrop
                  }
                  chain outbound {
                    type filter hook postrouting priority filter; policy accept;
                    oifname "wan" %sdrop
                  }
                }
                """.formatted(when, when));
    }
}
