import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a step in this JVM, as a user would from the command line, and keeps what it printed. Every run that ends with
 * a verdict (exit 0, 1 or 130) is checked here: the verdict's first word agrees with the exit code (Lab.VERDICT_WORDS),
 * so that no test of any step can pass while the step prints OK and exits 1.
 */
record Steps(int code, String out, String err, double seconds) {
    static Steps run(Object step, Map<String, String> defaults, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code;
        long t0;
        synchronized (Steps.class) {   // one at a time: a step's defaults are system properties, which each run sets afresh
            t0 = System.nanoTime();     // the run's own time, not its wait for another's
            code = Lab.execute(step, args, defaults, new PrintWriter(out, true), new PrintWriter(err, true));
        }
        Steps r = new Steps(code, out.toString(), err.toString(), (System.nanoTime() - t0) / 1e9);
        boolean help = List.of(args).contains("--help") || List.of(args).contains("--version");   // usage text, no verdict
        if (!help && Lab.VERDICT_WORDS.containsKey(code) && !Lab.agrees(code, r.verdict()))
            throw new AssertionError("exit " + code + " with the verdict '" + r.verdict() + "'");
        return r;
    }

    /** The verdict: the last line of the output. */
    String verdict() {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** A data file's rows as lists of cells (header first). */
    static List<List<String>> csv(Path file) throws IOException {
        return Runs.read(file);
    }

    /** The last row of a data file, by the names in its header. */
    static Map<String, String> lastRow(Path file) throws IOException {
        return Runs.lastRow(file);
    }
}
