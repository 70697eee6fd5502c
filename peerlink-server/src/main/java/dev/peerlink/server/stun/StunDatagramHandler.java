package dev.peerlink.server.stun;

import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.server.BindingResponder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers STUN over one UDP socket. The request is copied into a reused buffer and the response written into
 * another, so our code allocates nothing per packet; responses are flushed once per read batch so that epoll
 * can send them together.
 */
final class StunDatagramHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(StunDatagramHandler.class);

    private final BindingResponder responder;
    private final ByteBuffer request = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);
    private final ByteBuffer response = ByteBuffer.allocate(StunMessageReader.MAX_MESSAGE_LENGTH);
    /** RFC 5780: the sibling sockets a CHANGE-REQUEST may ask the answer to come from; filled after binding. */
    private final Map<BindingResponder.Route, Channel> siblings = new EnumMap<>(BindingResponder.Route.class);
    private final LongAdder responses;
    private boolean flushPending;

    StunDatagramHandler(BindingResponder responder, LongAdder responses) {
        this.responder = responder;
        this.responses = responses;
    }

    void sibling(BindingResponder.Route route, Channel channel) {
        siblings.put(route, channel);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        try {
            ByteBuf content = packet.content();
            int length = content.readableBytes();
            if (length > request.capacity()) {
                return;
            }
            request.clear();
            content.getBytes(content.readerIndex(), request.array(), 0, length);
            request.limit(length);
            InetSocketAddress sender = packet.sender();
            response.clear();
            int responseLength = responder.respond(request, sender.getAddress(), sender.getPort(), response);
            if (responseLength == 0) {
                return;
            }
            responses.increment();
            ByteBuf out = ctx.alloc().directBuffer(responseLength).writeBytes(response.array(), 0, responseLength);
            BindingResponder.Route route = responder.route();
            InetSocketAddress destination = responder.destinationPort() == sender.getPort() ? sender
                    : new InetSocketAddress(sender.getAddress(), responder.destinationPort());
            if (route == BindingResponder.Route.SAME) {
                ctx.write(new DatagramPacket(out, destination), ctx.voidPromise());
                flushPending = true;
            } else {
                Channel sibling = siblings.get(route);
                if (sibling == null) {
                    out.release(); // not configured for RFC 5780: BindingResponder answers 420 instead
                } else {
                    sibling.writeAndFlush(new DatagramPacket(out, destination), sibling.voidPromise());
                }
            }
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A UDP socket outlives any one bad packet or ICMP error: note it and carry on.
        LOG.debug("STUN UDP socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}
