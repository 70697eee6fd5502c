package dev.peerlink.stun.credentials;

import java.util.Locale;

/**
 * An immutable set of code points, held as sorted inclusive {@code [first, last]} pairs and searched with a binary
 * search. The constructor checks the ordering so that a typo in a hand-written RFC table fails at class load
 * instead of silently matching the wrong characters.
 */
final class CodePointRanges {
    private final int[] bounds;

    /** {@code bounds} is {@code first0, last0, first1, last1, ...}; ranges must be ascending and disjoint. */
    CodePointRanges(int... bounds) {
        if (bounds.length % 2 != 0) {
            throw new IllegalArgumentException("ranges need an even number of bounds, got " + bounds.length);
        }
        for (int i = 0; i < bounds.length; i += 2) {
            boolean ordered = bounds[i] <= bounds[i + 1] && (i == 0 || bounds[i - 1] < bounds[i]);
            if (!ordered || bounds[i + 1] > Character.MAX_CODE_POINT) {
                throw new IllegalArgumentException("range " + hex(bounds[i]) + ".." + hex(bounds[i + 1])
                        + " is out of order or out of range");
            }
        }
        this.bounds = bounds.clone();
    }

    boolean contains(int codePoint) {
        int low = 0;
        int high = bounds.length / 2 - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (codePoint < bounds[2 * mid]) {
                high = mid - 1;
            } else if (codePoint > bounds[2 * mid + 1]) {
                low = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The conventional {@code U+XXXX} spelling (at least four hex digits). */
    static String hex(int codePoint) {
        return String.format(Locale.ROOT, "U+%04X", codePoint);
    }

    /**
     * Describes where {@code codePoint} sits, for error messages. Callers find it in the processed string, but
     * users know the string they typed, so we point into {@code input} when the code point occurs there and fall
     * back to the processed string (which mapping and normalization may have shifted) otherwise. Indexes are
     * UTF-16 indexes, as {@link String#charAt} uses.
     */
    static String position(int codePoint, String input, int indexInProcessed, String processingName) {
        int inInput = input.indexOf(codePoint);
        return inInput >= 0
                ? "at index " + inInput
                : "at index " + indexInProcessed + " of its " + processingName + " form";
    }
}
