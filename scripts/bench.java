///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: what each choice costs, measured with care: lockstep REQ/REP round trips per second and latency for a
// minimal raw JeroMQ loop, the kit's own loop (which must stay within 10% of raw), REP SNDHWM 2 / 1000 / 0, and the
// Lazy Pirate client without faults, over inproc and tcp; with the floor, a plain Java TCP ping-pong on loopback.
// Each variant runs in several fresh JVMs (forks), each with warm-up and measured iterations; the verdict gives
// medians and spread, never one run. No figure here is asserted by a test.
// Run: jbang bench           (about 4 minutes; exit 0 = the kit loop is within 10% of raw on every transport)
//SOURCES lib/Step.java patterns/LazyPirateClient.java

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Round-trip rate and latency of the raw loop, the kit loop, HWM choices, the retry client and the TCP floor.")
public class bench extends Step {
    static final Map<String, String> DEFAULTS = Map.of("budget", "100000000", "timeout", "1000");

    /** A variant: what runs, on which transport, with which REP SNDHWM, on the released or the patched JeroMQ. */
    record Variant(String name, String transport, int hwm, boolean patched) {
        Variant(String name, String transport, int hwm) {
            this(name, transport, hwm, false);
        }
    }

    static final List<Variant> VARIANTS = List.of(
            new Variant("raw", "inproc", 1000), new Variant("kit", "inproc", 1000),
            new Variant("raw", "tcp", 1000), new Variant("kit", "tcp", 1000),
            new Variant("kit", "inproc", 2), new Variant("kit", "inproc", 0),
            new Variant("kit", "tcp", 2), new Variant("kit", "tcp", 0),
            new Variant("retry", "inproc", 1000), new Variant("retry", "tcp", 1000),
            new Variant("java-socket", "tcp", 0),
            // The fix at the source: the same loop on the patched JeroMQ, where the patch is never needed (HWM 1000)
            // and where it works on every round trip that would have dropped (HWM 1).
            new Variant("kit", "tcp", 1000, true), new Variant("kit", "tcp", 1, true));

    @Option(names = "--forks", defaultValue = "2", description = "fresh JVMs per variant (default: ${DEFAULT-VALUE})")
    int forks;

    @Option(names = "--warmup", defaultValue = "2", description = "warm-up iterations per fork, not measured (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", description = "measured iterations per fork (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--seconds", defaultValue = "1", description = "length of one iteration, s (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--only", split = ",", description = "run only these variants, e.g. raw-tcp,kit-tcp")
    List<String> only;

    @Option(names = "--child", hidden = true, description = "internal: run one variant in this JVM and print its iterations")
    String child;

    public static void main(String... args) {
        Lab.main(new bench(), args, DEFAULTS);
    }

    @Override
    protected List<String> columns() {
        return Stream.concat(Runs.COLUMNS.stream(), Stream.of("bench_id", "variant", "forks", "iterations", "iteration_s",
                "rate_median", "rate_min", "rate_max", "p50_median_us", "p99_median_us")).toList();
    }

    private String benchId;   // the start of this run: its rows belong together

    static String id(Variant v) {
        return v.name() + "-" + v.transport() + (v.name().equals("kit") && v.hwm() != 1000 ? "-hwm" + v.hwm() : "") + (v.patched() ? "-patched" : "");
    }

    @Override
    protected int run() {
        if (forks < 1 || warmup < 0 || iterations < 1 || !(seconds > 0))
            throw new LabException("--forks and --iterations must be at least 1, --warmup 0 or more, --seconds more than 0", Lab.USAGE);
        if (child != null) return runChild(child);
        List<Variant> chosen = VARIANTS.stream().filter(v -> only == null || only.contains(id(v))).toList();
        if (chosen.isEmpty()) throw new LabException("--only names no variant; they are " + VARIANTS.stream().map(bench::id).toList(), Lab.USAGE);
        say("I", "%s on Java %s, %s; %d variants x %d forks x (%d warm-up + %d measured) iterations of %s s",
                Runs.jeromqVersion(), Runtime.version(), Runs.cores(), chosen.size(), forks,
                warmup, iterations, Runs.number(seconds));
        Map<String, double[]> medians = new LinkedHashMap<>();
        benchId = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        // Interleaved: fork 1 of every variant, then fork 2 of every variant, ... so that a machine whose speed drifts
        // during the run slows every variant alike, and ratios between variants stay fair.
        Map<Variant, List<double[]>> its = new LinkedHashMap<>();   // {rate, p50, p99, round trips} per measured iteration
        for (int f = 0; f < forks && !Lab.interrupted(); f++)
            for (Variant v : chosen) {
                if (Lab.interrupted()) break;
                its.computeIfAbsent(v, k -> new ArrayList<>()).addAll(fork(v));
            }
        for (var e : its.entrySet()) {
            Variant v = e.getKey();
            double[] rates = e.getValue().stream().mapToDouble(x -> x[0]).sorted().toArray();
            double rate = Stats.median(rates), p50 = Stats.median(e.getValue().stream().mapToDouble(x -> x[1]).toArray()),
                    p99 = Stats.median(e.getValue().stream().mapToDouble(x -> x[2]).toArray());
            medians.put(id(v), new double[] {rate, p50, p99});
            say("I", "%-22s %,10.0f round trips/s (min %,.0f, max %,.0f)  p50 %7.1f us  p99 %8.1f us",
                    id(v), rate, rates[0], rates[rates.length - 1], p50, p99);
            record(row(v, rate, rates[0], rates[rates.length - 1], p50, p99, (long) e.getValue().stream().mapToDouble(x -> x[3]).sum()));
        }
        // Ratios of variants that differ in one thing, reported and not judged: the iterations of one variant spread
        // several-fold on a small machine (the min and max above), so no threshold on a ratio would hold from run to run.
        List<String> ratios = new ArrayList<>();
        ratio(ratios, medians, "kit-inproc", "raw-inproc", "harness, inproc");
        ratio(ratios, medians, "kit-tcp", "raw-tcp", "harness, tcp");
        ratio(ratios, medians, "kit-tcp-patched", "kit-tcp", "patched library, HWM 1000");
        ratio(ratios, medians, "kit-tcp-hwm1-patched", "kit-tcp-patched", "HWM 1 on the patched library");
        if (Lab.interrupted() || medians.size() < chosen.size())
            return verdict(Lab.NOT_SHOWN, "SHORT: %d of %d variants measured", medians.size(), chosen.size());
        return verdict(Lab.SHOWN, "OK %d variants measured in %d forks%s", medians.size(), forks,
                ratios.isEmpty() ? "" : "; rate ratios (one thing differs): " + String.join(", ", ratios));
    }

    /** "what differs 0.93": the median rate of variant a over that of b, when both ran. */
    private static void ratio(List<String> ratios, Map<String, double[]> medians, String a, String b, String differs) {
        if (medians.containsKey(a) && medians.containsKey(b))
            ratios.add(String.format("%s %.2f", differs, medians.get(a)[0] / medians.get(b)[0]));
    }

    private Map<String, Object> row(Variant v, double rate, double min, double max, double p50, double p99, long roundTrips) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("transport", v.transport());
        f.put("rep_sndhwm", v.hwm());
        if (v.patched()) f.put("library_version", "0.6.0+" + PatchedJeromq.NAME);
        f.put("bench_id", benchId);
        f.put("variant", id(v));
        f.put("forks", forks);
        f.put("iterations", iterations);
        f.put("iteration_s", Runs.number(seconds));
        f.put("rate_median", Runs.number(rate));
        f.put("rate_min", Runs.number(min));
        f.put("rate_max", Runs.number(max));
        f.put("p50_median_us", Runs.number(p50));
        f.put("p99_median_us", Runs.number(p99));
        f.put("round_trips", roundTrips);   // the measured iterations' round trips, all forks
        f.put("elapsed_s", Runs.number(forks * iterations * seconds));   // the measured time, warm-up not included
        f.put("lost", 0);
        f.put("stop", "budget");
        return f;
    }

    /** One fresh JVM running the variant; its measured iterations as {rate, p50 us, p99 us, round trips}. */
    private List<double[]> fork(Variant v) {
        List<String> cmd = Jvm.command("bench", List.of("--child", id(v), "--no-record",
                "--warmup", String.valueOf(warmup), "--iterations", String.valueOf(iterations), "--seconds", String.valueOf(seconds)),
                v.patched() ? PatchedJeromq.classes(out()) : null);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<double[]> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; )
                    if (line.startsWith("ITER ")) out.add(Arrays.stream(line.substring(5).split(" ")).mapToDouble(Double::parseDouble).toArray());
            }
            if (p.waitFor() != 0 || out.size() != iterations) throw new LabException("fork for " + id(v) + " failed (exit " + p.exitValue() + ")");
            return out;
        } catch (java.io.IOException e) {
            throw new LabException("cannot start a fork: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }

    /** In the fork: warm-up, then measured iterations, each printed as "ITER rate p50 p99". */
    private int runChild(String name) {
        Variant v = VARIANTS.stream().filter(x -> id(x).equals(name)).findFirst().orElseThrow(() -> new LabException("no variant " + name, Lab.USAGE));
        for (int i = 0; i < warmup + iterations; i++) {
            Lockstep.Result r = once(v);
            if (i >= warmup) out().printf("ITER %.1f %.2f %.2f %d%n", r.ratePerSecond(), r.percentileMicros(50), r.percentileMicros(99), r.roundTrips());
        }
        out().flush();
        return Lab.SHOWN;
    }

    /** One iteration of `seconds` on fresh sockets. */
    private Lockstep.Result once(Variant v) {
        LabOptions o = lab.derived(v.transport(), seconds);
        o.repSndHwm = v.hwm();
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        return switch (v.name()) {
            case "kit" -> Lockstep.run(o, quiet, e -> { });
            case "raw" -> raw(o);
            case "retry" -> retryClient(o);
            case "java-socket" -> javaSocket();
            default -> throw new IllegalStateException(v.name());
        };
    }

    /** One round trip of a variant's own loop. */
    interface RoundTrip {
        void once(long id) throws java.io.IOException;
    }

    /** Round trips for `seconds`, each timed; the latencies kept in a ring of 2^20. */
    private Lockstep.Result timed(String endpoint, RoundTrip roundTrip) {
        long[] lat = new long[1 << 20];
        long n = 0, start = System.nanoTime(), end = start + (long) (seconds * 1e9), t0 = start;
        while (t0 < end) {
            try {
                roundTrip.once(n + 1);
            } catch (java.io.IOException e) {
                throw new LabException("round trip on " + endpoint + ": " + e.getMessage());
            }
            long t1 = System.nanoTime();
            lat[(int) (n++ & (lat.length - 1))] = t1 - t0;
            t0 = t1;
        }
        return new Lockstep.Result(n, 0, null, Lockstep.Stop.time_limit, (t0 - start) / 1e9,
                Arrays.copyOf(lat, (int) Math.min(n, lat.length)), endpoint);
    }

    /** The minimal lockstep: no watch, no progress, no ids checked; only a clock read per round trip. */
    private Lockstep.Result raw(LabOptions o) {
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket rep = ctx.createSocket(SocketType.REP), req = ctx.createSocket(SocketType.REQ);
            rep.setLinger(0);
            req.setLinger(0);
            rep.setSndHWM(o.repSndHwm);
            rep.bind(o.bindEndpoint());
            String endpoint = rep.getLastEndpoint();
            Thread server = new Thread(() -> {
                try {
                    for (byte[] m; (m = rep.recv()) != null; ) rep.send(m);
                } catch (RuntimeException closed) {
                    // the context closes under it: the iteration is over
                }
            });
            server.setDaemon(true);
            server.start();
            req.connect(endpoint);
            byte[] ping = "1".getBytes(ZMQ.CHARSET);
            return timed(endpoint, id -> {
                req.send(ping);
                req.recv();
            });
        }
    }

    /** The Lazy Pirate client of the retry step against a REP with no drops (HWM 1000). */
    private Lockstep.Result retryClient(LabOptions o) {
        try (ZContext ctx = new ZContext(1); EchoServer server = new EchoServer(ctx, o);
             LazyPirateClient client = new LazyPirateClient(ctx, server.endpoint(), o.timeoutMs, 3)) {
            return timed(server.endpoint(), id -> client.request(id, ""));
        }
    }

    /** The floor: one 8-byte message each way over a plain loopback TCP socket, Nagle off. */
    private Lockstep.Result javaSocket() {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    while (true) { out.writeLong(in.readLong()); out.flush(); }
                } catch (java.io.IOException closed) {
                    // the client hung up: the iteration is over
                }
            });
            server.setDaemon(true);
            server.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                return timed("tcp://127.0.0.1:" + listener.getLocalPort(), id -> {
                    out.writeLong(id);
                    out.flush();
                    in.readLong();
                });
            }
        } catch (java.io.IOException e) {
            throw new LabException("loopback socket: " + e.getMessage());
        }
    }
}
