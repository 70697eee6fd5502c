package dev.peerlink.testkit;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A Linux network namespace the test creates, joined to this one by a veth pair on a /30 from 198.18.0.0/15 (the
 * benchmarking range, DESIGN.md), with a default route back to this side so programs inside gather host
 * candidates. Needs root; without it a test skips with the reason, except in CI, where it fails. Closing deletes
 * the namespace and the link, even after a failure; so does the JVM's exit (Ctrl-C, SIGTERM) when nothing closed it.
 */
public final class NetworkNamespace implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final String hostInterface;
    private final InetAddress hostAddress;
    private final InetAddress namespaceAddress;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Deletes the namespace at exit if {@link #close} has not: a finally block does not run on SIGTERM. */
    private final Thread deleteAtExit = new Thread(this::delete, "peerlink-netns-cleanup");

    private NetworkNamespace(String name, String hostInterface, InetAddress hostAddress, InetAddress namespaceAddress) {
        this.name = name;
        this.hostInterface = hostInterface;
        this.hostAddress = hostAddress;
        this.namespaceAddress = namespaceAddress;
    }

    /** Creates a namespace with a fresh /30 in 198.19.0.0/16, distinct per process and per call. */
    public static NetworkNamespace create() throws IOException {
        requireRoot();
        ExternalTools.require("ip", "iproute2");
        int index = (int) ((ProcessHandle.current().pid() * 64 + COUNTER.getAndIncrement()) % 16_384);
        String tag = Integer.toString(index, 36);
        String name = "peerlink-" + tag;
        String hostSide = "plh" + tag; // interface names are at most 15 characters
        String namespaceSide = "pln" + tag;
        // 198.19.0.0/16 split into /30s: .1 this side, .2 inside.
        int base = index * 4;
        InetAddress host = InetAddress.getByAddress(new byte[] {(byte) 198, 19, (byte) (base >> 8), (byte) (base + 1)});
        InetAddress inside = InetAddress.getByAddress(new byte[] {(byte) 198, 19, (byte) (base >> 8), (byte) (base + 2)});
        NetworkNamespace namespace = new NetworkNamespace(name, hostSide, host, inside);
        Runtime.getRuntime().addShutdownHook(namespace.deleteAtExit);
        try {
            namespace.ip("netns", "add", name);
            namespace.ip("link", "add", hostSide, "type", "veth", "peer", "name", namespaceSide);
            namespace.ip("link", "set", namespaceSide, "netns", name);
            namespace.ip("addr", "add", host.getHostAddress() + "/30", "dev", hostSide);
            namespace.ip("link", "set", hostSide, "up");
            namespace.inside("ip", "addr", "add", inside.getHostAddress() + "/30", "dev", namespaceSide);
            namespace.inside("ip", "link", "set", namespaceSide, "up");
            namespace.inside("ip", "link", "set", "lo", "up");
            namespace.inside("ip", "route", "add", "default", "via", host.getHostAddress());
            return namespace;
        } catch (IOException | RuntimeException e) {
            namespace.close();
            throw e;
        }
    }

    /** Why {@link #create} cannot work here (not root, or no {@code ip}), if it cannot; for tools, not tests. */
    public static java.util.Optional<String> unavailableReason() {
        if (!"0".equals(runForOutput(List.of("id", "-u")).strip())) {
            return java.util.Optional.of("network namespaces need root (ip netns add)");
        }
        if (ExternalTools.find("ip").isEmpty()) {
            return java.util.Optional.of("ip is not installed (Debian package iproute2)");
        }
        return java.util.Optional.empty();
    }

    /** Skips the calling test (fails it in CI) unless namespaces can be created here: root is needed. */
    public static void requireRoot() {
        boolean root = "0".equals(runForOutput(List.of("id", "-u")).strip());
        if (root) {
            return;
        }
        String reason = "network namespaces need root (ip netns add)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(reason + "; CI runs as root");
        }
        System.out.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
    }

    private static String runForOutput(List<String> command) {
        try {
            return ExternalProcess.run(command, COMMAND_TIMEOUT).output();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    public String name() {
        return name;
    }

    /** This side's address on the link, e.g. 198.19.0.1. */
    public InetAddress hostAddress() {
        return hostAddress;
    }

    /** The address inside the namespace, e.g. 198.19.0.2. */
    public InetAddress namespaceAddress() {
        return namespaceAddress;
    }

    /** Sets the MTU of both ends of the veth pair (1,500 bytes as created), e.g. 9,000 for jumbo frames. */
    public void setMtu(int mtu) throws IOException {
        if (mtu < 68 || mtu > 65_535) {
            throw new IllegalArgumentException("an interface MTU must be 68–65535 bytes, not " + mtu);
        }
        ip("link", "set", "dev", hostInterface, "mtu", Integer.toString(mtu));
        inside("ip", "link", "set", "dev", "pln" + hostInterface.substring(3), "mtu", Integer.toString(mtu));
    }

    /** The words that run a command inside the namespace. */
    public List<String> execPrefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Runs a command inside the namespace; a non-zero exit is an IOException with its output. */
    public String inside(String... command) throws IOException {
        List<String> full = new ArrayList<>(execPrefix());
        full.addAll(List.of(command));
        return run(full);
    }

    private String ip(String... arguments) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip"));
        full.addAll(List.of(arguments));
        return run(full);
    }

    private static String run(List<String> command) throws IOException {
        try {
            ExternalProcess.Result result = ExternalProcess.run(command, COMMAND_TIMEOUT);
            if (result.exitCode() != 0) {
                throw new IOException(String.join(" ", command) + " failed (" + result.exitCode() + "): "
                        + result.output().strip());
            }
            return result.output();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " was interrupted", e);
        }
    }

    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(deleteAtExit);
        } catch (IllegalStateException exiting) {
            // closed while the JVM exits: the hook runs anyway and finds it done
        }
    }

    private void delete() {
        if (closed.getAndSet(true)) {
            return;
        }
        // Deleting the namespace removes its end of the veth pair; delete ours too in case it lingers.
        runForOutput(List.of("ip", "netns", "del", name));
        runForOutput(List.of("ip", "link", "del", hostInterface));
    }
}
