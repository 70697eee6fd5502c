package dev.peerlink.dtls;

import dev.peerlink.sdp.SetupRole;

/**
 * Which end of the DTLS handshake this peer plays. WebRTC derives it from {@code a=setup} (RFC 8842 §5, RFC 4145
 * §4): {@code active} opens the connection and is the DTLS client, {@code passive} waits and is the DTLS server.
 * An offer always says {@code actpass} (RFC 8842 §5.2), so the answer decides.
 */
public enum DtlsRole {
    CLIENT,
    SERVER;

    /** The role {@code a=setup:<local>} in our own final description gives us: active is the client. */
    public static DtlsRole fromLocalSetup(SetupRole local) {
        return switch (requireSetup(local, "our a=setup")) {
            case ACTIVE -> CLIENT;
            case PASSIVE -> SERVER;
            default -> throw new IllegalArgumentException("a=setup:" + local.token()
                    + " in a final description does not fix a DTLS role; it must be active or passive");
        };
    }

    /**
     * The {@code a=setup} an answerer puts in its answer to an offer saying {@code offered} (RFC 8842 §5.3):
     * {@code active} to {@code actpass} (JSEP's choice, RFC 8829 §5.3.1) and to {@code passive}, {@code passive} to
     * {@code active}.
     *
     * @throws IllegalArgumentException for {@code holdconn}, which WebRTC does not use
     */
    public static SetupRole answerSetup(SetupRole offered) {
        return answerSetup(offered, CLIENT);
    }

    /**
     * As {@link #answerSetup(SetupRole)}, but an {@code actpass} offer gets {@code preferred}'s setup: RFC 5763 §5
     * lets the answerer be either, recommending {@code active}.
     */
    public static SetupRole answerSetup(SetupRole offered, DtlsRole preferred) {
        return switch (requireSetup(offered, "the offer's a=setup")) {
            case ACTPASS -> preferred.toSetup();
            case PASSIVE -> SetupRole.ACTIVE;
            case ACTIVE -> SetupRole.PASSIVE;
            case HOLDCONN -> throw new IllegalArgumentException(
                    "the offer's a=setup:holdconn asks for no connection; WebRTC needs active, passive or actpass");
        };
    }

    /** The answerer's role for an offer saying {@code offered}: the role of {@link #answerSetup(SetupRole)}. */
    public static DtlsRole forAnswerer(SetupRole offered) {
        return fromLocalSetup(answerSetup(offered));
    }

    /**
     * The offerer's role once the answer says {@code answered}: the opposite of the answerer's, so an offerer that
     * said {@code actpass} is the DTLS server when the answer says {@code active} (RFC 8842 §5.2).
     *
     * @throws IllegalArgumentException when the answer says {@code actpass} or {@code holdconn}, which an answer
     *                                  must not (RFC 8842 §5.3)
     */
    public static DtlsRole forOfferer(SetupRole answered) {
        return switch (requireSetup(answered, "the answer's a=setup")) {
            case ACTIVE -> SERVER;
            case PASSIVE -> CLIENT;
            default -> throw new IllegalArgumentException("the answer's a=setup:" + answered.token()
                    + " is not allowed in an answer; it must be active or passive (RFC 8842 §5.3)");
        };
    }

    /** The {@code a=setup} value that states this role in a final description. */
    public SetupRole toSetup() {
        return this == CLIENT ? SetupRole.ACTIVE : SetupRole.PASSIVE;
    }

    private static SetupRole requireSetup(SetupRole setup, String what) {
        if (setup == null) {
            throw new IllegalArgumentException(what + " is missing; WebRTC needs it to choose the DTLS role");
        }
        return setup;
    }
}
