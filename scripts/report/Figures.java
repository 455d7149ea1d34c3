import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every number the article states, computed from data/ and named, so the text says {{hwm1.tcp.median}}
 * and never a typed figure. A name the data cannot fill stops the render.
 */
final class Figures {
    private final Map<String, String> values = new LinkedHashMap<>();

    Figures(Data d) {
        if (d.has("hwm1")) {
            Table all = d.table("hwm1"), h = all.where(all.doubleColumn("cpus").isGreaterThan(1));
            hwm1(h.where(h.doubleColumn("processes").isEqualTo(1)), "hwm1");
            hwm1(h.where(h.doubleColumn("processes").isEqualTo(2)), "hwm1.processes");
            // Runs pinned to one core (taskset -c 0: the JVM then sees 1 CPU): the threads can no longer run at once.
            hwm1(all.where(all.doubleColumn("cpus").isEqualTo(1).and(all.doubleColumn("processes").isEqualTo(1))), "hwm1.onecpu");
        }
        if (d.has("libzmq")) {
            Table z = d.table("libzmq");
            hwm1(z.where(z.doubleColumn("rep_sndhwm").isEqualTo(1)), "libzmq");
            for (int hwm : new int[] {2, 3, 8})
                for (String load : List.of("idle", "busy-core")) {
                    Table c = z.where(z.doubleColumn("rep_sndhwm").isEqualTo(hwm).and(z.stringColumn("load").isEqualTo(load))
                            .and(z.stringColumn("transport").isEqualTo("tcp")));
                    put("libzmq.hwm" + hwm + "." + load + ".runs", count(c.rowCount()));
                    put("libzmq.hwm" + hwm + "." + load + ".lossy", count(c.doubleColumn("lost").sum()));
                }
            put("libzmq.version", String.join(", ", z.stringColumn("library_version").unique().asList()));
        }
        if (d.has("pyzmq")) {
            Table py = d.table("pyzmq");   // mode processes: the REP in a child process (two GILs); threads: one interpreter
            for (String mode : List.of("threads", "processes")) {
                Table m = py.where(py.stringColumn("mode").isEqualTo(mode));
                hwm1(m.where(m.doubleColumn("rep_sndhwm").isEqualTo(1)), "pyzmq." + mode);
                for (int hwm : new int[] {2, 3, 8})
                    for (String load : List.of("idle", "busy-core")) {
                        Table c = m.where(m.doubleColumn("rep_sndhwm").isEqualTo(hwm).and(m.stringColumn("load").isEqualTo(load))
                                .and(m.stringColumn("transport").isEqualTo("tcp")));
                        put("pyzmq." + mode + ".hwm" + hwm + "." + load + ".runs", count(c.rowCount()));
                        put("pyzmq." + mode + ".hwm" + hwm + "." + load + ".lossy", count(c.doubleColumn("lost").sum()));
                    }
            }
            put("pyzmq.version", String.join(", ", py.stringColumn("library_version").unique().asList()));
            put("pyzmq.python", String.join(", ", py.stringColumn("python").unique().asList()));
        }
        if (d.has("hwm2")) {
            Table h = d.table("hwm2");
            noLoss(h.where(h.doubleColumn("rep_sndhwm").isEqualTo(2)), "hwm2");
        }
        if (d.has("baseline")) noLoss(d.table("baseline"), "baseline");
        if (d.has("retry")) {
            Table all = d.table("retry"), r = all.where(all.stringColumn("server").isNotEqualTo("remote"));   // servers we can see
            retry(r.where(r.doubleColumn("kill_every").isEqualTo(0)));
            faults(r.where(r.doubleColumn("kill_every").isGreaterThan(0)));
        }
        if (d.has("hwm1")) fixes(Tables.FIX_SOURCES.get(0).runs(d), "jeromq");
        if (d.has("libzmq")) fixes(Tables.FIX_SOURCES.get(1).runs(d), "libzmq");
        if (d.has("pyzmq")) {   // both layouts together: threads (one GIL) and processes
            Table all = d.all("pyzmq");
            fixes(all.where(all.doubleColumn("cpus").isGreaterThan(1)), "pyzmq");
        }
        if (d.has("bench")) patchedRate(d.all("bench"));
        if (d.has("compare")) compare(d);
        if (d.has("anatomy")) anatomy(d.table("anatomy"));
        if (d.has("sweep")) sweep(Charts.releasedSweep(d));
        if (d.has("bench")) bench(d.table("bench"));
        durations(d.dir.resolve("durations.csv"));
        upstream(d.dir.resolve("upstream.csv"));
        stress(d.dir.resolve("stress.csv"));
        if (d.has("hwm1")) {
            Table t = d.table("hwm1");
            put("env.java", String.join(", ", t.stringColumn("java").unique().asList()));
            put("env.os", String.join(", ", t.stringColumn("os").unique().asList()));
            put("env.cpus", Runs.number(t.doubleColumn("cpus").max()));
            put("env.jeromq", String.join(", ", t.stringColumn("library_version").unique().asList()));
        }
    }

    String get(String name) {
        String v = values.get(name);
        if (v == null) throw new LabException("the article uses {{" + name + "}} but data/ has no such figure");
        return v;
    }

    Map<String, String> all() { return values; }

    private void put(String name, String value) { values.put(name, value); }

    static String count(double v) { return String.format(Locale.ROOT, "%,d", Math.round(v)); }

    static String rate(double v) { return v == 0 ? "0" : String.format(Locale.ROOT, "%.1e", v).replace("e-0", "e-"); }

    /** Runs that stop at their first loss: per transport, the distribution and the rate (losses / round trips tried). */
    private void hwm1(Table t, String prefix) {
        Table lossy = t.where(t.doubleColumn("rep_sndhwm").isEqualTo(1));
        for (String transport : Charts.TRANSPORTS) {
            Table r = lossy.where(lossy.stringColumn("transport").isEqualTo(transport));
            if (r.rowCount() == 0) continue;
            String p = prefix + "." + transport + ".";
            long runs = r.rowCount(), losses = (long) r.doubleColumn("lost").sum();
            long tried = (long) (r.doubleColumn("round_trips").sum() + losses);
            long[] first = Arrays.stream(r.doubleColumn("first_loss").removeMissing().asDoubleArray()).mapToLong(x -> (long) x).toArray();
            double[] ci = Stats.interval95(tried, losses);
            put(p + "runs", count(runs));
            put(p + "losses", count(losses));
            put(p + "tried", count(tried));
            put(p + "median", first.length == 0 ? "none" : count(Stats.percentile(first, 50)));
            put(p + "min", first.length == 0 ? "none" : count(Stats.percentile(first, 0)));
            put(p + "max", first.length == 0 ? "none" : count(Stats.percentile(first, 100)));
            put(p + "rate", rate((double) losses / tried));
            put(p + "rate_low", rate(ci[0]));
            put(p + "rate_high", rate(ci[1]));
            put(p + "rate_s", count(r.doubleColumn("rate_per_s").median()));
        }
    }

    private void noLoss(Table t, String prefix) {
        long n = (long) t.doubleColumn("round_trips").sum(), lost = (long) t.doubleColumn("lost").sum();
        put(prefix + ".runs", count(t.rowCount()));
        put(prefix + ".round_trips", count(n));
        put(prefix + ".lost", count(lost));
        put(prefix + ".bound", rate(lost == 0 ? Stats.zeroEventUpperBound(Math.max(n, 1)) : Stats.interval95(n, lost)[1]));
        put(prefix + ".transports", String.join(", ", t.stringColumn("transport").unique().asList().stream().sorted().toList()));
        put(prefix + ".hwms", String.join(", ", t.doubleColumn("rep_sndhwm").unique().asList().stream().sorted().map(Runs::number).toList()));
    }

    /**
     * The fixes on one library, in the runs the fixes table shows (two cores): fix.patched.* (the patched JeroMQ),
     * fix.events.LIB.* (ZMQ_EVENTS read twice before recv()), each summed over every transport, load and mark it ran
     * with; and fix.once.LIB.* (read once), runs to the first loss over tcp.
     */
    private void fixes(Table t, String library) {
        Table patched = t.where(t.stringColumn("library_version").containsString("+").and(t.stringColumn("workaround").isEqualTo("none")));
        if (patched.rowCount() > 0) {   // fix.patched.* for JeroMQ, fix.patched.libzmq.* for libzmq
            String name = library.equals("jeromq") ? "fix.patched" : "fix.patched." + library;
            noLoss(patched, name);
            put(name + ".conditions", count(conditions(patched)));
        }
        Table events = t.where(t.stringColumn("workaround").isEqualTo("events"));
        if (events.rowCount() > 0) {
            noLoss(events, "fix.events." + library);
            put("fix.events." + library + ".conditions", count(conditions(events)));
        }
        Table once = t.where(t.stringColumn("workaround").isEqualTo("events-once").and(t.stringColumn("transport").isEqualTo("tcp")));
        if (once.rowCount() > 0) {
            Table lossy = once.where(once.doubleColumn("lost").isGreaterThan(0));
            long lost = (long) once.doubleColumn("lost").sum(), tried = (long) once.doubleColumn("round_trips").sum() + lost;
            put("fix.once." + library + ".runs", count(once.rowCount()));
            put("fix.once." + library + ".lossy", count(lossy.rowCount()));
            put("fix.once." + library + ".tried", count(tried));
            put("fix.once." + library + ".bound", rate(lost == 0 ? Stats.zeroEventUpperBound(tried) : Stats.interval95(tried, lost)[1]));
            put("fix.once." + library + ".median", lossy.rowCount() == 0 ? "none"
                    : count(Stats.percentile(Arrays.stream(lossy.doubleColumn("first_loss").asDoubleArray()).mapToLong(v -> (long) v).toArray(), 50)));
        }
    }

    /**
     * The interleaved comparison: per library, runs that lost a reply and the median first loss; its median rate; and
     * each library's rate over JeroMQ's in the same round (median, fewest and most over the rounds).
     */
    private void compare(Data d) {
        Table loss = Charts.latestCompare(d, "first_loss"), rate = Charts.latestCompare(d, "rate");
        put("compare.id", loss.stringColumn("compare_id").get(0));
        put("compare.rounds", count(loss.doubleColumn("round").max()));
        for (String v : loss.stringColumn("variant").unique()) {
            Table l = loss.where(loss.stringColumn("variant").isEqualTo(v)), r = rate.where(rate.stringColumn("variant").isEqualTo(v));
            long[] first = Arrays.stream(l.doubleColumn("first_loss").removeMissing().asDoubleArray()).mapToLong(x -> (long) x).toArray();
            put("compare." + v + ".runs", count(l.rowCount()));
            put("compare." + v + ".lossy", count(l.doubleColumn("lost").sum()));
            put("compare." + v + ".median", first.length == 0 ? "none" : count(Stats.percentile(first, 50)));
            put("compare." + v + ".rate", count(r.doubleColumn("rate_per_s").median()));
            List<Double> ratios = new java.util.ArrayList<>();
            for (var row : r) {
                Table same = rate.where(rate.stringColumn("variant").isEqualTo("jeromq").and(rate.doubleColumn("round").isEqualTo(row.getDouble("round"))));
                if (same.rowCount() == 1) ratios.add(row.getDouble("rate_per_s") / same.doubleColumn("rate_per_s").get(0));
            }
            double[] sorted = ratios.stream().mapToDouble(x -> x).sorted().toArray();
            if (sorted.length == 0) continue;
            put("compare." + v + ".ratio", String.format(Locale.ROOT, "%.2f", Stats.median(sorted)));
            put("compare." + v + ".ratio_min", String.format(Locale.ROOT, "%.2f", sorted[0]));
            put("compare." + v + ".ratio_max", String.format(Locale.ROOT, "%.2f", sorted[sorted.length - 1]));
        }
    }

    /**
     * The patched JeroMQ's rate over the released one's, from the bench run that measured both with the most forks and
     * iterations (the newest of equals), interleaved.
     */
    private void patchedRate(Table bench) {
        Table p = bench.where(bench.stringColumn("variant").isEqualTo("kit-tcp-patched"));
        if (p.rowCount() == 0) return;
        String id = null;
        double most = -1;
        for (var r : p) {
            double effort = r.getDouble("forks") * r.getDouble("iterations");
            if (effort > most || effort == most && r.getString("bench_id").compareTo(id) > 0) { id = r.getString("bench_id"); most = effort; }
        }
        Table run = bench.where(bench.stringColumn("bench_id").isEqualTo(id));
        double stock = rate(run, "kit-tcp");
        put("fix.patched.bench_id", id);
        put("fix.patched.rate_ratio", String.format(Locale.ROOT, "%.2f", rate(run, "kit-tcp-patched") / stock));
        // Each ratio compares two variants that differ in one thing: the library (both at HWM 1000, where the patch never
        // acts), or the mark (both patched). The released library has no lossless HWM-1 lockstep to compare with.
        put("fix.patched.hwm1_rate_ratio", String.format(Locale.ROOT, "%.2f", rate(run, "kit-tcp-hwm1-patched") / rate(run, "kit-tcp-patched")));
        put("fix.patched.stock_rate", count(stock));
        put("fix.patched.forks", count(run.doubleColumn("forks").max()));
        put("fix.patched.p50", Runs.number(p50(run, "kit-tcp-patched")));
        put("fix.patched.stock_p50", Runs.number(p50(run, "kit-tcp")));
    }

    private static double p50(Table run, String variant) {
        Table v = run.where(run.stringColumn("variant").isEqualTo(variant));
        return v.rowCount() == 0 ? Double.NaN : v.doubleColumn("p50_median_us").get(0);
    }

    private static double rate(Table run, String variant) {
        Table v = run.where(run.stringColumn("variant").isEqualTo(variant));
        return v.rowCount() == 0 ? Double.NaN : v.doubleColumn("rate_median").get(0);
    }

    /** How many transport × load × REP SNDHWM × process layout combinations a set of runs covers. */
    private static int conditions(Table t) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (var r : t) seen.add(r.getString("transport") + r.getString("load") + r.getDouble("rep_sndhwm") + r.getDouble("processes"));
        return seen.size();
    }

    private void retry(Table t) {
        put("retry.runs", count(t.rowCount()));
        put("retry.requests", count(t.doubleColumn("round_trips").sum() + t.doubleColumn("lost").sum()));
        put("retry.answered", count(t.doubleColumn("round_trips").sum()));
        put("retry.abandoned", count(t.doubleColumn("lost").sum()));
        put("retry.retries", count(t.doubleColumn("retries").sum()));
        put("retry.duplicates", count(t.doubleColumn("duplicates").sum()));
        put("retry.stale", count(t.doubleColumn("stale_replies").sum()));
        put("retry.p50", Runs.number(t.doubleColumn("p50_us").median()));
        put("retry.p99", Runs.number(t.doubleColumn("p99_us").median()));
        put("retry.timeout", Runs.number(t.doubleColumn("timeout_ms").max()));
    }

    /** Runs whose REP crashed on purpose: by where it ran (thread, process) and what it remembered across a crash. */
    private void faults(Table t) {
        for (String server : List.of("thread", "process"))
            for (String memory : List.of("durable", "lost")) {
                Table m = t.where(t.stringColumn("server").isEqualTo(server).and(t.stringColumn("server_memory").isEqualTo(memory)));
                String p = "faults." + server + "." + memory + ".";
                put(p + "runs", count(m.rowCount()));
                put(p + "requests", count(m.doubleColumn("round_trips").sum() + m.doubleColumn("lost").sum()));
                put(p + "abandoned", count(m.doubleColumn("lost").sum()));
                put(p + "kills", count(m.doubleColumn("kills").sum()));
                put(p + "restarts", count(m.doubleColumn("restarts").sum()));
                put(p + "retries", count(m.doubleColumn("retries").sum()));
                put(p + "repeats", count(m.doubleColumn("duplicates").sum()));
                put(p + "app_duplicates", count(m.doubleColumn("app_duplicates").sum()));
                put(p + "p50", median(m, "p50_us"));
                put(p + "p99", median(m, "p99_us"));
                put(p + "restart_ms", median(m, "restart_ms"));
                put(p + "retried_ms", median(m, "retried_mean_ms"));
                put(p + "max_ms", m.rowCount() == 0 || m.doubleColumn("max_us").countMissing() == m.rowCount() ? "none"
                        : Runs.number(m.doubleColumn("max_us").max() / 1000));
            }
    }

    /** The median of a column over the rows that have it, or "none". */
    private static String median(Table t, String column) {
        var c = t.doubleColumn(column).removeMissing();
        return c.isEmpty() ? "none" : Runs.number(c.median());
    }

    private void anatomy(Table t) {
        Table one = t.where(t.doubleColumn("rep_sndhwm").isEqualTo(1)), two = t.where(t.doubleColumn("rep_sndhwm").isEqualTo(2));
        put("anatomy.runs", count(one.rowCount()));
        put("anatomy.drops", count(one.doubleColumn("lost").sum()));
        put("anatomy.sendtrue", count(one.stringColumn("rep_send_true").isEqualTo("true").size()));
        put("anatomy.hwm2.round_trips", count(two.doubleColumn("round_trips").sum()));
        put("anatomy.hwm2.lost", count(two.doubleColumn("lost").sum()));
        double stale = two.doubleColumn("stale_acks").sum(), n = two.doubleColumn("round_trips").sum();
        put("anatomy.hwm2.stale", count(stale));
        put("anatomy.hwm2.stale_rate", rate(stale / n));
        put("anatomy.hwm2.max_lag", Runs.number(two.doubleColumn("max_lag").max()));
    }

    private void sweep(Table t) {
        put("sweep.id", t.stringColumn("sweep_id").get(0));
        put("sweep.cells", count(t.rowCount()));
        put("sweep.round_trips", count(t.doubleColumn("round_trips").sum()));
        Table lossy = t.where(t.doubleColumn("losses").isGreaterThan(0));
        put("sweep.lossy_cells", count(lossy.rowCount()));
        put("sweep.confirmed", count(t.doubleColumn("confirmed_drops").sum()));
        put("sweep.losses", count(t.doubleColumn("losses").sum()));
        put("sweep.seconds", Runs.number(t.doubleColumn("time_limit_s").max()));
        put("sweep.duration", minutes(t.doubleColumn("elapsed_s").sum()));   // its cells' measuring time, set-up not counted
        for (String load : List.of("idle", "busy-core")) {
            Table l = t.where(t.stringColumn("load").isEqualTo(load));
            put("sweep." + load + ".cells", count(l.rowCount()));
        }
    }

    /**
     * How long the main job's steps took together (data/durations.csv, rows "steps"): job.warm, the newest run in which
     * every step passed and JBang built no script, with its date; job.cold, the newest in which it had to build them.
     */
    private void durations(java.nio.file.Path file) {
        List<List<String>> rows = rows(file);
        if (rows.isEmpty()) return;
        List<String> h = rows.get(0);
        for (List<String> r : rows.subList(1, rows.size())) {   // oldest first: the newest of each kind is put last
            if (!r.get(h.indexOf("step")).equals("steps") || !r.get(h.indexOf("ok")).equals("true")) continue;
            String kind = Long.parseLong(r.get(h.indexOf("scripts_built"))) == 0 ? "job.warm" : "job.cold";
            put(kind, minutes(Double.parseDouble(r.get(h.indexOf("seconds")))));
            put(kind + ".date", r.get(h.indexOf("timestamp")).substring(0, 10));
        }
    }

    /**
     * The projects' own suites (data/upstream.csv), the newest row of each project, ref and build:
     * upstream.jeromq.0.6.0.stock.tests, .failed, .skipped, .failing ("none", or the names), .seconds, .commit (12
     * characters), .date; the maintainers' texts show them as a table.
     */
    private void upstream(java.nio.file.Path file) {
        List<List<String>> csv = rows(file);
        if (csv.isEmpty()) return;
        List<String> h = csv.remove(0);
        for (List<String> r : csv) {   // oldest first: the newest of each is put last
            java.util.function.Function<String, String> c = name -> r.get(h.indexOf(name));
            String p = "upstream." + c.apply("project") + "." + c.apply("ref") + "." + c.apply("build") + ".";
            put(p + "commit", c.apply("commit").substring(0, Math.min(12, c.apply("commit").length())));
            put(p + "date", c.apply("timestamp").substring(0, 10));
            for (String n : List.of("tests", "failed", "skipped")) put(p + n, c.apply(n));
            put(p + "failing", c.apply("failing").isBlank() ? "none" : String.join(", ", c.apply("failing").split(" ")));
            put(p + "seconds", count(Double.parseDouble(c.apply("seconds"))));
        }
    }

    /**
     * The stress step (data/stress.csv), the fullest run (most requests; of those the newest) of each library, socket
     * and build (patched: a "+" in its version): stress.jeromq.rep.patched.requests, .connections, .abandoned, .lost,
     * .left, .eagain, .ehostunreach, .load, .seconds.
     */
    private void stress(java.nio.file.Path file) {
        List<List<String>> csv = rows(file);
        if (csv.isEmpty()) return;
        List<String> h = csv.remove(0);
        Map<String, Double> fullest = new java.util.HashMap<>();
        for (List<String> r : csv) {   // oldest first: a later run as full as an earlier one replaces it
            java.util.function.Function<String, String> c = name -> r.get(h.indexOf(name));
            String p = "stress." + c.apply("library") + "." + c.apply("socket") + "." + (c.apply("library_version").contains("+") ? "patched" : "stock") + ".";
            double requests = Double.parseDouble(c.apply("requests"));
            if (requests < fullest.getOrDefault(p, 0.0)) continue;
            fullest.put(p, requests);
            for (String n : List.of("requests", "connections", "abandoned", "lost", "eagain", "ehostunreach"))
                put(p + n, count(Double.parseDouble(c.apply(n))));
            put(p + "left", c.apply("pipes_left"));
            put(p + "load", c.apply("load"));
            put(p + "seconds", count(Double.parseDouble(c.apply("elapsed_s"))));
        }
    }

    /** A CSV of data/ that is not a step's (no typed columns), oldest row first; empty when the file is missing. */
    private static List<List<String>> rows(java.nio.file.Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) return new java.util.ArrayList<>();
        try {
            return new java.util.ArrayList<>(Runs.read(file));
        } catch (java.io.IOException e) {
            throw new LabException("cannot read " + Runs.shown(file));
        }
    }

    /** "6 min 35 s", "48 s". */
    static String minutes(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }

    /** The newest benchmark run, by variant, and the kit/raw ratios. */
    private void bench(Table all) {
        Table t = Charts.thoroughBench(all);
        for (var r : t) {
            String v = "bench." + r.getString("variant") + ".";
            put(v + "rate", count(r.getDouble("rate_median")));
            put(v + "min", count(r.getDouble("rate_min")));
            put(v + "max", count(r.getDouble("rate_max")));
            put(v + "p50", Runs.number(r.getDouble("p50_median_us")));
            put(v + "p99", Runs.number(r.getDouble("p99_median_us")));
        }
        for (String tr : List.of("inproc", "tcp")) {
            Table raw = t.where(t.stringColumn("variant").isEqualTo("raw-" + tr)), kit = t.where(t.stringColumn("variant").isEqualTo("kit-" + tr));
            if (raw.rowCount() > 0 && kit.rowCount() > 0)
                put("bench.ratio." + tr, String.format(Locale.ROOT, "%.2f", kit.doubleColumn("rate_median").get(0) / raw.doubleColumn("rate_median").get(0)));
        }
        put("bench.id", t.stringColumn("bench_id").get(0));
        put("bench.forks", Runs.number(t.doubleColumn("forks").max()));
        put("bench.iterations", Runs.number(t.doubleColumn("iterations").max()));
        put("bench.seconds", Runs.number(t.doubleColumn("iteration_s").max()));
    }
}
