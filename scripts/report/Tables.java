import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/** The sweep as an HTML table: one row a cell, in the order it ran. */
final class Tables {
    private Tables() { }

    static String sweep(Table cells) {
        StringBuilder t = new StringBuilder("<table class=\"sweep\"><thead><tr><th>transport</th><th>option carrying the limit</th>"
                + "<th>HWM</th><th>set</th><th>load</th><th>trials</th><th>round trips</th><th>lost</th><th>confirmed drops</th>"
                + "<th>loss rate</th><th>95% interval</th><th>median first loss</th></tr></thead><tbody>\n");
        for (Row r : cells) {
            t.append("<tr>");
            for (String c : new String[] {r.getString("transport"), r.getString("carrier"), Runs.number(r.getDouble("hwm")),
                    r.getString("set_when"), r.getString("load"), Figures.count(r.getDouble("trials")),
                    Figures.count(r.getDouble("round_trips")), Figures.count(r.getDouble("losses")),
                    Figures.count(r.getDouble("confirmed_drops")), Figures.rate(r.getDouble("loss_rate")),
                    Figures.rate(r.getDouble("loss_rate_low")) + " to " + Figures.rate(r.getDouble("loss_rate_high")),
                    r.isMissing("first_loss_median") ? "" : Figures.count(r.getDouble("first_loss_median"))})
                t.append("<td>").append(Page.escape(c)).append("</td>");
            t.append("</tr>\n");
        }
        return t.append("</tbody></table>\n").toString();
    }
}
