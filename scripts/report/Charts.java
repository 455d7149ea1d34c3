//DEPS tech.tablesaw:tablesaw-jsplot:0.44.4

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Marker;
import tech.tablesaw.plotly.components.Symbol;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.BoxTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static tech.tablesaw.aggregate.AggregateFunctions.median;

/** The article's charts, each drawn from data/ with Tablesaw: a title, axes with units, and a caption. */
final class Charts {
    record Chart(String id, Figure figure, String caption) { }

    static final List<String> TRANSPORTS = List.of("inproc", "ipc", "tcp");

    /** Every chart the data can support now; a chart whose data file is missing is left out. */
    static Map<String, Chart> all(Data d) {
        Map<String, Chart> charts = new LinkedHashMap<>();
        if (d.has("hwm1")) put(charts, firstLoss(d));
        if (d.has("sweep")) put(charts, lossRate(d));
        if (d.has("sweep")) put(charts, sweepMap(d));
        if (d.has("retry")) put(charts, retry(d));
        if (d.has("retry")) put(charts, crashes(d));
        if (d.has("hwm1") && d.has("hwm2") && d.has("baseline")) put(charts, latency(d));
        if (d.has("compare")) put(charts, libraries(d));
        if (d.has("compare")) put(charts, compareFirstLoss(d));
        if (d.has("bench")) put(charts, bench(d));
        return charts;
    }

    private static void put(Map<String, Chart> charts, Chart c) { charts.put(c.id(), c); }

    static Layout layout(String title, String x, String y, boolean logY) {
        return Layout.builder().title(title).height(420)
                .xAxis(Axis.builder().title(x).build())
                .yAxis(Axis.builder().title(y).type(logY ? Axis.Type.LOG : Axis.Type.LINEAR).build())
                .build();
    }

    /** Round trips to the first lost reply at SNDHWM=1, one box per library and transport. */
    static Chart firstLoss(Data d) {
        List<Table> sources = new ArrayList<>(List.of(d.table("hwm1")));   // libraries side by side: compareFirstLoss
        List<Trace> boxes = new ArrayList<>();
        StringBuilder caption = new StringBuilder("Each point is one run, stopped at its first lost reply. ");
        for (Table source : sources) {
            Table lost = source.where(source.doubleColumn("rep_sndhwm").isEqualTo(1).and(source.doubleColumn("lost").isEqualTo(1)));
            StringColumn group = StringColumn.create("group");
            for (var row : lost)
                group.append(row.getString("library") + " " + row.getString("transport") + (row.getDouble("processes") == 2 ? "<br>2 processes" : "")
                        + (row.getDouble("cpus") == 1 ? "<br>1 core" : "")
                        + (row.getString("library").equals("pyzmq") ? "<br>" + row.getString("mode") : ""));
            if (lost.rowCount() > 0)
                boxes.add(BoxTrace.builder(group, lost.doubleColumn("first_loss")).name(source.name()).build());
            caption.append(d.caption(source)).append(". ");
        }
        Figure f = new Figure(layout("Round trips until the first lost reply (REP SNDHWM=1)", "library and transport",
                "round trips to first loss (log scale)", true), boxes.toArray(Trace[]::new));
        return new Chart("first_loss", f, caption.toString().trim());
    }

    /** The newest complete sweep: loss rate by HWM on REP SNDHWM, idle, set before bind, per transport. */
    static Chart lossRate(Data d) {
        Table cells = latestSweep(d.table("sweep"));
        Table t = cells.where(cells.stringColumn("carrier").isEqualTo("rep-sndhwm")
                .and(cells.stringColumn("set_when").isEqualTo("before-bind")).and(cells.stringColumn("load").isEqualTo("idle")));
        List<Trace> traces = new ArrayList<>();
        for (String transport : TRANSPORTS) {
            Table row = t.where(t.stringColumn("transport").isEqualTo(transport)).sortAscendingOn("hwm");
            StringColumn hwm = StringColumn.create("hwm", row.doubleColumn("hwm").asList().stream().map(h -> "HWM " + Runs.number(h)).toList());
            traces.add(BarTrace.builder(hwm, row.doubleColumn("loss_rate")).name(transport + ": observed").build());
            traces.add(ScatterTrace.builder(hwm, row.doubleColumn("loss_rate_high")).mode(ScatterTrace.Mode.MARKERS)
                    .marker(Marker.builder().symbol(Symbol.DIAMOND).size(10).build()).name(transport + ": 95% upper bound").build());
        }
        Layout layout = Layout.builder().title("Lost replies per round trip, by REP SNDHWM and transport").height(440)
                .barMode(Layout.BarMode.GROUP)
                .xAxis(Axis.builder().title("REP send high-water mark").build())
                .yAxis(Axis.builder().title("lost replies per round trip (log scale)").type(Axis.Type.LOG).build()).build();
        return new Chart("loss_rate", new Figure(layout, traces.toArray(Trace[]::new)),
                "Bars: observed loss rate (none at HWM 0, 2, 3, 10, 1000, where no bar shows); diamonds: the 95% upper bound "
                        + "(Clopper-Pearson) from the round trips tried. " + d.caption(cells) + ", sweep " + cells.stringColumn("sweep_id").get(0) + ".");
    }

    /**
     * The whole matrix of the newest full sweep as a heatmap: a row per condition (which option carries the mark, when it
     * is set, load, workaround), a column per transport and HWM; colour = log10 of the loss rate where replies were lost,
     * a green dot where none was, nothing where the sweep has no cell. Hover: the rate and its 95% interval.
     */
    static Chart sweepMap(Data d) {
        Table cells = releasedSweep(d);
        List<String> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (String t : TRANSPORTS)
            for (double h : cells.doubleColumn("hwm").unique().asList().stream().sorted().toList()) xs.add(column(t, h));
        for (var r : cells) if (!ys.contains(condition(r))) ys.add(condition(r));
        double[][] z = new double[ys.size()][xs.size()];
        for (double[] row : z) java.util.Arrays.fill(row, Double.NaN);   // no cell: nothing drawn
        StringColumn zeroX = StringColumn.create("x"), zeroY = StringColumn.create("y"), allX = StringColumn.create("x"), allY = StringColumn.create("y");
        List<String> hover = new ArrayList<>(), zeroHover = new ArrayList<>();
        for (var r : cells) {
            String x = column(r.getString("transport"), r.getDouble("hwm")), y = condition(r);
            boolean lossy = r.getDouble("losses") > 0;
            String text = String.format("%s, %s: %s lost in %s round trips; rate %s (95%%: %s to %s)", x.replace("<br>", " HWM "), y.replace("<br>", ", "), Figures.count(r.getDouble("losses")),
                    Figures.count(r.getDouble("round_trips")), Figures.rate(r.getDouble("loss_rate")), Figures.rate(r.getDouble("loss_rate_low")),
                    Figures.rate(r.getDouble("loss_rate_high")));
            if (lossy) {
                z[ys.indexOf(y)][xs.indexOf(x)] = Math.log10(r.getDouble("loss_rate"));
                allX.append(x); allY.append(y); hover.add(text);
            } else {
                zeroX.append(x); zeroY.append(y); zeroHover.add(text);
            }
        }
        Trace map = tech.tablesaw.plotly.traces.HeatmapTrace.builder(xs.toArray(), ys.toArray(), z).build();   // colour bar: hwmData()
        Trace none = ScatterTrace.builder(zeroX, zeroY).mode(ScatterTrace.Mode.MARKERS).text(zeroHover.toArray(String[]::new))
                .marker(Marker.builder().symbol(Symbol.CIRCLE).size(10).color("#1a7f37").build()).name("no reply lost").build();
        Trace lossy = ScatterTrace.builder(allX, allY).mode(ScatterTrace.Mode.MARKERS).text(hover.toArray(String[]::new))
                .marker(Marker.builder().symbol(Symbol.X).size(8).color("#cf222e").build()).name("replies lost (colour: log10 rate)").build();
        Layout layout = Layout.builder().title("Every cell of the sweep: where replies were lost").height(160 + 40 * ys.size())
                .xAxis(Axis.builder().title("transport, and the high-water mark").build()).build();   // the rows name themselves: no y title
        return new Chart("sweep_map", new Figure(layout, map, none, lossy), "Rows: the option that carries the mark, with when "
                + "it is set (if not before bind), a busy core, and the workaround, if any. Colour: log10 of the loss rate per round trip where "
                + "replies were lost (x); green dot: no reply lost; empty: a combination the sweep does not run. Hover a cell for "
                + "its counts and 95% interval. " + d.caption(cells) + ", sweep " + cells.stringColumn("sweep_id").get(0) + ".");
    }

    /** A sweep cell's column label, on two short lines so that 18 columns fit side by side: "tcp", "1000". */
    private static String column(String transport, double hwm) {
        return transport + "<br>" + Runs.number(hwm);
    }

    /**
     * A sweep cell's row label, short enough to leave the plot most of the width: which option carries the mark, and on
     * a second line when it is set, the load and the workaround, if not the usual ones.
     */
    private static String condition(tech.tablesaw.api.Row r) {
        List<String> more = new ArrayList<>();
        if (!r.getString("set_when").equals("before-bind")) more.add(r.getString("set_when").replace("after-connection", "after conn."));
        if (!r.getString("load").equals("idle")) more.add("busy");
        if (!r.getString("workaround").equals("none")) more.add("+ " + r.getString("workaround"));
        return CARRIER.getOrDefault(r.getString("carrier"), r.getString("carrier")) + (more.isEmpty() ? "" : "<br>" + String.join(", ", more));
    }

    private static final Map<String, String> CARRIER = Map.of("rep-sndhwm", "REP SNDHWM", "rep-rcvhwm", "REP RCVHWM",
            "req-sndhwm", "REQ SNDHWM", "req-rcvhwm", "REQ RCVHWM", "all", "all four");

    /**
     * Every cell of the newest full sweep of the library as released, its workaround cells included: what the heatmap,
     * the table under it and the article's sweep figures show.
     */
    static Table releasedSweep(Data d) {
        Table all = d.all("sweep");
        return latestSweep(all.where(all.stringColumn("library_version").containsString("+").flip(0, all.rowCount())));
    }

    /** The rows of the newest sweep that ran its full matrix (not a --quick one). */
    static Table latestSweep(Table sweep) {
        return mostThorough(sweep, "sweep_id", Table::rowCount).setName("sweep");
    }

    /** The rows of the most thorough benchmark run (most forks x iterations x variants). */
    static Table thoroughBench(Table bench) {
        return mostThorough(bench, "bench_id",
                run -> run.doubleColumn("forks").max() * run.doubleColumn("iterations").max() * run.rowCount());
    }

    /** The rows of the run (one id, its start time) with the most effort; the newest of equals. */
    private static Table mostThorough(Table all, String idColumn, ToDoubleFunction<Table> effort) {
        String best = null;
        double most = -1;
        for (String id : all.stringColumn(idColumn).unique()) {
            double e = effort.applyAsDouble(all.where(all.stringColumn(idColumn).isEqualTo(id)));
            if (e > most || (e == most && id.compareTo(best) > 0)) { best = id; most = e; }
        }
        return all.where(all.stringColumn(idColumn).isEqualTo(best));
    }

    /** The Lazy Pirate client against SNDHWM=1: resends per run and what they cost in latency. */
    static Chart retry(Data d) {
        Table all = d.table("retry"), t = all.where(all.doubleColumn("kill_every").isEqualTo(0)
                .and(all.stringColumn("server").isNotEqualTo("remote")));
        StringColumn run = StringColumn.create("run");
        for (int i = 1; i <= t.rowCount(); i++) run.append("run " + i);
        Layout layout = Layout.builder().title("Lazy Pirate client vs. a REP with SNDHWM=1: resends and latency").height(420)
                .xAxis(Axis.builder().title("run, oldest first").build())
                .yAxis(Axis.builder().title("resends in the run").build())
                .yAxis2(Axis.builder().title("latency per request, µs (log scale)").type(Axis.Type.LOG).overlaying(ScatterTrace.YAxis.Y).side(Axis.Side.right).build())
                .barMode(Layout.BarMode.GROUP).build();
        Trace resends = BarTrace.builder(run, t.doubleColumn("retries")).name("resends").build();
        Trace p50 = ScatterTrace.builder(run, t.doubleColumn("p50_us")).mode(ScatterTrace.Mode.MARKERS).yAxis(ScatterTrace.YAxis.Y2).name("p50 latency").build();
        Trace p99 = ScatterTrace.builder(run, t.doubleColumn("p99_us")).mode(ScatterTrace.Mode.MARKERS).yAxis(ScatterTrace.YAxis.Y2).name("p99 latency").build();
        return new Chart("retry", new Figure(layout, resends, p50, p99),
                "Each run sends its budget of requests; every resend waited one timeout first. Runs without crashes. " + d.caption(all) + ".");
    }

    /** What a crash costs the client: restart time, the wait of the request a crash caught, and an ordinary request. */
    static Chart crashes(Data d) {
        Table all = d.table("retry"), t = all.where(all.doubleColumn("kill_every").isGreaterThan(0)
                .and(all.doubleColumn("restart_ms").isNotMissing()));
        StringColumn run = StringColumn.create("run");
        DoubleColumn p50 = DoubleColumn.create("p50 ms");
        for (var row : t) {
            run.append(row.getString("server") + (row.getString("server_memory").equals("lost") ? " (lost)" : "") + " #" + (run.size() + 1));
            p50.append(row.getDouble("p50_us") / 1000);
        }
        Layout layout = Layout.builder().title("What a crash costs the Lazy Pirate client").height(460)
                .xAxis(Axis.builder().title("run (thread: the REP thread ends; process: its JVM is killed with SIGKILL)").build())
                .yAxis(Axis.builder().title("milliseconds (log scale)").type(Axis.Type.LOG).build())
                .barMode(Layout.BarMode.GROUP).build();
        Trace restart = BarTrace.builder(run, t.doubleColumn("restart_ms")).name("crash to new server bound (median)").build();
        Trace caught = BarTrace.builder(run, t.doubleColumn("retried_mean_ms")).name("request that needed a resend (mean)").build();
        Trace any = BarTrace.builder(run, p50).name("any request (p50)").build();
        return new Chart("crashes", new Figure(layout, restart, caught, any),
                "Runs of the retry step with --kill-every (rows with a measured restart time), oldest first; (lost): a new "
                        + "server remembered nothing. A request caught by a crash waits "
                        + "for its timeouts until a new server answers; all others are unaffected. " + d.caption(all) + ".");
    }

    /** Median round-trip latency per transport for REP SNDHWM 1, 2 and 1000 (medians over runs of their p50). */
    static Chart latency(Data d) {
        List<Trace> traces = new ArrayList<>();
        StringBuilder caption = new StringBuilder("Each bar is the median over runs of the run's median round trip. ");
        Map<String, Integer> steps = Map.of("hwm1", 1, "hwm2", 2, "baseline", 1000);
        for (String step : List.of("hwm1", "hwm2", "baseline")) {
            Table all = d.table(step), t = all.where(all.doubleColumn("rep_sndhwm").isEqualTo(steps.get(step))
                    .and(all.doubleColumn("cpus").isGreaterThan(1)));
            Table m = t.summarize("p50_us", median).by("transport").sortAscendingOn("transport");
            traces.add(BarTrace.builder(m.stringColumn("transport"), m.doubleColumn(1)).name("REP SNDHWM " + steps.get(step)).build());
            caption.append(d.caption(all)).append(". ");
        }
        Layout layout = Layout.builder().title("Round-trip latency by transport and REP SNDHWM").height(420).barMode(Layout.BarMode.GROUP)
                .xAxis(Axis.builder().title("transport").build()).yAxis(Axis.builder().title("median round trip, µs").build()).build();
        return new Chart("latency", new Figure(layout, traces.toArray(Trace[]::new)), caption.toString().trim());
    }

    /** The newest interleaved comparison (compare): its rows of one measure. */
    static Table latestCompare(Data d, String measure) {
        Table all = d.table("compare");
        String id = all.stringColumn("compare_id").asList().stream().max(String::compareTo).orElseThrow();
        return all.where(all.stringColumn("compare_id").isEqualTo(id).and(all.stringColumn("measure").isEqualTo(measure))).setName("compare");
    }

    /** JeroMQ, libzmq and pyzmq in one interleaved run: lockstep round trips per second, a point per round. */
    static Chart libraries(Data d) {
        Table t = latestCompare(d, "rate");
        Layout layout = layout("Lockstep round trips per second, one interleaved run", "library", "round trips per second", false);
        Trace rates = BoxTrace.builder(t.stringColumn("variant"), t.doubleColumn("rate_per_s")).name("round trips/s").build();
        return new Chart("libraries", new Figure(layout, rates), "Each point is one run of " + Runs.number(t.doubleColumn("time_limit_s").max())
                + " s at REP SNDHWM=1000 over tcp; the libraries took turns, round after round (compare "
                + t.stringColumn("compare_id").get(0) + "), so the machine's state was the same for all. " + d.caption(t) + ".");
    }

    /** The same interleaved run: round trips to the first loss at SNDHWM=1, a point per round. */
    static Chart compareFirstLoss(Data d) {
        Table t = latestCompare(d, "first_loss");
        Table lost = t.where(t.doubleColumn("lost").isEqualTo(1));
        Layout layout = layout("Round trips until the first lost reply, every library in one interleaved run", "library",
                "round trips to first loss (log scale)", true);
        Trace boxes = BoxTrace.builder(lost.stringColumn("variant"), lost.doubleColumn("first_loss")).name("first loss").build();
        return new Chart("compare_first_loss", new Figure(layout, boxes), "Each point is one run at REP SNDHWM=1 over tcp, stopped at "
                + "its first lost reply; runs without a loss within " + Runs.number(t.doubleColumn("time_limit_s").max())
                + " s are not drawn (" + Figures.count(t.rowCount() - lost.rowCount()) + " of " + Figures.count(t.rowCount()) + "). "
                + "pyzmq-threads: REQ and REP as two threads of one Python interpreter (one GIL); pyzmq-processes: two interpreters. "
                + d.caption(t) + ".");
    }

    /** The most thorough benchmark run: median round trips per second per variant (bars) and median p99 latency (markers). */
    static Chart bench(Data d) {
        Table all = d.table("bench");
        Table t = Charts.thoroughBench(all);
        Layout layout = Layout.builder().title("What each choice costs: lockstep round trips per second and p99 latency").height(460)
                .xAxis(Axis.builder().title("variant (loop, transport, REP SNDHWM if not 1000)").build())
                .yAxis(Axis.builder().title("round trips per second (median of iterations)").build())
                .yAxis2(Axis.builder().title("p99 latency, µs (log scale)").type(Axis.Type.LOG).overlaying(ScatterTrace.YAxis.Y).side(Axis.Side.right).build())
                .build();
        // Variant names on stacked lines ("kit", "tcp", "hwm2"): thirteen of them fit side by side without overlapping.
        StringColumn variant = StringColumn.create("variant", t.stringColumn("variant").asList().stream().map(v -> v.replace("-", "<br>")).toList());
        Trace rate = BarTrace.builder(variant, t.doubleColumn("rate_median")).name("round trips/s").build();
        Trace p99 = ScatterTrace.builder(variant, t.doubleColumn("p99_median_us")).mode(ScatterTrace.Mode.MARKERS)
                .yAxis(ScatterTrace.YAxis.Y2).name("p99 latency").build();
        return new Chart("bench", new Figure(layout, rate, p99), "Each variant ran in " + Runs.number(t.doubleColumn("forks").max())
                + " fresh JVMs, each with warm-up and " + Runs.number(t.doubleColumn("iterations").max()) + " measured iterations of "
                + Runs.number(t.doubleColumn("iteration_s").max()) + " s; bars are medians over all measured iterations. " + d.caption(all) + ".");
    }
}
