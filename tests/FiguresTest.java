import org.apache.commons.math3.special.Beta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every number the article shows, recomputed from data/*.csv by a second, independent path: the CSV parsed here,
 * the rows chosen by the rules the article states, the sums and statistics done in plain Java (commons-math only for
 * the incomplete beta function), and compared, as the page formats them, with what the renderer (Tablesaw, Figures,
 * Tables, Stats) put in both editions.
 */
@Execution(ExecutionMode.CONCURRENT)   // measures nothing: side by side with the others that do not
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class FiguresTest {
    static final Path ROOT = Runs.dataDir().getParent(), DATA = Runs.dataDir();
    static final List<String> SOURCES = List.of("article/article.md", "article/zh/article.md");
    static final List<String> APPENDICES = List.of("fix/jeromq/ISSUE.md", "fix/libzmq/COMMENT.md");
    static final Pattern FIGURE = Pattern.compile("\\{\\{([a-z0-9_.-]+)}}");
    /** The English labels of the fixes, as the fixes table shows them. */
    static final Map<String, String> FIX_LABELS = Map.of("none", "none: the library as released",
            "events-once", "ZMQ_EVENTS read once before recv()", "events", "ZMQ_EVENTS read twice before recv()",
            "patched", "patched library");

    static Map<String, String> pages;

    /**
     * The two pages, English and Chinese, rendered once for the suite, on first use (ArticleTest opens them too): a
     * render that fails then fails each test by name.
     */
    static synchronized Map<String, String> pages() throws Exception {
        if (pages != null) return pages;
        Map<String, String> rendered = new LinkedHashMap<>();
        Path dir = Files.createTempDirectory("pages");
        try {
            for (String source : SOURCES) {
                Path page = Files.createDirectories(dir.resolve(source).getParent()).resolve("index.html");
                Steps r = Steps.run(new article(), Map.of(), "--reuse-data", "--no-images", "--source", ROOT.resolve(source).toString(),
                        "--out", page.toString());
                assertEquals(Lab.SHOWN, r.code(), source + ": " + r.out() + r.err());
                rendered.put(source.contains("/zh/") ? "zh" : "en", Files.readString(page));
            }
        } finally {
            Runs.deleteTree(dir);
        }
        return pages = rendered;
    }

    // ---- 1. the {{figures}} ----------------------------------------------------------------------------------------

    @Test
    void everyFigureOfBothEditionsEqualsItsRecomputationFromTheCsvFiles() throws Exception {
        Set<String> used = new TreeSet<>();
        for (String source : Stream.concat(SOURCES.stream(), APPENDICES.stream()).toList())   // the maintainers' texts are pages too
            FIGURE.matcher(Files.readString(ROOT.resolve(source))).results().forEach(m -> used.add(m.group(1)));
        assertTrue(used.size() > 150, "figures found in the sources: " + used.size());
        Map<String, String> want = recompute();
        Figures figures = new Figures(new Data(DATA));
        List<String> problems = new ArrayList<>();
        for (String name : used) {
            String got = figures.all().get(name);
            if (!want.containsKey(name)) {   // a new figure is checked here before it can reach the page
                problems.add(name + ": used by the article, " + (got == null ? "and neither the renderer nor this test finds it in data/"
                        : "rendered " + got + ", but this test does not recompute it"));
                continue;
            }
            if (got == null) { problems.add(name + ": the renderer has none, recomputed " + want.get(name)); continue; }
            // Lists of versions: the renderer keeps Tablesaw's order of unique values, which means nothing.
            boolean list = name.matches("env\\.(java|os|jeromq)|.*\\.version|pyzmq\\.python");
            if (list ? !new TreeSet<>(List.of(got.split(", "))).equals(new TreeSet<>(List.of(want.get(name).split(", "))))
                    : !got.equals(want.get(name)))
                problems.add(name + ": rendered " + got + ", recomputed " + want.get(name));
        }
        assertEquals(List.of(), problems, used.size() + " figures checked");
    }

    /** Every figure the article may use, by family, from the rows its prose describes. */
    static Map<String, String> recompute() throws IOException {
        Map<String, String> f = new TreeMap<>();
        List<Row> hwm1 = released("hwm1");
        // First losses at REP SNDHWM=1, with the machine idle ("unless a result says busy core"): REQ and REP as two threads
        // on two cores, as two processes, or pinned to one core (taskset: the row says cpus 1).
        firstLoss(f, "hwm1", where(hwm1, r -> r.d("cpus") > 1 && r.d("processes") == 1));
        firstLoss(f, "hwm1.processes", where(hwm1, r -> r.d("cpus") > 1 && r.d("processes") == 2));
        firstLoss(f, "hwm1.onecpu", where(hwm1, r -> r.d("cpus") == 1 && r.d("processes") == 1));
        List<Row> libzmq = released("libzmq"), pyzmq = released("pyzmq");
        firstLoss(f, "libzmq", where(libzmq, r -> r.d("cpus") > 1 && r.d("processes") == 1));   // REQ and REP in two Java threads
        for (String mode : List.of("threads", "processes")) firstLoss(f, "pyzmq." + mode, where(pyzmq, r -> r.d("cpus") > 1 && r.s("mode").equals(mode)));
        // The advice "use SNDHWM >= 2" over tcp: runs, and runs that lost a reply.
        for (int hwm : new int[] {2, 3, 8})
            for (String load : List.of("idle", "busy-core")) {
                Predicate<Row> cell = r -> r.d("rep_sndhwm") == hwm && r.s("load").equals(load) && r.s("transport").equals("tcp");
                lossyRuns(f, "libzmq.hwm" + hwm + "." + load, where(libzmq, cell));
                for (String mode : List.of("threads", "processes"))
                    lossyRuns(f, "pyzmq." + mode + ".hwm" + hwm + "." + load, where(pyzmq, cell.and(r -> r.s("mode").equals(mode))));
            }
        f.put("libzmq.version", distinct(libzmq, "library_version"));
        f.put("pyzmq.version", distinct(pyzmq, "library_version"));
        f.put("pyzmq.python", distinct(pyzmq, "python"));
        // No loss where none is expected: SNDHWM=2, and the default marks (all four 1000).
        noLoss(f, "hwm2", where(released("hwm2"), r -> r.d("rep_sndhwm") == 2));
        noLoss(f, "baseline", where(released("baseline"), r -> r.d("rep_sndhwm") == 1000 && r.d("rep_rcvhwm") == 1000
                && r.d("req_sndhwm") == 1000 && r.d("req_rcvhwm") == 1000));
        fixes(f, "jeromq", fixRuns("JeroMQ"));
        fixes(f, "libzmq", fixRuns("libzmq"));
        fixes(f, "pyzmq", where(read("pyzmq"), r -> r.d("cpus") > 1));   // both layouts together
        patchedCost(f, read("bench"));
        compare(f, released("compare"));
        anatomy(f, released("anatomy"));
        sweep(f, fullSweep());
        bench(f, read("bench"));
        List<Row> retry = where(released("retry"), r -> !r.s("server").equals("remote"));
        retry(f, where(retry, r -> r.d("kill_every") == 0 && r.d("rep_sndhwm") == 1));   // "a REP that still has SNDHWM=1"
        faults(f, where(retry, r -> r.d("kill_every") > 0));
        durations(f);
        suitesAndStress(f);
        f.put("env.java", distinct(hwm1, "java"));
        f.put("env.os", distinct(hwm1, "os"));
        f.put("env.cpus", plain(hwm1.stream().mapToDouble(r -> r.d("cpus")).max().orElseThrow()));
        f.put("env.jeromq", distinct(hwm1, "library_version"));
        return f;
    }

    /** Runs stopped at their first loss, per transport: counts, first-loss percentiles, the rate and its interval. */
    static void firstLoss(Map<String, String> f, String prefix, List<Row> rows) {
        List<Row> lossy = where(rows, r -> r.d("rep_sndhwm") == 1 && r.s("load").equals("idle"));
        for (String transport : new TreeSet<>(lossy.stream().map(r -> r.s("transport")).toList())) {
            List<Row> t = where(lossy, r -> r.s("transport").equals(transport));
            String p = prefix + "." + transport + ".";
            long losses = sum(t, "lost"), tried = sum(t, "round_trips") + losses;   // the lost round trip was tried too
            long[] first = t.stream().filter(r -> !r.s("first_loss").isEmpty()).mapToLong(r -> r.l("first_loss")).toArray();
            double[] ci = interval95(tried, losses);
            f.put(p + "runs", count(t.size()));
            f.put(p + "losses", count(losses));
            f.put(p + "tried", count(tried));
            f.put(p + "median", first.length == 0 ? "none" : count(nearestRank(first, 50)));
            f.put(p + "min", first.length == 0 ? "none" : count(Arrays.stream(first).min().orElseThrow()));
            f.put(p + "max", first.length == 0 ? "none" : count(Arrays.stream(first).max().orElseThrow()));
            f.put(p + "rate", rate((double) losses / tried));
            f.put(p + "rate_low", rate(ci[0]));
            f.put(p + "rate_high", rate(ci[1]));
            f.put(p + "rate_s", count(median(t, "rate_per_s")));
        }
    }

    static void lossyRuns(Map<String, String> f, String prefix, List<Row> rows) {
        f.put(prefix + ".runs", count(rows.size()));
        f.put(prefix + ".lossy", count(rows.stream().filter(r -> r.d("lost") > 0).count()));
    }

    /** Runs that should lose nothing: how many round trips, lost, and the 95% upper bound on the rate. */
    static void noLoss(Map<String, String> f, String prefix, List<Row> rows) {
        long n = sum(rows, "round_trips"), lost = sum(rows, "lost");
        f.put(prefix + ".runs", count(rows.size()));
        f.put(prefix + ".round_trips", count(n));
        f.put(prefix + ".lost", count(lost));
        f.put(prefix + ".bound", rate(lost == 0 ? zeroEventBound(Math.max(n, 1)) : interval95(n, lost)[1]));
        f.put(prefix + ".transports", String.join(", ", new TreeSet<>(rows.stream().map(r -> r.s("transport")).toList())));
        f.put(prefix + ".hwms", String.join(", ", new TreeSet<>(rows.stream().map(r -> (long) r.d("rep_sndhwm")).toList()).stream().map(String::valueOf).toList()));
    }

    /**
     * The runs of a library the fixes table shows, on two cores: JeroMQ and libzmq with REQ and REP threads in one
     * process; pyzmq as threads of one interpreter ("pyzmq, threads") or two processes ("pyzmq, processes").
     */
    static List<Row> fixRuns(String library) throws IOException {
        if (library.startsWith("pyzmq, ")) return where(read("pyzmq"), r -> r.d("cpus") > 1 && r.s("mode").equals(library.substring(7)));
        return where(read(library.equals("JeroMQ") ? "hwm1" : "libzmq"), r -> r.d("processes") == 1 && r.d("cpus") > 1);
    }

    /**
     * The fixes on one library, in the runs the fixes table shows: the patched library, ZMQ_EVENTS read twice (on the
     * released library), each over every condition it ran in; read once, over tcp.
     */
    static void fixes(Map<String, String> f, String library, List<Row> t) {
        List<Row> patched = where(t, r -> fixOf(r).equals("patched")), events = where(t, r -> fixOf(r).equals("events"));
        String p = library.equals("jeromq") ? "fix.patched" : "fix.patched." + library;
        if (!patched.isEmpty()) { noLoss(f, p, patched); f.put(p + ".conditions", count(conditions(patched))); }
        if (!events.isEmpty()) { noLoss(f, "fix.events." + library, events); f.put("fix.events." + library + ".conditions", count(conditions(events))); }
        List<Row> once = where(t, r -> fixOf(r).equals("events-once") && r.s("transport").equals("tcp"));
        if (once.isEmpty()) return;
        long[] first = once.stream().filter(r -> r.d("lost") > 0).mapToLong(r -> r.l("first_loss")).toArray();
        long lost = sum(once, "lost"), tried = sum(once, "round_trips") + lost;
        f.put("fix.once." + library + ".tried", count(tried));
        f.put("fix.once." + library + ".bound", rate(lost == 0 ? zeroEventBound(tried) : interval95(tried, lost)[1]));
        f.put("fix.once." + library + ".runs", count(once.size()));
        f.put("fix.once." + library + ".lossy", count(first.length));
        f.put("fix.once." + library + ".median", first.length == 0 ? "none" : count(nearestRank(first, 50)));
    }

    /** A run's fix: the patched library (its version has a '+'), else its workaround; "" for a patched run with a workaround. */
    static String fixOf(Row r) {
        boolean plus = r.s("library_version").contains("+");
        return plus ? (r.s("workaround").equals("none") ? "patched" : "") : r.s("workaround");
    }

    static long conditions(List<Row> rows) {   // transport, load, REP SNDHWM and the process layout
        return rows.stream().map(r -> r.s("transport") + "|" + r.s("load") + "|" + r.s("rep_sndhwm") + "|" + r.s("processes")).distinct().count();
    }

    /**
     * What the patch costs, from the interleaved bench run that measured the patched library with the most forks x
     * iterations (the newest of equals): each ratio between two variants that differ in one thing.
     */
    static void patchedCost(Map<String, String> f, List<Row> bench) {
        Map<String, Double> effort = new TreeMap<>();
        for (Row r : where(bench, r -> r.s("variant").equals("kit-tcp-patched")))
            effort.merge(r.s("bench_id"), r.d("forks") * r.d("iterations"), Math::max);
        if (effort.isEmpty()) return;
        double most = effort.values().stream().mapToDouble(x -> x).max().orElseThrow();
        String id = effort.entrySet().stream().filter(e -> e.getValue() == most).map(Map.Entry::getKey).max(String::compareTo).orElseThrow();
        List<Row> run = where(bench, r -> r.s("bench_id").equals(id));
        f.put("fix.patched.bench_id", id);
        f.put("fix.patched.forks", count(run.stream().mapToDouble(r -> r.d("forks")).max().orElseThrow()));
        f.put("fix.patched.rate_ratio", ratio(variant(run, "kit-tcp-patched", "rate_median") / variant(run, "kit-tcp", "rate_median")));
        // Only the mark differs: HWM 1 against HWM 1000, both on the patched library.
        f.put("fix.patched.hwm1_rate_ratio", ratio(variant(run, "kit-tcp-hwm1-patched", "rate_median") / variant(run, "kit-tcp-patched", "rate_median")));
        f.put("fix.patched.stock_rate", count(variant(run, "kit-tcp", "rate_median")));
        f.put("fix.patched.p50", plain(variant(run, "kit-tcp-patched", "p50_median_us")));
        f.put("fix.patched.stock_p50", plain(variant(run, "kit-tcp", "p50_median_us")));
    }

    /** A column of the one row of a variant in a bench run. */
    static double variant(List<Row> run, String variant, String column) {
        List<Row> v = where(run, r -> r.s("variant").equals(variant));
        assertEquals(1, v.size(), "bench run " + run.get(0).s("bench_id") + ": rows of " + variant);
        return v.get(0).d(column);
    }

    /** The newest interleaved comparison: per library, first losses and the lockstep rate against JeroMQ's in the same round. */
    static void compare(Map<String, String> f, List<Row> all) {
        String id = all.stream().map(r -> r.s("compare_id")).max(String::compareTo).orElseThrow();
        List<Row> loss = where(all, r -> r.s("compare_id").equals(id) && r.s("measure").equals("first_loss"));
        List<Row> rate = where(all, r -> r.s("compare_id").equals(id) && r.s("measure").equals("rate"));
        f.put("compare.id", id);
        f.put("compare.rounds", count(loss.stream().mapToDouble(r -> r.d("round")).max().orElseThrow()));
        for (String v : new LinkedHashSet<>(loss.stream().map(r -> r.s("variant")).toList())) {
            List<Row> l = where(loss, r -> r.s("variant").equals(v)), rv = where(rate, r -> r.s("variant").equals(v));
            long[] first = l.stream().filter(r -> !r.s("first_loss").isEmpty()).mapToLong(r -> r.l("first_loss")).toArray();
            f.put("compare." + v + ".runs", count(l.size()));
            f.put("compare." + v + ".lossy", count(l.stream().filter(r -> r.d("lost") > 0).count()));
            f.put("compare." + v + ".median", first.length == 0 ? "none" : count(nearestRank(first, 50)));
            f.put("compare." + v + ".rate", count(median(rv, "rate_per_s")));
            List<Double> ratios = new ArrayList<>();
            for (Row r : rv) {
                List<Row> jeromq = where(rate, j -> j.s("variant").equals("jeromq") && j.d("round") == r.d("round"));
                if (jeromq.size() == 1) ratios.add(r.d("rate_per_s") / jeromq.get(0).d("rate_per_s"));
            }
            if (ratios.isEmpty()) continue;
            double[] sorted = ratios.stream().mapToDouble(x -> x).sorted().toArray();
            f.put("compare." + v + ".ratio", ratio(median(sorted)));
            f.put("compare." + v + ".ratio_min", ratio(sorted[0]));
            f.put("compare." + v + ".ratio_max", ratio(sorted[sorted.length - 1]));
        }
    }

    static void anatomy(Map<String, String> f, List<Row> all) {
        List<Row> one = where(all, r -> r.d("rep_sndhwm") == 1), two = where(all, r -> r.d("rep_sndhwm") == 2);
        f.put("anatomy.runs", count(one.size()));
        f.put("anatomy.drops", count(sum(one, "lost")));
        f.put("anatomy.sendtrue", count(one.stream().filter(r -> r.s("rep_send_true").equals("true")).count()));
        long n = sum(two, "round_trips"), stale = sum(two, "stale_acks");
        f.put("anatomy.hwm2.round_trips", count(n));
        f.put("anatomy.hwm2.lost", count(sum(two, "lost")));
        f.put("anatomy.hwm2.stale", count(stale));
        f.put("anatomy.hwm2.stale_rate", rate((double) stale / n));
        f.put("anatomy.hwm2.max_lag", plain(two.stream().mapToDouble(r -> r.d("max_lag")).max().orElseThrow()));
    }

    /**
     * The newest full sweep of the released library: the run with the most cells (the newest of equals), every cell of
     * it, those with a workaround too ("the newest full sweep has N cells"; its heatmap shows them all).
     */
    static List<Row> fullSweep() throws IOException {
        List<Row> all = where(read("sweep"), r -> !r.s("library_version").contains("+"));
        Map<String, Integer> cells = new TreeMap<>();
        for (Row r : all) cells.merge(r.s("sweep_id"), 1, Integer::sum);
        int most = cells.values().stream().mapToInt(x -> x).max().orElseThrow();
        String id = cells.entrySet().stream().filter(e -> e.getValue() == most).map(Map.Entry::getKey).max(String::compareTo).orElseThrow();
        return where(all, r -> r.s("sweep_id").equals(id));
    }

    static void sweep(Map<String, String> f, List<Row> t) {
        f.put("sweep.id", t.get(0).s("sweep_id"));
        f.put("sweep.cells", count(t.size()));
        f.put("sweep.round_trips", count(sum(t, "round_trips")));
        f.put("sweep.lossy_cells", count(t.stream().filter(r -> r.d("losses") > 0).count()));
        f.put("sweep.confirmed", count(sum(t, "confirmed_drops")));
        f.put("sweep.losses", count(sum(t, "losses")));
        f.put("sweep.seconds", plain(t.stream().mapToDouble(r -> r.d("time_limit_s")).max().orElseThrow()));
        f.put("sweep.duration", minutes(t.stream().mapToDouble(r -> r.d("elapsed_s")).sum()));
        for (String load : List.of("idle", "busy-core")) f.put("sweep." + load + ".cells", count(where(t, r -> r.s("load").equals(load)).size()));
    }

    /** The most thorough bench run (forks x iterations x variants, the newest of equals), the released library's variants. */
    static void bench(Map<String, String> f, List<Row> all) {
        Map<String, List<Row>> runs = new TreeMap<>();
        for (Row r : all) runs.computeIfAbsent(r.s("bench_id"), k -> new ArrayList<>()).add(r);
        String id = null;
        double most = -1;
        for (var e : runs.entrySet()) {   // ids ascending: the newest of equals wins
            List<Row> run = e.getValue();
            double effort = run.stream().mapToDouble(r -> r.d("forks")).max().orElseThrow()
                    * run.stream().mapToDouble(r -> r.d("iterations")).max().orElseThrow() * run.size();
            if (effort >= most) { most = effort; id = e.getKey(); }
        }
        List<Row> t = where(runs.get(id), FiguresTest::released);
        f.put("bench.id", id);
        for (Row r : t) {
            String v = "bench." + r.s("variant") + ".";
            f.put(v + "rate", count(r.d("rate_median")));
            f.put(v + "min", count(r.d("rate_min")));
            f.put(v + "max", count(r.d("rate_max")));
            f.put(v + "p50", plain(r.d("p50_median_us")));
            f.put(v + "p99", plain(r.d("p99_median_us")));
        }
        for (String tr : List.of("inproc", "tcp"))
            if (t.stream().anyMatch(r -> r.s("variant").equals("raw-" + tr)) && t.stream().anyMatch(r -> r.s("variant").equals("kit-" + tr)))
                f.put("bench.ratio." + tr, ratio(variant(t, "kit-" + tr, "rate_median") / variant(t, "raw-" + tr, "rate_median")));
        f.put("bench.forks", plain(t.stream().mapToDouble(r -> r.d("forks")).max().orElseThrow()));
        f.put("bench.iterations", plain(t.stream().mapToDouble(r -> r.d("iterations")).max().orElseThrow()));
        f.put("bench.seconds", plain(t.stream().mapToDouble(r -> r.d("iteration_s")).max().orElseThrow()));
    }

    static void retry(Map<String, String> f, List<Row> t) {
        f.put("retry.runs", count(t.size()));
        f.put("retry.requests", count(sum(t, "round_trips") + sum(t, "lost")));
        f.put("retry.answered", count(sum(t, "round_trips")));
        f.put("retry.abandoned", count(sum(t, "lost")));
        f.put("retry.retries", count(sum(t, "retries")));
        f.put("retry.duplicates", count(sum(t, "duplicates")));
        f.put("retry.stale", count(sum(t, "stale_replies")));
        f.put("retry.p50", plain(median(t, "p50_us")));
        f.put("retry.p99", plain(median(t, "p99_us")));
        f.put("retry.timeout", plain(t.stream().mapToDouble(r -> r.d("timeout_ms")).max().orElseThrow()));
    }

    /** Runs whose REP crashed on purpose, by where it ran and what it remembered. */
    static void faults(Map<String, String> f, List<Row> t) {
        for (String server : List.of("thread", "process"))
            for (String memory : List.of("durable", "lost")) {
                List<Row> m = where(t, r -> r.s("server").equals(server) && r.s("server_memory").equals(memory));
                String p = "faults." + server + "." + memory + ".";
                f.put(p + "runs", count(m.size()));
                f.put(p + "requests", count(sum(m, "round_trips") + sum(m, "lost")));
                f.put(p + "abandoned", count(sum(m, "lost")));
                f.put(p + "kills", count(sum(m, "kills")));
                f.put(p + "restarts", count(sum(m, "restarts")));
                f.put(p + "retries", count(sum(m, "retries")));
                f.put(p + "repeats", count(sum(m, "duplicates")));
                f.put(p + "app_duplicates", count(sum(m, "app_duplicates")));
                for (String[] c : new String[][] {{"p50", "p50_us"}, {"p99", "p99_us"}, {"restart_ms", "restart_ms"}, {"retried_ms", "retried_mean_ms"}}) {
                    List<Row> have = where(m, r -> !r.s(c[1]).isEmpty());
                    f.put(p + c[0], have.isEmpty() ? "none" : plain(median(have, c[1])));
                }
                List<Row> max = where(m, r -> !r.s("max_us").isEmpty());
                f.put(p + "max_ms", max.isEmpty() ? "none" : plain(max.stream().mapToDouble(r -> r.d("max_us")).max().orElseThrow() / 1000));
            }
    }

    /** How long the main job's steps took (data/durations.csv, rows "steps" that passed): the newest warm and cold run. */
    static void durations(Map<String, String> f) throws IOException {
        if (!Files.isRegularFile(DATA.resolve("durations.csv"))) return;
        for (String kind : List.of("warm", "cold"))
            read("durations").stream().filter(r -> r.s("step").equals("steps") && r.s("ok").equals("true")
                            && (r.d("scripts_built") == 0) == kind.equals("warm"))
                    .max(Comparator.comparing((Row r) -> r.s("timestamp"))).ifPresent(r -> {
                        f.put("job." + kind, minutes(r.d("seconds")));
                        f.put("job." + kind + ".date", r.s("timestamp").substring(0, 10));
                    });
    }

    /**
     * What the maintainers' texts quote: each project's suite per ref and build (data/upstream.csv), the newest row of
     * each; and the stress step per library, socket and build (data/stress.csv; patched: a "+" in its version).
     */
    static void suitesAndStress(Map<String, String> f) throws IOException {
        if (Files.isRegularFile(DATA.resolve("upstream.csv")))
            for (Row r : read("upstream")) {   // in file order, oldest first: the newest of each is put last
                String p = "upstream." + r.s("project") + "." + r.s("ref") + "." + r.s("build") + ".";
                f.put(p + "commit", r.s("commit").substring(0, 12));
                f.put(p + "date", r.s("timestamp").substring(0, 10));
                for (String n : List.of("tests", "failed", "skipped")) f.put(p + n, r.s(n));
                f.put(p + "failing", r.s("failing").isEmpty() ? "none" : r.s("failing").replace(" ", ", "));
                f.put(p + "seconds", count(r.d("seconds")));
            }
        if (Files.isRegularFile(DATA.resolve("stress.csv")))   // of each kind the run with the most requests, the newest of those
            for (Row r : read("stress").stream().sorted(Comparator.comparingDouble((Row x) -> x.d("requests")).thenComparing(x -> x.s("timestamp"))).toList()) {
                String p = "stress." + r.s("library") + "." + r.s("socket") + "." + (r.s("library_version").contains("+") ? "patched" : "stock") + ".";
                for (String n : List.of("requests", "connections", "abandoned", "lost", "eagain", "ehostunreach")) f.put(p + n, count(r.d(n)));
                f.put(p + "left", r.s("pipes_left"));
                f.put(p + "load", r.s("load"));
                f.put(p + "seconds", count(r.d("elapsed_s")));
            }
    }

    // ---- 2. the tables ---------------------------------------------------------------------------------------------

    @Test
    void everyCellOfTheFiveTablesInBothEditionsEqualsItsRecomputation() throws Exception {
        Map<String, String> zh = new HashMap<>();   // the Chinese page translates a cell whose whole text it knows
        for (String line : Files.readAllLines(ROOT.resolve("article/zh/strings.tsv"))) {
            String[] pair = line.split("\t");
            if (pair.length == 2 && !pair[0].isBlank()) zh.put(pair[0], pair[1]);
        }
        List<String> problems = new ArrayList<>();
        int cells = 0;
        for (var page : pages().entrySet()) {
            UnaryOperator<String> words = page.getKey().equals("zh") ? w -> zh.getOrDefault(w, w) : w -> w;
            Map<String, Table> tables = tables(page.getValue(), page.getKey(), problems);
            cells += compare(page.getKey() + " sweep", tables.get("sweep"), sweepTable(), 6, words, problems);
            cells += compare(page.getKey() + " advice", tables.get("advice"), adviceTable(), 3, words, problems);
            cells += compare(page.getKey() + " fixes", tables.get("fixes"), fixesTable(), 5, words, problems);
            cells += compare(page.getKey() + " hostile", tables.get("hostile"), hostileTable(), 1, words, problems);
            cells += compare(page.getKey() + " upstream", tables.get("upstream"), upstreamTable(), 5, words, problems);
        }
        assertEquals(List.of(), problems, cells + " cells checked");
        assertTrue(cells > 1000, "cells checked: " + cells);
    }

    /** A table as the page shows it, or as recomputed: its header and its rows, every cell as text. */
    record Table(List<String> head, List<List<String>> rows) { }

    static Map<String, Table> tables(String html, String edition, List<String> problems) {
        Map<String, Table> t = new HashMap<>();
        Matcher m = Pattern.compile("<table class=\"(fixes|advice|sweep|hostile|upstream)\">(.*?)</table>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            if (t.containsKey(m.group(1))) problems.add(edition + ": two tables " + m.group(1));
            List<List<String>> rows = new ArrayList<>();
            Matcher tr = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(m.group(2));
            List<String> head = null;
            while (tr.find()) {
                List<String> cells = Pattern.compile("<t[hd]>(.*?)</t[hd]>", Pattern.DOTALL).matcher(tr.group(1)).results()
                        .map(c -> c.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")).toList();
                if (head == null) head = cells; else rows.add(cells);
            }
            t.put(m.group(1), new Table(head, rows));
        }
        for (String name : List.of("fixes", "advice", "sweep", "hostile", "upstream"))
            if (!t.containsKey(name)) problems.add(edition + ": no table " + name);
        return t;
    }

    /**
     * Compares a rendered table with the recomputed one (translated as the edition translates whole cells): the
     * header, then each row, found by its first `keys` cells, cell by cell. Returns how many cells were compared.
     */
    static int compare(String name, Table page, Table want, int keys, UnaryOperator<String> words, List<String> problems) {
        if (page == null) return 0;
        List<String> head = want.head().stream().map(words).toList();
        if (!page.head().equals(head)) { problems.add(name + ": header " + page.head() + ", expected " + head); return 0; }
        Map<List<String>, List<String>> shown = new LinkedHashMap<>();
        for (List<String> r : page.rows())
            if (shown.put(r.subList(0, Math.min(keys, r.size())), r) != null) problems.add(name + ": two rows " + r);
        int compared = 0;
        for (List<String> w : want.rows()) {
            List<String> row = w.stream().map(words).toList(), key = row.subList(0, keys), got = shown.remove(key);
            if (got == null) { problems.add(name + ": no row " + key + ", expected " + row); continue; }
            if (got.size() != row.size()) { problems.add(name + " " + key + ": " + got + ", expected " + row); continue; }
            for (int i = 0; i < row.size(); i++, compared++)
                if (!got.get(i).equals(row.get(i))) problems.add(name + " " + key + " '" + want.head().get(i) + "': page " + got.get(i) + ", recomputed " + row.get(i));
        }
        for (List<String> extra : shown.values()) problems.add(name + ": a row the data does not give: " + extra);
        return compared;
    }

    /** Every cell of the newest full sweep (its workaround cells too), the rate and interval from the counts. */
    static Table sweepTable() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (Row r : fullSweep()) {
            long n = r.l("round_trips"), lost = r.l("losses");
            double[] ci = interval95(n, lost);
            rows.add(List.of(r.s("transport"), r.s("carrier"), plain(r.d("hwm")), r.s("set_when"), r.s("load"), r.s("workaround"), count(r.l("trials")),
                    count(n), count(lost), count(r.l("confirmed_drops")), rate((double) lost / Math.max(n, 1)),
                    rate(ci[0]) + " to " + rate(ci[1]), r.s("first_loss_median").isEmpty() ? "" : count(r.d("first_loss_median"))));
        }
        return new Table(List.of("transport", "option carrying the limit", "HWM", "set", "load", "workaround", "trials", "round trips", "lost",
                "confirmed drops", "loss rate", "95% interval", "median first loss"), rows);
    }

    /**
     * The advice "SNDHWM >= 2" over tcp, idle and busy: JeroMQ from the full sweep (HWM 2, 3: a trial ends at its first
     * loss, so losses count the lossy trials) and the hwm2 runs (HWM 8); libzmq and pyzmq from their runs.
     */
    static Table adviceTable() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        List<Row> sweep = where(fullSweep(), r -> r.s("workaround").equals("none") && r.s("carrier").equals("rep-sndhwm")
                && r.s("set_when").equals("before-bind") && r.s("transport").equals("tcp"));
        List<Row> hwm2 = where(released("hwm2"), r -> r.s("transport").equals("tcp")), libzmq = where(released("libzmq"), r -> r.s("transport").equals("tcp")),
                pyzmq = where(released("pyzmq"), r -> r.s("transport").equals("tcp"));
        for (int hwm : new int[] {2, 3, 8})
            for (String load : List.of("idle", "busy-core")) {
                Predicate<Row> at = r -> r.d("rep_sndhwm") == hwm && r.s("load").equals(load);
                List<Row> cells = where(sweep, r -> r.d("hwm") == hwm && r.s("load").equals(load));
                if (hwm < 8 && !cells.isEmpty())
                    rows.add(advice("JeroMQ", hwm, load, sum(cells, "trials"), sum(cells, "losses"), sum(cells, "round_trips"), sum(cells, "losses")));
                if (hwm == 8) advice(rows, "JeroMQ", hwm, load, where(hwm2, at));
                advice(rows, "libzmq", hwm, load, where(libzmq, at));
                for (String mode : List.of("threads", "processes"))
                    advice(rows, "pyzmq, " + mode, hwm, load, where(pyzmq, at.and(r -> r.s("mode").equals(mode))));
            }
        return new Table(List.of("library", "REP SNDHWM", "load", "runs", "runs with a loss", "round trips", "lost",
                "loss rate, 95% interval"), rows);
    }

    static void advice(List<List<String>> rows, String library, int hwm, String load, List<Row> runs) {
        long lost = sum(runs, "lost");
        if (!runs.isEmpty())
            rows.add(advice(library, hwm, load, runs.size(), runs.stream().filter(r -> r.d("lost") > 0).count(), sum(runs, "round_trips") + lost, lost));
    }

    static List<String> advice(String library, int hwm, String load, long runs, long lossy, long tried, long lost) {
        double[] ci = interval95(tried, lost);
        return List.of(library, String.valueOf(hwm), load, count(runs), count(lossy), count(tried), count(lost),
                rate((double) lost / Math.max(1, tried)) + " (" + rate(ci[0]) + " to " + rate(ci[1]) + ")");
    }

    /**
     * Each fix beside the library as released, in every condition (transport, load, REP SNDHWM) where a fix ran, in the
     * runs of fixRuns: the hwm1, libzmq and pyzmq runs.
     */
    static Table fixesTable() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (String library : List.of("JeroMQ", "libzmq", "pyzmq, threads", "pyzmq, processes")) {
            List<Row> t = fixRuns(library);
            Set<List<String>> conditions = new LinkedHashSet<>();
            for (Row r : t) if (!fixOf(r).equals("none") && !fixOf(r).isEmpty()) conditions.add(List.of(r.s("transport"), r.s("load"), r.s("rep_sndhwm")));
            for (List<String> c : conditions)
                for (String fix : List.of("none", "events-once", "events", "patched")) {
                    List<Row> runs = where(t, r -> fixOf(r).equals(fix) && List.of(r.s("transport"), r.s("load"), r.s("rep_sndhwm")).equals(c));
                    if (runs.isEmpty()) continue;
                    long lost = sum(runs, "lost"), tried = sum(runs, "round_trips") + lost;
                    double[] ci = interval95(tried, lost);
                    rows.add(List.of(library, FIX_LABELS.get(fix), c.get(0), c.get(1), plain(Double.parseDouble(c.get(2))), count(runs.size()),
                            count(runs.stream().filter(r -> r.d("lost") > 0).count()), count(tried), count(lost),
                            lost == 0 ? "< " + rate(ci[1]) : rate((double) lost / tried) + " (" + rate(ci[0]) + " to " + rate(ci[1]) + ")"));
                }
        }
        return new Table(List.of("library", "fix", "transport", "load", "REP SNDHWM", "runs", "runs with a loss", "round trips",
                "lost", "loss rate (95%)"), rows);
    }

    /** The projects' own suites, a row per build and run as data/upstream.csv has them (the commit to 12 digits). */
    static Table upstreamTable() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (Row r : read("upstream"))
            rows.add(List.of(r.s("timestamp").substring(0, 16).replace('T', ' '), r.s("project"), r.s("ref"), r.s("commit").substring(0, Math.min(12, r.s("commit").length())), r.s("build"),
                    r.s("tests"), r.s("failed"), r.s("skipped"), String.join(", ", r.s("failing").split(" ")), r.s("flaky"), r.s("seconds")));
        return new Table(List.of("run (UTC)", "project", "ref", "commit", "build", "tests", "failed", "skipped", "failing", "flaky (passed every patched rerun, or failed on stock too)",
                "seconds"), rows);
    }

    /** Which bad input each REP survived: for each library and guard, the newest row of each kind (by its timestamp). */
    static Table hostileTable() throws IOException {
        Map<String, Map<String, Row>> byServer = new LinkedHashMap<>();
        Set<String> kinds = new LinkedHashSet<>();
        for (Row r : read("hostile")) {
            boolean jeromq = r.s("library").equals("jeromq");
            String server = (jeromq ? "JeroMQ " : "libzmq ") + r.s("library_version")
                    + (jeromq ? (r.s("guarded").equals("true") ? ", with the guard" : ", unguarded") : "");
            kinds.add(r.s("kind"));
            byServer.computeIfAbsent(server, s -> new HashMap<>()).merge(r.s("kind"), r,
                    (old, now) -> now.s("timestamp").compareTo(old.s("timestamp")) >= 0 ? now : old);
        }
        List<List<String>> rows = new ArrayList<>();
        for (String kind : kinds) {
            List<String> row = new ArrayList<>(List.of(kind));
            for (Map<String, Row> server : byServer.values()) {
                Row r = server.get(kind);
                row.add(r == null ? "" : r.s("survived").equals("true") ? "served"
                        : "NOT served" + (r.s("server_said").isEmpty() ? "" : ": " + r.s("server_said")));
            }
            rows.add(row);
        }
        List<String> head = new ArrayList<>(List.of("bad input"));
        head.addAll(byServer.keySet());
        return new Table(head, rows);
    }

    // ---- 3. no "no loss" beside lossy runs --------------------------------------------------------------------------

    /**
     * A row of the fixes or advice table that says 0 lost must not have a lossy run of the same condition and fix
     * anywhere in the data (any process layout or core count, the sweeps too); "runs with a loss" agrees with "lost".
     */
    @Test
    void noRowSaysNoLossWhereTheDataHasLossyRunsOfTheSameCondition() throws Exception {
        List<String> problems = new ArrayList<>();
        Map<String, Table> tables = tables(pages().get("en"), "en", problems);   // the Chinese cells equal them (test above)
        Map<String, String> fixes = new HashMap<>();
        FIX_LABELS.forEach((k, v) -> fixes.put(v, k));
        List<Row> sweeps = where(read("sweep"), r -> r.s("carrier").equals("rep-sndhwm") && r.s("set_when").equals("before-bind"));
        int claims = 0;
        for (List<String> row : tables.get("fixes").rows()) {   // library, fix, transport, load, REP SNDHWM, runs, lossy, tried, lost
            String fix = fixes.get(row.get(1));
            assertNotNull(fix, "a fix the test does not know: " + row.get(1));
            if (row.get(8).equals("0") != row.get(6).equals("0")) problems.add("fixes " + row + ": lost and runs with a loss disagree");
            if (!row.get(8).equals("0")) continue;
            claims++;
            Predicate<Row> same = r -> r.s("transport").equals(row.get(2)) && r.s("load").equals(row.get(3)) && fixOf(r).equals(fix);
            String mode = row.get(0).startsWith("pyzmq, ") ? row.get(0).substring(7) : null;
            List<Row> lossy = where(read(row.get(0).equals("JeroMQ") ? "hwm1" : mode == null ? "libzmq" : "pyzmq"), r -> same.test(r)
                    && r.d("rep_sndhwm") == Double.parseDouble(row.get(4)) && r.d("lost") > 0 && (mode == null || r.s("mode").equals(mode)));
            if (row.get(0).equals("JeroMQ"))
                lossy.addAll(where(sweeps, r -> same.test(r) && r.d("hwm") == Double.parseDouble(row.get(4)) && r.d("losses") > 0));
            if (!lossy.isEmpty()) problems.add("fixes " + row + " says no loss, but the data has " + lossy.size() + " lossy runs: " + lossy.get(0));
        }
        for (List<String> row : tables.get("advice").rows()) {   // library, REP SNDHWM, load, runs, lossy, tried, lost
            if (row.get(6).equals("0") != row.get(4).equals("0")) problems.add("advice " + row + ": lost and runs with a loss disagree");
            if (!row.get(6).equals("0")) continue;
            claims++;
            Predicate<Row> same = r -> r.s("transport").equals("tcp") && r.s("load").equals(row.get(2)) && fixOf(r).equals("none");
            double hwm = Double.parseDouble(row.get(1));
            List<Row> lossy = new ArrayList<>();
            if (row.get(0).equals("JeroMQ")) {
                for (String step : List.of("hwm1", "hwm2", "baseline")) lossy.addAll(where(read(step), r -> same.test(r) && r.d("rep_sndhwm") == hwm && r.d("lost") > 0));
                lossy.addAll(where(sweeps, r -> same.test(r) && r.d("hwm") == hwm && r.d("losses") > 0));
            } else {
                String mode = row.get(0).startsWith("pyzmq, ") ? row.get(0).substring(7) : null;
                lossy.addAll(where(read(mode == null ? "libzmq" : "pyzmq"), r -> same.test(r) && r.d("rep_sndhwm") == hwm && r.d("lost") > 0
                        && (mode == null || r.s("mode").equals(mode))));
            }
            if (!lossy.isEmpty()) problems.add("advice " + row + " says no loss, but the data has " + lossy.size() + " lossy runs: " + lossy.get(0));
        }
        assertTrue(claims > 0, "no row claims no loss: nothing was checked");
        assertEquals(List.of(), problems);
    }

    // ---- the CSV files and the arithmetic, done here and nowhere else -----------------------------------------------

    /** A data row by column name; a number is parsed where it is used, an empty cell is NaN. */
    record Row(Map<String, String> m) {
        String s(String column) {
            String v = m.get(column);
            if (v == null) throw new IllegalArgumentException("no column " + column + " in " + m.keySet());
            return v;
        }
        double d(String column) { return s(column).isEmpty() ? Double.NaN : Double.parseDouble(s(column)); }
        @Override public String toString() {   // enough to find the row in its file
            return "data/" + m.get("step") + ".csv " + m.get("timestamp") + " (" + m.get("library_version") + ", workaround " + m.get("workaround")
                    + ", processes " + m.get("processes") + ", cpus " + m.get("cpus") + ", lost " + m.get("lost") + ")";
        }
        long l(String column) {
            double v = d(column);
            assertEquals(Math.rint(v), v, column + " is a count: " + m);
            return (long) v;
        }
    }

    static final Map<String, List<Row>> FILES = new HashMap<>();

    /** data/NAME.csv: one row a line, cells split at commas outside double quotes, a doubled quote inside them is one. */
    static synchronized List<Row> read(String name) throws IOException {
        if (FILES.containsKey(name)) return FILES.get(name);
        List<String> lines = Files.readAllLines(DATA.resolve(name + ".csv"));
        List<String> header = cells(lines.get(0));
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> c = cells(line);
            assertEquals(header.size(), c.size(), name + ".csv: " + line);
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < c.size(); i++) m.put(header.get(i), c.get(i));
            rows.add(new Row(m));
        }
        FILES.put(name, List.copyOf(rows));
        return FILES.get(name);
    }

    static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') { cell.append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { out.add(cell.toString()); cell.setLength(0); }
            else cell.append(c);
        }
        out.add(cell.toString());
        return out;
    }

    /** The library as released and used as most code uses it: no patched build (a '+' in its version), no workaround. */
    static boolean released(Row r) { return r.s("workaround").equals("none") && !r.s("library_version").contains("+"); }

    static List<Row> released(String name) throws IOException { return where(read(name), FiguresTest::released); }

    static List<Row> where(List<Row> rows, Predicate<Row> p) { return new ArrayList<>(rows.stream().filter(p).toList()); }

    static long sum(List<Row> rows, String column) { return rows.stream().mapToLong(r -> r.l(column)).sum(); }

    static String distinct(List<Row> rows, String column) { return String.join(", ", new TreeSet<>(rows.stream().map(r -> r.s(column)).toList())); }

    /**
     * The p-th percentile by nearest rank (the definition of Stats.percentile, which the article's first-loss medians
     * use): the smallest value with at least p% of the values at or below it; for an even count, the lower middle one.
     */
    static long nearestRank(long[] values, double p) {
        long[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100 * v.length);
        return v[Math.max(rank, 1) - 1];
    }

    /** The median: the middle value, or halfway between the two middle ones. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] + (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
    }

    static double median(List<Row> rows, String column) {
        return median(rows.stream().mapToDouble(r -> r.d(column)).filter(x -> !Double.isNaN(x)).sorted().toArray());
    }

    /** One-sided 95% upper bound after no event in n trials: 0.05 = (1 - p)^n. */
    static double zeroEventBound(long n) { return 1 - Math.pow(0.05, 1.0 / n); }

    /**
     * The exact (Clopper-Pearson) two-sided 95% interval for x events in n trials: the p at which the binomial tail
     * beyond x is 2.5% on each side, found by bisection on the regularized incomplete beta function; no event: the
     * one-sided bound above.
     */
    static double[] interval95(long n, long x) {
        if (n == 0) return new double[] {0, 1};
        if (x == 0) return new double[] {0, zeroEventBound(n)};
        double low = solve(p -> Beta.regularizedBeta(p, x, n - x + 1), 0.025);   // P(X >= x | p) = 2.5%
        double high = x >= n ? 1 : solve(p -> Beta.regularizedBeta(p, x + 1, n - x), 0.975);   // P(X <= x | p) = 2.5%
        return new double[] {low, high};
    }

    /** The p in (0, 1) where an increasing function reaches a value. */
    static double solve(DoubleUnaryOperator f, double value) {
        double lo = 0, hi = 1;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (f.applyAsDouble(mid) < value) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    // ---- the page's formats -----------------------------------------------------------------------------------------

    /** A count, "12,345"; a median that falls between two values is rounded, not cut. */
    static String count(double v) { return String.format(Locale.ROOT, "%,d", Math.round(v)); }

    /** A rate, "1.5e-5", or "0". */
    static String rate(double v) { return v == 0 ? "0" : String.format(Locale.ROOT, "%.1e", v).replace("e-0", "e-"); }

    static String ratio(double v) { return String.format(Locale.ROOT, "%.2f", v); }

    /** A measured number as the data files write it: whole, or four significant digits. */
    static String plain(double v) {
        if (v == Math.rint(v)) return Long.toString((long) v);
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** "6 min 35 s", "48 s". */
    static String minutes(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + " s" : s / 60 + " min " + s % 60 + " s";
    }
}
