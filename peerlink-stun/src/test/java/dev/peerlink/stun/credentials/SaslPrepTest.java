package dev.peerlink.stun.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SaslPrepTest {

    @Test
    void rfc4013Section3Examples() {
        assertThat(SaslPrep.prepare("I\u00ADX")).isEqualTo("IX"); // soft hyphen mapped to nothing
        assertThat(SaslPrep.prepare("user")).isEqualTo("user");
        assertThat(SaslPrep.prepare("USER")).isEqualTo("USER"); // no case folding
        assertThat(SaslPrep.prepare("\u00AA")).isEqualTo("a"); // NFKC
        assertThat(SaslPrep.prepare("\u2168")).isEqualTo("IX"); // NFKC
        assertThatIllegalArgumentException().isThrownBy(() -> SaslPrep.prepare("\u0007"))
                .withMessageContaining("U+0007 at index 0")
                .withMessageContaining("C.2.1");
        assertThatIllegalArgumentException().isThrownBy(() -> SaslPrep.prepare("\u0627\u0031"))
                .withMessageContaining("U+0627 at index 0")
                .withMessageContaining("ends with U+0031 at index 1")
                .withMessageContaining("RFC 3454 §6, rule 3");
    }

    @Test
    void rfc5769PasswordPrepsToTheMatrix() {
        assertThat(SaslPrep.prepare("The\u00ADM\u00AAtr\u2168")).isEqualTo("TheMatrIX");
    }

    @Test
    void mapsNonAsciiSpacesToSpaceAndRemovesB1Characters() {
        assertThat(SaslPrep.prepare("a\u00A0b\u3000c")).isEqualTo("a b c");
        // U+200B is in both B.1 and C.1.2: it disappears rather than becoming a space.
        assertThat(SaslPrep.prepare("a\u200Bb\uFEFFc\uFE0F")).isEqualTo("abc");
    }

    @ParameterizedTest
    @CsvSource({
        "007F, C.2.1", "0085, C.2.2", "06DD, C.2.2", "1D173, C.2.2", "E000, C.3", "10FFFD, C.3",
        "FDD0, C.4", "1FFFE, C.4", "D800, C.5", "FFFD, C.6", "2FF0, C.7", "200E, C.8", "202E, C.8",
        "E0001, C.9", "E007F, C.9"
    })
    void prohibitsEveryTable(String hex, String table) {
        int cp = Integer.parseInt(hex, 16);
        String input = "ab" + Character.toString(cp);
        assertThatIllegalArgumentException().isThrownBy(() -> SaslPrep.prepare(input))
                .withMessage("the input contains U+%s at index 2, which SASLprep (RFC 4013 §2.3) prohibits: %s",
                        hex, describe(table));
    }

    private static String describe(String table) {
        String what = switch (table) {
            case "C.2.1" -> "an ASCII control character";
            case "C.2.2" -> "a non-ASCII control character";
            case "C.3" -> "a private-use code point";
            case "C.4" -> "a noncharacter code point";
            case "C.5" -> "a surrogate code point";
            case "C.6" -> "a character inappropriate for plain text";
            case "C.7" -> "a character inappropriate for canonical representation";
            case "C.8" -> "a character that changes display properties or is deprecated";
            default -> "a tagging character";
        };
        return what + " (RFC 3454 table " + table + ")";
    }

    @Test
    void prohibitionAppliesAfterNormalization() {
        // U+0340 is in C.8, but NFKC turns it into U+0300 before the prohibition check (RFC 3454 §3 order).
        assertThat(SaslPrep.prepare("a\u0340")).isEqualTo("\u00E0");
    }

    @Test
    void allowsUnassignedCodePoints() {
        assertThat(SaslPrep.prepare("a\u0378")).isEqualTo("a\u0378");
    }

    @Test
    void bidiRules() {
        assertThat(SaslPrep.prepare("\u0627\u0031\u0628")).isEqualTo("\u0627\u0031\u0628");
        assertThat(SaslPrep.prepare("\u05D0\u05D1")).isEqualTo("\u05D0\u05D1");
        assertThatIllegalArgumentException().isThrownBy(() -> SaslPrep.prepare("\u0627a\u0628"))
                .withMessageContaining("mixes the right-to-left character U+0627 at index 0")
                .withMessageContaining("left-to-right character U+0061 at index 1");
        assertThatIllegalArgumentException().isThrownBy(() -> SaslPrep.prepare("1\u0627"))
                .withMessageContaining("starts with U+0031 at index 0");
    }

    @Test
    void namesTheStringAndPointsIntoTheOriginalInput() {
        // The soft hyphen shifts the prepared string; the index still refers to what the caller passed.
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SaslPrep.prepare("\u00AD\u00AD\u0001", "the STUN password"))
                .withMessageStartingWith("the STUN password contains U+0001 at index 2,");
    }
}
