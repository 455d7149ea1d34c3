//DEPS org.zeromq:jeromq:0.6.0
//DEPS info.picocli:picocli:4.7.7

import org.zeromq.ZMQException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Launching a step: its defaults, one-line errors, exit codes, and a clean stop on Ctrl-C. */
public final class Lab {
    /** Exit codes, the same for every step (README: "Exit codes"). */
    public static final int SHOWN = 0, NOT_SHOWN = 1, USAGE = 2, FAILED = 3, INTERRUPTED = 130;

    /**
     * The first words a verdict may begin with, by exit code (README: "Exit codes"), so that a verdict and its code never
     * tell different stories. LOST is a success where the claim is a loss (hwm1) and a failure where it is none (hwm2).
     */
    public static final Map<Integer, List<String>> VERDICT_WORDS = Map.of(
            SHOWN, List.of("OK", "LOST", "SHOWN", "FIXED", "SURVIVED", "SERVED"),
            NOT_SHOWN, List.of("LOST", "NO LOSS", "SHORT", "MIXED", "NOT", "FAILED", "DID NOT SURVIVE", "STOPPED", "PARTIAL"),
            INTERRUPTED, List.of("INTERRUPTED", "SERVED"));   // a --role rep server's usual end is Ctrl-C or SIGTERM

    /** Whether a verdict line begins with a word that goes with its exit code. */
    public static boolean agrees(int code, String verdict) {
        return VERDICT_WORDS.getOrDefault(code, List.of()).stream()
                .anyMatch(w -> verdict.startsWith(w) && (verdict.length() == w.length() || !Character.isLetter(verdict.charAt(w.length()))));
    }

    private static volatile boolean interrupted;
    private static final CountDownLatch finished = new CountDownLatch(1);

    /** True once Ctrl-C or SIGTERM arrived: loops end early and the step still records what it did. */
    public static boolean interrupted() { return interrupted; }

    /** Entry point for a script's main(): runs the step and exits with its code. */
    public static void main(Object step, String[] args, Map<String, String> defaults) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            interrupted = true;
            try {
                finished.await(10, TimeUnit.SECONDS);   // let the step write its row and verdict
            } catch (InterruptedException ignored) { }
        }));
        int code = execute(step, args, defaults);
        finished.countDown();
        if (!interrupted) System.exit(code);          // during shutdown, exit() would block: just return
    }

    /** Runs a step in this JVM and returns its exit code. */
    public static int execute(Object step, String[] args, Map<String, String> defaults) {
        return execute(step, args, defaults, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    /** The same, writing to the given streams (what the tests call). */
    public static int execute(Object step, String[] args, Map<String, String> defaults, PrintWriter out, PrintWriter err) {
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("lab.")).forEach(System::clearProperty);   // no step inherits another's defaults
        defaults.forEach((k, v) -> System.setProperty("lab." + k, v));
        CommandLine cmd = new CommandLine(step).setOut(out).setErr(err);
        cmd.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("E: " + e.getMessage() + " (see --help)");
            return USAGE;
        });
        cmd.setExecutionExceptionHandler((e, c, p) -> {
            if (System.getenv("HWM_LAB_DEBUG") != null) e.printStackTrace(c.getErr());   // for developers only
            c.getErr().println("E: " + (e instanceof LabException ? e.getMessage() : describe(e)));
            return e instanceof LabException le ? le.code : FAILED;
        });
        return cmd.execute(args);
    }

    public static String describe(Throwable e) {
        if (e instanceof ZMQException z) return z.getMessage() + " (" + z.getErrorCode() + ")";
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}

/** A failure the user can act on: printed as one line, exit code FAILED (or USAGE for bad input). */
class LabException extends RuntimeException {
    final int code;
    LabException(String message) { this(message, Lab.FAILED); }
    LabException(String message, int code) { super(message, null, false, false); this.code = code; }
}
