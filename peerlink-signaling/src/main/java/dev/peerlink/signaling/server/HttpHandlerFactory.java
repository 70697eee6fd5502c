package dev.peerlink.signaling.server;

import io.netty.channel.ChannelHandler;

/**
 * Makes the handler for one connection's HTTP requests to paths other than {@link SignalingServer#PATH}, so other
 * routes (REST credentials, the web app, metrics) can share the signaling port.
 *
 * <p>The handler sits at the tail of the connection's pipeline, after Netty's {@code HttpServerCodec} and an
 * {@code HttpObjectAggregator}, and receives each request as a {@link io.netty.handler.codec.http.FullHttpRequest}
 * that it must answer and release. It also receives the {@link io.netty.handler.timeout.IdleStateEvent}s of a
 * connection that has not been upgraded to WebSocket, and decides whether to close it. The default answers 404 to
 * every request and closes idle connections.
 */
@FunctionalInterface
public interface HttpHandlerFactory {
    ChannelHandler newHandler();
}
