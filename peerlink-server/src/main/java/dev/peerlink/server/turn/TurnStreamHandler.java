package dev.peerlink.server.turn;

import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.transport.PacketKind;
import dev.peerlink.stun.transport.StreamFramer;
import dev.peerlink.turn.server.FiveTuple;
import dev.peerlink.turn.wire.ChannelData;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A STUN+TURN connection over TCP or TLS (RFC 8656 §3.1): frames the stream with {@link StreamFramer#STUN} (STUN
 * messages by their header, ChannelData padded to 4 bytes, RFC 8656 §12.5) and hands each frame to the
 * {@link TurnService}'s core. Runs on the TURN loop.
 *
 * <p>The first frame must be a STUN message with the magic cookie: a TURN client starts with Allocate (or Binding),
 * and without this check "GET / HTTP/1.1" (0x47) would frame as ChannelData of 21536 bytes and hold the connection
 * until the idle timeout. An idle connection is closed unless it holds an allocation, whose lifetime then decides.
 */
public final class TurnStreamHandler extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(TurnStreamHandler.class);

    private final TurnService service;
    private final FiveTuple.Transport transport;
    private FiveTuple tuple;
    private boolean stunSeen;

    public TurnStreamHandler(TurnService service, FiveTuple.Transport transport) {
        this.service = service;
        this.transport = transport;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        tuple = new FiveTuple((InetSocketAddress) ctx.channel().remoteAddress(),
                (InetSocketAddress) ctx.channel().localAddress(), transport);
        service.streamOpened(tuple, ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> unused) {
        ByteBuffer frame = service.inbound();
        while (in.isReadable()) {
            int peek = Math.min(in.readableBytes(), 8);
            frame.clear();
            in.getBytes(in.readerIndex(), frame.array(), 0, peek);
            frame.limit(peek);
            int length = frameLength(frame);
            if (length == StreamFramer.INVALID || !plausible(frame)) {
                LOG.debug("closing TURN stream from {}: not STUN or ChannelData", ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (length == StreamFramer.NEED_MORE || length > in.readableBytes()) {
                return;
            }
            if (length > frame.capacity()) {
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            frame.clear();
            in.readBytes(frame.array(), 0, length);
            frame.limit(length);
            stunSeen = true;
            service.streamFrame(tuple);
        }
    }

    /**
     * {@link StreamFramer#STUN}, widened to ChannelData of RFC 5766 §11's channels 0x4000–0x7FFF (first byte up to
     * 0x7F), which the core accepts on these listeners; always padded to 4 bytes over a stream (RFC 8656 §12.5).
     */
    private static int frameLength(ByteBuffer peek) {
        if (peek.remaining() >= 4) {
            int first = peek.get(0) & 0xFF;
            if (first >= 0x50 && first <= 0x7F) {
                return ChannelData.HEADER_LENGTH + ((peek.getShort(2) & 0xFFFF) + 3 & ~3);
            }
        }
        return StreamFramer.STUN.frameLength(peek);
    }

    /** STUN with its magic cookie (checked as soon as 8 bytes are in), or ChannelData once STUN came first. */
    private boolean plausible(ByteBuffer peek) {
        int first = peek.limit() >= 1 ? peek.get(0) & 0xFF : 0;
        if (first >= 0x40 && first <= 0x7F) { // ChannelData (RFC 7983 §7 64–79, or RFC 5766's wider range)
            return stunSeen;
        }
        PacketKind kind = PacketKind.classify(first);
        return kind == PacketKind.STUN && (peek.limit() < 8 || peek.getInt(4) == StunMessageReader.MAGIC_COOKIE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (tuple != null) {
            service.streamClosed(tuple);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            if (tuple == null || !service.hasAllocation(tuple)) {
                ctx.close(); // an idle connection without an allocation only holds a file descriptor
            }
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing TURN stream from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
