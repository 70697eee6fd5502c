package dev.peerlink.lab;

import dev.peerlink.peer.PeerConnectionConfig;
import dev.peerlink.peer.PeerConnectionListener;
import dev.peerlink.peer.PeerConnectionState;
import dev.peerlink.peer.PeerConnectionStats;
import dev.peerlink.peer.transfer.FileTransfer;
import dev.peerlink.peer.transfer.SignaledSession;
import dev.peerlink.peer.transfer.TransferException;
import dev.peerlink.peer.transfer.TransferProgress;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One Java peer of the lab's matrix, run inside a lab host by {@code peerlink lab}: a {@code PeerConnection} with the
 * lab's STUN and TURN servers ({@link LabIceServers#forJava}) that meets the other peer through the lab's signaling
 * server and moves one {@link LabPayload} file over a data channel, exactly as {@code peerlink send} and
 * {@code peerlink receive} do ({@link FileTransfer}). The sender offers; the receiver answers, saves the file and
 * also checks its SHA-256 against the payload it makes from the seed itself. It prints one result line:
 * <ul>
 *   <li>{@code connected=LOCALTYPE/REMOTETYPE ms=N sha256=ok} — the selected pair's candidate types (host, srflx,
 *       prflx, relay) from getStats after the transfer, and the milliseconds from connecting to connected; or
 *       {@code sha256=failed:REASON} when the file did not arrive intact;</li>
 *   <li>{@code failed=REASON} — not connected within the time limit, or what went wrong.</li>
 * </ul>
 * It exits 0 only when connected with the file intact.
 *
 * <p>Usage: {@code LabPeer SIGNALING_URI ROOM SELF send|receive SECONDS SEED SIZE firewall|open}.
 */
public final class LabPeer {
    public static final String CONNECTED = "connected=";
    public static final String FAILED = "failed=";
    public static final String SHA_OK = "sha256=ok";
    /** How long the selected pair must hold before the file goes (and the path is read). */
    static final Duration SETTLE = Duration.ofSeconds(2);

    private LabPeer() {
    }

    public static void main(String[] args) {
        if (args.length != 8 || !args[3].matches("send|receive") || !args[7].matches("firewall|open")) {
            System.err.println("usage: LabPeer SIGNALING_URI ROOM SELF send|receive SECONDS SEED SIZE firewall|open");
            System.exit(2);
        }
        String line;
        Path directory = null;
        try {
            directory = Files.createTempDirectory("peerlink-lab-peer-");
            line = run(URI.create(args[0]), args[1], args[2], args[3].equals("send"),
                    Duration.ofSeconds(Long.parseLong(args[4])), Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                    args[7].equals("firewall"), directory);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            line = FAILED + "interrupted";
        } catch (IOException | TransferException | RuntimeException e) {
            line = FAILED + oneLine(e.toString());
        } finally {
            deleteTree(directory);
        }
        System.out.println(line);
        System.out.flush();
        System.exit(line.startsWith(CONNECTED) && line.endsWith(SHA_OK) ? 0 : 1);
    }

    private static String run(URI signaling, String room, String self, boolean sender, Duration limit, int seed,
                              int size, boolean behindFirewall, Path directory)
            throws IOException, TransferException, InterruptedException {
        PeerConnectionConfig config = PeerConnectionConfig.builder()
                .iceServers(LabIceServers.forJava(behindFirewall)).mdns(false)
                .insecureTurnTls(true) // the lab server's TLS certificate is self-signed, made when the lab starts
                .build();
        AtomicLong connecting = new AtomicLong();
        AtomicLong connected = new AtomicLong();
        PeerConnectionListener timing = new PeerConnectionListener() {
            @Override
            public void onConnectionStateChange(PeerConnectionState state) {
                if (state == PeerConnectionState.CONNECTING) {
                    connecting.compareAndSet(0, System.nanoTime());
                } else if (state == PeerConnectionState.CONNECTED) {
                    connected.compareAndSet(0, System.nanoTime());
                }
            }
        };
        try (SignaledSession session = SignaledSession.join(signaling, room, self, null,
                warning -> System.err.println(oneLine(warning)))) {
            String transfer;
            try {
                if (sender) {
                    Path file = directory.resolve("payload.bin");
                    Files.write(file, LabPayload.bytes(seed, size));
                    // The path is judged once ICE has settled on it (renomination may replace the first pair).
                    FileTransfer.send(session, file, config, limit, FileTransfer.DEFAULT_STALL_TIMEOUT, SETTLE,
                            timing, TransferProgress.NONE);
                    transfer = SHA_OK; // the receiver answered ok: its SHA-256 matched ours
                } else {
                    FileTransfer.Received received = FileTransfer.receive(session, directory, config, limit, timing,
                            TransferProgress.NONE);
                    String expected = LabPayload.sha256(seed, size);
                    transfer = received.sha256().equals(expected) ? SHA_OK
                            : "sha256=failed:got " + received.sha256() + ", the seed gives " + expected;
                }
            } catch (TransferException e) {
                transfer = "sha256=failed:" + oneLine(e.getMessage());
            }
            if (connected.get() == 0 || session.connection() == null) {
                return FAILED + transfer.replaceFirst("^sha256=failed:", "");
            }
            PeerConnectionStats stats;
            try {
                stats = session.connection().getStats().get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return FAILED + "no stats: " + e;
            }
            if (stats.localCandidateType() == null) {
                return FAILED + "connected, but no selected pair in getStats; " + transfer;
            }
            long millis = connecting.get() == 0 ? -1 : (connected.get() - connecting.get()) / 1_000_000;
            // A relayed local end says how it reaches its TURN server (relay-udp, relay-tls); only this side knows.
            String local = typeName(stats.localCandidateType())
                    + (stats.relayProtocol() != null ? "-" + stats.relayProtocol() : "");
            return CONNECTED + local + "/" + typeName(stats.remoteCandidateType()) + " ms=" + millis + " " + transfer;
        }
    }

    private static String typeName(Enum<?> type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    private static String oneLine(String text) {
        return String.valueOf(text).replace('\n', ' ').replace('\r', ' ');
    }

    private static void deleteTree(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
