import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a step in this JVM, as a user would from the command line, and keeps what it printed. */
record Steps(int code, String out, String err) {
    static Steps run(Object step, Map<String, String> defaults, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Lab.execute(step, args, defaults, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Steps(code, out.toString(), err.toString());
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
