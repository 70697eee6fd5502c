package dev.peerlink.cli;

import dev.peerlink.stun.client.RetransmissionPolicy;
import java.time.Duration;
import picocli.CommandLine.Option;

/** RFC 8489 §6.2.1 retransmission flags shared by the STUN client commands. */
final class RetransmissionOptions {
    @Option(names = "--rto", paramLabel = "MS", description = "Initial retransmission timeout in milliseconds "
            + "(RFC 8489 RTO).")
    Long rtoMillis;

    @Option(names = "--rc", paramLabel = "N", description = "Transmissions per request over UDP (Rc).")
    Integer rc;

    @Option(names = "--rm", paramLabel = "N", description = "Final wait, in RTOs, after the last transmission (Rm).")
    Integer rm;

    @Option(names = "--timeout", paramLabel = "MS", description = "Timeout of a request over TCP/TLS (Ti), in ms.")
    Long reliableTimeoutMillis;

    RetransmissionPolicy apply(RetransmissionPolicy base) {
        return new RetransmissionPolicy(
                rtoMillis == null ? base.rto() : Duration.ofMillis(rtoMillis),
                rc == null ? base.rc() : rc,
                rm == null ? base.rm() : rm,
                reliableTimeoutMillis == null ? base.reliableTimeout() : Duration.ofMillis(reliableTimeoutMillis));
    }
}
