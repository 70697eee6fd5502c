package dev.peerlink.lab;

import dev.peerlink.peer.IceServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that says which STUN and TURN servers the lab's peers use (the servers {@link LabIceServer} runs,
 * started by {@link LabTopology#startIceServer()}).
 */
public final class LabIceServers {
    /** STUN on the ICE server. */
    public static final String STUN = "stun:198.18.0.3:" + LabIceServer.PORT;
    /** TURN over UDP (RFC 8656) on the ICE server. */
    public static final String TURN_UDP = "turn:198.18.0.3:" + LabIceServer.PORT + "?transport=udp";
    /** TURN over TLS on 443 (RFC 7065 {@code turns:}), the only way out of the firewall LAN. */
    public static final String TURN_TLS = "turns:198.18.0.4:" + LabIceServer.TLS_PORT + "?transport=tcp";

    private LabIceServers() {
    }

    /** The Java peers' servers: STUN and TURN over UDP, and TURN over TLS on 443 when a side is behind the firewall. */
    public static List<IceServer> forJava(boolean behindFirewall) {
        List<IceServer> servers = new ArrayList<>(List.of(IceServer.stun(STUN),
                IceServer.turn(TURN_UDP, LabIceServer.TURN_USER, LabIceServer.TURN_PASSWORD)));
        if (behindFirewall) {
            servers.add(IceServer.turn(TURN_TLS, LabIceServer.TURN_USER, LabIceServer.TURN_PASSWORD));
        }
        return List.copyOf(servers);
    }

    /**
     * The Chromium pages' {@code iceServers} (W3C RTCConfiguration) as JSON: STUN and TURN over UDP, and TURN over
     * TLS on 443 when a side is behind the firewall.
     */
    public static String forChromium(boolean behindFirewall) {
        List<String> urls = new ArrayList<>(List.of(TURN_UDP));
        if (behindFirewall) {
            urls.add(TURN_TLS);
        }
        StringBuilder json = new StringBuilder("[{\"urls\":[\"" + STUN + "\"]},{\"urls\":[");
        for (int i = 0; i < urls.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(urls.get(i)).append('"');
        }
        return json.append("],\"username\":\"").append(LabIceServer.TURN_USER).append("\",\"credential\":\"")
                .append(LabIceServer.TURN_PASSWORD).append("\"}]").toString();
    }
}
