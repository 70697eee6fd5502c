package dev.peerlink.turn.auth;

import dev.peerlink.stun.credentials.StunCredentials;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A long-term user from the configuration, as coturn's {@code --user NAME:PASSWORD}, or with the key itself,
 * {@code --user NAME:0x<32 hex digits>}, so that the configuration need not hold the password: the key is
 * {@code MD5(name ":" realm ":" password)} (RFC 8489 §9.2.2), computed elsewhere, e.g. by coturn's
 * {@code turnadmin -k}.
 *
 * <p>Exactly one of {@code password} and {@code md5Key} is set.
 */
public record StaticUser(String name, String password, byte[] md5Key) {
    private static final int MD5_KEY_LENGTH = 16;

    public StaticUser {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a TURN user name must not be empty");
        }
        if ((password == null) == (md5Key == null)) {
            throw new IllegalArgumentException("the user " + name + " needs either a password or a key");
        }
        if (md5Key != null && md5Key.length != MD5_KEY_LENGTH) {
            throw new IllegalArgumentException("the key of user " + name + " must be 16 bytes (an MD5 key)");
        }
        md5Key = md5Key == null ? null : md5Key.clone();
    }

    /**
     * Parses {@code NAME:PASSWORD} or {@code NAME:0xKEY}; the name ends at the first colon, so a password may hold
     * colons.
     *
     * @throws IllegalArgumentException naming the flag's form; never quoting a password
     */
    public static StaticUser parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--user takes NAME:PASSWORD, got \"" + text + "\"");
        }
        String name = text.substring(0, colon);
        String secret = text.substring(colon + 1);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("--user takes NAME:PASSWORD, and the name is empty");
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("--user takes NAME:PASSWORD, and the password of " + name
                    + " is empty");
        }
        if (secret.startsWith("0x") || secret.startsWith("0X")) {
            String hex = secret.substring(2);
            if (hex.length() != 2 * MD5_KEY_LENGTH || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("--user " + name + ":0x... takes a key of 32 hex digits"
                        + " (MD5 of name:realm:password)");
            }
            return new StaticUser(name, null, HexFormat.of().parseHex(hex));
        }
        return new StaticUser(name, secret, null);
    }

    /**
     * The MD5 long-term key in {@code realm}, in its RFC 5389 §15.4 form ({@code SASLprep(password)}). This server
     * announces no RFC 8489 security features, so its clients use that form: RFC 5389 clients (browsers, coturn's
     * {@code turnutils_uclient}) by definition, RFC 8489 clients because without the nonce cookie they fall back
     * to MD5 (RFC 8489 §9.2.5). For ASCII passwords it equals RFC 8489's OpaqueString form.
     *
     * @throws IllegalArgumentException if SASLprep refuses the password
     */
    public byte[] md5Key(String realm) {
        return md5Key != null ? md5Key.clone() : StunCredentials.longTermKeyRfc5389(name, realm, password);
    }

    @Override
    public byte[] md5Key() {
        return md5Key == null ? null : md5Key.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StaticUser that && name.equals(that.name)
                && Objects.equals(password, that.password) && Arrays.equals(md5Key, that.md5Key);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "StaticUser[" + name + "]"; // never the password or key
    }
}
