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

    /** A data file's rows as lists of cells (header first); a minimal reader for the kit's own quoting. */
    static List<List<String>> csv(Path file) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            List<String> cells = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') { cell.append('"'); i++; }
                else if (c == '"') quoted = !quoted;
                else if (c == ',' && !quoted) { cells.add(cell.toString()); cell.setLength(0); }
                else cell.append(c);
            }
            cells.add(cell.toString());
            rows.add(cells);
        }
        return rows;
    }

    /** The last row of a data file, by the names in its header. */
    static Map<String, String> lastRow(Path file) throws IOException {
        List<List<String>> rows = csv(file);
        List<String> header = rows.get(0), last = rows.get(rows.size() - 1);
        var map = new java.util.LinkedHashMap<String, String>();
        for (int i = 0; i < header.size(); i++) map.put(header.get(i), last.get(i));
        return map;
    }
}
