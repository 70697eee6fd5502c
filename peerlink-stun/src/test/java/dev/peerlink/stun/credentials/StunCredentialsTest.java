package dev.peerlink.stun.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class StunCredentialsTest {
    private static final String MATRIX_USERNAME = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
    private static final String RFC5769_PASSWORD = "The\u00ADM\u00AAtr\u2168";

    /** RFC 5769 §2.2, sample IPv4 response (short-term password "VOkJxbRl1RmTxUk/WvJxBt"). */
    private static final byte[] RFC5769_IPV4_RESPONSE = hex("""
            01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
            80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
            00 20 00 08 00 01 a1 47 e1 12 a6 43
            00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
            80 28 00 04 c0 7d 4c 96""");

    /** RFC 5769 §2.4, sample request with long-term authentication. */
    private static final byte[] RFC5769_LONG_TERM_REQUEST = hex("""
            00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
            00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
            00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
            00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
            00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66""");

    /** RFC 8489 Appendix B.1 as corrected by erratum 6268: USERHASH, SHA-256 password, MESSAGE-INTEGRITY-SHA256. */
    private static final byte[] RFC8489_B1_REQUEST = hex("""
            00 01 00 90 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
            00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f
                        24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04
            00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f
                        4c 39 46 53 54 76 79 36 34 73 41 00 00 00
            00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
            00 1d 00 04 00 02 00 00
            00 1c 00 20 b5 c7 bf 00 5b 6c 52 a2 1c 51 c5 e8 92 f8 19 24 13 62 96 cb 92 7c 43 14 93 09 27 8c c6 51 8e 65""");

    @Test
    void rfc5769LongTermKeyIsMd5OfUsernameRealmAndSaslpreppedPassword() throws Exception {
        byte[] key = StunCredentials.longTermKeyRfc5389(MATRIX_USERNAME, "example.org", RFC5769_PASSWORD);

        byte[] expected = MessageDigest.getInstance("MD5")
                .digest((MATRIX_USERNAME + ":example.org:TheMatrIX").getBytes(StandardCharsets.UTF_8));
        assertThat(key).isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(key)).isEqualTo("e8ca7ad59d5eb0518e312911d2dab2a9");
        // The key authenticates the RFC's message: HMAC-SHA1 over everything before MESSAGE-INTEGRITY.
        assertThat(integrityMatches(RFC5769_LONG_TERM_REQUEST, 92, "HmacSHA1", key)).isTrue();
    }

    @Test
    void shortTermKeyAuthenticatesRfc5769Response() {
        byte[] key = StunCredentials.shortTermKey("VOkJxbRl1RmTxUk/WvJxBt");
        assertThat(key).isEqualTo("VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.US_ASCII));
        assertThat(integrityMatches(RFC5769_IPV4_RESPONSE, 48, "HmacSHA1", key)).isTrue();
        assertThat(integrityMatches(RFC5769_IPV4_RESPONSE, 48, "HmacSHA1", StunCredentials.shortTermKey("x")))
                .isFalse();
    }

    @Test
    void shortTermKeyIsUtf8OfTheOpaqueString() {
        assertThat(StunCredentials.shortTermKey("p\u00E4ss\u00A0e\u0301"))
                .isEqualTo("p\u00E4ss \u00E9".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void longTermKeyMatchesRfc8489Example() throws Exception {
        byte[] md5 = StunCredentials.longTermKey("user", "realm", "pass", PasswordAlgorithm.MD5);
        byte[] sha256 = StunCredentials.longTermKey("user", "realm", "pass", PasswordAlgorithm.SHA256);

        byte[] input = "user:realm:pass".getBytes(StandardCharsets.UTF_8);
        assertThat(md5).hasSize(16).isEqualTo(MessageDigest.getInstance("MD5").digest(input));
        assertThat(sha256).hasSize(32).isEqualTo(MessageDigest.getInstance("SHA-256").digest(input));
        // RFC 8489 §9.2.2 prints this value.
        assertThat(HexFormat.of().formatHex(md5)).isEqualTo("8493fbc53ba582fb4c044c456bdc40eb");
    }

    @Test
    void rfc8489AppendixB1() {
        assertThat(HexFormat.of().formatHex(StunCredentials.userhash(MATRIX_USERNAME, "example.org")))
                .isEqualTo("4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704");
        // The RFC's password has a soft hyphen that OpaqueString disallows; the vector was computed with "TheMatrIX".
        byte[] key = StunCredentials.longTermKey(MATRIX_USERNAME, "example.org", "TheMatrIX", PasswordAlgorithm.SHA256);
        assertThat(integrityMatches(RFC8489_B1_REQUEST, 128, "HmacSHA256", key)).isTrue();
    }

    @Test
    void longTermKeyAppliesOpaqueStringToEveryPart() {
        byte[] processed = StunCredentials.longTermKey("us\u00E9r", "r\u00E9alm", "pa ss", PasswordAlgorithm.SHA256);
        byte[] raw = StunCredentials.longTermKey("use\u0301r", "re\u0301alm", "pa\u00A0ss", PasswordAlgorithm.SHA256);
        assertThat(raw).isEqualTo(processed);
    }

    @Test
    void errorsNameTheFieldTheCodePointAndTheIndex() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StunCredentials.longTermKey("user", "realm", "pas\u0007", PasswordAlgorithm.MD5))
                .withMessageStartingWith("the STUN password contains U+0007 at index 3, which OpaqueString (RFC 8265)"
                        + " disallows");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StunCredentials.userhash("user", ""))
                .withMessageStartingWith("the STUN realm is empty");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StunCredentials.longTermKey("u\uE000", "r", "p", PasswordAlgorithm.MD5))
                .withMessageStartingWith("the STUN username contains U+E000 at index 1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> StunCredentials.longTermKeyRfc5389("u", "r", "\u0627x"))
                .withMessageStartingWith("the STUN password mixes");
        assertThatIllegalArgumentException().isThrownBy(() -> StunCredentials.shortTermKey(""))
                .withMessageStartingWith("the STUN password is empty");
    }

    @Test
    void userhashIsSha256OfUsernameAndRealm() throws Exception {
        assertThat(StunCredentials.userhash("user", "realm"))
                .hasSize(32)
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest("user:realm".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void constantTimeEquals() {
        byte[] a = {1, 2, 3};
        assertThat(StunCredentials.constantTimeEquals(a, new byte[] {1, 2, 3})).isTrue();
        assertThat(StunCredentials.constantTimeEquals(a, new byte[] {1, 2, 4})).isFalse();
        assertThat(StunCredentials.constantTimeEquals(a, new byte[] {1, 2})).isFalse();
        assertThat(StunCredentials.constantTimeEquals(a, null)).isFalse();
        assertThat(StunCredentials.constantTimeEquals(null, null)).isTrue();
    }

    @Test
    void passwordAlgorithmRegistry() throws Exception {
        assertThat(PasswordAlgorithm.fromCode(0x0001)).contains(PasswordAlgorithm.MD5);
        assertThat(PasswordAlgorithm.fromCode(0x0002)).contains(PasswordAlgorithm.SHA256);
        assertThat(PasswordAlgorithm.fromCode(0x0000)).isEmpty();
        assertThat(PasswordAlgorithm.fromCode(0x0003)).isEmpty();
        assertThat(PasswordAlgorithm.fromCode(0x10001)).isEmpty();
        for (PasswordAlgorithm algorithm : PasswordAlgorithm.values()) {
            assertThat(MessageDigest.getInstance(algorithm.javaName()).getDigestLength())
                    .isEqualTo(algorithm.keyLength());
            assertThat(StunCredentials.longTermKey("u", "r", "p", algorithm)).hasSize(algorithm.keyLength());
        }
    }

    /**
     * RFC 8489 §14.5/§14.6: HMAC over the message up to the integrity attribute at {@code offset}, with the header
     * length rewritten to end just after that attribute; compared with the attribute's value.
     */
    private static boolean integrityMatches(byte[] message, int offset, String macAlgorithm, byte[] key) {
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new SecretKeySpec(key, macAlgorithm));
            int valueLength = ((message[offset + 2] & 0xFF) << 8) | (message[offset + 3] & 0xFF);
            byte[] covered = Arrays.copyOf(message, offset);
            int adjustedLength = offset + 4 + valueLength - 20;
            covered[2] = (byte) (adjustedLength >>> 8);
            covered[3] = (byte) adjustedLength;
            byte[] expected = Arrays.copyOfRange(message, offset + 4, offset + 4 + valueLength);
            return StunCredentials.constantTimeEquals(mac.doFinal(covered), expected);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replaceAll("\\s+", ""));
    }
}
