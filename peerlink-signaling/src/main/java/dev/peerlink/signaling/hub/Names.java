package dev.peerlink.signaling.hub;

/** Room and peer names: 1–64 characters of {@code [A-Za-z0-9_-]}, so they are safe in logs, URLs and UIs. */
final class Names {
    static final int MAX_LENGTH = 64;

    private Names() {
    }

    static boolean valid(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A name for error messages: quoted, clipped, and with anything unprintable replaced. */
    static String quote(String name) {
        StringBuilder out = new StringBuilder("\"");
        int length = Math.min(name.length(), MAX_LENGTH);
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            out.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?');
        }
        return out.append(name.length() > MAX_LENGTH ? "…\"" : "\"").toString();
    }
}
