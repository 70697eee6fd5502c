package dev.peerlink.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A lab of real kernel NATs built from Linux network namespaces, all inside 198.18.0.0/15 and linked to nothing
 * outside itself (no interface of the lab is in the caller's namespace, so no packet can leave it):
 *
 * <pre>
 *   server  198.18.0.2, .3, .4 ─┐
 *   public  198.18.0.101.. ─┤ internet: bridge br 198.18.0.1/24 (no forwarding, no default route)
 *   router-N wan 198.18.0.(10+N) ─┘
 *     └ br 198.18.(10+N).1/24 ── hosts 198.18.(10+N).2, .3 ... (default via .1)
 * </pre>
 *
 * Namespace names are {@code PREFIX-OWNERPID-RAND-ROLE} (e.g. {@code pllab-2n9c-k3x1-rt-sym}): a per-run tag, so
 * two runs never collide, and the owner's pid, so {@link #cleanupStale(String)} removes only what a dead run left.
 * Interfaces are created directly inside the namespaces (short fixed names: {@code br}, {@code wan}, {@code eth0},
 * {@code rN}, {@code hN}, at most 15 characters), so they cannot clash with anything either.
 *
 * <p>{@link #close()} stops every process the lab started (by pid) and deletes every namespace it created, which
 * removes their links and rules; it is safe to call twice and also runs from a shutdown hook on Ctrl-C. Building
 * needs root; {@link #missingPrivilege()} says so in one sentence.
 */
public final class LabTopology implements AutoCloseable {
    public static final String DEFAULT_TAG_PREFIX = "pllab";
    /** The internet's own address on its bridge: the default gateway of public hosts, which forwards nothing. */
    public static final InetAddress INTERNET_ADDRESS = ipv4(198, 18, 0, 1);
    public static final InetAddress SERVER_PRIMARY = ipv4(198, 18, 0, 2);
    public static final InetAddress SERVER_SECONDARY = ipv4(198, 18, 0, 3);
    /** The address of the lab's TURN-over-TLS server on port 443 (443 on .2 and .3 is taken). */
    public static final InetAddress SERVER_TLS = ipv4(198, 18, 0, 4);
    public static final int MAX_LANS = 80;
    public static final int MAX_HOSTS_PER_LAN = 50;
    public static final int MAX_PUBLIC_HOSTS = 100;

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,9}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String tagPrefix;
    private final String tag;
    private final String classpath;
    private final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
    private final List<LabProcess> processes = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Lan> lans = new LinkedHashMap<>();
    private final Map<String, LabNode> publicHosts = new LinkedHashMap<>();
    private final Thread shutdownHook;
    private LabNode internet;
    private LabNode server;
    private boolean closed;

    private LabTopology(String tagPrefix, String classpath) {
        this.tagPrefix = tagPrefix;
        this.tag = Long.toString(ProcessHandle.current().pid(), 36) + "-" + randomBase36(4);
        this.classpath = classpath;
        this.shutdownHook = new Thread(this::closeFromHook, "peerlink-lab-teardown-" + tag);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What the builder collects: LANs with their NAT kinds, and hosts directly on the internet. */
    public static final class Builder {
        private record LanSpec(String name, NatKind kind, int hosts, Impairment impairment) {
        }

        private final List<LanSpec> lanSpecs = new ArrayList<>();
        private final List<String> publicNames = new ArrayList<>();
        private String tagPrefix = DEFAULT_TAG_PREFIX;
        private String classpath = System.getProperty("java.class.path");

        private Builder() {
        }

        /** The first word of every namespace name (default {@value #DEFAULT_TAG_PREFIX}). */
        public Builder tagPrefix(String prefix) {
            if (!NAME.matcher(prefix).matches()) {
                throw new IllegalArgumentException("a lab tag prefix is 1 to 10 lowercase letters and digits, "
                        + "starting with a letter; \"" + prefix + "\" is not");
            }
            this.tagPrefix = prefix;
            return this;
        }

        /** The classpath of Java programs started in the lab (default: this JVM's). */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        /** A LAN with one host behind a router of this kind. */
        public Builder lan(String name, NatKind kind) {
            return lan(name, kind, 1, Impairment.NONE);
        }

        /** A LAN with {@code hosts} hosts behind a router of this kind, with trouble on the router's WAN link. */
        public Builder lan(String name, NatKind kind, int hosts, Impairment impairment) {
            checkName(name);
            if (hosts < 1 || hosts > MAX_HOSTS_PER_LAN) {
                throw new IllegalArgumentException("LAN \"" + name + "\" needs 1 to " + MAX_HOSTS_PER_LAN
                        + " hosts, not " + hosts);
            }
            if (hosts > 1 && (kind == NatKind.FULL_CONE || kind == NatKind.ADDRESS_RESTRICTED)) {
                throw new IllegalArgumentException("LAN \"" + name + "\" is " + kind.label() + " and so has one "
                        + "host: its router forwards all unsolicited inbound UDP to that host");
            }
            if (lanSpecs.size() == MAX_LANS) {
                throw new IllegalArgumentException("a lab has at most " + MAX_LANS + " LANs");
            }
            lanSpecs.add(new LanSpec(name, kind, hosts, impairment == null ? Impairment.NONE : impairment));
            return this;
        }

        /** A host directly on the internet (no NAT), at 198.18.0.101 and up, default route via 198.18.0.1. */
        public Builder publicHost(String name) {
            checkName(name);
            if (publicNames.size() == MAX_PUBLIC_HOSTS) {
                throw new IllegalArgumentException("a lab has at most " + MAX_PUBLIC_HOSTS + " public hosts");
            }
            publicNames.add(name);
            return this;
        }

        private void checkName(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a lab name is 1 to 10 lowercase letters and digits, starting "
                        + "with a letter; \"" + name + "\" is not");
            }
            if (publicNames.contains(name) || lanSpecs.stream().anyMatch(spec -> spec.name.equals(name))) {
                throw new IllegalArgumentException("the lab already has something called \"" + name + "\"");
            }
        }

        /**
         * Creates everything: first removes what crashed earlier runs with this prefix left behind, then the
         * internet, the server host, public hosts, and each LAN with its router rules and impairments. On any
         * failure it deletes what it had created and throws.
         *
         * @throws LabException naming what failed, e.g. "the lab needs root ..." or a failing command
         */
        public LabTopology build() throws LabException {
            Optional<String> missing = missingPrivilege();
            if (missing.isPresent()) {
                throw new LabException(missing.get());
            }
            requireTool("ip", "iproute2");
            requireTool("iptables", "iptables");
            requireTool("nft", "nftables");
            if (lanSpecs.stream().anyMatch(spec -> !spec.impairment.isNone())) {
                requireTool("tc", "iproute2");
            }
            cleanupStale(tagPrefix);
            LabTopology lab = new LabTopology(tagPrefix, classpath);
            Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
            try {
                lab.create(lanSpecs, publicNames);
                return lab;
            } catch (LabException | RuntimeException e) {
                lab.close();
                throw e;
            }
        }
    }

    // ---------------------------------------------------------------- building

    private void create(List<Builder.LanSpec> lanSpecs, List<String> publicNames) throws LabException {
        internet = new LabNode("internet", addNamespace("inet"), List.of(INTERNET_ADDRESS), Optional.empty());
        ip(internet, "link", "add", "name", "br", "type", "bridge");
        ip(internet, "addr", "add", INTERNET_ADDRESS.getHostAddress() + "/24", "dev", "br");
        ip(internet, "link", "set", "dev", "br", "up");

        server = new LabNode("server", addNamespace("server"), List.of(SERVER_PRIMARY, SERVER_SECONDARY, SERVER_TLS),
                Optional.empty());
        attachToInternet(server, "srv", "eth0");
        for (InetAddress address : server.addresses()) {
            ip(server, "addr", "add", address.getHostAddress() + "/24", "dev", "eth0");
        }
        ip(server, "link", "set", "dev", "eth0", "up");

        for (int i = 0; i < publicNames.size(); i++) {
            String name = publicNames.get(i);
            InetAddress address = ipv4(198, 18, 0, 101 + i);
            LabNode host = new LabNode("public-" + name, addNamespace("pub-" + name), List.of(address),
                    Optional.of(INTERNET_ADDRESS));
            attachToInternet(host, "p" + (i + 1), "eth0");
            ip(host, "addr", "add", address.getHostAddress() + "/24", "dev", "eth0");
            ip(host, "link", "set", "dev", "eth0", "up");
            // Programs like Chromium gather host candidates only with a default route; it points at the
            // internet namespace, which forwards nothing, so traffic for anywhere else dies there.
            ip(host, "route", "add", "default", "via", INTERNET_ADDRESS.getHostAddress());
            publicHosts.put(name, host);
        }

        for (int i = 0; i < lanSpecs.size(); i++) {
            createLan(i + 1, lanSpecs.get(i));
        }
    }

    private void createLan(int index, Builder.LanSpec spec) throws LabException {
        InetAddress wanAddress = ipv4(198, 18, 0, 10 + index);
        InetAddress lanAddress = ipv4(198, 18, 10 + index, 1);
        LabNode router = new LabNode("router-" + spec.name, addNamespace("rt-" + spec.name),
                List.of(wanAddress, lanAddress), Optional.empty());
        String internetSide = "r" + index;
        attachToInternet(router, internetSide, RouterRules.WAN);
        ip(router, "addr", "add", wanAddress.getHostAddress() + "/24", "dev", RouterRules.WAN);
        ip(router, "link", "set", "dev", RouterRules.WAN, "up");
        ip(router, "link", "add", "name", RouterRules.LAN, "type", "bridge");
        ip(router, "addr", "add", lanAddress.getHostAddress() + "/24", "dev", RouterRules.LAN);
        ip(router, "link", "set", "dev", RouterRules.LAN, "up");
        // Forwarding on in the router's namespace only; the internet and the hosts never forward.
        sysctl(router, "net.ipv4.ip_forward=1");

        List<LabNode> hosts = new ArrayList<>();
        for (int j = 0; j < spec.hosts; j++) {
            InetAddress address = ipv4(198, 18, 10 + index, 2 + j);
            LabNode host = new LabNode(spec.name + "-host" + (j + 1), addNamespace("h-" + spec.name + "-" + (j + 1)),
                    List.of(address), Optional.of(lanAddress));
            String port = "h" + (j + 1);
            checked(List.of("ip", "-n", router.namespace(), "link", "add", "name", port, "type", "veth", "peer",
                    "name", "eth0", "netns", host.namespace()), null);
            ip(router, "link", "set", "dev", port, "master", RouterRules.LAN);
            ip(router, "link", "set", "dev", port, "up");
            ip(host, "addr", "add", address.getHostAddress() + "/24", "dev", "eth0");
            ip(host, "link", "set", "dev", "eth0", "up");
            ip(host, "route", "add", "default", "via", lanAddress.getHostAddress());
            hosts.add(host);
        }

        for (RouterRules.RuleCommand rule : RouterRules.forKind(spec.kind, wanAddress, hosts.getFirst().address())) {
            inside(router, rule.argv(), rule.stdin());
        }
        if (!spec.impairment.isNone()) {
            impair(router, internetSide, spec.name, spec.impairment);
        }
        lans.put(spec.name, new Lan(spec.name, spec.kind, router, hosts, spec.impairment));
    }

    private void impair(LabNode router, String internetSide, String lanName, Impairment impairment)
            throws LabException {
        ExecResult probe = run(router.execPrefix(), RouterRules.netem(RouterRules.WAN, impairment).argv(), null);
        if (probe.succeeded()) {
            inside(internet, RouterRules.netem(internetSide, impairment).argv(), null); // the download direction
            return;
        }
        boolean noNetem = probe.output().contains("Specified qdisc kind is unknown")
                || probe.output().contains("Unknown qdisc");
        if (!noNetem) {
            throw new LabException("cannot add " + impairment + " to LAN \"" + lanName + "\": "
                    + probe.describeFailure());
        }
        if (impairment.needsNetem()) {
            throw new LabException("this kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM), so the lab "
                    + "cannot add delay or jitter to LAN \"" + lanName + "\"; loss alone works without it");
        }
        RouterRules.RuleCommand loss = RouterRules.nftLoss(impairment);
        inside(router, loss.argv(), loss.stdin());
    }

    /** A namespace with loopback up, IPv6 off (the lab is IPv4-only) and bridged frames kept out of iptables. */
    private String addNamespace(String role) throws LabException {
        String name = tagPrefix + "-" + tag + "-" + role;
        checked(List.of("ip", "netns", "add", name), null);
        namespaces.add(name);
        checked(List.of("ip", "-n", name, "link", "set", "dev", "lo", "up"), null);
        checked(List.of("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1"), null);
        // With br_netfilter loaded, bridged frames would pass through iptables; the lab's rules are for routing.
        run(List.of("ip", "netns", "exec", name, "sysctl", "-q", "-e", "-w", "net.bridge.bridge-nf-call-iptables=0",
                "net.bridge.bridge-nf-call-ip6tables=0", "net.bridge.bridge-nf-call-arptables=0"), List.of(), null);
        return name;
    }

    /** A veth pair made inside the internet namespace with its other end moved straight into {@code node}. */
    private void attachToInternet(LabNode node, String internetSide, String nodeSide) throws LabException {
        checked(List.of("ip", "-n", internet.namespace(), "link", "add", "name", internetSide, "type", "veth",
                "peer", "name", nodeSide, "netns", node.namespace()), null);
        ip(internet, "link", "set", "dev", internetSide, "master", "br");
        ip(internet, "link", "set", "dev", internetSide, "up");
    }

    private void ip(LabNode node, String... arguments) throws LabException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", node.namespace()));
        command.addAll(List.of(arguments));
        checked(command, null);
    }

    private void sysctl(LabNode node, String setting) throws LabException {
        inside(node, List.of("sysctl", "-q", "-w", setting), null);
    }

    private void inside(LabNode node, List<String> command, String stdin) throws LabException {
        List<String> full = new ArrayList<>(node.execPrefix());
        full.addAll(command);
        checked(full, stdin);
    }

    private static void checked(List<String> command, String stdin) throws LabException {
        Shell.check(command, stdin, COMMAND_TIMEOUT);
    }

    private static ExecResult run(List<String> prefix, List<String> command, String stdin) throws LabException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        return Shell.run(full, stdin, COMMAND_TIMEOUT);
    }

    // ---------------------------------------------------------------- what was built

    /** The per-run tag inside every namespace name: {@code OWNERPID-RAND} in base 36. */
    public String tag() {
        return tag;
    }

    /** The internet namespace (the bridge every router, the server and public hosts hang off). */
    public LabNode internet() {
        return internet;
    }

    /** The server host: 198.18.0.2 and 198.18.0.3. */
    public LabNode server() {
        return server;
    }

    public Lan lan(String name) {
        Lan lan = lans.get(name);
        if (lan == null) {
            throw new IllegalArgumentException("the lab has no LAN called \"" + name + "\"; it has " + lans.keySet());
        }
        return lan;
    }

    public List<Lan> lans() {
        return List.copyOf(lans.values());
    }

    public LabNode publicHost(String name) {
        LabNode host = publicHosts.get(name);
        if (host == null) {
            throw new IllegalArgumentException("the lab has no public host called \"" + name + "\"; it has "
                    + publicHosts.keySet());
        }
        return host;
    }

    public List<LabNode> publicHosts() {
        return List.copyOf(publicHosts.values());
    }

    /** Every machine: internet, server, public hosts, then each LAN's router and hosts. */
    public List<LabNode> nodes() {
        List<LabNode> all = new ArrayList<>(List.of(internet, server));
        all.addAll(publicHosts.values());
        for (Lan lan : lans.values()) {
            all.add(lan.router());
            all.addAll(lan.hosts());
        }
        return all;
    }

    /** The names of the namespaces this lab created, in creation order. */
    public List<String> namespaces() {
        synchronized (namespaces) {
            return List.copyOf(namespaces);
        }
    }

    // ---------------------------------------------------------------- running programs

    /**
     * Runs a program inside {@code node} to its end ({@code ip netns exec}); it is killed after {@code timeout}.
     * A non-zero exit is not an error here: the result says how it ended.
     */
    public ExecResult exec(LabNode node, Duration timeout, String... command) throws LabException {
        requireOpen();
        List<String> full = new ArrayList<>(node.execPrefix());
        full.addAll(List.of(command));
        return Shell.run(full, null, timeout);
    }

    /** Starts a long-running program inside {@code node}; the lab stops it by its pid when it closes. */
    public LabProcess start(LabNode node, String description, List<String> command) throws LabException {
        requireOpen();
        List<String> full = new ArrayList<>(node.execPrefix());
        full.addAll(command);
        try {
            // ip netns exec replaces itself with the program, so the pid is the program's own.
            Process process = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            LabProcess started = new LabProcess(description, node, full, process);
            processes.add(started);
            return started;
        } catch (IOException e) {
            throw new LabException("cannot start " + description + " in " + node.namespace() + ": " + e.getMessage(),
                    e);
        }
    }

    /** Starts a Java program inside {@code node}: this JVM's java, the lab's classpath, {@code mainClass}. */
    public LabProcess startJava(LabNode node, String description, String mainClass, List<String> arguments)
            throws LabException {
        return start(node, description, javaCommand(mainClass, arguments));
    }

    /** The words that run {@code mainClass} in a fresh JVM like this one. */
    public List<String> javaCommand(String mainClass, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.net.preferIPv4Stack=true", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(arguments);
        return command;
    }

    /**
     * Starts peerlink's STUN server in the server namespace ({@link LabStunServer}: RFC 5780 on 198.18.0.2 and
     * .3, ports 3478/3479, and STUN over TCP on 198.18.0.2:443) and waits until it listens.
     */
    public LabProcess startStunServer() throws LabException {
        LabProcess process = startJava(server, "the lab STUN server", LabStunServer.class.getName(),
                List.of(SERVER_PRIMARY.getHostAddress(), SERVER_SECONDARY.getHostAddress()));
        process.awaitOutput(LabStunServer.READY, Duration.ofSeconds(60));
        return process;
    }

    /**
     * Starts the lab's ICE servers in the server namespace and waits until they listen ({@link LabIceServer}): STUN
     * and TURN over UDP on 198.18.0.3:{@value LabIceServer#PORT} with signaling on
     * 198.18.0.3:{@value LabIceServer#HTTP_PORT}, and TURN over TLS on 198.18.0.4:{@value LabIceServer#TLS_PORT}.
     * They run beside {@link #startStunServer()}.
     */
    public LabProcess startIceServer() throws LabException {
        LabProcess process = startJava(server, "the lab ICE server (STUN, TURN, signaling)",
                LabIceServer.class.getName(), List.of(SERVER_SECONDARY.getHostAddress()));
        LabProcess tls = startJava(server, "the lab TURN-over-TLS server", LabIceServer.class.getName(),
                List.of(SERVER_TLS.getHostAddress(), LabIceServer.TLS_MODE));
        process.awaitOutput(LabIceServer.READY, Duration.ofSeconds(60));
        tls.awaitOutput(LabIceServer.READY, Duration.ofSeconds(60));
        return process;
    }

    /** The signaling URI of {@link #startIceServer()}'s server. */
    public static java.net.URI iceSignalingUri() {
        return java.net.URI.create("ws://" + SERVER_SECONDARY.getHostAddress() + ":" + LabIceServer.HTTP_PORT
                + "/signaling/v1");
    }

    /** The STUN/TURN address of {@link #startIceServer()}'s server. */
    public static InetSocketAddress iceServerAddress() {
        return new InetSocketAddress(SERVER_SECONDARY, LabIceServer.PORT);
    }

    /** Runs RFC 5780 NAT behaviour discovery (what {@code peerlink nat-type} does) from {@code host}. */
    public NatTypeResult discoverNat(LabNode host, Duration timeout) throws LabException {
        return probe(host, timeout, "nat-type", SERVER_PRIMARY.getHostAddress() + ":" + LabStunServer.PORT);
    }

    /** One STUN Binding from {@code host} over {@code udp} or {@code tcp} to {@code target}. */
    public NatTypeResult binding(LabNode host, String transport, InetSocketAddress target, Duration timeout)
            throws LabException {
        return probe(host, timeout, "binding", transport, target.getAddress().getHostAddress() + ":"
                + target.getPort());
    }

    /**
     * Starts a plain STUN server (no RFC 5780) on port 3478 of {@code node}'s main address, e.g. on a LAN host
     * to check that its neighbours reach it directly, and waits until it listens.
     */
    public LabProcess startStunServer(LabNode node) throws LabException {
        LabProcess process = startJava(node, "a STUN server", LabStunServer.class.getName(),
                List.of(node.address().getHostAddress()));
        process.awaitOutput(LabStunServer.READY, Duration.ofSeconds(60));
        return process;
    }

    private NatTypeResult probe(LabNode host, Duration timeout, String... arguments) throws LabException {
        List<String> command = new ArrayList<>(host.execPrefix());
        command.addAll(javaCommand(LabProbe.class.getName(), List.of(arguments)));
        requireOpen();
        ExecResult result = Shell.run(command, null, timeout);
        if (result.timedOut()) {
            throw new LabException("the probe in " + host.namespace() + " did not finish within "
                    + timeout.toSeconds() + " s");
        }
        return NatTypeResult.parse(result.output());
    }

    private void requireOpen() throws LabException {
        synchronized (this) {
            if (closed) {
                throw new LabException("the lab " + tag + " is closed");
            }
        }
    }

    // ---------------------------------------------------------------- teardown

    /**
     * Stops every process the lab started (by pid), kills whatever else still runs inside its namespaces, and
     * deletes the namespaces (their links, bridges, rules and queueing disciplines go with them). Safe to call
     * twice.
     *
     * @throws IllegalStateException when a namespace could not be deleted, naming it
     */
    @Override
    public void close() {
        List<String> problems = teardown();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or about to; teardown is idempotent
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the lab " + tag + " was not fully removed: " + String.join("; ",
                    problems));
        }
    }

    private void closeFromHook() {
        List<String> problems = teardown();
        problems.forEach(problem -> System.err.println("peerlink lab: " + problem));
    }

    private synchronized List<String> teardown() {
        if (closed) {
            return List.of();
        }
        closed = true;
        List<LabProcess> started;
        synchronized (processes) {
            started = new ArrayList<>(processes);
        }
        Collections.reverse(started);
        started.forEach(LabProcess::close);
        List<String> created = new ArrayList<>(namespaces());
        Collections.reverse(created);
        List<String> problems = new ArrayList<>();
        for (String namespace : created) {
            deleteNamespace(namespace).ifPresent(problems::add);
        }
        return problems;
    }

    /** Kills what still runs inside (by pid), then deletes the namespace; empty when it is gone. */
    private static Optional<String> deleteNamespace(String namespace) {
        try {
            ExecResult pids = Shell.run(List.of("ip", "netns", "pids", namespace), null, COMMAND_TIMEOUT);
            if (pids.succeeded()) {
                for (String line : pids.output().strip().lines().toList()) {
                    try {
                        ProcessHandle.of(Long.parseLong(line.strip())).ifPresent(ProcessHandle::destroyForcibly);
                    } catch (NumberFormatException ignored) {
                        // not a pid line
                    }
                }
            }
            ExecResult deleted = Shell.run(List.of("ip", "netns", "del", namespace), null, COMMAND_TIMEOUT);
            if (deleted.succeeded() || !exists(namespace)) {
                return Optional.empty();
            }
            return Optional.of("cannot delete network namespace " + namespace + ": " + deleted.describeFailure());
        } catch (LabException e) {
            return Optional.of("cannot delete network namespace " + namespace + ": " + e.getMessage());
        }
    }

    private static boolean exists(String namespace) throws LabException {
        return listNamespaces().contains(namespace);
    }

    /** The names {@code ip netns list} shows. */
    public static List<String> listNamespaces() throws LabException {
        String output = Shell.check(List.of("ip", "netns", "list"), null, COMMAND_TIMEOUT);
        return output.lines().map(String::strip).filter(line -> !line.isEmpty())
                .map(line -> line.split("\\s+")[0]).toList();
    }

    /**
     * Removes namespaces that an earlier run with this prefix left behind when it crashed or was killed: those
     * whose owner process (the pid in their name) no longer runs. Namespaces of live runs, and any other
     * namespace, are left alone. Returns the names removed.
     */
    public static List<String> cleanupStale(String tagPrefix) throws LabException {
        Pattern ours = Pattern.compile(Pattern.quote(tagPrefix) + "-([0-9a-z]{1,13})-[0-9a-z]{4}-.+");
        List<String> removed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String namespace : listNamespaces()) {
            Matcher matcher = ours.matcher(namespace);
            if (!matcher.matches()) {
                continue;
            }
            long owner = Long.parseLong(matcher.group(1), 36);
            if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            deleteNamespace(namespace).ifPresentOrElse(problems::add, () -> removed.add(namespace));
        }
        if (!problems.isEmpty()) {
            throw new LabException(String.join("; ", problems));
        }
        return removed;
    }

    // ---------------------------------------------------------------- privileges and helpers

    /**
     * Why this process cannot build a lab, in one sentence, or empty when it can: the lab creates network
     * namespaces, links and firewall rules, which needs root.
     */
    public static Optional<String> missingPrivilege() {
        try {
            ExecResult id = Shell.run(List.of("id", "-u"), null, COMMAND_TIMEOUT);
            if (id.succeeded() && id.output().strip().equals("0")) {
                return Optional.empty();
            }
        } catch (LabException e) {
            // fall through: without id we cannot tell, and the lab would fail anyway
        }
        return Optional.of("the lab needs root: it creates network namespaces, virtual links and firewall rules "
                + "(run it as root, e.g. with sudo)");
    }

    private static void requireTool(String tool, String debianPackage) throws LabException {
        for (String directory : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin").split(":")) {
            if (!directory.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(directory, tool))) {
                return;
            }
        }
        throw new LabException("the lab needs '" + tool + "', which is not installed (Debian package "
                + debianPackage + ")");
    }

    private static String randomBase36(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return text.toString().toLowerCase(Locale.ROOT);
    }

    static InetAddress ipv4(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
