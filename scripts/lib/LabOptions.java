import org.zeromq.ZMQ;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The knobs every step shares. Defaults come from system properties ("lab.budget", ...) that each
 * step sets before parsing, so `--help` shows the step's own defaults and no option is declared twice.
 */
public class LabOptions {
    public enum Transport { tcp, ipc, inproc }

    @Option(names = "--transport", defaultValue = "${sys:lab.transport:-tcp}",
            description = "tcp, ipc or inproc; a free loopback port or a fresh name is chosen (default: ${DEFAULT-VALUE})")
    public Transport transport;

    @Option(names = "--endpoint", description = "full endpoint instead of --transport, e.g. tcp://127.0.0.1:5555")
    public String endpoint;

    @Option(names = "--budget", defaultValue = "${sys:lab.budget:-100000}",
            description = "most round trips (requests for retry) to try (default: ${DEFAULT-VALUE})")
    public long budget;

    @Option(names = "--time-limit", defaultValue = "${sys:lab.time-limit:-60}",
            description = "wall-clock limit in seconds (default: ${DEFAULT-VALUE})")
    public double timeLimitSeconds;

    @Option(names = "--timeout", defaultValue = "${sys:lab.timeout:-1000}",
            description = "how long REQ waits for a reply, ms; a loop reply takes well under 1 ms (default: ${DEFAULT-VALUE})")
    public int timeoutMs;

    @Option(names = "--rep-sndhwm", defaultValue = "${sys:lab.rep-sndhwm:-1000}",
            description = "REP send high-water mark, 0 = no limit (default: ${DEFAULT-VALUE})")
    public int repSndHwm;

    @Option(names = "--rep-rcvhwm", defaultValue = "${sys:lab.rep-rcvhwm:-1000}",
            description = "REP receive high-water mark (default: ${DEFAULT-VALUE})")
    public int repRcvHwm;

    @Option(names = "--req-sndhwm", defaultValue = "${sys:lab.req-sndhwm:-1000}",
            description = "REQ send high-water mark (default: ${DEFAULT-VALUE})")
    public int reqSndHwm;

    @Option(names = "--req-rcvhwm", defaultValue = "${sys:lab.req-rcvhwm:-1000}",
            description = "REQ receive high-water mark (default: ${DEFAULT-VALUE})")
    public int reqRcvHwm;

    public static final List<String> SET_WHEN = List.of("before-bind", "after-bind", "after-connection");

    @Option(names = "--set-when", defaultValue = "${sys:lab.set-when:-before-bind}",
            description = "when the HWM options are set: before-bind (REP before bind, REQ before connect), "
                    + "after-bind (REP after bind, REQ after connect) or after-connection (after the first round trip) (default: ${DEFAULT-VALUE})")
    public String setWhen;

    public static final List<String> WORKAROUNDS = List.of("none", "events", "events-once");

    @Option(names = "--workaround", defaultValue = "${sys:lab.workaround:-none}",
            description = "what the REP does before each recv(): none; events (reads ZMQ_EVENTS twice, which makes the "
                    + "socket process its command mailbox; closes the race); events-once (once: only narrows it) (default: ${DEFAULT-VALUE})")
    public String workaround;

    @Option(names = "--jeromq", defaultValue = "stock",
            description = "stock (JeroMQ 0.6.0 as released) or patched (with fix/jeromq/rep-stale-hwm.patch, built once into "
                    + "build/; needs a checkout) (default: ${DEFAULT-VALUE})")
    public String jeromq;

    @Option(names = "--role", defaultValue = "both",
            description = "both (REQ and REP threads in this process), rep (only the REP: binds --endpoint and serves) "
                    + "or req (only the REQ: connects to --endpoint) (default: ${DEFAULT-VALUE})")
    public String role;

    @Option(names = "--connect-timeout", defaultValue = "5000",
            description = "with --role req: how long the first request may wait for a REP to answer, ms (default: ${DEFAULT-VALUE})")
    public int connectTimeoutMs;

    @Option(names = "--allow-remote", description = "allow an endpoint that is not loopback (the kit binds 127.0.0.1 otherwise)")
    public boolean allowRemote;

    @Option(names = "--load", defaultValue = "${sys:lab.load:-idle}",
            description = "idle, or busy-core: one spinning process on the other core while the run measures (default: ${DEFAULT-VALUE})")
    public String load;

    @Option(names = "--out", description = "CSV file the run's row is appended to (default: data/<step>.csv in the repo)")
    public Path out;

    @Option(names = "--no-record", description = "do not write a CSV row")
    public boolean noRecord;

    /** The hostile step's "before": a JeroMQ REP without the frame-size guard of patterns/SafeRepServer.java. */
    public boolean unguarded;

    /** Options for one measured run of a sweep or benchmark: the defaults, this budget and timeout, a transport and a length. */
    public LabOptions derived(String transport, double seconds) {
        LabOptions o = picocli.CommandLine.populateCommand(new LabOptions());   // as with no arguments
        o.transport = Transport.valueOf(transport);
        o.budget = budget;
        o.timeoutMs = timeoutMs;
        o.timeLimitSeconds = seconds;
        o.workaround = workaround;
        return o;
    }

    /** Whether a fix is in place (the patched JeroMQ, or the workaround that closes the race): then no loss is the claim. */
    public boolean fixed() {
        return jeromq.equals("patched") || workaround.equals("events");
    }

    /** Rejects what picocli's types cannot: returns a one-line problem, or null when all is well. */
    public String problem() {
        if (repSndHwm < 0 || repRcvHwm < 0 || reqSndHwm < 0 || reqRcvHwm < 0)
            return "a high-water mark must be 0 (no limit) or more";
        if (budget < 1) return "--budget must be at least 1";
        if (timeoutMs < 1) return "--timeout must be at least 1 ms";
        if (!(timeLimitSeconds > 0)) return "--time-limit must be more than 0 seconds";
        if (!load.equals("idle") && !load.equals("busy-core")) return "--load must be idle or busy-core";
        if (!List.of("both", "rep", "req").contains(role)) return "--role must be both, rep or req";
        if (!role.equals("both") && endpoint == null) return "--role " + role + " needs --endpoint (the address the two processes share)";
        if (connectTimeoutMs < 1) return "--connect-timeout must be at least 1 ms";
        if (!SET_WHEN.contains(setWhen)) return "--set-when must be one of " + String.join(", ", SET_WHEN);
        if (!WORKAROUNDS.contains(workaround)) return "--workaround must be one of " + String.join(", ", WORKAROUNDS);
        if (!jeromq.equals("stock") && !jeromq.equals("patched")) return "--jeromq must be stock or patched";
        if (endpoint != null) return Endpoints.problem(endpoint, allowRemote);
        return null;
    }

    public void applyRepHwm(ZMQ.Socket rep) {
        rep.setSndHWM(repSndHwm);
        rep.setRcvHWM(repRcvHwm);
    }

    /**
     * The workaround, right before a REP's recv(): reading ZMQ_EVENTS processes the socket's mailbox, so the
     * acknowledgement of the last reply is counted before recv() writes the next reply's envelope. Once is not
     * enough: the read processes the mailbox and then looks for a request, which may arrive in between.
     */
    public void beforeRecv(ZMQ.Socket rep) {
        if (workaround.equals("none")) return;
        // --8<-- [start:workaround]
        rep.getEvents();   // processes the mailbox, then looks for a request (which may have come meanwhile)
        if (workaround.equals("events")) rep.getEvents();   // processes the acknowledgement queued before that request
        // --8<-- [end:workaround]
    }

    public void applyReqHwm(ZMQ.Socket req) {
        req.setSndHWM(reqSndHwm);
        req.setRcvHWM(reqRcvHwm);
    }

    /** The endpoint REP binds: the one given, or a fresh loopback one for the transport. */
    public String bindEndpoint() {
        if (endpoint != null) return endpoint;
        return switch (transport) {
            case tcp -> "tcp://127.0.0.1:*";  // loopback only, a free port
            case ipc -> "ipc://*";   // JeroMQ emulates ipc with loopback tcp; * = a free port
            case inproc -> "inproc://hwm-lab-" + System.nanoTime();
        };
    }

    public String transportName() {
        return endpoint == null ? transport.name() : endpoint.substring(0, endpoint.indexOf(':'));
    }
}

/** Endpoint checks: the kit talks to loopback unless told otherwise. */
class Endpoints {
    private static final java.util.regex.Pattern FORM =
            java.util.regex.Pattern.compile("(tcp)://([^:/]+|\\[[0-9a-fA-F:]+\\]):(\\*|\\d{1,5})|(ipc|inproc)://[^\\s]+");

    static String problem(String endpoint, boolean allowRemote) {
        var m = FORM.matcher(endpoint);
        if (!m.matches()) return "malformed endpoint '" + endpoint + "' (want tcp://127.0.0.1:PORT, ipc://NAME or inproc://NAME)";
        if (m.group(1) != null) {
            String host = m.group(2);
            if (!allowRemote && !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")))
                return "endpoint '" + endpoint + "' is not loopback; add --allow-remote to use it";
            if (!m.group(3).equals("*") && Integer.parseInt(m.group(3)) > 65535)
                return "port out of range in '" + endpoint + "'";
        }
        return null;
    }
}
