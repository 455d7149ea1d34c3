import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The root cause, observed on the real REP socket (anatomy), and the matrix that bounds it (sweep). */
@ResourceLock(run.MACHINE)   // measures the race: runs alone
class MechanismTest {
    @TempDir Path dir;

    @Test
    void anatomySeesTheDropDecidedInRecvAtHwm1AndNoneAtHwm2() {
        // Watched, the REP meets a stale acknowledgement (at HWM=1, a drop) often: at HWM=2 at least once in 147 round trips,
        // at HWM=1 the first drop came by round trip 49, in all ten committed runs (data/anatomy.csv). Even at 1e-3, the
        // unwatched race's rate, 20,000 round trips miss it with odds below e^-20. HWM=2 cannot drop in lockstep (and
        // StepsTest.hwm2LosesNothingOverTcp runs 100,000 round trips for that claim).
        Steps r = Steps.run(new anatomy(), anatomy.DEFAULTS, "--budget", "20000", "--out", dir.resolve("a.csv").toString());
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("SHOWN: reply "), r.verdict());
        assertTrue(r.verdict().contains("ACTIVATE_WRITE(peer has read "), "the unprocessed acknowledgement is named: " + r.verdict());
        assertTrue(r.out().contains("FULL, Router.currentOut = null: this reply will be discarded"), r.out());
        assertTrue(r.out().matches("(?s).*then send\\(reply \\d+\\) returned true.*"), r.out());
        assertTrue(r.out().contains("HWM=2: 20,000 round trips, 0 lost"), r.out());
    }

    @Test
    void onOneCoreTheRaceIsRarerButStillLosesAReply() throws Exception {
        // Pinned to one core the committed runs (data/hwm1.csv, cpus 1) lost after 94 to 24,562 round trips, a rate
        // of 1.1e-4 at the low end of its 95% interval: 1,000,000 round trips (or 60 s, some 100,000 here) leave
        // odds of a miss below e^-10. The JVM must see 1 CPU, so the row can be told apart from two-core runs.
        Path csv = dir.resolve("hwm1.csv"), log = dir.resolve("log.txt");
        Process p = new ProcessBuilder("taskset", "-c", "0", LauncherTest.ROOT.resolve("jbang").toString(), "hwm1",
                "--budget", "1000000", "--time-limit", "60", "--out", csv.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "bounded by --time-limit");
        String out = java.nio.file.Files.readString(log);
        assertEquals(Lab.SHOWN, p.exitValue(), out);
        assertTrue(out.contains("Linux, 1 core"), out);
        assertEquals("1", Steps.lastRow(csv).get("cpus"));
        assertEquals("1", Steps.lastRow(csv).get("lost"));
    }

    @Test
    void quickSweepWritesCellsThatAgreeWithTheFullRun() throws Exception {
        Path csv = dir.resolve("sweep.csv");
        // HWM 2 idle and the ZMQ_EVENTS workaround are no quick cells: StepsTest.hwm2LosesNothingOverTcp (100,000 round
        // trips) and FixTest.theWorkaroundLosesNoReplyAtHwm1OnStockJeromq (30,000) hold those claims with bounds.
        Steps r = Steps.run(new sweep(), sweep.DEFAULTS, "--quick", "--out", csv.toString());
        List<String> columns = new sweep().columns();
        List<List<String>> rows = Steps.csv(csv);
        assertEquals(columns, rows.get(0));
        assertEquals(sweep.cells(true).size() + 1, rows.size(), "one row a cell");

        Map<String, Map<String, String>> full = latestSweep(Steps.csv(Runs.dataDir().resolve("sweep.csv")), columns);
        long lossyLosses = 0;
        for (List<String> cells : rows.subList(1, rows.size())) {
            Map<String, String> quick = byName(columns, cells);
            assertEquals(columns.size(), cells.size());
            Map<String, String> ref = full.get(key(quick));
            assertNotNull(ref, "the full run has the cell " + key(quick));
            long lost = Long.parseLong(quick.get("losses"));
            if (Long.parseLong(ref.get("losses")) == 0)
                assertEquals(0, lost, "the full run lost nothing in " + key(quick) + ": " + r.out());
            else lossyLosses += lost;
            assertEquals(quick.get("losses"), quick.get("confirmed_drops"), "every loss was a drop REP decided: " + key(quick));
        }
        // Lossy in the full run: a quick cell is one trial, which ends at its first loss (rates are the full run's), within
        // 15 s. The race's rate moves with the machine's state (from about 1e-3 to below 1e-4 per round trip over tcp on
        // this machine), so one cell may see none; together the tcp and ipc cells at HWM 1 have 30 s, at 6,500 round trips
        // a second or more when nothing is lost (the full run's no-loss cells), so even at 1e-4 missing every loss has a
        // chance below exp(-19).
        assertTrue(lossyLosses > 0, "a loss where SNDHWM=1 is in force: " + r.out());
        assertEquals(Lab.SHOWN, r.code(), r.out());
    }

    static String key(Map<String, String> row) {
        return String.join(" ", row.get("transport"), row.get("carrier"), row.get("hwm"), row.get("set_when"), row.get("load"),
                row.get("workaround"));
    }

    static Map<String, String> byName(List<String> columns, List<String> cells) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) m.put(columns.get(i), cells.get(i));
        return m;
    }

    /** The cells of the fullest sweep of the released JeroMQ in the committed data (the newest of equals), by key. */
    static Map<String, Map<String, String>> latestSweep(List<List<String>> rows, List<String> columns) {
        int id = columns.indexOf("sweep_id"), version = columns.indexOf("library_version");
        Map<String, Long> sizes = rows.subList(1, rows.size()).stream().filter(r -> r.get(version).equals("0.6.0"))
                .collect(java.util.stream.Collectors.groupingBy(r -> r.get(id), java.util.stream.Collectors.counting()));
        String latest = sizes.keySet().stream().max(java.util.Comparator.comparing((String k) -> sizes.get(k)).thenComparing(k -> k)).orElseThrow();
        Map<String, Map<String, String>> out = new HashMap<>();
        for (List<String> r : rows.subList(1, rows.size()))
            if (r.get(id).equals(latest)) out.put(key(byName(columns, r)), byName(columns, r));
        return out;
    }
}
