package dev.peerlink.peer;

import dev.peerlink.ice.IceConnectionState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/** A listener that records what it hears and forwards candidates to a sink. */
final class Recorder implements PeerConnectionListener {
    final List<PeerConnectionState> states = new CopyOnWriteArrayList<>();
    final List<IceConnectionState> iceStates = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<DataChannel> remoteChannels = new LinkedBlockingQueue<>();
    /** Remote channels by label, each with an inbox attached before any message could arrive. */
    final java.util.Map<String, DataChannel> remoteByLabel = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Map<String, Inbox> remoteInboxes = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> candidates = new CopyOnWriteArrayList<>();
    volatile boolean gatheringDone;
    volatile Consumer<String> candidateSink = candidate -> { };

    @Override
    public void onIceCandidate(String candidate) {
        if (candidate == null) {
            gatheringDone = true;
        } else {
            candidates.add(candidate);
        }
        candidateSink.accept(candidate);
    }

    @Override
    public void onIceConnectionStateChange(IceConnectionState state) {
        iceStates.add(state);
    }

    @Override
    public void onConnectionStateChange(PeerConnectionState state) {
        states.add(state);
    }

    @Override
    public void onDataChannel(DataChannel channel) {
        remoteInboxes.put(channel.label(), Inbox.of(channel));
        remoteByLabel.put(channel.label(), channel);
        remoteChannels.add(channel);
    }
}
