package dev.peerlink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * Drives a {@link LoadWindow} with a non-blocking {@link DatagramChannel} connected to the target, on the calling
 * thread: fill the window with one write per request, read until the socket is empty, and sleep in a selector only
 * when a round moved nothing. One system call per packet each way.
 */
final class NioLoadDriver {
    private static final int MAX_DATAGRAM = 2048;
    private static final int READ_BUDGET = 256;
    private static final int SOCKET_BUFFER = 4 << 20;
    /** Empty rounds spent polling before sleeping in the selector. */
    private static final int SPIN_ROUNDS = 16;

    private NioLoadDriver() {
    }

    static LoadWindow run(StunLoadGenerator.Options options, Consumer<String> progress) {
        var family = options.target().getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        try (DatagramChannel channel = DatagramChannel.open(family); Selector selector = Selector.open()) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            channel.connect(options.target());
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            LoadWindow load = new LoadWindow(options, progress, System.nanoTime());
            loop(channel, selector, load);
            return load;
        } catch (IOException e) {
            throw new UncheckedIOException("the STUN load generator's socket failed: " + e.getMessage(), e);
        }
    }

    private static void loop(DatagramChannel channel, Selector selector, LoadWindow load) throws IOException {
        ByteBuffer tx = ByteBuffer.allocateDirect(LoadWindow.REQUEST_LENGTH);
        ByteBuffer rx = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        int idle = 0;
        long now = System.nanoTime();
        while (!load.tick(now)) {
            int moved = 0;
            int slot;
            while ((slot = load.acquire()) >= 0) {
                load.encode(slot, tx.clear());
                tx.flip();
                if (channel.write(tx) == 0) {
                    load.abandon(slot); // the socket's send buffer is full; try again next round
                    break;
                }
                load.commit(slot, now);
                moved++;
            }
            boolean stamped = false;
            for (int i = 0; i < READ_BUDGET; i++) {
                int n;
                try {
                    n = channel.read(rx.clear());
                } catch (PortUnreachableException e) {
                    continue; // ICMP from a closed port: the request is lost, the loss timeout counts it
                }
                if (n <= 0) {
                    break;
                }
                if (!stamped) { // one clock read per batch of responses
                    now = System.nanoTime();
                    stamped = true;
                }
                load.onResponse(rx.flip(), now);
                moved++;
            }
            now = System.nanoTime();
            if (moved > 0) {
                idle = 0;
            } else if (++idle > SPIN_ROUNDS) {
                long waitMillis = Math.max(1, (load.nextDeadline() - now + 999_999) / 1_000_000);
                selector.select(Math.min(waitMillis, 100));
                selector.selectedKeys().clear();
                now = System.nanoTime();
            }
        }
    }
}
