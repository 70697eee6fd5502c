package dev.peerlink.bench;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMessageType;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/** A tiny STUN Binding responder on 127.0.0.1 that drops every {@code dropEvery}-th request (0: none). */
final class TestStunResponder implements AutoCloseable {
    private static final int BINDING_REQUEST = StunMessageType.of(StunMethod.BINDING, StunClass.REQUEST);

    private final DatagramChannel channel;
    private final Thread thread;
    private final int dropEvery;

    TestStunResponder(int dropEvery) {
        this.dropEvery = dropEvery;
        try {
            channel = DatagramChannel.open();
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thread = new Thread(this::serve, "test-stun-responder");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve() {
        ByteBuffer in = ByteBuffer.allocate(1500);
        ByteBuffer out = ByteBuffer.allocate(1500);
        StunMessageReader reader = new StunMessageReader();
        StunMessageWriter writer = new StunMessageWriter();
        long requests = 0;
        try {
            while (true) {
                InetSocketAddress source = (InetSocketAddress) channel.receive(in.clear());
                if (reader.wrap(in.flip()) != StunParseStatus.OK || reader.messageType() != BINDING_REQUEST) {
                    continue;
                }
                if (dropEvery > 0 && ++requests % dropEvery == 0) {
                    continue;
                }
                writer.begin(out.clear(), StunMethod.BINDING, StunClass.SUCCESS_RESPONSE, reader.transactionId())
                        .addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, source.getAddress().getAddress(),
                                source.getPort())
                        .finish();
                channel.send(out.flip(), source);
            }
        } catch (ClosedChannelException e) {
            // closed by the test
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.join(5_000);
    }
}
