package dev.peerlink.signaling.server;

import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalingCodec;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits in front of Netty's WebSocket handlers: refuses upgrades from browser origins not on the allow-list
 * (HTTP 403), counts WebSocket pings and pongs as signs of life (Netty answers and drops them further on), and turns
 * the frame decoder's protocol errors into a clear close: an oversized frame gets {@code message-too-large} first.
 */
final class UpgradeGate extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(UpgradeGate.class);

    private final SignalingServer server;
    private final Set<String> allowedOrigins;

    UpgradeGate(SignalingServer server, Set<String> allowedOrigins) {
        this.server = server;
        this.allowedOrigins = allowedOrigins;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request && SignalingServer.PATH.equals(request.uri())
                && !originAllowed(request)) {
            try {
                refuseOrigin(ctx, request);
            } finally {
                ReferenceCountUtil.release(request);
            }
            return;
        }
        if (msg instanceof PingWebSocketFrame || msg instanceof PongWebSocketFrame) {
            server.heard(ctx.channel());
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Browsers always send Origin; other clients may send anything, so a missing Origin is let through and room
     * tokens remain the access control for them.
     */
    private boolean originAllowed(FullHttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        return allowedOrigins.isEmpty() || origin == null || allowedOrigins.contains(origin);
    }

    private static void refuseOrigin(ChannelHandlerContext ctx, FullHttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        LOG.debug("refused a signaling upgrade from origin {} ({})", origin, ctx.channel().remoteAddress());
        byte[] body = SignalingCodec.encode(ServerMessage.Error.of(ErrorCode.ORIGIN_NOT_ALLOWED,
                "pages from this origin may not use this signaling server")).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.FORBIDDEN, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupt) {
            if (corrupt.closeStatus().equals(WebSocketCloseStatus.MESSAGE_TOO_BIG)) {
                server.tooLarge(ctx.channel());
            } else {
                LOG.debug("closing signaling connection {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
                ctx.writeAndFlush(new CloseWebSocketFrame(corrupt.closeStatus()))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
