import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The retry step against a server that crashes after handling a request and before replying: a thread that
 * ends, or a separate JVM killed with SIGKILL. Kill points count the requests the server received, so the
 * number of kills is fixed by the budget up to the rare resend that a slow reply causes: the bounds allow for those.
 */
@ResourceLock(run.MACHINE)   // times resends and restarts: runs alone
class FaultsTest {
    @TempDir Path dir;

    @Test
    void retrySurvivesACrashingServerWithoutLosingOrRepeatingWork() throws Exception {
        // 30,000 requests, the REP crashing after every 300th it handles (before replying): the Lazy Pirate client
        // must deliver all of them and, with the server remembering handled ids, none may be handled twice. A hundred
        // crashes, as before with 100,000 and every 1,000th: what is tested is each crash, not the requests between.
        Path csv = dir.resolve("retry.csv");
        Steps r = Steps.run(new retry(), retry.DEFAULTS, "--budget", "30000", "--rep-sndhwm", "1000", "--kill-every", "300",
                "--time-limit", "300", "--out", csv.toString());
        assertEquals(Lab.SHOWN, r.code(), r.out());
        Map<String, String> row = Steps.lastRow(csv);
        assertEquals("30000", row.get("round_trips"));
        assertEquals("0", row.get("lost"));
        assertEquals("100", row.get("kills"));
        assertEquals("0", row.get("app_duplicates"));
        assertTrue(Long.parseLong(row.get("retries")) >= 100, "every crash cost at least one resend: " + row);
    }

    @Test
    void aServerThatForgetsHandlesResentRequestsTwice() throws Exception {
        Path csv = dir.resolve("retry.csv");
        Steps r = Steps.run(new retry(), retry.DEFAULTS, "--budget", "5000", "--rep-sndhwm", "1000", "--kill-every", "500",
                "--server-memory", "lost", "--time-limit", "120", "--out", csv.toString());
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("FAILED 5,000 requests, 5,000 answered once"), r.verdict());
        Map<String, String> row = Steps.lastRow(csv);
        assertTrue(Long.parseLong(row.get("kills")) >= 9, row.toString());
        assertEquals(row.get("kills"), row.get("app_duplicates"), "each crash after handling made its resend handled again");
    }

    @Test
    void retrySurvivesAServerProcessKilledWithSigkill() throws Exception {
        // 40,000 requests, the server process killed with SIGKILL after every 2,000th request it receives, after
        // journaling it and before replying: the client's resend reaches the next server process, which must answer
        // it from the journal (a repeat), not handle it again. About 20 restarts of half a second each: each is the
        // claim, so twenty of them test it as fifty did.
        Path csv = dir.resolve("retry.csv");
        Steps r = Steps.run(new retry(), retry.DEFAULTS, "--server", "process", "--budget", "40000", "--rep-sndhwm", "1000",
                "--kill-every", "2000", "--time-limit", "400", "--out", csv.toString());
        assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("killed with SIGKILL after every 2,000 handled requests"), r.out());
        Map<String, String> row = Steps.lastRow(csv);
        assertEquals("process", row.get("server"));
        assertEquals("40000", row.get("round_trips"));
        assertEquals("0", row.get("lost"));
        long kills = Long.parseLong(row.get("kills"));
        assertTrue(kills >= 18 && kills <= 20, "kills at the 2,000th, 3,999th, ... request received: " + row);
        assertEquals(row.get("kills"), row.get("restarts"));
        assertEquals("0", row.get("app_duplicates"));
        assertTrue(Long.parseLong(row.get("duplicates")) >= kills, "each killed request came back as a repeat: " + row);
        assertTrue(Double.parseDouble(row.get("restart_ms")) > 0, row.toString());
    }

    @Test
    void aServerProcessThatLosesItsJournalHandlesResentRequestsTwice() throws Exception {
        Path csv = dir.resolve("retry.csv");
        Steps r = Steps.run(new retry(), retry.DEFAULTS, "--server", "process", "--budget", "3000", "--rep-sndhwm", "1000",
                "--kill-every", "1000", "--server-memory", "lost", "--time-limit", "120", "--out", csv.toString());
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out() + r.err());
        Map<String, String> row = Steps.lastRow(csv);
        assertEquals("0", row.get("lost"));
        assertTrue(Long.parseLong(row.get("kills")) >= 2, row.toString());
        assertEquals(row.get("kills"), row.get("app_duplicates"));
    }

    @Test
    void theJournalRemembersAcrossRestartsAndIgnoresATornLine() throws Exception {
        Path file = dir.resolve("journal");
        try (Journal j = new Journal(file)) {
            assertNull(j.replyFor(7));
            j.handle(7, "");
            assertNull(j.replyFor(8));
            j.handle(8, "");
            assertNotNull(j.replyFor(7), "a resend is answered from the journal");
        }
        Files.writeString(file, "9 ", java.nio.file.StandardOpenOption.APPEND);   // cut short by a kill: no newline
        try (Journal again = new Journal(file)) {
            assertNotNull(again.replyFor(8), "a new server knows what the old one handled");
            assertNull(again.replyFor(9), "a line without its newline was not written");
            again.handle(9, "");
            assertNotNull(again.replyFor(9));
        }
        assertEquals(new Servers.Tally(3, 3, 0), Journal.tally(List.of(file)));
    }
}
