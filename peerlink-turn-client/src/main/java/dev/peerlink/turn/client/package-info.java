/**
 * The TURN client (RFC 8656). {@link dev.peerlink.turn.client.TurnClientCore} is one allocation as a sans-IO state
 * machine: long-term authentication (RFC 8489 §9.2) with stale-nonce retries, automatic refresh of the allocation,
 * its permissions and channel bindings, Send indications and allocation-free ChannelData, stream framing over
 * TCP/TLS. {@link dev.peerlink.turn.client.TurnClient} drives it over a blocking UDP socket or TCP/TLS connection for
 * tools and tests; ICE drives the core directly.
 */
package dev.peerlink.turn.client;
