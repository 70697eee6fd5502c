package dev.peerlink.sctp;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * A throughput sanity harness, not a test: two associations on the in-memory virtual link (1 ms one-way delay,
 * optional loss), measuring wall-clock CPU cost per transferred byte and the virtual-time goodput.
 * Run: {@code java -cp peerlink-sctp/target/classes:peerlink-sctp/target/test-classes dev.peerlink.sctp.SctpThroughputBench [MiB] [loss] [messageBytes] [maxMtu]}
 * (a {@code maxMtu} above 1200 lets path MTU discovery raise the packet size before the timed transfer).
 */
public final class SctpThroughputBench {

    public static void main(String[] args) {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        double loss = args.length > 1 ? Double.parseDouble(args[1]) : 0.0;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 16 * 1024;
        int maxMtu = args.length > 3 ? Integer.parseInt(args[3]) : 1200;
        for (int round = 0; round < 3; round++) {
            run(mib, loss, size, maxMtu);
        }
    }

    private static void run(int mib, double loss, int size, int maxMtu) {
        SctpConfig config = SctpConfig.builder().peerMaxMessageSize(256 * 1024).rtoInitial(java.time.Duration.ofMillis(200))
                .rtoMin(java.time.Duration.ofMillis(200)).maxMtu(maxMtu).build();
        VirtualLink link = VirtualLink.connected(config, config, 42);
        if (maxMtu > config.mtu()) {
            link.runUntil(() -> link.a.pathMtuSearchComplete(), 600_000_000_000L);
        }
        link.delayNanos = 1_000_000L;
        link.loss = loss;
        long total = (long) mib * 1024 * 1024;
        int count = (int) (total / size);
        byte[] payload = new byte[size];
        new Random(1).nextBytes(payload);
        long startWall = System.nanoTime();
        long startVirtual = link.now;
        int[] sent = {0};
        long[] received = {0};
        link.readB = true;
        link.afterStep = () -> {
            while (sent[0] < count && link.a.bufferedAmount() < 1024 * 1024) {
                link.a.send(1, 53, ByteBuffer.wrap(payload), SendOptions.RELIABLE_ORDERED, link.now);
                sent[0]++;
            }
            for (SctpEvent e : link.eventsB) {
                if (e instanceof SctpEvent.MessageReceived m) {
                    received[0] += m.data().length;
                }
            }
            link.eventsB.clear();
        };
        link.afterStep.run();
        link.runUntil(() -> received[0] >= (long) count * size, 3_600_000_000_000L);
        double wall = (System.nanoTime() - startWall) / 1e9;
        double virtual = (link.now - startVirtual) / 1e9;
        System.out.printf("%d MiB in %d-byte messages, loss %.3f: wall %.2f s (%.0f MiB/s of CPU), virtual %.2f s "
                        + "(%.1f MiB/s goodput at 2 ms RTT), path MTU %d, retransmitted chunks %d, fast retransmits %d, T3 %d, "
                        + "final cwnd %d%n",
                mib, size, loss, wall, mib / wall, virtual, mib / virtual, link.a.pathMtu(), link.a.stats().retransmittedChunks(),
                link.a.stats().fastRetransmits(), link.a.stats().t3Expirations(),
                link.a.congestionWindow());
    }
}
