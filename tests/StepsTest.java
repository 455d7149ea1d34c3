import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the four steps claim, checked on real sockets. The bounds are chosen so that the tests cannot be
 * flaky, from measurements on this 2-core machine (data/hwm1.csv and data/hwm2.csv):
 * - HWM=1 over tcp: the first loss came after 6 to a few thousand round trips (about 1 in 1,000 per round
 *   trip). The test allows 1,000,000 round trips (or 60 s): even at a rate 100 times lower, the chance of
 *   seeing no loss is below e^-10.
 * - Default HWM and HWM=2: the REP never has more than one unacknowledged reply in lockstep, so its pipe
 *   cannot look full (see the anatomy step); no loss was seen in the committed runs of millions of round trips.
 */
@ResourceLock(run.MACHINE)   // measures the race and times resends: runs alone
class StepsTest {
    @TempDir Path dir;

    static final Pattern LOST = Pattern.compile("LOST reply (\\d+) after (\\d+) round trips \\(REP send returned true\\)");

    @Test
    void hwm1OverTcpLosesAReplyThatRepSentSuccessfully() throws Exception {
        Path csv = dir.resolve("hwm1.csv");
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--transport", "tcp", "--budget", "1000000",
                "--time-limit", "60", "--timeout", "500", "--out", csv.toString());
        Matcher m = LOST.matcher(r.verdict());
        assertTrue(m.matches(), "verdict: " + r.verdict());
        assertEquals(Lab.SHOWN, r.code());
        long lostAt = Long.parseLong(m.group(1));
        assertEquals(lostAt - 1, Long.parseLong(m.group(2)), "every earlier reply arrived");
        Map<String, String> row = Steps.lastRow(csv);
        assertEquals("1", row.get("lost"));
        assertEquals(String.valueOf(lostAt), row.get("first_loss"));
        assertEquals("true", row.get("rep_send_true"));
        assertEquals("1", row.get("rep_sndhwm"));
        assertEquals("loss", row.get("stop"));
    }

    @Test
    void baselineLosesNothing() throws Exception {
        Path csv = dir.resolve("baseline.csv");
        Steps r = Steps.run(new baseline(), baseline.DEFAULTS, "--budget", "50000", "--out", csv.toString());
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("OK 50,000 round trips, 0 lost, loss rate < 6.0e-05 (95%)"), r.verdict());
        Map<String, String> row = Steps.lastRow(csv);
        assertEquals("0", row.get("lost"));
        assertEquals("50000", row.get("round_trips"));
        assertEquals("1000", row.get("rep_sndhwm"));
    }

    @Test
    void hwm2LosesNothingOverTcp() throws Exception {
        Path csv = dir.resolve("hwm2.csv");
        Steps r = Steps.run(new hwm2(), hwm2.DEFAULTS, "--budget", "100000", "--out", csv.toString());
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("OK 100,000 round trips, 0 lost, loss rate < 3.0e-05 (95%)"), r.verdict());
        assertEquals("2", Steps.lastRow(csv).get("rep_sndhwm"));
    }

    /**
     * Two claims of one step: every request answered exactly once, and that after real drops. Runs of 10,000 requests,
     * each checked for the first claim, until one had a drop to recover from (at most 10).
     */
    @Test
    void retryRecoversFromRealDropsAndAnswersEveryRequestExactlyOnce() throws Exception {
        // The Lazy Pirate client resent 7 to 138 times per 5,000 to 10,000 requests in the committed runs
        // (data/retry.csv), but a fresh suite once saw none in 10,000: the race's rate moves with the machine's state.
        // At the lowest rate seen anywhere in the kit, 1e-4 per request (the notebook's demo), 100,000 requests see no
        // drop with odds below e^-10. Each resend waits the 100 ms timeout, so the time limit allows for 2.4% drops.
        Path csv = dir.resolve("retry.csv");
        Map<String, String> row = Map.of();
        for (int run = 1; run <= 10 && (row.isEmpty() || row.get("retries").equals("0")); run++) {
            Steps r = Steps.run(new retry(), retry.DEFAULTS, "--budget", "10000", "--time-limit", "150", "--out", csv.toString());
            assertEquals(Lab.SHOWN, r.code(), r.out());
            assertTrue(r.verdict().startsWith("OK 10,000 requests, 10,000 answered once, 0 abandoned"), r.verdict());
            row = Steps.lastRow(csv);
            assertEquals("10000", row.get("round_trips"));
            assertEquals("0", row.get("lost"));
            // A repeat (answered from memory, not handled again) is a resend of a handled request; a resend of a request
            // that never arrived (a fresh socket still connecting at its timeout, seen once under load) is not one.
            assertTrue(Long.parseLong(row.get("duplicates")) <= Long.parseLong(row.get("retries")), row.toString());
            assertEquals("0", row.get("stale_replies"));
        }
        assertTrue(Long.parseLong(row.get("retries")) > 0, "no drop to recover from in 10 runs: " + row);
    }
}
