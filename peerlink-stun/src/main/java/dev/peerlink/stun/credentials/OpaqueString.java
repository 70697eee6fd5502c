package dev.peerlink.stun.credentials;

import java.text.Normalizer;
import java.util.Objects;

/**
 * The PRECIS OpaqueString profile (RFC 8265 §4.2) of the FreeformClass (RFC 8264 §4.3), which RFC 8489 applies to
 * STUN passwords, realms and usernames.
 *
 * <p>The derived property of each code point follows the algorithm of RFC 8264 §8, computed from the JDK's Unicode
 * data ({@link Character#getType}, {@link Character.UnicodeScript}, NFKC) plus the few lists the JDK does not expose
 * (Default_Ignorable_Code_Point, Hangul_Syllable_Type, the RFC 5892 exceptions), copied from the Unicode data files.
 * So the result tracks the running JDK's Unicode version, as RFC 8264 §11 intends.
 */
public final class OpaqueString {
    /** RFC 8264 §8: the derived property values, collapsed to what enforcement needs. */
    private enum Property { VALID, CONTEXTJ, CONTEXTO, DISALLOWED }

    private record Verdict(Property property, String reason) {
        static final Verdict VALID = new Verdict(Property.VALID, "");
    }

    // RFC 5892 §2.6 Exceptions (F), which RFC 8264 §9.6 reuses.
    private static final CodePointRanges EXCEPTION_PVALID = new CodePointRanges(
            0x00DF, 0x00DF, 0x03C2, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x0F0B, 0x3007, 0x3007);
    private static final CodePointRanges EXCEPTION_CONTEXTO = new CodePointRanges(
            0x00B7, 0x00B7, 0x0375, 0x0375, 0x05F3, 0x05F4, 0x0660, 0x0669, 0x06F0, 0x06F9, 0x30FB, 0x30FB);
    private static final CodePointRanges EXCEPTION_DISALLOWED = new CodePointRanges(
            0x0640, 0x0640, 0x07FA, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3035, 0x303B, 0x303B);

    // RFC 8264 §9.9 OldHangulJamo (I): Hangul_Syllable_Type L, V or T (HangulSyllableType.txt). NFC composes modern
    // L+V(+T) sequences into syllables first, so only stray or archaic jamo are rejected.
    private static final CodePointRanges OLD_HANGUL_JAMO = new CodePointRanges(
            0x1100, 0x11FF, 0xA960, 0xA97C, 0xD7B0, 0xD7C6, 0xD7CB, 0xD7FB);

    // RFC 8264 §9.13 PrecisIgnorableProperties (M), first half: Default_Ignorable_Code_Point
    // (DerivedCoreProperties.txt); the other half, noncharacters, is isNoncharacter().
    private static final CodePointRanges DEFAULT_IGNORABLE = new CodePointRanges(
            0x00AD, 0x00AD, 0x034F, 0x034F, 0x061C, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180F,
            0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x206F, 0x3164, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
            0xFFA0, 0xFFA0, 0xFFF0, 0xFFF8, 0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xE0000, 0xE0FFF);

    private OpaqueString() {
    }

    /**
     * Enforces OpaqueString (RFC 8265 §4.2.2) and returns the enforced string.
     *
     * @throws IllegalArgumentException if the string is empty after mapping and normalization, or contains a code
     *     point the FreeformClass disallows (the message names it and its index)
     */
    public static String enforce(String input) {
        return enforce(input, "the input");
    }

    /** As {@link #enforce(String)}; {@code what} names the string in error messages ("the STUN password"). */
    static String enforce(String input, String what) {
        Objects.requireNonNull(input, "input");
        // RFC 8265 §4.2.2, rules in the required order. 1: no width mapping. 2: map every Zs other than U+0020 to it.
        StringBuilder mapped = new StringBuilder(input.length());
        input.codePoints().forEach(cp -> mapped.appendCodePoint(
                Character.getType(cp) == Character.SPACE_SEPARATOR ? ' ' : cp));
        // 3: no case mapping. 4: NFC. 5: no directionality rule.
        String enforced = Normalizer.normalize(mapped, Normalizer.Form.NFC);

        // RFC 8265 §4.1: a password MUST NOT be zero bytes long, judged after mapping and normalization.
        if (enforced.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty, which OpaqueString (RFC 8265 §4.1) does not allow");
        }
        // RFC 8264 §4.3: every code point must be PVALID/FREE_PVAL, or CONTEXTJ/CONTEXTO with its rule satisfied.
        for (int i = 0; i < enforced.length(); ) {
            int cp = enforced.codePointAt(i);
            Verdict verdict = classify(cp);
            String problem = switch (verdict.property()) {
                case VALID -> null;
                case DISALLOWED -> verdict.reason();
                case CONTEXTJ -> joinControlAllowed(enforced, i) ? null
                        : "a join control outside the context RFC 5892 Appendix A.1/A.2 allows";
                case CONTEXTO -> otherContextAllowed(enforced, i, cp) ? null
                        : "a code point outside the context RFC 5892 Appendix A.3-A.9 allows";
            };
            if (problem != null) {
                throw new IllegalArgumentException(what + " contains " + CodePointRanges.hex(cp) + " "
                        + CodePointRanges.position(cp, input, i, "NFC")
                        + ", which OpaqueString (RFC 8265) disallows: " + problem);
            }
            i += Character.charCount(cp);
        }
        return enforced;
    }

    /** RFC 8264 §8, in the order given there. ID_DIS-or-FREE_PVAL categories are FREE_PVAL in the FreeformClass. */
    private static Verdict classify(int cp) {
        if (EXCEPTION_PVALID.contains(cp)) {
            return Verdict.VALID;
        }
        if (EXCEPTION_CONTEXTO.contains(cp)) {
            return new Verdict(Property.CONTEXTO, "");
        }
        if (EXCEPTION_DISALLOWED.contains(cp)) {
            return disallowed("an exception listed as DISALLOWED (RFC 5892 §2.6)");
        }
        int type = Character.getType(cp);
        // Noncharacters are Cn too, but Unassigned (J) excludes them; they are disallowed under (M) below.
        if (type == Character.UNASSIGNED && !isNoncharacter(cp)) {
            return disallowed("an unassigned code point (RFC 8264 §9.10)");
        }
        if (cp >= 0x21 && cp <= 0x7E) { // ASCII7 (K)
            return Verdict.VALID;
        }
        if (cp == 0x200C || cp == 0x200D) { // JoinControl (H)
            return new Verdict(Property.CONTEXTJ, "");
        }
        if (OLD_HANGUL_JAMO.contains(cp)) {
            return disallowed("a conjoining Hangul jamo that NFC did not compose into a syllable (RFC 8264 §9.9)");
        }
        if (DEFAULT_IGNORABLE.contains(cp) || isNoncharacter(cp)) {
            return disallowed("a default-ignorable or noncharacter code point (RFC 8264 §9.13)");
        }
        if (type == Character.CONTROL) {
            return disallowed("a control character (RFC 8264 §9.12)");
        }
        if (!Normalizer.isNormalized(Character.toString(cp), Normalizer.Form.NFKC)) { // HasCompat (Q)
            return Verdict.VALID;
        }
        return switch (type) {
            // LetterDigits (A), OtherLetterDigits (R), Spaces (N), Symbols (O), Punctuation (P).
            case Character.LOWERCASE_LETTER, Character.UPPERCASE_LETTER, Character.OTHER_LETTER,
                    Character.DECIMAL_DIGIT_NUMBER, Character.MODIFIER_LETTER, Character.NON_SPACING_MARK,
                    Character.COMBINING_SPACING_MARK, Character.TITLECASE_LETTER, Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER, Character.ENCLOSING_MARK, Character.SPACE_SEPARATOR,
                    Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL, Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION, Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> Verdict.VALID;
            case Character.PRIVATE_USE -> disallowed("a private-use code point (RFC 8264 §4.3.3)");
            case Character.SURROGATE -> disallowed("an unpaired surrogate (RFC 8264 §4.3.3)");
            case Character.FORMAT -> disallowed("a format character (RFC 8264 §4.3.3)");
            // Zl and Zp: U+2028 and U+2029.
            default -> disallowed("a line or paragraph separator (RFC 8264 §4.3.3)");
        };
    }

    private static Verdict disallowed(String reason) {
        return new Verdict(Property.DISALLOWED, reason);
    }

    private static boolean isNoncharacter(int cp) {
        return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    /** RFC 5892 Appendix A.1 (ZWNJ) and A.2 (ZWJ). */
    private static boolean joinControlAllowed(String s, int index) {
        if (index > 0 && isVirama(s.codePointBefore(index))) {
            return true;
        }
        if (s.charAt(index) == '\u200D') {
            return false;
        }
        // A.1's second rule needs Joining_Type, which the JDK does not expose. Approximation: a letter of a
        // cursive-joining script stands for L/D/R, and marks and format characters for T (transparent).
        return joiningLetterAround(s, index, -1) && joiningLetterAround(s, index, +1);
    }

    private static boolean joiningLetterAround(String s, int index, int direction) {
        int i = direction < 0 ? index : index + 1;
        while (direction < 0 ? i > 0 : i < s.length()) {
            int cp = direction < 0 ? s.codePointBefore(i) : s.codePointAt(i);
            i += direction * Character.charCount(cp);
            int type = Character.getType(cp);
            if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT) {
                continue;
            }
            return Character.isLetter(cp) && switch (Character.UnicodeScript.of(cp)) {
                case ARABIC, SYRIAC, NKO, MONGOLIAN, MANDAIC, MANICHAEAN, PSALTER_PAHLAVI, PHAGS_PA, ADLAM,
                        HANIFI_ROHINGYA, SOGDIAN, OLD_UYGHUR, CHORASMIAN -> true;
                default -> false;
            };
        }
        return false;
    }

    /**
     * Canonical_Combining_Class == 9 (Virama). The JDK has no API for the combining class, but NFD's canonical
     * ordering reveals it: a mark with class 9 sorts after U+3099 (class 8) and before U+05B0 (class 10).
     */
    private static boolean isVirama(int cp) {
        int type = Character.getType(cp);
        if (type != Character.NON_SPACING_MARK && type != Character.COMBINING_SPACING_MARK) {
            return false;
        }
        String mark = Character.toString(cp);
        return Normalizer.normalize("a" + mark + "\u3099", Normalizer.Form.NFD).equals("a\u3099" + mark)
                && Normalizer.normalize("a\u05B0" + mark, Normalizer.Form.NFD).equals("a" + mark + "\u05B0");
    }

    /** RFC 5892 Appendix A.3-A.9. */
    private static boolean otherContextAllowed(String s, int index, int cp) {
        int before = index > 0 ? s.codePointBefore(index) : -1;
        int afterIndex = index + Character.charCount(cp);
        int after = afterIndex < s.length() ? s.codePointAt(afterIndex) : -1;
        return switch (cp) {
            case 0x00B7 -> before == 'l' && after == 'l'; // A.3 MIDDLE DOT (Catalan l·l)
            case 0x0375 -> after >= 0 && Character.UnicodeScript.of(after) == Character.UnicodeScript.GREEK; // A.4
            case 0x05F3, 0x05F4 -> before >= 0
                    && Character.UnicodeScript.of(before) == Character.UnicodeScript.HEBREW; // A.5, A.6
            case 0x30FB -> s.codePoints().anyMatch(c -> switch (Character.UnicodeScript.of(c)) { // A.7
                case HIRAGANA, KATAKANA, HAN -> c != 0x30FB;
                default -> false;
            });
            default -> cp <= 0x0669 // A.8 and A.9: the two sets of Arabic-Indic digits must not be mixed
                    ? s.codePoints().noneMatch(c -> c >= 0x06F0 && c <= 0x06F9)
                    : s.codePoints().noneMatch(c -> c >= 0x0660 && c <= 0x0669);
        };
    }
}
