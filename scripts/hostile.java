///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: a REP of the kit exposed on a port keeps serving whatever a port scanner, a confused client or a
// malicious peer sends it: after each kind of bad input (random bytes, HTTP, broken greetings, frames with absurd,
// negative or truncated sizes, well-framed garbage, idle connections, a connection flood) a normal client is
// still answered. JeroMQ 0.6.0 needs the frame-size guard of patterns/SafeRepServer.java for that: without it
// (--unguarded) one frame announcing a size of 2^63 or more wedges its I/O thread, and the process says so.
// Run: jbang hostile                       (exit 0 = the REP survived every kind; 1 = not)
//      jbang hostile --library libzmq      (the same against a libzmq REP; needs libzmq.so.5)
//      jbang hostile --unguarded           (JeroMQ 0.6.0 as most servers run it)
//JAVA 22+
//RUNTIME_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES lib/Step.java peers/Hostile.java ffm/LibZmq.java libzmq.java patterns/LazyPirateClient.java

import org.zeromq.ZContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

@Command(name = "hostile", mixinStandardHelpOptions = true,
        description = "Throws each kind of bad input at a REP's port, then checks that a normal client is still served.")
public class hostile extends Step {
    static final Map<String, String> DEFAULTS = Map.of("time-limit", "120", "timeout", "1000");

    public static void main(String... args) {
        Lab.main(new hostile(), args, DEFAULTS);
    }

    @Option(names = "--library", defaultValue = "jeromq", description = "jeromq or libzmq: the REP under attack (default: ${DEFAULT-VALUE})")
    String library;

    @Option(names = "--kinds", split = ",", description = "the kinds to throw, comma-separated (default: all)")
    List<String> kinds;

    @Option(names = "--seconds", defaultValue = "3", description = "the longest each kind may take (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--unguarded", description = "JeroMQ only: no frame-size guard on the REP (MAXMSGSIZE and its allocator)")
    boolean unguarded;

    @Override
    protected List<String> columns() {
        return Stream.concat(Runs.COLUMNS.stream(), Stream.of("kind", "guarded", "connections", "failed_connections",
                "closed_by_peer", "bytes_sent", "survived", "malformed", "server_said")).toList();
    }

    @Override
    protected boolean separable() { return true; }

    /** --role rep: the chosen library's REP, as hwm2 --role rep or libzmq --role rep serve. */
    @Override
    protected ServerThread server(ZContext ctx) {
        checkLibrary();
        lab.unguarded = unguarded;
        return library.equals("libzmq") ? new libzmq.Server(new LibZmq(), lab, true) : new EchoServer(ctx, lab);
    }

    @Override
    protected int run() {
        checkLibrary();
        if (!(seconds > 0)) throw new LabException("--seconds must be more than 0", Lab.USAGE);
        if (lab.role.equals("req")) throw new LabException("hostile starts its own REP: --role req is not available", Lab.USAGE);
        List<Hostile.Kind> chosen = new ArrayList<>();
        try {
            for (String k : kinds == null ? Stream.of(Hostile.Kind.values()).map(k -> k.id).toList() : kinds) chosen.add(Hostile.Kind.of(k));
        } catch (IllegalArgumentException e) {
            throw new LabException(e.getMessage(), Lab.USAGE);
        }
        lab.unguarded = unguarded;
        String version = library.equals("libzmq") ? "libzmq " + LibZmq.version() : Runs.jeromqVersion();
        say("I", "%s REP on 127.0.0.1, %s; a new REP for each kind, then a normal REQ client (up to 5 tries of %d ms)",
                version, library.equals("libzmq") ? "libzmq checks frame sizes itself" : unguarded ? "UNGUARDED" : "with the frame-size guard", lab.timeoutMs);
        List<String> survived = new ArrayList<>(), not = new ArrayList<>();
        long deadline = System.nanoTime() + (long) (lab.timeLimitSeconds * 1e9);
        for (Hostile.Kind kind : chosen) {
            if (Lab.interrupted() || System.nanoTime() > deadline) break;
            Map<String, Object> row = attack(kind);
            ((boolean) row.get("survived") ? survived : not).add(kind.id);
            record(row);
        }
        if (!not.isEmpty())
            return verdict(Lab.NOT_SHOWN, "DID NOT SURVIVE %d of %d kinds on %s%s: %s", not.size(), survived.size() + not.size(),
                    version, unguarded ? " (unguarded)" : "", String.join(", ", not));
        boolean all = survived.size() == chosen.size();
        return verdict(all ? Lab.SHOWN : Lab.NOT_SHOWN, "%s %d of %d kinds on %s%s%s", all ? "SURVIVED" : "SHORT of the list: survived",
                survived.size(), chosen.size(), version, unguarded ? " (unguarded)" : "",
                all ? ": a normal client was answered after each" : " (stopped early: the time limit)");
    }

    private void checkLibrary() {
        if (!library.equals("jeromq") && !library.equals("libzmq")) throw new LabException("--library must be jeromq or libzmq", Lab.USAGE);
        if (unguarded && library.equals("libzmq")) throw new LabException("--unguarded is for JeroMQ: libzmq needs no guard", Lab.USAGE);
    }

    /** One kind against a new REP: what was sent, whether a normal client is answered after it, what the REP said. */
    private Map<String, Object> attack(Hostile.Kind kind) {
        LabOptions o = lab.derived("tcp", lab.timeLimitSeconds);
        o.repSndHwm = lab.repSndHwm;
        o.unguarded = unguarded;
        ZContext ctx = new ZContext(1);
        ServerThread rep = library.equals("libzmq") ? new libzmq.Server(new LibZmq(), o, true) : new EchoServer(ctx, o);
        try {
            String endpoint = rep.endpoint();
            Hostile.Outcome sent = Hostile.run(kind, Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)),
                    Duration.ofMillis((long) (seconds * 1000)));
            boolean answered = answered(endpoint);
            String said = rep.failure();
            say(answered ? "I" : "W", "%-18s %s; then a normal client was %s%s", kind.id, describe(sent),
                    answered ? "answered" : "NOT answered", said == null ? "" : "; the REP says: " + said);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("library", library);
            row.put("library_version", version(library));
            row.put("endpoint", endpoint);
            row.put("kind", kind.id);
            row.put("round_trips", answered ? 1 : 0);   // the normal client's request after the attack: answered ...
            row.put("lost", answered ? 0 : 1);           // ... or not
            row.put("stop", "budget");
            row.put("elapsed_s", Runs.number(sent.millis() / 1000.0));   // how long the attack took
            row.put("guarded", library.equals("jeromq") && !unguarded);
            row.put("connections", sent.connected());
            row.put("failed_connections", sent.failed());
            row.put("closed_by_peer", sent.closedByPeer());
            row.put("bytes_sent", sent.bytesSent());
            row.put("survived", answered);
            row.put("malformed", rep.malformed());
            row.put("server_said", said == null ? "" : said);
            return row;
        } finally {
            closeWithin(rep, ctx);
        }
    }

    private static String version(String library) {
        return library.equals("libzmq") ? LibZmq.version() : Runs.jeromqVersion().substring("JeroMQ ".length());
    }

    private static String describe(Hostile.Outcome o) {
        return String.format("%d connections (%d refused), %d closed by the REP, %,d bytes", o.connected(), o.failed(),
                o.closedByPeer(), o.bytesSent());
    }

    /** A normal client, as an application would have one: the Lazy Pirate client, 5 tries. */
    private boolean answered(String endpoint) {
        try (ZContext ctx = new ZContext(1); LazyPirateClient client = new LazyPirateClient(ctx, endpoint, lab.timeoutMs, 4)) {
            client.request(1, "");
            return true;
        } catch (LazyPirateClient.RequestFailed e) {
            return false;
        }
    }

    /** Closes the REP and its context, but gives up after 3 s: a JeroMQ context whose I/O thread is wedged never closes. */
    private void closeWithin(ServerThread rep, ZContext ctx) {
        Thread closer = new Thread(() -> {
            rep.close();
            ctx.close();
        }, "closer");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) say("W", "that REP's context does not close (its I/O thread is wedged): left behind");
    }
}
