package dev.peerlink.dtls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.tls.TlsException;

/**
 * A {@link Dtls13Server} shared by the threads of a {@link DtlsTransport}: datagrams are handled on the thread that
 * delivers them (ICE's), timers on the transport's timer thread, sends on any caller's. Each call takes the lock for
 * one datagram or record and sends what the core produced.
 */
final class Dtls13Connection implements DtlsTransport.KeyExporter {
    /**
     * Where the handshake stands after a datagram. NOT_OURS comes once, for the datagram that completed a ClientHello
     * the DTLS 1.3 server left alone; HANDED_OVER for any that came after it (the DTLS 1.2 server's to read).
     */
    enum Progress { HANDSHAKING, NOT_OURS, HANDED_OVER, CONNECTED, CLOSED_BY_PEER }

    /** The ClientHello datagrams kept for the DTLS 1.2 server: a ClientHello fits in a few; junk is not hoarded. */
    private static final int MAX_CLIENT_HELLO_DATAGRAMS = 16;
    private static final int MAX_CLIENT_HELLO_BYTES = 64 * 1024;

    private final Dtls13Server core;
    private final QueueDatagramTransport datagrams;
    /** The datagrams read before the ClientHello was complete, for the DTLS 1.2 server if it is not ours. */
    private final List<ByteBuffer> clientHelloDatagrams = new ArrayList<>();
    private int clientHelloBytes;

    Dtls13Connection(Dtls13Server core, QueueDatagramTransport datagrams) {
        this.core = core;
        this.datagrams = datagrams;
    }

    /**
     * One datagram from the client (decrypted in place).
     *
     * @throws TlsException when the connection failed (an alert for the peer has been sent)
     */
    synchronized Progress handle(byte[] datagram, long nowNanos) throws TlsException {
        if (core.phase() == Dtls13Server.Phase.NOT_OURS) {
            return Progress.HANDED_OVER;
        }
        boolean awaitingHello = core.phase() == Dtls13Server.Phase.AWAITING_CLIENT_HELLO;
        if (awaitingHello && clientHelloDatagrams.size() < MAX_CLIENT_HELLO_DATAGRAMS
                && clientHelloBytes + datagram.length <= MAX_CLIENT_HELLO_BYTES) {
            clientHelloDatagrams.add(ByteBuffer.wrap(datagram.clone()));
            clientHelloBytes += datagram.length;
        }
        try {
            core.handleDatagram(datagram, 0, datagram.length, nowNanos);
        } finally {
            flush();
        }
        if (awaitingHello && core.phase() != Dtls13Server.Phase.AWAITING_CLIENT_HELLO
                && core.phase() != Dtls13Server.Phase.NOT_OURS) {
            clientHelloDatagrams.clear();
            clientHelloBytes = 0;
        }
        return switch (core.phase()) {
            case NOT_OURS -> Progress.NOT_OURS;
            case CONNECTED -> Progress.CONNECTED;
            case CLOSED -> core.peerSentCloseNotify() ? Progress.CLOSED_BY_PEER : Progress.HANDSHAKING;
            default -> Progress.HANDSHAKING;
        };
    }

    /** The datagrams that brought a ClientHello the DTLS 1.3 server left alone, in the order they came. */
    synchronized List<ByteBuffer> clientHelloDatagrams() {
        return List.copyOf(clientHelloDatagrams);
    }

    synchronized void handleTimeout(long nowNanos) {
        core.handleTimeout(nowNanos);
        flush();
    }

    synchronized long nextTimeoutNanos() {
        return core.nextTimeoutNanos();
    }

    synchronized byte[] pollApplicationData() {
        return core.pollApplicationData();
    }

    /** Whether the client's Finished has been verified (also when the connection has closed since). */
    synchronized boolean handshakeComplete() {
        return core.handshakeComplete();
    }

    synchronized SrtpProfile srtpProfile() {
        return core.srtpProfile().orElse(null);
    }

    /**
     * One application-data record of {@code data[off, off + len)}, sent at once.
     *
     * @return false when the peer has closed the connection meanwhile (its close_notify): nothing was sent
     */
    boolean send(byte[] data, int off, int len) throws IOException {
        byte[] datagram;
        synchronized (this) {
            if (core.phase() == Dtls13Server.Phase.CLOSED) {
                return false;
            }
            if (core.phase() != Dtls13Server.Phase.CONNECTED) {
                throw new IOException("the DTLS connection is " + core.phase());
            }
            datagram = core.protectApplicationData(data, off, len, System.nanoTime());
            flush(); // a KeyUpdate the core started, if it has sent enough records
        }
        datagrams.sendOwned(ByteBuffer.wrap(datagram));
        return true;
    }

    /** The most application data one record takes at the transport's current datagram size. */
    int sendLimit() {
        return Dtls13Server.maxApplicationDataSize(datagrams.getSendLimit());
    }

    /** close_notify (RFC 8446 §6.1) when the client can read it; the keys are forgotten. */
    synchronized void close() {
        core.close();
        flush();
    }

    @Override
    public synchronized byte[] export(String label, int length) {
        return core.exportKeyingMaterial(label, length);
    }

    @Override
    public synchronized void destroy() {
        core.forgetKeys();
    }

    private void flush() {
        byte[] datagram;
        while ((datagram = core.pollTransmit()) != null) {
            datagrams.sendOwned(ByteBuffer.wrap(datagram));
        }
    }
}
