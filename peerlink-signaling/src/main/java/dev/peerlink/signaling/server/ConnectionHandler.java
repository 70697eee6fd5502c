package dev.peerlink.signaling.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upgraded connection's messages, handed to the hub; before the upgrade, plain HTTP requests and idle events
 * pass on to the handler for other paths.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private final SignalingServer server;
    private boolean upgraded;

    ConnectionHandler(SignalingServer server) {
        this.server = server;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            upgraded = true;
            server.connected(ctx.channel());
        } else if (event instanceof IdleStateEvent && upgraded) {
            // Silent for a heartbeat interval: a ping makes browsers answer with a pong, which counts as alive.
            ctx.writeAndFlush(new PingWebSocketFrame());
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg); // a plain HTTP request for another path
            return;
        }
        try {
            if (frame instanceof TextWebSocketFrame text) {
                server.received(ctx.channel(), text.text());
            } else if (frame instanceof BinaryWebSocketFrame) {
                server.receivedBinary(ctx.channel());
            } else {
                server.heard(ctx.channel());
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (upgraded) {
            server.disconnected(ctx.channel());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (upgraded && cause instanceof TooLongFrameException) { // a fragmented message over the limit
            server.tooLarge(ctx.channel());
            return;
        }
        if (!upgraded) {
            ctx.fireExceptionCaught(cause); // the handler for other paths owns plain HTTP errors
            return;
        }
        if (cause instanceof IOException) {
            LOG.debug("signaling connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("signaling connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
