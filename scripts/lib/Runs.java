import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data/ files: one CSV row per run, with the settings and the provenance (library, JVM, OS, date)
 * that make the row mean something. Every data file has these columns, in this order.
 */
public final class Runs {
    public static final List<String> COLUMNS = List.of(
            "timestamp", "step", "library", "library_version", "transport", "endpoint",
            "rep_sndhwm", "rep_rcvhwm", "req_sndhwm", "req_rcvhwm", "set_when", "workaround", "load", "processes",
            "budget", "time_limit_s", "timeout_ms",
            "round_trips", "lost", "first_loss", "rep_send_true", "retries", "duplicates", "stale_replies",
            "stop", "elapsed_s", "rate_per_s", "p50_us", "p99_us",
            "java", "os", "cpus");

    private Runs() { }

    /** The HWM Lab checkout this runs in, found from the working directory upwards; null outside one (a URL run). */
    public static Path checkout() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.exists(p.resolve("jbang-catalog.json")) && Files.exists(p.resolve("scripts/lib/Runs.java"))) return p;
        return null;
    }

    /** The checkout's data/ folder. */
    public static Path dataDir() {
        Path root = checkout();
        if (root == null) throw new LabException("not in a HWM Lab checkout: there is no data/ folder here (run it from a clone)");
        return root.resolve("data");
    }

    /** The cores this JVM may use (fewer than the machine's under taskset), for the narrative. */
    public static String cores() {
        int n = Runtime.getRuntime().availableProcessors();
        return n + (n == 1 ? " core" : " cores");
    }

    /** "JeroMQ 0.6.0", or "JeroMQ 0.6.0+rep-stale-hwm" when this JVM runs the patched classes (--jeromq patched). */
    public static String jeromqVersion() {
        Package p = org.zeromq.ZMQ.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return "JeroMQ " + (v != null ? v : "0.6.0") + (PatchedJeromq.running() ? "+" + PatchedJeromq.NAME : "");
    }

    /** A row with every column: the settings from the options, the given fields, the provenance. */
    public static Map<String, Object> row(String step, LabOptions o, Map<String, Object> fields) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (String c : COLUMNS) row.put(c, "");
        row.put("timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS));
        row.put("step", step);
        row.put("library", "jeromq");
        row.put("library_version", jeromqVersion().substring("JeroMQ ".length()));
        row.put("transport", o.transportName());
        row.put("rep_sndhwm", o.repSndHwm);
        row.put("rep_rcvhwm", o.repRcvHwm);
        row.put("req_sndhwm", o.reqSndHwm);
        row.put("req_rcvhwm", o.reqRcvHwm);
        row.put("set_when", o.setWhen);
        row.put("workaround", o.workaround);
        row.put("load", o.load);
        row.put("processes", o.role.equals("both") ? 1 : 2);   // REQ and REP in one process, or each in its own
        row.put("budget", o.budget);
        row.put("time_limit_s", number(o.timeLimitSeconds));
        row.put("timeout_ms", o.timeoutMs);
        row.put("java", Runtime.version());
        row.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        row.put("cpus", Runtime.getRuntime().availableProcessors());
        row.putAll(fields);
        return row;
    }

    /** The fields a lockstep run contributes to its row. */
    public static Map<String, Object> fields(Lockstep.Result r) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("endpoint", r.endpoint());
        f.put("round_trips", r.roundTrips());
        f.put("lost", r.lost());
        f.put("first_loss", r.lostAt() > 0 ? r.lostAt() : "");
        f.put("rep_send_true", r.lostAt() > 0 && r.repSendReturnedTrue() != null ? r.repSendReturnedTrue() : "");
        f.put("stop", r.stop());
        f.put("elapsed_s", number(r.elapsedSeconds()));
        f.put("rate_per_s", number(r.ratePerSecond()));
        f.put("p50_us", number(r.percentileMicros(50)));
        f.put("p99_us", number(r.percentileMicros(99)));
        return f;
    }

    /** Fails early, with one line, when the file cannot be written where asked (columns: a CSV's header, or null). */
    public static void checkWritable(Path file, List<String> columns) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LabException("cannot create folder " + dir + " for the CSV");
        }
        if (!Files.isWritable(dir) || (Files.exists(file) && !Files.isWritable(file)))
            throw new LabException("cannot write " + file);
        if (columns != null && Files.exists(file)) checkHeader(file, columns);   // a foreign CSV is refused before the run
    }

    /** Appends a row: the whole file is written beside the old one and moved over it, so a kill leaves old or new. */
    public static void append(Path file, List<String> columns, Map<String, Object> row) {
        List<String> lines = new ArrayList<>();
        try {
            if (Files.exists(file)) {
                checkHeader(file, columns);
                lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
            } else {
                lines.add(String.join(",", columns));
            }
        } catch (IOException e) {
            throw new LabException("cannot read " + file + ": " + e.getMessage());
        }
        if (!columns.containsAll(row.keySet())) throw new IllegalArgumentException("no column for " + row.keySet());
        List<String> cells = new ArrayList<>();
        for (String c : columns) cells.add(cell(row.getOrDefault(c, "")));
        lines.add(String.join(",", cells));
        writeAtomically(file, lines);
    }

    /** Writes a file's lines to a temporary file in the same folder, then renames it over the target. */
    public static void writeAtomically(Path file, List<String> lines) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.write(tmp, lines, StandardCharsets.UTF_8);
                try {   // a temporary file is private; the result is an ordinary file
                    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                } catch (UnsupportedOperationException ignored) { }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new LabException("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static void checkHeader(Path file, List<String> columns) {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            String first = lines.findFirst().orElse("");
            if (!first.equals(String.join(",", columns)))
                throw new LabException(file + " is not a HWM Lab data file of this kind (its header differs); choose another --out");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new LabException("cannot read " + file);
        }
    }

    /** A data file's rows as lists of cells (header first), read with the kit's own quoting (see cell()). */
    public static List<List<String>> read(Path file) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
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
    public static Map<String, String> lastRow(Path file) throws IOException {
        List<List<String>> rows = read(file);
        List<String> header = rows.get(0), last = rows.get(rows.size() - 1);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) map.put(header.get(i), last.get(i));
        return map;
    }

    /** Deletes a folder and all in it, as far as it can: a temporary folder left behind is harmless. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (var all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException ignored) { }
    }

    /** JeroMQ names a chosen ipc port with arbitrary characters, newlines among them: show them as '?'. */
    public static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    private static String cell(Object v) {
        String s = printable(String.valueOf(v));   // one row is one line
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /** Numbers in data files: plain, locale-free, a few significant digits. */
    public static String number(double v) {
        if (Double.isNaN(v)) return "";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** A path as the user should read it: relative to the working directory when inside it. */
    public static String shown(Path file) {
        Path here = Path.of("").toAbsolutePath();
        Path abs = file.toAbsolutePath().normalize();
        return abs.startsWith(here) ? here.relativize(abs).toString() : abs.toString();
    }
}
