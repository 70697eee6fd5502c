package dev.peerlink.testkit;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real programs interop tests run against. On a developer's machine without them a test skips with the
 * reason printed; in CI (CI=true) a missing tool fails the test, so nothing passes by not running (DESIGN.md).
 */
public final class ExternalTools {
    private ExternalTools() {
    }

    public static Path require(String tool, String debianPackage) {
        java.util.Optional<Path> found = find(tool);
        if (found.isPresent()) {
            return found.get();
        }
        String reason = tool + " is not installed (Debian package " + debianPackage + ": apt-get install "
                + debianPackage + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(reason + "; CI must run this interop test, and .ci/run installs it");
        }
        System.out.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    /** The executable {@code tool} on PATH or in the usual directories, if there is one; never skips. */
    public static java.util.Optional<Path> find(String tool) {
        List<String> directories = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        directories.addAll(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin"));
        for (String directory : directories) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, tool);
            if (Files.isExecutable(candidate)) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }
}
