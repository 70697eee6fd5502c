package dev.peerlink.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Used heap after forcing collections, and the process's open file descriptors: for per-object memory figures. */
final class HeapProbe {
    private HeapProbe() {
    }

    /** Used heap in bytes after repeated full collections, once it stops shrinking (at most 10 rounds). */
    static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        long previous = Long.MAX_VALUE;
        long used = 0;
        for (int i = 0; i < 10; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            used = memory.getHeapMemoryUsage().getUsed();
            if (i >= 2 && Math.abs(previous - used) < 64 * 1024) {
                break;
            }
            previous = used;
        }
        return used;
    }

    /** Open file descriptors of this process, or -1 where /proc is not there. */
    static long openFds() {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.count();
        } catch (Exception e) {
            return -1;
        }
    }
}
