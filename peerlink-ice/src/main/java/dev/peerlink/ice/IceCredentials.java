package dev.peerlink.ice;

import java.util.random.RandomGenerator;

/** ICE username fragments and passwords (RFC 8445 §5.3, syntax in RFC 8839 §5.4). */
public final class IceCredentials {
    /** RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/". */
    private static final String ICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    /** RFC 8445 §5.3 asks for at least 24 random bits (4 ice-chars); more costs nothing. */
    public static final int UFRAG_LENGTH = 8;
    /** RFC 8445 §5.3 asks for at least 128 random bits (22 ice-chars); 24 chars give 144. */
    public static final int PASSWORD_LENGTH = 24;

    private IceCredentials() {
    }

    public static String randomUfrag(RandomGenerator random) {
        return randomIceChars(random, UFRAG_LENGTH);
    }

    public static String randomPassword(RandomGenerator random) {
        return randomIceChars(random, PASSWORD_LENGTH);
    }

    private static String randomIceChars(RandomGenerator random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(ICE_CHARS.charAt(random.nextInt(ICE_CHARS.length())));
        }
        return text.toString();
    }

    static boolean isIceChars(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (ICE_CHARS.indexOf(text.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** RFC 8839 §5.4: a ufrag is 4–256 ice-chars. */
    public static void requireValidUfrag(String ufrag, String whose) {
        if (ufrag == null || ufrag.length() < 4 || ufrag.length() > 256 || !isIceChars(ufrag)) {
            throw new IllegalArgumentException(whose + " ICE ufrag must be 4–256 characters of A–Z a–z 0–9 + /"
                    + " (RFC 8839 §5.4)");
        }
    }

    /** RFC 8839 §5.4: a password is 22–256 ice-chars. The value itself never appears in the message. */
    public static void requireValidPassword(String password, String whose) {
        if (password == null || password.length() < 22 || password.length() > 256 || !isIceChars(password)) {
            throw new IllegalArgumentException(whose + " ICE password must be 22–256 characters of A–Z a–z 0–9 + /"
                    + " (RFC 8839 §5.4)");
        }
    }
}
