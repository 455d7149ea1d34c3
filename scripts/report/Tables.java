import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;

/** The sweep as an HTML table: one row a cell, in the order it ran. */
final class Tables {
    private Tables() { }

    static String sweep(Table cells) {
        List<String[]> rows = new ArrayList<>();
        for (Row r : cells)
            rows.add(new String[] {r.getString("transport"), r.getString("carrier"), Runs.number(r.getDouble("hwm")),
                    r.getString("set_when"), r.getString("load"), r.getString("workaround"), Figures.count(r.getDouble("trials")),
                    Figures.count(r.getDouble("round_trips")), Figures.count(r.getDouble("losses")),
                    Figures.count(r.getDouble("confirmed_drops")), Figures.rate(r.getDouble("loss_rate")),
                    Figures.rate(r.getDouble("loss_rate_low")) + " to " + Figures.rate(r.getDouble("loss_rate_high")),
                    r.isMissing("first_loss_median") ? "" : Figures.count(r.getDouble("first_loss_median"))});
        return html("sweep", List.of("transport", "option carrying the limit", "HWM", "set", "load", "workaround", "trials", "round trips",
                "lost", "confirmed drops", "loss rate", "95% interval", "median first loss"), rows);
    }

    static final java.util.Map<String, String> FIXES = new java.util.LinkedHashMap<>();
    static {
        FIXES.put("none", "none: the library as released");
        FIXES.put("events-once", "ZMQ_EVENTS read once before recv()");
        FIXES.put("events", "ZMQ_EVENTS read twice before recv()");
        FIXES.put("patched", "patched library");
    }

    /** The runs of a library the fixes table and figures compare: on two cores, in the layout named. */
    record FixSource(String library, String step, String mode) {
        Table runs(Data d) {
            Table all = d.all(step), t = all.where(all.doubleColumn("cpus").isGreaterThan(1));
            return mode == null ? t.where(t.doubleColumn("processes").isEqualTo(1)) : t.where(t.stringColumn("mode").isEqualTo(mode));
        }
    }

    /** JeroMQ and libzmq with REQ and REP threads in one process; pyzmq with them as threads (one GIL) or processes. */
    static final List<FixSource> FIX_SOURCES = List.of(new FixSource("JeroMQ", "hwm1", null), new FixSource("libzmq", "libzmq", null),
            new FixSource("pyzmq, threads", "pyzmq", "threads"), new FixSource("pyzmq, processes", "pyzmq", "processes"));

    /** Each fix beside the library as released, for every library, transport, load and REP SNDHWM a fix ran with. */
    static String fixes(Data d) {
        List<String[]> rows = new ArrayList<>();
        for (FixSource source : FIX_SOURCES) {
            if (!d.has(source.step())) continue;
            Table t = source.runs(d);
            java.util.Set<String> conditions = new java.util.TreeSet<>();
            for (Row r : t) if (!fix(r).equals("none")) conditions.add(r.getString("transport") + "|" + r.getString("load") + "|" + Runs.number(r.getDouble("rep_sndhwm")));
            for (String c : conditions) {
                String[] k = c.split("\\|");
                Table same = t.where(t.stringColumn("transport").isEqualTo(k[0]).and(t.stringColumn("load").isEqualTo(k[1]))
                        .and(t.doubleColumn("rep_sndhwm").isEqualTo(Double.parseDouble(k[2]))));
                for (String fix : FIXES.keySet()) {
                    Table runs = same.where(same.stringColumn("workaround").isIn(fix.equals("patched") ? "none" : fix));
                    // Sums taken while the cursor is on each row: a Tablesaw Row is moved by the loop, never kept.
                    long chosen = 0, lost = 0, tried = 0, lossy = 0;
                    for (Row r : runs) {
                        if (!fix(r).equals(fix)) continue;
                        chosen++;
                        lost += (long) r.getDouble("lost");
                        tried += (long) r.getDouble("round_trips") + (long) r.getDouble("lost");
                        lossy += r.getDouble("lost") > 0 ? 1 : 0;
                    }
                    if (chosen == 0) continue;
                    double[] ci = Stats.interval95(tried, lost);
                    rows.add(new String[] {source.library(), FIXES.get(fix), k[0], k[1], k[2], Figures.count(chosen),
                            Figures.count(lossy), Figures.count(tried), Figures.count(lost),
                            lost == 0 ? "< " + Figures.rate(ci[1]) : Figures.rate((double) lost / tried) + " (" + Figures.rate(ci[0]) + " to " + Figures.rate(ci[1]) + ")"});
                }
            }
        }
        return html("fixes", List.of("library", "fix", "transport", "load", "REP SNDHWM", "runs", "runs with a loss", "round trips",
                "lost", "loss rate (95%)"), rows);
    }

    private static String fix(Row r) {
        return r.getString("library_version").contains("+") ? "patched" : r.getString("workaround");
    }

    /** Which kinds of bad input each REP survived, from the newest hostile run of each library and guard. */
    static String hostile(Data d) {
        Table t = d.all("hostile");
        java.util.Map<String, java.util.Map<String, String>> byServer = new java.util.LinkedHashMap<>();
        java.util.Set<String> kinds = new java.util.LinkedHashSet<>();
        for (Row r : t) {   // oldest first: a newer run of the same server overwrites
            String server = (r.getString("library").equals("jeromq") ? "JeroMQ " : "libzmq ") + r.getString("library_version")
                    + (r.getString("library").equals("jeromq") ? (r.getString("guarded").equals("true") ? ", with the guard" : ", unguarded") : "");
            kinds.add(r.getString("kind"));
            String said = r.getString("server_said");
            byServer.computeIfAbsent(server, s -> new java.util.LinkedHashMap<>()).put(r.getString("kind"),
                    r.getString("survived").equals("true") ? "served" : "NOT served" + (said.isEmpty() ? "" : ": " + said));
        }
        List<String> headers = new ArrayList<>(List.of("bad input"));
        headers.addAll(byServer.keySet());
        List<String[]> rows = new ArrayList<>();
        for (String kind : kinds) {
            List<String> cells = new ArrayList<>(List.of(kind));
            for (var server : byServer.values()) cells.add(server.getOrDefault(kind, ""));
            rows.add(cells.toArray(String[]::new));
        }
        return html("hostile", headers, rows);
    }

    /**
     * JeroMQ's and libzmq's own test suites, stock and patched, from data/upstream.csv (fix/jeromq and fix/libzmq
     * upstream-suite.sh): one row per build, in the order they ran, the commit shortened to 12 digits.
     */
    static String upstream(Data d) {
        java.nio.file.Path file = d.dir.resolve("upstream.csv");
        List<List<String>> csv;
        try {
            csv = Runs.read(file);
        } catch (java.io.IOException e) {
            throw new LabException("cannot read " + Runs.shown(file) + " (run fix/jeromq/upstream-suite.sh or fix/libzmq/upstream-suite.sh)");
        }
        List<String> h = csv.get(0);
        List<String[]> rows = new ArrayList<>();
        for (List<String> r : csv.subList(1, csv.size())) {
            java.util.function.Function<String, String> c = name -> r.get(h.indexOf(name));
            rows.add(new String[] {c.apply("timestamp").substring(0, 16).replace('T', ' '), c.apply("project"), c.apply("ref"), c.apply("commit").substring(0, Math.min(12, c.apply("commit").length())),
                    c.apply("build"), c.apply("tests"), c.apply("failed"), c.apply("skipped"), c.apply("failing").replace(" ", ", "),
                    c.apply("flaky"), c.apply("seconds")});
        }
        return html("upstream", List.of("run (UTC)", "project", "ref", "commit", "build", "tests", "failed", "skipped", "failing", "flaky (passed every patched rerun, or failed on stock too)",
                "seconds"), rows);
    }

    /** An HTML table of text cells, escaped. */
    private static String html(String cssClass, List<String> headers, List<String[]> rows) {
        StringBuilder t = new StringBuilder("<table class=\"" + cssClass + "\"><thead><tr>");
        for (String h : headers) t.append("<th>").append(h).append("</th>");
        t.append("</tr></thead><tbody>\n");
        for (String[] r : rows) {
            t.append("<tr>");
            for (String c : r) t.append("<td>").append(Page.escape(c)).append("</td>");
            t.append("</tr>\n");
        }
        return t.append("</tbody></table>\n").toString();
    }

    /**
     * The common advice ("use SNDHWM=2"), tested on every library, idle and with a busy core, over tcp:
     * JeroMQ from the sweep (HWM 2, 3) and hwm2 runs (HWM 8), libzmq and pyzmq (threads, processes) from their own runs.
     */
    static String advice(Data d) {
        List<String[]> rows = new ArrayList<>();
        Table sweep = null;
        if (d.has("sweep")) {
            Table s = Charts.latestSweep(d.table("sweep"));
            sweep = s.where(s.stringColumn("carrier").isEqualTo("rep-sndhwm").and(s.stringColumn("set_when").isEqualTo("before-bind")));
        }
        for (int hwm : new int[] {2, 3, 8})
            for (String load : List.of("idle", "busy-core")) {
                if (sweep != null && hwm < 8) add(rows, "JeroMQ", hwm, load, sweep, "trials", "losses");
                if (d.has("hwm2") && hwm == 8) add(rows, "JeroMQ", hwm, load, d.table("hwm2"), null, "lost");
                if (d.has("libzmq")) add(rows, "libzmq", hwm, load, d.table("libzmq"), null, "lost");
                if (d.has("pyzmq")) for (String mode : List.of("threads", "processes")) {
                    Table py = d.table("pyzmq");
                    add(rows, "pyzmq, " + mode, hwm, load, py.where(py.stringColumn("mode").isEqualTo(mode)), null, "lost");
                }
            }
        return html("advice", List.of("library", "REP SNDHWM", "load", "runs", "runs with a loss", "round trips", "lost",
                "loss rate, 95% interval"), rows);
    }

    private static void add(List<String[]> rows, String library, int hwm, String load, Table source, String runsColumn, String lostColumn) {
        Table t = source.where(source.doubleColumn("rep_sndhwm").isEqualTo(hwm).and(source.stringColumn("load").isEqualTo(load))
                .and(source.stringColumn("transport").isEqualTo("tcp")));
        if (t.rowCount() == 0) return;
        long runs = runsColumn == null ? t.rowCount() : (long) t.doubleColumn(runsColumn).sum();
        long lossyRuns = runsColumn == null ? t.where(t.doubleColumn("lost").isGreaterThan(0)).rowCount() : (long) t.doubleColumn(lostColumn).sum();
        long lost = (long) t.doubleColumn(lostColumn).sum();
        long tried = (long) t.doubleColumn("round_trips").sum() + (runsColumn == null ? lost : 0);
        double[] ci = Stats.interval95(tried, lost);
        rows.add(new String[] {library, String.valueOf(hwm), load, Figures.count(runs), Figures.count(lossyRuns), Figures.count(tried),
                Figures.count(lost), Figures.rate((double) lost / Math.max(1, tried)) + " (" + Figures.rate(ci[0]) + " to " + Figures.rate(ci[1]) + ")"});
    }
}
