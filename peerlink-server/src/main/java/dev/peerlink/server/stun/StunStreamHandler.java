package dev.peerlink.server.stun;

import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.server.BindingResponder;
import dev.peerlink.stun.transport.StreamFramer;
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
 * Answers STUN over one TCP or TLS connection: frames the stream by the STUN header (RFC 8489 §6.2.2), answers
 * each request on the same connection, and closes connections that send something else or stay idle.
 */
final class StunStreamHandler extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(StunStreamHandler.class);

    private final BindingResponder responder;
    private final ByteBuffer request = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);
    private final ByteBuffer response = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);

    StunStreamHandler(BindingResponder responder) {
        this.responder = responder;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> unused) {
        boolean wrote = false;
        while (true) {
            int available = Math.min(in.readableBytes(), request.capacity());
            request.clear();
            in.getBytes(in.readerIndex(), request.array(), 0, Math.min(available, 4));
            request.limit(Math.min(available, 4));
            int frame = StreamFramer.STUN.frameLength(request);
            if (frame == StreamFramer.NEED_MORE || (frame > 0 && frame > in.readableBytes())) {
                break;
            }
            if (frame == StreamFramer.INVALID) {
                LOG.debug("closing STUN stream from {}: not STUN", ctx.channel().remoteAddress());
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            request.clear();
            in.readBytes(request.array(), 0, frame);
            request.limit(frame);
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            response.clear();
            int length = responder.respond(request, remote.getAddress(), remote.getPort(), response);
            if (length > 0) {
                ctx.write(ctx.alloc().buffer(length).writeBytes(response.array(), 0, length), ctx.voidPromise());
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
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
