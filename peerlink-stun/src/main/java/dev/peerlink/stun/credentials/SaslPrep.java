package dev.peerlink.stun.credentials;

import java.text.Normalizer;
import java.util.List;
import java.util.Objects;

/**
 * The SASLprep profile (RFC 4013) of stringprep (RFC 3454), as RFC 5389 §15.4 used it for STUN passwords. RFC 8489
 * replaced it with {@link OpaqueString}; it is kept to interoperate with RFC 5389 peers and to reproduce the
 * RFC 5769 test vectors.
 *
 * <p>Unassigned code points are allowed: this is the "query" flavour (RFC 3454 §7), which is what a password needs.
 * The tables below were written from the RFC 3454 appendices. Normalization uses the JDK's current Unicode version
 * rather than the Unicode 3.2 that stringprep pins; Unicode's normalization stability policy makes the two agree on
 * every code point that Unicode 3.2 had assigned.
 */
public final class SaslPrep {
    // RFC 3454 table B.1: commonly mapped to nothing.
    private static final CodePointRanges MAPPED_TO_NOTHING = new CodePointRanges(
            0x00AD, 0x00AD, 0x034F, 0x034F, 0x1806, 0x1806, 0x180B, 0x180D, 0x200B, 0x200D,
            0x2060, 0x2060, 0xFE00, 0xFE0F, 0xFEFF, 0xFEFF);

    // RFC 3454 table C.1.2: non-ASCII space characters.
    private static final CodePointRanges NON_ASCII_SPACE = new CodePointRanges(
            0x00A0, 0x00A0, 0x1680, 0x1680, 0x2000, 0x200B, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000);

    private record Table(String id, String description, CodePointRanges ranges) {}

    // RFC 4013 §2.3: the prohibited output, checked in the order the RFC lists the tables.
    private static final List<Table> PROHIBITED = List.of(
            new Table("C.1.2", "a non-ASCII space character", NON_ASCII_SPACE),
            new Table("C.2.1", "an ASCII control character", new CodePointRanges(0x0000, 0x001F, 0x007F, 0x007F)),
            new Table("C.2.2", "a non-ASCII control character", new CodePointRanges(
                    0x0080, 0x009F, 0x06DD, 0x06DD, 0x070F, 0x070F, 0x180E, 0x180E, 0x200C, 0x200D,
                    0x2028, 0x2029, 0x2060, 0x2063, 0x206A, 0x206F, 0xFEFF, 0xFEFF, 0xFFF9, 0xFFFC,
                    0x1D173, 0x1D17A)),
            new Table("C.3", "a private-use code point", new CodePointRanges(
                    0xE000, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD)),
            new Table("C.4", "a noncharacter code point", new CodePointRanges(
                    0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x1FFFF, 0x2FFFE, 0x2FFFF, 0x3FFFE, 0x3FFFF,
                    0x4FFFE, 0x4FFFF, 0x5FFFE, 0x5FFFF, 0x6FFFE, 0x6FFFF, 0x7FFFE, 0x7FFFF, 0x8FFFE, 0x8FFFF,
                    0x9FFFE, 0x9FFFF, 0xAFFFE, 0xAFFFF, 0xBFFFE, 0xBFFFF, 0xCFFFE, 0xCFFFF, 0xDFFFE, 0xDFFFF,
                    0xEFFFE, 0xEFFFF, 0xFFFFE, 0xFFFFF, 0x10FFFE, 0x10FFFF)),
            new Table("C.5", "a surrogate code point", new CodePointRanges(0xD800, 0xDFFF)),
            new Table("C.6", "a character inappropriate for plain text", new CodePointRanges(0xFFF9, 0xFFFD)),
            new Table("C.7", "a character inappropriate for canonical representation",
                    new CodePointRanges(0x2FF0, 0x2FFB)),
            new Table("C.8", "a character that changes display properties or is deprecated", new CodePointRanges(
                    0x0340, 0x0341, 0x200E, 0x200F, 0x202A, 0x202E, 0x206A, 0x206F)),
            new Table("C.9", "a tagging character", new CodePointRanges(0xE0001, 0xE0001, 0xE0020, 0xE007F)));

    private SaslPrep() {
    }

    /**
     * Applies SASLprep (RFC 4013 §2) in stringprep's order: map, normalize (NFKC), prohibit, check bidi.
     *
     * @throws IllegalArgumentException naming the offending code point and its index, if the result would contain
     *     prohibited output or break the bidirectional rules
     */
    public static String prepare(String input) {
        return prepare(input, "the input");
    }

    /** As {@link #prepare(String)}; {@code what} names the string in error messages ("the STUN password"). */
    static String prepare(String input, String what) {
        Objects.requireNonNull(input, "input");
        // RFC 4013 §2.1. U+200B is in both B.1 and C.1.2; applying B.1 first removes it rather than making a space.
        StringBuilder mapped = new StringBuilder(input.length());
        input.codePoints().forEach(cp -> {
            if (!MAPPED_TO_NOTHING.contains(cp)) {
                mapped.appendCodePoint(NON_ASCII_SPACE.contains(cp) ? ' ' : cp);
            }
        });
        // RFC 4013 §2.2. Prohibition runs on the normalized text, so e.g. U+0340 (C.8) is fine: NFKC makes it U+0300.
        String prepared = Normalizer.normalize(mapped, Normalizer.Form.NFKC);

        for (int i = 0; i < prepared.length(); ) {
            int cp = prepared.codePointAt(i);
            for (Table table : PROHIBITED) {
                if (table.ranges().contains(cp)) {
                    throw new IllegalArgumentException(what + " contains " + CodePointRanges.hex(cp) + " "
                            + CodePointRanges.position(cp, input, i, "SASLprep-normalized")
                            + ", which SASLprep (RFC 4013 §2.3) prohibits: " + table.description()
                            + " (RFC 3454 table " + table.id() + ")");
                }
            }
            i += Character.charCount(cp);
        }
        checkBidi(prepared, input, what);
        return prepared;
    }

    /**
     * RFC 3454 §6 (required by RFC 4013 §2.4). Rule 1 (no C.8) is enforced above. Tables D.1 (R/AL) and D.2 (L) are
     * taken from {@link Character#getDirectionality}, i.e. from the JDK's Unicode version rather than Unicode 3.2;
     * the bidi classes of characters assigned in 3.2 have essentially not changed since.
     */
    private static void checkBidi(String prepared, String input, String what) {
        int firstRtl = -1;
        int firstLtr = -1;
        for (int i = 0; i < prepared.length(); i += Character.charCount(prepared.codePointAt(i))) {
            int cp = prepared.codePointAt(i);
            if (isRandAL(cp) && firstRtl < 0) {
                firstRtl = i;
            } else if (Character.getDirectionality(cp) == Character.DIRECTIONALITY_LEFT_TO_RIGHT && firstLtr < 0) {
                firstLtr = i;
            }
        }
        if (firstRtl < 0) {
            return;
        }
        int rtl = prepared.codePointAt(firstRtl);
        if (firstLtr >= 0) { // rule 2
            int ltr = prepared.codePointAt(firstLtr);
            throw new IllegalArgumentException(what + " mixes the right-to-left character "
                    + describe(rtl, input, firstRtl) + " with the left-to-right character "
                    + describe(ltr, input, firstLtr) + ", which SASLprep forbids (RFC 3454 §6, rule 2)");
        }
        int first = prepared.codePointAt(0);
        int lastIndex = prepared.offsetByCodePoints(prepared.length(), -1);
        int last = prepared.codePointAt(lastIndex);
        if (!isRandAL(first) || !isRandAL(last)) { // rule 3
            boolean badStart = !isRandAL(first);
            throw new IllegalArgumentException(what + " contains the right-to-left character "
                    + describe(rtl, input, firstRtl) + " but " + (badStart ? "starts" : "ends") + " with "
                    + describe(badStart ? first : last, input, badStart ? 0 : lastIndex)
                    + ", which is not right-to-left; SASLprep requires such strings to start and end with a"
                    + " right-to-left character (RFC 3454 §6, rule 3)");
        }
    }

    private static boolean isRandAL(int cp) {
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }

    private static String describe(int cp, String input, int index) {
        return CodePointRanges.hex(cp) + " " + CodePointRanges.position(cp, input, index, "SASLprep-normalized");
    }
}
