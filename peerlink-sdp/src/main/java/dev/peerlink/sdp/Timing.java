package dev.peerlink.sdp;

import java.util.List;

/**
 * A {@code t=} line (RFC 8866 §5.9) with the {@code r=} lines (§5.10) that follow it. WebRTC always writes
 * {@code t=0 0}: an unbounded, permanent session. Repeat lines are kept as their raw text.
 *
 * @param startTime   NTP seconds, 0 for unbounded
 * @param stopTime    NTP seconds, 0 for unbounded
 * @param repeatTimes the values of the {@code r=} lines that follow, in order
 */
public record Timing(long startTime, long stopTime, List<String> repeatTimes) {
    /** {@code t=0 0}, the only timing JSEP uses (RFC 8829 §5.2.1). */
    public static final Timing PERMANENT = new Timing(0, 0, List.of());

    public Timing {
        SdpText.requireRange(startTime, 0, Long.MAX_VALUE, "start time");
        SdpText.requireRange(stopTime, 0, Long.MAX_VALUE, "stop time");
        repeatTimes = List.copyOf(repeatTimes);
        repeatTimes.forEach(repeat -> SdpText.requireLineText(repeat, "repeat time"));
    }

    public Timing(long startTime, long stopTime) {
        this(startTime, stopTime, List.of());
    }

    static Timing parse(String value) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(value, "timing");
        if (fields.size() != 2) {
            throw new MalformedValueException("timing has " + fields.size()
                    + " fields, expected 2: <start-time> <stop-time>");
        }
        return new Timing(SdpText.parseUnsigned(fields.get(0), Long.MAX_VALUE, "start time"),
                SdpText.parseUnsigned(fields.get(1), Long.MAX_VALUE, "stop time"));
    }

    public Timing withRepeatTimes(List<String> newRepeatTimes) {
        return new Timing(startTime, stopTime, newRepeatTimes);
    }

    /** The {@code t=} line without its prefix; repeat lines are written separately. */
    @Override
    public String toString() {
        return startTime + " " + stopTime;
    }
}
