package dev.peerlink.stun.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;

/**
 * How peerlink's UDP sockets read (the STUN and TURN listeners, TURN relay sockets, ICE host sockets): whole datagrams
 * of any size, several per system call where the transport can.
 *
 * <p>Every receive slot holds {@value #SLOT_BYTES} bytes, more than any UDP payload (65,507 bytes over IPv4, 65,527
 * over IPv6 without jumbograms), so the kernel never truncates a datagram. That matters on a relay socket: a peer's
 * datagram cut short would be relayed to the client as if whole (RFC 8656 §11.3 relays the UDP payload as is). Netty's
 * default for datagram channels is one 2,048-byte buffer, which cuts larger datagrams silently.
 *
 * <p>With native epoll, one {@code recvmmsg} fills up to {@value #SLOTS} slots: under load one wake-up reads a batch
 * of datagrams in one call instead of one call each, and the service flushes their answers together (one
 * {@code sendmmsg}). The batch buffer is pooled and held only while the batch is handled, so an idle relay socket
 * holds none. NIO reads one datagram per call into one slot.
 */
public final class DatagramReads {
    /** A receive slot: larger than the largest UDP payload, so nothing is ever truncated. */
    static final int SLOT_BYTES = 65_536;
    /** Datagrams per recvmmsg; Netty reads at most 16 messages per socket per wake-up by default. */
    static final int SLOTS = 16;

    /** Stateless (each channel gets its own handle from it), so every socket shares one. */
    private static final FixedRecvByteBufAllocator BATCH = new FixedRecvByteBufAllocator(SLOTS * SLOT_BYTES);
    private static final FixedRecvByteBufAllocator ONE = new FixedRecvByteBufAllocator(SLOT_BYTES);

    private DatagramReads() {
    }

    /** Sets the read options on a bootstrap for a UDP socket of {@code transport}. */
    public static Bootstrap apply(Bootstrap bootstrap, NettyTransport transport) {
        if (transport == NettyTransport.EPOLL) {
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, SLOT_BYTES)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, BATCH);
        } else {
            bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, ONE);
        }
        return bootstrap;
    }

    /** The same read options on a channel made without a bootstrap ({@link NettyTransport#bindDatagramChannel}). */
    public static void apply(ChannelConfig config, NettyTransport transport) {
        if (transport == NettyTransport.EPOLL) {
            config.setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, SLOT_BYTES);
            config.setRecvByteBufAllocator(BATCH);
        } else {
            config.setRecvByteBufAllocator(ONE);
        }
    }
}
