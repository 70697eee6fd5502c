package dev.peerlink.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring room tokens (docs/signaling.md "Room tokens"):
 * {@code base64url(json{"room","exp"}) + "." + base64url(HMAC-SHA256(secret, first part))}, unpadded base64url,
 * {@code exp} in Unix seconds. The first secret signs; every secret verifies, so a secret can be rotated by
 * adding the new one first and removing the old one once its tokens have expired.
 */
public final class RoomTokens {
    /** Tokens longer than this are refused before any work: a real one is under 200 characters. */
    public static final int MAX_TOKEN_LENGTH = 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** Why a token was refused. */
    public enum Verdict { VALID, MALFORMED, BAD_SIGNATURE, WRONG_ROOM, EXPIRED }

    private final List<SecretKeySpec> keys;

    public RoomTokens(List<String> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("room tokens need at least one secret");
        }
        List<SecretKeySpec> list = new ArrayList<>();
        for (String secret : secrets) {
            list.add(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        }
        this.keys = List.copyOf(list);
    }

    /** A token for {@code room} that expires at {@code expiresAtEpochSecond}, signed with the first secret. */
    public String issue(String room, long expiresAtEpochSecond) {
        ObjectNode claims = MAPPER.createObjectNode().put("room", room).put("exp", expiresAtEpochSecond);
        String body = ENCODER.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        return body + "." + ENCODER.encodeToString(hmac(keys.get(0), body));
    }

    /**
     * Checks {@code token} for {@code room} at {@code nowEpochSecond}. The signature is checked first, in constant
     * time against every secret, so nothing unauthenticated is parsed; a token is expired from its {@code exp}
     * second on.
     */
    public Verdict verify(String token, String room, long nowEpochSecond) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Verdict.MALFORMED;
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.') || dot == token.length() - 1) {
            return Verdict.MALFORMED;
        }
        String body = token.substring(0, dot);
        byte[] signature;
        try {
            signature = DECODER.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Verdict.MALFORMED;
        }
        boolean signed = false;
        for (SecretKeySpec key : keys) {
            // Every key is tried even after a match, so the time taken does not say which secret signed.
            signed |= MessageDigest.isEqual(hmac(key, body), signature);
        }
        if (!signed) {
            return Verdict.BAD_SIGNATURE;
        }
        JsonNode claims;
        try {
            claims = MAPPER.readTree(DECODER.decode(body));
        } catch (IOException | IllegalArgumentException e) {
            return Verdict.MALFORMED; // signed by us yet unreadable: only a bug in an issuer gets here
        }
        JsonNode tokenRoom = claims.path("room");
        JsonNode exp = claims.path("exp");
        if (!tokenRoom.isTextual() || !exp.isIntegralNumber()) {
            return Verdict.MALFORMED;
        }
        if (!tokenRoom.asText().equals(room)) {
            return Verdict.WRONG_ROOM;
        }
        return nowEpochSecond >= exp.asLong() ? Verdict.EXPIRED : Verdict.VALID;
    }

    private static byte[] hmac(SecretKeySpec key, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
