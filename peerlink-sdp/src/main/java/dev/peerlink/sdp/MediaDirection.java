package dev.peerlink.sdp;

import java.util.Locale;

/** The direction property attributes of RFC 8866 §6.7 ({@code a=sendrecv} and friends). */
public enum MediaDirection {
    SENDRECV("sendrecv"),
    SENDONLY("sendonly"),
    RECVONLY("recvonly"),
    INACTIVE("inactive");

    private final String token;

    MediaDirection(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    public Attribute toAttribute() {
        return Attribute.flag(token);
    }

    /** The direction an attribute name denotes, or null when it is not a direction attribute. */
    static MediaDirection fromAttributeName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (MediaDirection direction : values()) {
            if (direction.token.equals(lower)) {
                return direction;
            }
        }
        return null;
    }
}
