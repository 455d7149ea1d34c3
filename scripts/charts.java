///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: every figure of the article can be drawn from data/ alone. Writes article/charts.html, one
// self-contained page (works offline) with each chart, its axes and units, and a caption naming its CSV.
// Run: jbang charts          (exit 0 = page written; 3 = a data file is missing or malformed)
//SOURCES lib/Step.java report/Data.java report/Charts.java report/Figures.java report/Tables.java
//SOURCES report/Directives.java report/Page.java report/Edition.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "charts", mixinStandardHelpOptions = true, description = "Draw the article's charts from data/*.csv.")
public class charts implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** What the command prints goes where picocli was told (a test captures it), not to System.out itself. */
    private java.io.PrintWriter out() { return spec.commandLine().getOut(); }

    @Option(names = "--data", description = "folder of the CSV files (default: data/ in the repo)")
    Path data;

    @Option(names = "--out", description = "the page to write (default: article/charts.html in the repo)")
    Path out;

    public static void main(String... args) {
        Lab.main(new charts(), args, Map.of());
    }

    @Override
    public Integer call() {
        Data d = new Data(data != null ? data : Runs.dataDir());
        for (String required : List.of("hwm1", "hwm2", "baseline", "retry", "sweep"))
            d.table(required);   // missing or malformed: one line and exit 3, before anything is written
        Path page = out != null ? out : Runs.dataDir().resolveSibling("article").resolve("charts.html");
        Runs.checkWritable(page, null);
        var all = Charts.all(d);
        StringBuilder body = new StringBuilder("<h1>HWM Lab: the charts</h1>\n");
        all.values().forEach(c -> body.append(Page.chart(c)));
        Runs.writeAtomically(page, List.of(Page.html("HWM Lab: the charts", body.toString())));
        out().printf("OK %d charts written to %s%n", all.size(), Runs.shown(page));
        return Lab.SHOWN;
    }
}
