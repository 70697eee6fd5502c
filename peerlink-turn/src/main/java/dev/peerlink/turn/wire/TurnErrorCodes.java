package dev.peerlink.turn.wire;

/**
 * The error codes TURN adds to STUN's, with the reason phrases RFC 8656 §19 recommends; the STUN ones (400, 401,
 * 403, 420, 438, 500) are in {@link dev.peerlink.stun.attribute.ErrorCodeAttribute}.
 */
public final class TurnErrorCodes {
    public static final int FORBIDDEN = 403;
    public static final int ALLOCATION_MISMATCH = 437;
    public static final int ADDRESS_FAMILY_NOT_SUPPORTED = 440;
    public static final int WRONG_CREDENTIALS = 441;
    public static final int UNSUPPORTED_TRANSPORT_PROTOCOL = 442;
    public static final int PEER_ADDRESS_FAMILY_MISMATCH = 443;
    public static final int ALLOCATION_QUOTA_REACHED = 486;
    public static final int INSUFFICIENT_CAPACITY = 508;

    private TurnErrorCodes() {
    }

    /** The recommended reason phrase for a TURN or STUN error code. */
    public static String reason(int code) {
        return switch (code) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthenticated";
            case FORBIDDEN -> "Forbidden";
            case 420 -> "Unknown Attribute";
            case ALLOCATION_MISMATCH -> "Allocation Mismatch";
            case 438 -> "Stale Nonce";
            case ADDRESS_FAMILY_NOT_SUPPORTED -> "Address Family not Supported";
            case WRONG_CREDENTIALS -> "Wrong Credentials";
            case UNSUPPORTED_TRANSPORT_PROTOCOL -> "Unsupported Transport Protocol";
            case PEER_ADDRESS_FAMILY_MISMATCH -> "Peer Address Family Mismatch";
            case ALLOCATION_QUOTA_REACHED -> "Allocation Quota Reached";
            case 500 -> "Server Error";
            case INSUFFICIENT_CAPACITY -> "Insufficient Capacity";
            default -> "Error " + code;
        };
    }
}
