import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The compare step's verdict family (VerdictTest has the others): whatever the race did in its short rounds, its first
 * word agrees with its exit code.
 */
@Execution(ExecutionMode.CONCURRENT)   // its verdict agrees with its exit code whatever the race did: side by side with the others that measure nothing
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class CompareTest {
    /** compare runs every library through the launcher: its verdict agrees with its exit code whatever the race did. */
    @Test
    void compareVerdictAgreesWithItsExitCode() throws Exception {
        LauncherTest.Result r = LauncherTest.jbang("compare", "--rounds", "1", "--rate-seconds", "0.2", "--time-limit", "1", "--no-record");
        String verdict = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(r.code() == Lab.SHOWN || r.code() == Lab.NOT_SHOWN, r.out());
        assertTrue(Lab.agrees(r.code(), verdict), "exit " + r.code() + ": " + verdict);
    }
}
