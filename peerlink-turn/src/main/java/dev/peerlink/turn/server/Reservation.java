package dev.peerlink.turn.server;

/** A port held back by EVEN-PORT with R = 1 under a RESERVATION-TOKEN (RFC 8656 §7.2, §18.10). */
final class Reservation extends TimerNode {
    final long token;
    final String username;
    final int family;

    Reservation(long token, String username, int family) {
        this.token = token;
        this.username = username;
        this.family = family;
    }
}
