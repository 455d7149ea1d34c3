// The kit every step runs on, named file by file so that a step also runs from a URL (a glob cannot be listed there).
//SOURCES Lab.java LabOptions.java Runs.java Stats.java Progress.java Load.java ServerThread.java EchoServer.java
//SOURCES Lockstep.java FirstLoss.java NoLoss.java Jvm.java Maven.java PatchedJeromq.java ../patterns/SafeRepServer.java
import org.zeromq.ZContext;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** What every step does around its experiment: check input, say what is set up, record the row, give a verdict. */
public abstract class Step implements Callable<Integer> {
    @Mixin
    public LabOptions lab;

    @Spec
    CommandSpec spec;

    /** The experiment itself; returns an exit code from Lab. */
    protected abstract int run();

    @Override
    public final Integer call() {
        String problem = lab.problem();
        if (problem != null) throw new LabException(problem, Lab.USAGE);
        if (lab.jeromq.equals("patched") && !runsJeromq())
            throw new LabException(name() + " runs no JeroMQ: --jeromq is for the JeroMQ steps", Lab.USAGE);
        if (lab.jeromq.equals("patched") && !PatchedJeromq.running())   // the same step again, on the patched classes
            return PatchedJeromq.rerun(getClass().getName(), spec.commandLine().getParseResult().originalArgs(), out(), err());
        if (!lab.role.equals("both") && !separable())
            throw new LabException(name() + " runs both halves in one process: --role is not available", Lab.USAGE);
        if (lab.endpoint != null && Endpoints.problem(lab.endpoint, false) != null)
            say("W", "%s is not a loopback address: traffic may leave this machine (--allow-remote)", lab.endpoint);
        if (lab.role.equals("rep")) return serve();
        if (!lab.noRecord && csv() == null)
            say("I", "not in a HWM Lab checkout: this run is not recorded (--out FILE keeps its row)");
        else if (!lab.noRecord) Runs.checkWritable(csv(), columns());   // fail before the run, not after it
        if (lab.load.equals("idle")) return run();
        Process busy = Load.busyCore();
        try {
            say("I", "load: one busy process (pid %d) spins while the run measures", busy.pid());
            return run();
        } finally {
            busy.destroyForcibly();
        }
    }

    /** Whether the step measures JeroMQ (and so can run on the patched build, --jeromq patched). */
    protected boolean runsJeromq() { return true; }

    /** Whether the step's REQ and REP may run as separate processes (--role rep / req). */
    protected boolean separable() { return false; }

    /** --role rep: only the REP, with the step's HWM settings, until the time limit, Ctrl-C or servedEnough(). */
    private int serve() {
        ZContext ctx = new ZContext(1);
        ServerThread rep = server(ctx);
        String endpoint;
        try {
            endpoint = rep.endpoint();
        } catch (LabException e) {
            rep.close();
            ctx.close();
            throw e;
        }
        say("I", "%s, REP only: bound %s with SNDHWM=%d RCVHWM=%d; serving for %s s or until Ctrl-C",
                rep.library(), Runs.printable(endpoint), lab.repSndHwm, lab.repRcvHwm, Runs.number(lab.timeLimitSeconds));
        long deadline = System.nanoTime() + (long) (lab.timeLimitSeconds * 1e9);
        while (!Lab.interrupted() && System.nanoTime() < deadline && !servedEnough() && rep.failure() == null) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
        }
        // A REP that stopped serving says so and exits non-zero, for a supervisor (systemd, Kubernetes) to start a new
        // process: after JeroMQ's I/O thread failed, the context cannot be closed (close() never returns), so it is
        // left to the exit, which ends its daemon threads.
        String failed = rep.failure();
        if (failed != null) throw new LabException("the REP stopped serving at " + Runs.printable(endpoint) + ": " + failed);
        rep.close();   // the REP thread has ended: what it recorded can be read here
        ctx.close();
        return served(rep);
    }

    /** With --role rep: whether the REP has shown what the step looks for (then it stops before the time limit). */
    protected boolean servedEnough() { return false; }

    /** With --role rep: the verdict once serving ended. */
    protected int served(ServerThread rep) {
        return verdict(Lab.SHOWN, "SERVED until %s: send() returned false %d times; %d malformed requests answered ERR; "
                        + "last request id %d, its send() returned %s",
                Lab.interrupted() ? "stopped" : "the time limit", rep.sendFailures, rep.malformed(), rep.lastId, rep.lastSendOk);
    }

    /** The REP that --role rep runs; a step may give it its own handler or library. */
    protected ServerThread server(ZContext ctx) { return new EchoServer(ctx, lab); }

    protected String name() { return spec.name(); }

    /** The columns of this step's CSV: the common ones, unless a step records more. */
    protected List<String> columns() { return Runs.COLUMNS; }

    /** Where the run's row goes: --out, or data/STEP.csv in the checkout; null outside a checkout. */
    protected Path csv() {
        Path root = Runs.checkout();
        return lab.out != null ? lab.out : root == null ? null : root.resolve("data").resolve(name() + ".csv");
    }

    protected PrintWriter out() { return spec.commandLine().getOut(); }

    protected PrintWriter err() { return spec.commandLine().getErr(); }

    /** A narrative line, prefixed like the ZeroMQ Guide's examples: I: info, W: warning. */
    protected void say(String level, String format, Object... args) {
        out().println(level + ": " + String.format(format, args));
        out().flush();
    }

    protected void describeSetup(String endpoint) {
        say("I", "%s on Java %s, %s, %s", Runs.jeromqVersion(), Runtime.version(),
                System.getProperty("os.name"), Runs.cores());
        say("I", "REP binds %s with SNDHWM=%d RCVHWM=%d; REQ connects with SNDHWM=%d RCVHWM=%d",
                Runs.printable(endpoint), lab.repSndHwm, lab.repRcvHwm, lab.reqSndHwm, lab.reqRcvHwm);
        say("I", "REQ waits up to %d ms for each reply; budget %,d, time limit %s s",
                lab.timeoutMs, lab.budget, Runs.number(lab.timeLimitSeconds));
    }

    /** Appends the run's row (with provenance) to the step's CSV, atomically. */
    protected void record(Map<String, Object> fields) {
        record(lab, fields);
    }

    /** The same for a run whose settings are not the step's own (a sweep's cell). */
    protected void record(LabOptions settings, Map<String, Object> fields) {
        Path file = csv();
        if (lab.noRecord || file == null) return;
        Runs.append(file, columns(), Runs.row(name(), settings, fields));
        if (recorded++ == 0) say("I", "recorded in %s", Runs.shown(file));   // once, not after every run of the step
    }

    private int recorded;

    /**
     * The one-line verdict, last line of the output, and the exit code that goes with it (its first word agrees with
     * the code: Lab.VERDICT_WORDS). A run stopped by Ctrl-C or SIGTERM says so first, whatever it saw until then.
     */
    protected int verdict(int code, String format, Object... args) {
        String line = String.format(format, args);
        out().println(Lab.interrupted() && !Lab.agrees(Lab.INTERRUPTED, line) ? "INTERRUPTED, what ran so far: " + line : line);
        out().flush();
        return Lab.interrupted() ? Lab.INTERRUPTED : code;
    }
}
