package dev.peerlink.netsim;

/**
 * One step of one packet's journey, for debugging and for determinism checks.
 *
 * @param atNanos virtual time of the step
 * @param node    the host or router where it happened
 * @param action  what happened
 * @param packet  the packet as it was after the step (after translation, for {@link TraceAction#TRANSLATED})
 * @param detail  extra words, such as the addresses before translation; may be empty
 */
public record TraceEntry(long atNanos, String node, TraceAction action, Packet packet, String detail) {
    /** One line such as {@code 12.000000 ms nat-a TRANSLATED #3 UDP 198.18.0.2:5000 > 198.18.0.1:3478 (..)}. */
    @Override
    public String toString() {
        String time = String.format("%d.%06d ms", atNanos / 1_000_000, atNanos % 1_000_000);
        return time + " " + node + " " + action + " " + packet + (detail.isEmpty() ? "" : " " + detail);
    }
}
