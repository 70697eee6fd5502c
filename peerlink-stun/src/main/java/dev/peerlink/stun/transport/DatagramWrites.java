package dev.peerlink.stun.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datagrams one event-loop pass writes, sent with as few system calls as the kernel allows: consecutive datagrams
 * of one size from one socket to one address leave as one UDP generic segmentation offload send (Linux
 * {@code UDP_SEGMENT}, through Netty's {@link SegmentedDatagramPacket}), and each socket is flushed once, so what is
 * left goes out in one {@code sendmmsg}. The datagrams on the wire are the same either way — the kernel (or the
 * network card) cuts the batch into the same datagrams one by one would have made — but the sending stack is walked
 * once per batch instead of once per datagram, which is most of a UDP stream's CPU time.
 *
 * <p>A data channel's stream is such runs: SCTP fills its packets to the path MTU, so the DTLS records that carry
 * them are of one size. A batch may end with one shorter datagram (the kernel's rule for segmentation). Where
 * segmentation is unavailable (NIO, an old kernel) or a segmented send fails once on a socket (for example a segment
 * larger than a tunnel's MTU), that socket sends datagram by datagram from then on; the batch that failed is lost,
 * as a datagram may be, and the protocols above retransmit it.
 *
 * <p>A datagram larger than any yet sent from its socket goes alone, never at the head of a segmented run: a path MTU
 * probe (RFC 8899 §4.1) larger than the interface allows fails with EMSGSIZE under don't-fragment ({@link
 * DontFragment}), and that must be one lost probe, not a failed segmented send that takes the datagrams after it
 * along and turns segmentation off for the socket. Such a failure is not an error: it is logged at debug level.
 *
 * <p>Event loop only: one instance per event loop user, not shared between threads.
 */
public final class DatagramWrites {
    private static final Logger log = LoggerFactory.getLogger(DatagramWrites.class);
    /** Segments per send: within every kernel's limit since UDP_SEGMENT came (64). */
    static final int MAX_SEGMENTS = 32;
    /** Bytes per send: one UDP payload, with room under 65,507 (IPv4). */
    static final int MAX_BATCH_BYTES = 60_000;

    private final boolean segmentationAvailable;
    /** Sockets whose segmented send failed: datagram by datagram from then on (weak: sockets come and go). */
    private final Set<Channel> unsegmented = Collections.newSetFromMap(new WeakHashMap<>());
    /** Per socket, the largest datagram that left it (event loop only, like the rest). */
    private final Map<Channel, Integer> sentSizes = new WeakHashMap<>();
    private final Set<Channel> unflushed = new LinkedHashSet<>();
    private final List<byte[]> run = new ArrayList<>();
    private Channel runChannel;
    private InetSocketAddress runRemote;
    private int runBytes;
    private boolean runClosed;
    private long segmentedSends;

    public DatagramWrites(NettyTransport transport) {
        this.segmentationAvailable = transport == NettyTransport.EPOLL
                && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
    }

    /** Queues one datagram (the array becomes this writer's until {@link #flush}). */
    public void write(Channel channel, InetSocketAddress remote, byte[] datagram) {
        if (!joinsRun(channel, remote, datagram.length)) {
            writeRun();
            runChannel = channel;
            runRemote = remote;
            runClosed = false;
        }
        run.add(datagram);
        runBytes += datagram.length;
        runClosed = datagram.length < run.getFirst().length;
    }

    /** How many segmented sends (each several datagrams) were written. */
    public long segmentedSends() {
        return segmentedSends;
    }

    /** Writes what is queued and flushes every socket written to. */
    public void flush() {
        writeRun();
        for (Channel channel : unflushed) {
            channel.flush();
        }
        unflushed.clear();
    }

    private boolean joinsRun(Channel channel, InetSocketAddress remote, int length) {
        return !run.isEmpty() && !runClosed && channel == runChannel && remote.equals(runRemote)
                && length > 0 && length <= run.getFirst().length && run.size() < MAX_SEGMENTS
                && runBytes + length <= MAX_BATCH_BYTES && segmentationAvailable && !unsegmented.contains(channel)
                && run.getFirst().length <= sentSize(channel);
    }

    private int sentSize(Channel channel) {
        Integer size = sentSizes.get(channel);
        return size == null ? 0 : size;
    }

    /** Whether {@code channel} still sends runs segmented (no segmented send of it has failed). */
    public boolean segments(Channel channel) {
        return segmentationAvailable && !unsegmented.contains(channel);
    }

    private void writeRun() {
        if (run.isEmpty()) {
            return;
        }
        Channel channel = runChannel;
        if (run.size() == 1) {
            byte[] datagram = run.getFirst();
            if (datagram.length <= sentSize(channel)) {
                channel.write(new DatagramPacket(Unpooled.wrappedBuffer(datagram), runRemote));
            } else {
                int length = datagram.length;
                channel.write(new DatagramPacket(Unpooled.wrappedBuffer(datagram), runRemote)).addListener(written -> {
                    if (written.isSuccess()) {
                        sentSizes.merge(channel, length, Math::max);
                    } else {
                        // EMSGSIZE for a probe above the interface MTU (DF set): a lost datagram, nothing more.
                        log.debug("a {}-byte datagram from {} was not sent: {}", length, channel.localAddress(),
                                written.cause().toString());
                    }
                });
            }
        } else {
            ByteBuf batch = channel.alloc().directBuffer(runBytes);
            for (byte[] datagram : run) {
                batch.writeBytes(datagram);
            }
            int segment = run.getFirst().length;
            int datagrams = run.size();
            segmentedSends++;
            channel.write(new SegmentedDatagramPacket(batch, segment, runRemote)).addListener(written -> {
                if (!written.isSuccess() && unsegmented.add(channel)) {
                    log.debug("UDP segmentation failed on {} ({} datagrams of {} B lost); sending one by one: {}",
                            channel.localAddress(), datagrams, segment, written.cause().toString());
                }
            });
        }
        unflushed.add(channel);
        run.clear();
        runBytes = 0;
        runChannel = null;
        runRemote = null;
    }
}
