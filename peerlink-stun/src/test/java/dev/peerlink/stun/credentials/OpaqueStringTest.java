package dev.peerlink.stun.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpaqueStringTest {

    @Test
    void printableAsciiIsUnchanged() {
        String ascii = IntStream.rangeClosed(0x20, 0x7E)
                .mapToObj(Character::toString).collect(Collectors.joining());
        assertThat(OpaqueString.enforce(ascii)).isEqualTo(ascii);
        assertThat(OpaqueString.enforce("VOkJxbRl1RmTxUk/WvJxBt")).isEqualTo("VOkJxbRl1RmTxUk/WvJxBt");
    }

    @Test
    void mapsNonAsciiSpacesToSpace() {
        assertThat(OpaqueString.enforce("pass\u00A0word")).isEqualTo("pass word");
        assertThat(OpaqueString.enforce("a\u3000b\u2009c\u202Fd")).isEqualTo("a b c d");
    }

    @Test
    void appliesNfcButNoCompatibilityWidthOrCaseMapping() {
        assertThat(OpaqueString.enforce("caf\u0065\u0301")).isEqualTo("caf\u00E9");
        assertThat(OpaqueString.enforce("\u2168\u00AA\uFF21Bc")).isEqualTo("\u2168\u00AA\uFF21Bc");
        assertThat(OpaqueString.enforce("\u1100\u1161")).isEqualTo("\uAC00"); // conjoining jamo compose to a syllable
    }

    @Test
    void acceptsSymbolsPunctuationAndSupplementaryCharacters() {
        String password = "p\u00E4ss w\u00F6rd \u20AC\u00A7 \uD83D\uDE00 \u0627\u0644\u0639 \u4E2D\u6587";
        assertThat(OpaqueString.enforce(password)).isEqualTo(password);
    }

    @Test
    void rejectsControlCharacters() {
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("abc\u0007"))
                .withMessage("the input contains U+0007 at index 3, which OpaqueString (RFC 8265) disallows:"
                        + " a control character (RFC 8264 §9.12)");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("a\u0085"))
                .withMessageContaining("U+0085 at index 1");
    }

    @Test
    void rejectsTheEmptyString() {
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce(""))
                .withMessage("the input is empty, which OpaqueString (RFC 8265 §4.1) does not allow");
    }

    @ParameterizedTest
    @CsvSource({
        "00AD, default-ignorable", "200B, default-ignorable", "FE0F, default-ignorable",
        "E0041, default-ignorable", "FDD0, noncharacter", "FFFF, noncharacter", "0378, unassigned",
        "E000, private-use", "10FFFD, private-use", "D800, unpaired surrogate", "0600, format character",
        "2028, line or paragraph separator", "1100, Hangul jamo", "0640, DISALLOWED (RFC 5892",
        "302E, DISALLOWED (RFC 5892"
    })
    void rejectsDisallowedCodePoints(String hex, String reason) {
        String input = "ok" + Character.toString(Integer.parseInt(hex, 16)) + "!";
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce(input))
                .withMessageContaining("contains U+" + hex + " at index 2")
                .withMessageContaining(reason);
    }

    @Test
    void rfc5769PasswordIsNotAnOpaqueString() {
        // The soft hyphen that SASLprep silently dropped is default-ignorable, hence disallowed, under PRECIS.
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("The\u00ADM\u00AAtr\u2168"))
                .withMessageContaining("U+00AD at index 3");
    }

    @Test
    void joinControlsNeedTheirContext() {
        assertThat(OpaqueString.enforce("\u0915\u094D\u200D\u0937")).isEqualTo("\u0915\u094D\u200D\u0937");
        assertThat(OpaqueString.enforce("\u0915\u094D\u200C\u0937")).isEqualTo("\u0915\u094D\u200C\u0937");
        assertThat(OpaqueString.enforce("\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645")) // Persian "mi-khaham"
                .isEqualTo("\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("a\u200Db"))
                .withMessageContaining("U+200D at index 1").withMessageContaining("A.1/A.2");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("a\u200Cb"))
                .withMessageContaining("U+200C at index 1");
    }

    @Test
    void otherContextualCodePoints() {
        assertThat(OpaqueString.enforce("col\u00B7legi")).isEqualTo("col\u00B7legi");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("a\u00B7b"))
                .withMessageContaining("U+00B7 at index 1").withMessageContaining("A.3-A.9");
        assertThat(OpaqueString.enforce("\u05D0\u05F3")).isEqualTo("\u05D0\u05F3");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("a\u05F3"));
        assertThat(OpaqueString.enforce("\u30A2\u30FB\u30A4")).isEqualTo("\u30A2\u30FB\u30A4");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("a\u30FBb"));
        assertThat(OpaqueString.enforce("\u0661\u0662")).isEqualTo("\u0661\u0662");
        assertThatIllegalArgumentException().isThrownBy(() -> OpaqueString.enforce("\u0661\u06F2"))
                .withMessageContaining("U+0661 at index 0");
    }

    @Test
    void isIdempotent() {
        String once = OpaqueString.enforce("e\u0301\u00A0\u2168 x");
        assertThat(OpaqueString.enforce(once)).isEqualTo(once);
    }
}
