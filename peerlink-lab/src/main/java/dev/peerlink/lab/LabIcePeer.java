package dev.peerlink.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peerlink.ice.IceAgentConfig;
import dev.peerlink.ice.IceCandidate;
import dev.peerlink.ice.IceConnectionState;
import dev.peerlink.ice.IceRole;
import dev.peerlink.ice.IceTurnServer;
import dev.peerlink.ice.netty.IceSession;
import dev.peerlink.sdp.IceCandidateLine;
import dev.peerlink.signaling.client.SignalingClient;
import dev.peerlink.signaling.client.SignalingException;
import dev.peerlink.signaling.protocol.ServerMessage;
import dev.peerlink.signaling.protocol.SignalKind;
import dev.peerlink.signaling.protocol.SignalingCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * One Java ICE peer of the lab's traversal matrix, run inside a lab host by {@code peerlink lab}: it opens an
 * {@link IceSession} with the lab's STUN server and TURN server (UDP), joins a signaling room on the lab server,
 * waits for the other peer, sends its ICE credentials and every candidate it gathered in one signal (a small JSON
 * payload, {@code {"ufrag","pwd","candidates":[candidate lines]}}; no SDP), applies the other peer's, and prints one
 * result line:
 * <ul>
 *   <li>{@code connected=LOCALTYPE/REMOTETYPE ms=N} — the selected pair's candidate types (host, srflx, prflx,
 *       relay) once checking is over (COMPLETED, or {@value #SETTLE_MILLIS} ms after connecting), and the milliseconds
 *       from applying the peer's candidates to the first connected state;</li>
 *   <li>{@code failed=REASON} — no connection within the time limit, or what went wrong.</li>
 * </ul>
 * After connecting it stays up for {@value #LINGER_MILLIS} ms so that the other side can finish too, then exits:
 * status 0 when connected, 1 otherwise. It never runs longer than the given time limit plus that linger.
 *
 * <p>Usage: {@code LabIcePeer SIGNALING_URI ROOM SELF OTHER controlling|controlled SERVER_IP STUN_TURN_PORT SECONDS}.
 */
public final class LabIcePeer {
    public static final String CONNECTED = "connected=";
    public static final String FAILED = "failed=";
    static final long LINGER_MILLIS = 3000;
    static final long SETTLE_MILLIS = 3000;

    private LabIcePeer() {
    }

    public static void main(String[] args) {
        if (args.length != 8) {
            System.err.println("usage: LabIcePeer SIGNALING_URI ROOM SELF OTHER controlling|controlled SERVER_IP "
                    + "STUN_TURN_PORT SECONDS");
            System.exit(2);
        }
        int status;
        try {
            status = run(URI.create(args[0]), args[1], args[2], args[3], IceRole.valueOf(args[4].toUpperCase(
                    Locale.ROOT)), new InetSocketAddress(InetAddress.getByName(args[5]), Integer.parseInt(args[6])),
                    Duration.ofSeconds(Long.parseLong(args[7])));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.out.println(FAILED + "interrupted");
            status = 1;
        } catch (IOException | SignalingException | dev.peerlink.sdp.SdpParseException | RuntimeException e) {
            System.out.println(FAILED + oneLine(e.toString()));
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    private static int run(URI signaling, String room, String self, String other, IceRole role,
                           InetSocketAddress server, Duration limit)
            throws IOException, SignalingException, dev.peerlink.sdp.SdpParseException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        IceAgentConfig config = IceAgentConfig.builder(role).renomination(true).stunServer(server)
                .turnServer(IceTurnServer.udp(server, LabIceServer.TURN_USER, LabIceServer.TURN_PASSWORD)).build();
        try (IceSession session = IceSession.builder(config).mdns(false).open();
             SignalingClient client = SignalingClient.connect(signaling, room, self, null)) {
            // The other peer may join later: wait for it before signalling to it.
            boolean present = client.peersAtJoin().contains(other);
            JsonNode remote = null;
            while (!present) {
                ServerMessage message = client.poll(Duration.ofMillis(50));
                if (message instanceof ServerMessage.PeerJoined joined && joined.peer().equals(other)) {
                    present = true;
                } else if (message instanceof ServerMessage.Signal signal && signal.from().equals(other)
                        && signal.kind() == SignalKind.OFFER) {
                    remote = signal.payload();
                    present = true;
                }
                if (!present && System.nanoTime() > deadline) {
                    System.out.println(FAILED + "the other peer never joined");
                    return 1;
                }
            }
            // Gathering of srflx and relay candidates is bounded by the STUN/TURN retransmissions; wait for it,
            // but a host whose UDP is blocked sends what it has once half the time is gone.
            long gatherDeadline = System.nanoTime() + limit.toNanos() / 2;
            while (!session.isGatheringComplete() && System.nanoTime() < gatherDeadline) {
                Thread.sleep(20);
            }
            ObjectNode payload = SignalingCodec.newObject().put("ufrag", session.localUfrag())
                    .put("pwd", session.localPassword());
            var candidates = payload.putArray("candidates");
            for (IceCandidate candidate : session.localCandidates()) {
                candidates.add(candidate.toSdpLine().toString());
            }
            client.signal(other, SignalKind.OFFER, payload);
            while (remote == null) {
                ServerMessage message = client.poll(Duration.ofMillis(50));
                if (message instanceof ServerMessage.Signal signal && signal.from().equals(other)
                        && signal.kind() == SignalKind.OFFER) {
                    remote = signal.payload();
                }
                if (System.nanoTime() > deadline) {
                    System.out.println(FAILED + "no candidates from the other peer");
                    return 1;
                }
            }
            long started = System.nanoTime();
            session.setRemoteCredentials(remote.path("ufrag").asText(), remote.path("pwd").asText()).join();
            for (JsonNode line : remote.path("candidates")) {
                session.addRemoteCandidate(IceCandidate.fromSdp(IceCandidateLine.parse(line.asText()))).join();
            }
            session.endOfRemoteCandidates().join();
            while (System.nanoTime() < deadline) {
                IceConnectionState state = session.state();
                var pair = session.selectedPair();
                if ((state == IceConnectionState.CONNECTED || state == IceConnectionState.COMPLETED)
                        && pair.isPresent()) {
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    // The first pair to succeed carries data at once; with renomination the controlling agent
                    // moves to a better pair that succeeds later. Report the pair once checking is over.
                    long settle = System.nanoTime() + Duration.ofMillis(SETTLE_MILLIS).toNanos();
                    while (session.state() != IceConnectionState.COMPLETED && System.nanoTime() < settle) {
                        Thread.sleep(10);
                    }
                    Thread.sleep(200);
                    var selected = session.selectedPair().orElse(pair.get());
                    System.out.println(CONNECTED + typeName(selected.local()) + "/" + typeName(selected.remote())
                            + " ms=" + millis);
                    System.out.flush();
                    Thread.sleep(LINGER_MILLIS);
                    return 0;
                }
                if (state == IceConnectionState.FAILED) {
                    System.out.println(FAILED + "every candidate pair failed (" + session.localCandidates().size()
                            + " local, " + remote.path("candidates").size() + " remote candidates)");
                    return 1;
                }
                Thread.sleep(10);
            }
            System.out.println(FAILED + "not connected within " + limit.toSeconds() + " s (state "
                    + session.state().name().toLowerCase(Locale.ROOT) + ")");
            return 1;
        }
    }

    static String typeName(IceCandidate candidate) {
        return candidate.type().name().toLowerCase(Locale.ROOT);
    }

    private static String oneLine(String text) {
        return text.replace('\n', ' ').replace('\r', ' ');
    }
}
