import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The data files: one header, well-formed rows with provenance, appended atomically. */
@Execution(ExecutionMode.CONCURRENT)   // files and their rows: side by side with the others that measure nothing
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class DataTest {
    @TempDir Path dir;

    static final Set<String> NUMERIC = Set.of("rep_sndhwm", "rep_rcvhwm", "req_sndhwm", "req_rcvhwm", "budget",
            "time_limit_s", "timeout_ms", "round_trips", "lost", "elapsed_s", "cpus");

    static void assertWellFormed(Path file) throws Exception {
        List<List<String>> rows = Steps.csv(file);
        List<String> header = rows.get(0);
        assertEquals(Runs.COLUMNS, header.subList(0, Math.min(header.size(), Runs.COLUMNS.size())), file + ": header");
        assertTrue(rows.size() > 1, file + ": no rows");
        for (List<String> row : rows.subList(1, rows.size())) {
            assertEquals(header.size(), row.size(), file + ": " + row);
            for (int i = 0; i < Runs.COLUMNS.size(); i++) {
                String col = Runs.COLUMNS.get(i), v = row.get(i);
                if (NUMERIC.contains(col)) Double.parseDouble(v);
                if (col.equals("timestamp")) Instant.parse(v);
                if (Set.of("library", "library_version", "java", "os", "step", "transport", "stop").contains(col))
                    assertFalse(v.isBlank(), file + ": empty " + col);
            }
            long lost = Long.parseLong(row.get(Runs.COLUMNS.indexOf("lost")));
            long roundTrips = Long.parseLong(row.get(Runs.COLUMNS.indexOf("round_trips")));
            assertTrue(lost >= 0 && roundTrips >= 0, file + ": " + row);
        }
    }

    @Test
    void committedDataFilesAreWellFormed() throws Exception {
        Path data = Runs.dataDir();
        List<Path> files;
        try (Stream<Path> s = Files.list(data)) {
            files = s.filter(p -> p.toString().endsWith(".csv")).toList();
        }
        assertFalse(files.isEmpty(), "no data in " + data);
        for (Path f : files) if (!Set.of("durations.csv", "upstream.csv").contains(f.getFileName().toString())) assertWellFormed(f);
    }

    /**
     * data/upstream.csv, the projects' own suites stock and patched (fix/*\/upstream-suite.sh): well formed, a stock and a
     * patched row for each suite, and the patch judged as the issue asks: the patched build fails nothing the stock
     * build passes (but for a flaky test: one that passed every patched rerun, or failed a stock rerun too), and the kit's regression test
     * fails on stock and passes patched.
     */
    @Test
    void upstreamSuitesFailNothingPatchedThatStockPasses() throws Exception {
        List<List<String>> rows = Steps.csv(Runs.dataDir().resolve("upstream.csv"));
        List<String> h = rows.get(0);
        assertEquals(List.of("timestamp", "project", "ref", "commit", "build", "tests", "failed", "skipped", "failing", "flaky", "seconds",
                "java", "compiler", "os", "cpus"), h);
        Map<String, Map<String, List<String>>> suites = new java.util.LinkedHashMap<>();   // project ref commit -> build -> row
        for (List<String> row : rows.subList(1, rows.size())) {
            assertEquals(h.size(), row.size(), row.toString());
            Instant.parse(row.get(0));
            assertTrue(Set.of("jeromq", "libzmq").contains(row.get(1)) && Set.of("stock", "patched").contains(row.get(4)), row.toString());
            long tests = Long.parseLong(row.get(5)), failed = Long.parseLong(row.get(6));
            assertTrue(tests > 100 && failed >= 0 && Long.parseLong(row.get(7)) >= 0 && Double.parseDouble(row.get(10)) > 0, "a whole suite: " + row);
            assertEquals(failed, row.get(8).isBlank() ? 0 : row.get(8).split(" ").length, "failed counts the failing names: " + row);
            suites.computeIfAbsent(row.get(1) + " " + row.get(2) + " " + row.get(3), k -> new java.util.HashMap<>()).put(row.get(4), row);
        }
        assertTrue(suites.keySet().stream().map(k -> k.split(" ")[0] + " " + k.split(" ")[1]).toList()
                .containsAll(List.of("jeromq 0.6.0", "jeromq master", "libzmq 4.3.4", "libzmq master")), suites.keySet().toString());
        for (var suite : suites.entrySet()) {
            List<String> stock = suite.getValue().get("stock"), patched = suite.getValue().get("patched");
            assertNotNull(stock, suite.getKey() + ": no stock row");
            assertNotNull(patched, suite.getKey() + ": no patched row");
            Set<String> stockFails = Set.of(stock.get(8).split(" ")), flaky = Set.of(patched.get(9).split(" "));
            for (String test : patched.get(8).split(" "))
                assertTrue(test.isBlank() || stockFails.contains(test) || flaky.contains(test),
                        suite.getKey() + ": " + test + " fails patched and passes stock");
            String regression = stock.get(1).equals("jeromq") ? "zmq.socket.reqrep.TestRepStaleHwm#testRepDoesNotDropReplyOnStaleHwm" : "test_rep_stale_hwm";
            assertTrue(stockFails.contains(regression), suite.getKey() + ": the regression test passed on stock");
            assertFalse(patched.get(8).contains(regression), suite.getKey() + ": the regression test failed patched");
        }
    }

    /** data/durations.csv, the main job's times: its own columns, a number of seconds in each row, a whole job among them. */
    @Test
    void durationsAreWellFormed() throws Exception {
        List<List<String>> rows = Steps.csv(Runs.dataDir().resolve("durations.csv"));
        assertEquals(Durations.COLUMNS, rows.get(0));
        for (List<String> row : rows.subList(1, rows.size())) {
            assertEquals(Durations.COLUMNS.size(), row.size(), row.toString());
            Instant.parse(row.get(0));
            assertTrue(Double.parseDouble(row.get(Durations.COLUMNS.indexOf("seconds"))) >= 0, row.toString());
            assertTrue(Set.of("true", "false").contains(row.get(Durations.COLUMNS.indexOf("ok"))), row.toString());
        }
        assertTrue(rows.stream().anyMatch(r -> r.get(2).equals("steps")), "a whole job's steps, which the article quotes");
        // The README quotes the newest warm job, whole and its steps together, from this file.
        String readme = Files.readString(Runs.dataDir().resolveSibling("README.md"));
        for (String step : List.of("article", "steps")) {
            List<String> newest = rows.stream().filter(r -> r.get(2).equals(step) && r.get(6).equals("0") && r.get(5).equals("true"))
                    .reduce((a, b) -> b).orElseThrow();
            String said = (step.equals("article") ? "the whole job " : "steps ") + Figures.minutes(Double.parseDouble(newest.get(4)));
            assertTrue(readme.contains(said), "README.md should say '" + said + "' (data/durations.csv, " + newest.get(0) + ")");
        }
    }

    @Test
    void rowsAreAppendedAndNoTemporaryFileIsLeft() throws Exception {
        Path csv = dir.resolve("hwm2.csv");
        for (int i = 0; i < 2; i++)
            assertEquals(Lab.SHOWN, Steps.run(new hwm2(), hwm2.DEFAULTS, "--budget", "2000", "--out", csv.toString()).code());
        assertWellFormed(csv);
        assertEquals(3, Files.readAllLines(csv).size(), "header and two rows");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(csv), s.toList());
        }
        Map<String, String> row = Steps.lastRow(csv);
        assertEquals("jeromq", row.get("library"));
        assertEquals("0.6.0", row.get("library_version"));
        assertEquals(String.valueOf(Runtime.version()), row.get("java"));
        assertTrue(row.get("endpoint").startsWith("tcp://127.0.0.1:"), row.get("endpoint"));
    }

    @Test
    void zeroLossBoundIsTheRuleOfThree() {
        assertEquals(1.5e-5, Stats.zeroEventUpperBound(200_000), 0.01e-5);
        double[] ci = Stats.interval95(1000, 10);
        assertTrue(ci[0] < 0.01 && 0.01 < ci[1] && ci[0] > 0.004 && ci[1] < 0.019, ci[0] + ".." + ci[1]);
    }
}
