package dev.peerlink.server.stun;

import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.server.BindingResponder;
import dev.peerlink.stun.transport.PacketKind;
import dev.peerlink.stun.transport.StreamFramer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers STUN over one TCP or TLS connection: frames the stream by the STUN header (RFC 8489 §6.2.2), answers
 * each request on the same connection, and closes connections that send something else or stay idle.
 */
final class StunStreamHandler extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(StunStreamHandler.class);

    private final BindingResponder responder;
    private final ByteBuffer request = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);
    private final ByteBuffer response = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);

    private final LongAdder responses;

    StunStreamHandler(BindingResponder responder, LongAdder responses) {
        this.responder = responder;
        this.responses = responses;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> unused) {
        boolean wrote = false;
        while (true) {
            int peek = Math.min(in.readableBytes(), 8);
            request.clear();
            in.getBytes(in.readerIndex(), request.array(), 0, peek);
            request.limit(peek);
            int frame = StreamFramer.STUN.frameLength(request);
            if (frame == StreamFramer.INVALID || !couldBeStun(request)) {
                LOG.debug("closing STUN stream from {}: not STUN", ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                if (wrote) {
                    ctx.flush(); // answers to the STUN before the garbage still go out
                }
                ctx.close();
                return;
            }
            if (frame == StreamFramer.NEED_MORE || frame > in.readableBytes()) {
                break;
            }
            request.clear();
            in.readBytes(request.array(), 0, frame);
            request.limit(frame);
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            response.clear();
            int length = responder.respond(request, remote.getAddress(), remote.getPort(), response);
            if (length > 0) {
                responses.increment();
                ctx.write(ctx.alloc().buffer(length).writeBytes(response.array(), 0, length), ctx.voidPromise());
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
    }

    /**
     * Whether the bytes so far can start a STUN message (RFC 8489 §6.2.2). The framer also accepts TURN ChannelData
     * (first byte 0x40–0x4F), but this listener speaks STUN only; and without this check "GET / HTTP/1.1" (0x47)
     * frames as ChannelData of 21536 bytes and the connection hangs until the idle timeout. The magic cookie is
     * checked as soon as it has arrived, so a stream that is not STUN is closed before a whole bogus frame arrives.
     */
    private static boolean couldBeStun(ByteBuffer peek) {
        int first = peek.limit() >= 1 ? peek.get(0) & 0xFF : 0;
        return PacketKind.classify(first) == PacketKind.STUN
                && (peek.limit() < 8 || peek.getInt(4) == StunMessageReader.MAGIC_COOKIE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close(); // idle connections hold a file descriptor each; clients reconnect when they need to
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing STUN stream from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
