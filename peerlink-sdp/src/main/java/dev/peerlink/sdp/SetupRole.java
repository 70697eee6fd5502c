package dev.peerlink.sdp;

import java.util.Locale;

/**
 * {@code a=setup:} (RFC 4145 §4), which JSEP uses for the DTLS role (RFC 8842): an offer says {@link #ACTPASS},
 * the answer picks {@link #ACTIVE} (DTLS client) or {@link #PASSIVE} (DTLS server).
 */
public enum SetupRole {
    ACTPASS("actpass"),
    ACTIVE("active"),
    PASSIVE("passive"),
    HOLDCONN("holdconn");

    public static final String ATTRIBUTE_NAME = "setup";

    private final String token;

    SetupRole(String token) {
        this.token = token;
    }

    /** The SDP spelling, e.g. {@code actpass}. */
    public String token() {
        return token;
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, token);
    }

    static SetupRole parse(String value) throws MalformedValueException {
        String lower = value.toLowerCase(Locale.ROOT);
        for (SetupRole role : values()) {
            if (role.token.equals(lower)) {
                return role;
            }
        }
        throw new MalformedValueException("setup \"" + value + "\" is not one of actpass, active, passive, holdconn");
    }
}
