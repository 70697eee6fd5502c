package dev.peerlink.server.turn;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A STUN+TURN UDP listener: every datagram goes to the {@link TurnService}'s core, which answers Binding requests
 * itself (RFC 8656 §5 lets one port serve STUN and TURN) and relays the rest. Runs on the TURN loop.
 */
public final class TurnDatagramHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TurnDatagramHandler.class);

    private final TurnService service;

    public TurnDatagramHandler(TurnService service) {
        this.service = service;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        service.udpListenerActive(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            service.clientDatagram(ctx.channel(), packet);
        } catch (RuntimeException bug) {
            LOG.warn("TURN UDP listener {}: dropped a datagram: {}", ctx.channel().localAddress(), bug.toString());
        } finally {
            packet.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A UDP socket outlives any one bad packet or ICMP error: note it and carry on.
        LOG.debug("TURN UDP listener {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}
