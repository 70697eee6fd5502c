package dev.peerlink.turn.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The "TURN REST API" time-limited credentials (draft-uberti-behave-turn-rest-00 §2.2, as coturn's
 * {@code --static-auth-secret} implements them): a web service that shares a secret with the TURN server hands
 * out the username {@code expiry-unix-time:user} and the password {@code base64(HMAC-SHA1(secret, username))}; the
 * TURN server recomputes the password, so it needs no user database. The long-term key is then derived from that
 * password as for any other user.
 */
public final class RestApiCredentials {
    /** coturn's default {@code --rest-api-separator}. */
    public static final char DEFAULT_SEPARATOR = ':';

    private RestApiCredentials() {
    }

    /** {@code base64(HMAC-SHA1(secret, username))}, the secret and username taken as UTF-8. */
    public static String password(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            byte[] keyBytes = secret.getBytes(StandardCharsets.UTF_8);
            mac.init(new SecretKeySpec(keyBytes.length == 0 ? new byte[1] : keyBytes, "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HmacSHA1", e);
        }
    }

    /**
     * The expiry (Unix seconds) at the start of a REST username: all digits, alone or followed by
     * {@code separator} and the user's name. Empty when the username is not of that form.
     */
    public static OptionalLong expiry(String username, char separator) {
        int end = username.indexOf(separator);
        String digits = end < 0 ? username : username.substring(0, end);
        if (digits.isEmpty() || digits.length() > 18) {
            return OptionalLong.empty(); // 18 digits cannot overflow a long
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(Long.parseLong(digits));
    }
}
