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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's plain HTTP routes beside signaling on the same port: {@code GET /health}, {@code /metrics},
 * {@code /api/ice-servers}. A route gets what it needs of the request and answers now or later (a route that reads
 * state owned by another event loop asks that loop and answers when it replies), so answering needs no locks.
 */
public final class ServerHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHttpHandler.class);

    /** What a route sees of a request: path, decoded query, and the headers routes care about (may be null). */
    public record Request(String path, Map<String, List<String>> query, String host, String origin) {
        /** The first value of query parameter {@code name}, or null. */
        public String parameter(String name) {
            List<String> values = query.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** A route's answer; {@code headers} are extra response headers (e.g. a Content-Security-Policy). */
    public record Response(int status, String contentType, String text, Map<String, String> headers) {
        public Response {
            headers = Map.copyOf(headers);
        }

        public Response(int status, String contentType, String text) {
            this(status, contentType, text, Map.of());
        }

        public static Response ok(String contentType, String text) {
            return new Response(200, contentType, text);
        }

        public static Response plain(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", text);
        }
    }

    /** One path's handler. It must not throw; a failed stage is answered 500. */
    @FunctionalInterface
    public interface Route {
        CompletionStage<Response> answer(Request request);

        /** A route whose answer does not depend on the request. */
        static Route of(Supplier<Response> body) {
            return request -> CompletableFuture.completedFuture(body.get());
        }
    }

    private final Map<String, Route> routes;

    public ServerHttpHandler(Map<String, Route> routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        boolean head = request.method().equals(HttpMethod.HEAD);
        HttpVersion version = request.protocolVersion();
        Route route = routes.get(path);
        if (route == null) {
            send(ctx, version, keepAlive, head, Response.plain(404, "not found: " + path + "\n"), null);
            return;
        }
        if (!request.method().equals(HttpMethod.GET) && !head) {
            send(ctx, version, keepAlive, head, Response.plain(405, path + " answers GET only\n"), "GET, HEAD");
            return;
        }
        Request parsed = new Request(path, uri.parameters(), request.headers().get(HttpHeaderNames.HOST),
                request.headers().get(HttpHeaderNames.ORIGIN));
        CompletionStage<Response> answer;
        try {
            answer = route.answer(parsed);
        } catch (RuntimeException bug) {
            answer = CompletableFuture.failedFuture(bug);
        }
        answer.whenComplete((response, failure) -> {
            Response body = response;
            if (failure != null || response == null) {
                LOG.warn("HTTP route {} failed: {}", path, String.valueOf(failure));
                body = Response.plain(500, "internal error\n");
            }
            Response finalBody = body;
            if (ctx.executor().inEventLoop()) {
                send(ctx, version, keepAlive, head, finalBody, null);
            } else {
                ctx.executor().execute(() -> send(ctx, version, keepAlive, head, finalBody, null));
            }
        });
    }

    private static void send(ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive, boolean head,
                             Response answer, String allow) {
        byte[] bytes = answer.text().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(answer.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        answer.headers().forEach((name, value) -> response.headers().set(name, value));
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
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
