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
                    r.getString("set_when"), r.getString("load"), Figures.count(r.getDouble("trials")),
                    Figures.count(r.getDouble("round_trips")), Figures.count(r.getDouble("losses")),
                    Figures.count(r.getDouble("confirmed_drops")), Figures.rate(r.getDouble("loss_rate")),
                    Figures.rate(r.getDouble("loss_rate_low")) + " to " + Figures.rate(r.getDouble("loss_rate_high")),
                    r.isMissing("first_loss_median") ? "" : Figures.count(r.getDouble("first_loss_median"))});
        return html("sweep", List.of("transport", "option carrying the limit", "HWM", "set", "load", "trials", "round trips",
                "lost", "confirmed drops", "loss rate", "95% interval", "median first loss"), rows);
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
     * The common advice ("use SNDHWM=2"), tested on both libraries, idle and with a busy core, over tcp:
     * JeroMQ from the sweep (HWM 2, 3) and hwm2 runs (HWM 8), libzmq from its own runs.
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
