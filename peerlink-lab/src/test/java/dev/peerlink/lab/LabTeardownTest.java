package dev.peerlink.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lab leaves nothing behind: not after a normal close, not when the code using it throws, not on Ctrl-C, and
 * what a killed run left is removed by the next one, without touching a live run's namespaces.
 */
class LabTeardownTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeEach
    void needsRoot() {
        LabRequirements.requireRoot();
    }

    @Test
    void closeRemovesEveryNamespaceAndStopsItsProcessesEvenWhenTheBodyThrows() throws Exception {
        List<String> created = new ArrayList<>();
        long[] sleeperPid = new long[1];
        assertThatThrownBy(() -> {
            try (LabTopology lab = LabTopology.builder().tagPrefix("pltd").lan("a", NatKind.PORT_RESTRICTED)
                    .publicHost("p").build()) {
                created.addAll(lab.namespaces());
                assertThat(LabTopology.listNamespaces()).containsAll(created);
                LabProcess sleeper = lab.start(lab.lan("a").host(), "a sleeper", List.of("sleep", "300"));
                sleeperPid[0] = sleeper.pid();
                throw new IllegalStateException("the test body failed");
            }
        }).hasMessage("the test body failed");
        assertThat(created).hasSize(5); // internet, server, public host, router, LAN host
        assertThat(created).allSatisfy(name -> assertThat(name).startsWith("pltd-"));
        assertThat(LabTopology.listNamespaces()).doesNotContainAnyElementsOf(created);
        assertThat(ProcessHandle.of(sleeperPid[0]).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void closingTwiceIsHarmlessAndAClosedLabRefusesWork() throws Exception {
        LabTopology lab = LabTopology.builder().tagPrefix("pltd").lan("a", NatKind.SYMMETRIC).build();
        LabNode host = lab.lan("a").host();
        lab.close();
        lab.close();
        assertThatThrownBy(() -> lab.exec(host, WAIT, "true"))
                .isInstanceOf(LabException.class).hasMessage("the lab " + lab.tag() + " is closed");
    }

    @Test
    void ctrlCTearsTheLabDown() throws Exception {
        Process child = startLabInChild("plint");
        try {
            List<String> created = awaitNamespaces(child);
            new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor(); // Ctrl-C, by pid
            assertThat(child.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(LabTopology.listNamespaces()).doesNotContainAnyElementsOf(created);
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void theNextRunRemovesWhatAKilledRunLeftButNotWhatALiveRunOwns() throws Exception {
        Process child = startLabInChild("plkill");
        List<String> left;
        try {
            left = awaitNamespaces(child);
        } finally {
            child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
        }
        assertThat(LabTopology.listNamespaces()).containsAll(left);
        try (LabTopology live = LabTopology.builder().tagPrefix("plkill").lan("a", NatKind.FULL_CONE).build()) {
            // Building cleaned up the dead run's namespaces first, and a later sweep leaves the live lab alone.
            assertThat(LabTopology.listNamespaces()).doesNotContainAnyElementsOf(left);
            assertThat(LabTopology.cleanupStale("plkill")).isEmpty();
            assertThat(LabTopology.listNamespaces()).containsAll(live.namespaces());
        }
    }

    @Test
    void cleanupStaleTouchesOnlyItsOwnPrefix() throws Exception {
        long dead = 4_000_000;
        while (ProcessHandle.of(dead).isPresent()) {
            dead--;
        }
        String owner = Long.toString(dead, 36);
        String ours = "plsweep-" + owner + "-abcd-x";
        String notOurs = "plsweepx-" + owner + "-abcd-x"; // a longer prefix is someone else's
        try {
            for (String name : List.of(ours, notOurs)) {
                assertThat(new ProcessBuilder("ip", "netns", "add", name).start().waitFor()).isZero();
            }
            assertThat(LabTopology.cleanupStale("plsweep")).containsExactly(ours);
            assertThat(LabTopology.listNamespaces()).doesNotContain(ours).contains(notOurs);
        } finally {
            for (String name : List.of(ours, notOurs)) {
                new ProcessBuilder("ip", "netns", "del", name).redirectErrorStream(true).start().waitFor();
            }
        }
    }

    private static Process startLabInChild(String prefix) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LabInChild.class.getName(), prefix));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Reads the child's "namespaces: a b c" line. */
    private static List<String> awaitNamespaces(Process child) throws IOException {
        List<String> found = new ArrayList<>();
        var reader = child.inputReader();
        await().atMost(WAIT).until(() -> {
            String line = reader.readLine();
            if (line == null) {
                throw new AssertionError("the child lab ended early (exit " + child.waitFor() + ")");
            }
            if (line.startsWith("namespaces: ")) {
                found.addAll(List.of(line.substring("namespaces: ".length()).split(" ")));
                return true;
            }
            return false;
        });
        return found;
    }

    /** A run in another JVM: builds a lab, says what it created, and waits to be stopped. */
    public static final class LabInChild {
        public static void main(String[] args) throws Exception {
            LabTopology lab = LabTopology.builder().tagPrefix(args[0]).lan("a", NatKind.PORT_RESTRICTED).build();
            System.out.println("namespaces: " + String.join(" ", lab.namespaces()));
            System.out.flush();
            Thread.sleep(Duration.ofMinutes(5)); // the shutdown hook closes the lab on Ctrl-C
        }
    }
}
