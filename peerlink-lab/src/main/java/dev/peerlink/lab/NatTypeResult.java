package dev.peerlink.lab;

import dev.peerlink.stun.client.NatBehavior;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a measurement inside a lab host printed ({@link LabProbe}'s {@code key=value} lines), read back.
 *
 * @param values  every {@code key=value} line, in order
 * @param output  everything it printed, for error messages
 */
public record NatTypeResult(Map<String, String> values, String output) {
    public NatTypeResult {
        values = Map.copyOf(values);
    }

    public static NatTypeResult parse(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        output.lines().forEach(line -> {
            int equals = line.indexOf('=');
            if (!line.startsWith("#") && equals > 0) {
                values.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
            }
        });
        return new NatTypeResult(values, output);
    }

    /** The sentence the measurement failed with (no answer, no route ...), if it failed. */
    public Optional<String> error() {
        if (values.containsKey("error")) {
            return Optional.of(values.get("error"));
        }
        return values.containsKey("mapped") ? Optional.empty()
                : Optional.of("the probe printed no result: " + output.strip().lines().reduce((a, b) -> b).orElse(""));
    }

    public boolean succeeded() {
        return error().isEmpty();
    }

    public Optional<NatBehavior.Behavior> mapping() {
        return Optional.ofNullable(values.get("mapping")).map(NatBehavior.Behavior::valueOf);
    }

    public Optional<NatBehavior.Behavior> filtering() {
        return Optional.ofNullable(values.get("filtering")).map(NatBehavior.Behavior::valueOf);
    }

    /** The address the host sent from, {@code IP:PORT}. */
    public Optional<String> local() {
        return Optional.ofNullable(values.get("local"));
    }

    /** The address the server saw, {@code IP:PORT}. */
    public Optional<String> mapped() {
        return Optional.ofNullable(values.get("mapped"));
    }

    /** True when the server saw another address than the host's own. */
    public boolean behindNat() {
        return mapped().isPresent() && !mapped().equals(local());
    }

    /** One line for tables and logs: {@code EIM/APDF (port-restricted-cone NAT)} or the error. */
    public String summary() {
        if (error().isPresent()) {
            return "failed: " + error().get();
        }
        if (mapping().isEmpty()) {
            return "mapped " + mapped().orElseThrow();
        }
        return abbreviation(mapping().get()) + "M/" + abbreviation(filtering().orElseThrow()) + "F ("
                + values.getOrDefault("type", "?") + ")";
    }

    private static String abbreviation(NatBehavior.Behavior behavior) {
        return switch (behavior) {
            case ENDPOINT_INDEPENDENT -> "EI";
            case ADDRESS_DEPENDENT -> "AD";
            case ADDRESS_AND_PORT_DEPENDENT -> "APD";
        };
    }
}
