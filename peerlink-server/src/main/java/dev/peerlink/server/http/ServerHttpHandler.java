package dev.peerlink.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The server's plain HTTP routes beside signaling on the same port: {@code GET /health}, and more as they land
 * (credentials, metrics, the web app). Each route is a supplier of a body, so answering needs no locks.
 */
public final class ServerHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** A route's answer. */
    public record Body(String contentType, String text) {
    }

    private final Map<String, Supplier<Body>> routes;

    public ServerHttpHandler(Map<String, Supplier<Body>> routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = request.uri().split("\\?", 2)[0];
        Supplier<Body> route = routes.get(path);
        FullHttpResponse response;
        if (route == null) {
            response = text(request, HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n");
        } else if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            response = text(request, HttpResponseStatus.METHOD_NOT_ALLOWED, path + " answers GET only\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        } else {
            Body body = route.get();
            response = respond(request, HttpResponseStatus.OK, body.contentType(), body.text());
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse text(FullHttpRequest request, HttpResponseStatus status, String text) {
        return respond(request, status, "text/plain; charset=utf-8", text);
    }

    private static FullHttpResponse respond(FullHttpRequest request, HttpResponseStatus status, String contentType,
                                            String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        boolean head = request.method().equals(HttpMethod.HEAD);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close(); // an idle plain-HTTP connection only holds a file descriptor
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
