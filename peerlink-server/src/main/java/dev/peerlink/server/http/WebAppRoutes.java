package dev.peerlink.server.http;

import dev.peerlink.server.http.ServerHttpHandler.Response;
import dev.peerlink.server.http.ServerHttpHandler.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web app's static files, served from the classpath ({@code dev/peerlink/server/webapp/}) at fixed paths:
 * {@code /} is the app, {@code /check} the connectivity check. Only the files listed here exist, so a request can
 * never name anything else (no directory traversal by construction: the path is a map key, never a file name).
 */
public final class WebAppRoutes {
    /**
     * Scripts and styles only from this origin, no inline script or style, no plugins, no framing; connections
     * (fetch, WebSocket) only to this origin. CSP Level 3 lets 'self' match ws:/wss: on the same host and port.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; "
            + "style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private static final String RESOURCE_DIRECTORY = "/dev/peerlink/server/webapp/";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    private static final String SVG = "image/svg+xml";

    /** URL path → (resource file, content type). */
    private static final Map<String, String[]> FILES = files();

    private static Map<String, String[]> files() {
        Map<String, String[]> files = new LinkedHashMap<>();
        files.put("/", new String[] {"index.html", HTML});
        files.put("/check", new String[] {"check.html", HTML});
        files.put("/style.css", new String[] {"style.css", CSS});
        files.put("/favicon.svg", new String[] {"favicon.svg", SVG});
        for (String module : new String[] {"app.js", "check.js", "signaling.js", "transfer.js", "sha256.js",
            "ice.js", "chart.js"}) {
            files.put("/" + module, new String[] {module, JAVASCRIPT});
        }
        return files;
    }

    private WebAppRoutes() {
    }

    /** One route per file, every file read once now (a missing resource is a packaging bug: fail at start). */
    public static Map<String, Route> routes() {
        Map<String, Route> routes = new LinkedHashMap<>();
        FILES.forEach((path, file) -> {
            Response response = new Response(200, file[1], read(file[0]), Map.of(
                    "Content-Security-Policy", CONTENT_SECURITY_POLICY,
                    "X-Content-Type-Options", "nosniff",
                    "Referrer-Policy", "no-referrer"));
            routes.put(path, Route.of(() -> response));
        });
        return routes;
    }

    private static String read(String file) {
        try (InputStream in = WebAppRoutes.class.getResourceAsStream(RESOURCE_DIRECTORY + file)) {
            if (in == null) {
                throw new IllegalStateException("the web app file " + file + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
