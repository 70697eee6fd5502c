package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/** Lab tests need root. On a developer's machine without it they skip with the reason; in CI (CI=true) they fail. */
final class LabRequirements {
    private LabRequirements() {
    }

    static void requireRoot() {
        LabTopology.missingPrivilege().ifPresent(reason -> {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(reason + "; CI runs the lab tests as root");
            }
            System.out.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        });
    }
}
