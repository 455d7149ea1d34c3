//DEPS tech.tablesaw:tablesaw-core:0.44.4
//DEPS org.slf4j:slf4j-nop:2.0.17

import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The data/ files as Tablesaw tables, with the numbers typed and the provenance for captions. */
final class Data {
    static final List<String> NUMBERS = List.of("rep_sndhwm", "rep_rcvhwm", "req_sndhwm", "req_rcvhwm", "budget",
            "time_limit_s", "timeout_ms", "round_trips", "lost", "first_loss", "retries", "duplicates", "stale_replies",
            "elapsed_s", "rate_per_s", "p50_us", "p99_us", "cpus", "processes", "hwm", "trials", "losses", "confirmed_drops",
            "first_loss_p10", "first_loss_median", "first_loss_p90", "loss_rate", "loss_rate_low", "loss_rate_high",
            "stale_acks", "max_lag", "forks", "iterations", "iteration_s", "rate_median", "rate_min", "rate_max",
            "p50_median_us", "p99_median_us", "kill_every", "kills", "restarts", "app_duplicates",
            "retried_requests", "retried_mean_ms", "max_us", "restart_ms", "connections", "failed_connections", "closed_by_peer",
            "bytes_sent", "malformed", "round");

    final Path dir;
    private final Map<String, Table> tables = new HashMap<>();

    Data(Path dir) { this.dir = dir; }

    boolean has(String name) { return Files.isRegularFile(dir.resolve(name + ".csv")); }

    /**
     * The rows of data/NAME.csv that measured the libraries as released and used as most code uses them: no
     * patched build ("0.6.0+rep-stale-hwm"), no workaround. The fixes are read with all(NAME).
     */
    Table table(String name) {
        Table t = all(name);
        return t.where(t.stringColumn("workaround").isEqualTo("none")
                .and(t.stringColumn("library_version").containsString("+").flip(0, t.rowCount()))).setName(name);
    }

    /** Every row of data/NAME.csv; a clear one-line error when it is missing or unreadable. */
    Table all(String name) {
        return tables.computeIfAbsent(name, n -> {
            Path file = dir.resolve(n + ".csv");
            if (!Files.isRegularFile(file))
                throw new LabException("missing data file " + Runs.shown(file) + " (run ./jbang " + n + " first)");
            if (!Files.isReadable(file)) throw new LabException("cannot read " + Runs.shown(file));
            try {
                Map<String, ColumnType> types = new HashMap<>();
                for (String header : Files.readAllLines(file).get(0).split(","))
                    types.put(header, NUMBERS.contains(header) ? ColumnType.DOUBLE : ColumnType.STRING);
                Table t = Table.read().csv(CsvReadOptions.builder(file.toFile()).columnTypes(c -> types.getOrDefault(c, ColumnType.STRING)).build());
                if (!t.columnNames().containsAll(Runs.COLUMNS))
                    throw new LabException(Runs.shown(file) + " is not a HWM Lab data file (columns missing)");
                return t.setName(n);
            } catch (LabException e) {
                throw e;
            } catch (Exception e) {
                throw new LabException("malformed CSV " + Runs.shown(file) + ": " + e.getMessage());
            }
        });
    }

    /** "data/hwm1.csv: 60 runs, 2026-11-25; jeromq 0.6.0, Java 17.0.15, Linux 6.1 amd64, 2 cpus". */
    String caption(Table t) {
        var days = t.stringColumn("timestamp").unique().asList().stream().map(s -> s.substring(0, 10)).distinct().sorted().toList();
        return String.format("Source: data/%s.csv, %d rows, %s; %s; Java %s; %s; %s cpus", t.name(), t.rowCount(),
                days.size() == 1 ? days.get(0) : days.get(0) + " to " + days.get(days.size() - 1),
                String.join(", ", t.stringColumn("library").unique().asList().stream().sorted().map(l -> l + " " + version(t, l)).toList()),
                String.join(", ", t.stringColumn("java").unique().asList()),
                String.join(", ", t.stringColumn("os").unique().asList()),
                t.doubleColumn("cpus").unique().asList().stream().map(d -> Runs.number(d)).toList().toString().replaceAll("[\\[\\]]", ""));
    }

    private static String version(Table t, String library) {
        return t.where(t.stringColumn("library").isEqualTo(library)).stringColumn("library_version").unique().asList().toString().replaceAll("[\\[\\]]", "");
    }
}
