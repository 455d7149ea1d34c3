import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The libzmq step, through the launcher (it needs Java 22+, which ./jbang links), with small budgets. */
@ResourceLock(run.MACHINE)   // measures the race: runs alone
class LibzmqTest {
    @BeforeAll
    static void libzmqIsInstalled() {
        assumeLibzmq();
    }

    /** Skips a test where the system has no libzmq.so.5, saying why. */
    static void assumeLibzmq() {
        boolean present = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libzmq.so.5")) || Files.exists(Path.of("/usr/lib/libzmq.so.5"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libzmq.so.5"));
        Assumptions.assumeTrue(present, "libzmq.so.5 is not installed (Debian: apt-get install libzmq5; .ci/run installs it)");
    }

    @Test
    void libzmqLosesAReplyAtHwm1AndSaysRepSendReturnedTrue() throws Exception {
        // Over tcp the committed runs lost their first reply after a median of tens of round trips (data/libzmq.csv);
        // 1,000,000 round trips or 60 s leave no room for a miss.
        var r = LauncherTest.jbang("libzmq", "--no-record", "--budget", "1000000", "--time-limit", "60", "--timeout", "500");
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(r.out().contains("I: libzmq 4."), r.out());
        assertTrue(r.out().strip().lines().reduce((a, b) -> b).orElse("")
                .matches("LOST reply \\d+ after \\d+ round trips \\(REP send returned true\\)"), r.out());
    }

    @Test
    void libzmqRecordsTheSameColumnsWithItsVersion() throws Exception {
        Path csv = Files.createTempDirectory("libzmq").resolve("libzmq.csv");
        var r = LauncherTest.jbang("libzmq", "--rep-sndhwm", "1000", "--budget", "2000", "--out", csv.toString());
        assertEquals(Lab.NOT_SHOWN, r.code(), "no loss at HWM 1000: " + r.out());
        var row = Steps.lastRow(csv);
        assertEquals("libzmq", row.get("library"));
        assertTrue(row.get("library_version").matches("4\\.\\d+\\.\\d+"), row.get("library_version"));
        assertEquals("2000", row.get("round_trips"));
        assertEquals("0", row.get("lost"));
        DataTest.assertWellFormed(csv);
    }

    @Test
    void aLibzmqRepInAnotherProcessDropsRepliesToAJeromqReq() throws Exception {
        // The drop is decided by the REP's library: a libzmq REP process (SNDHWM=1) serving the JeroMQ REQ of the
        // hwm1 step. Single libzmq runs lost within a few thousand round trips; the bound is 1,000,000 or 60 s.
        Path dir = Files.createTempDirectory("libzmq-rep");
        String log = ProcessTest.jeromqReqLosesAReplyTo("libzmq", dir);
        assertTrue(log.contains("libzmq 4."), log);
        assertTrue(log.contains("SERVED until stopped: send() returned false 0 times"), "the REP process ended cleanly: " + log);
    }
}
