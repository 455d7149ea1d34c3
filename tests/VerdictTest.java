import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A verdict's first word and its exit code tell the same story, for each family of steps, above all when a run is
 * cut short by its time limit: a budget that was not reached is not a claim shown, and the verdict says SHORT, not OK.
 * (Every in-process run of every test is also checked for agreement in Steps.run.)
 */
@Execution(ExecutionMode.CONCURRENT)   // a 1 s limit on 100,000,000 round trips cuts a run on any machine: side by side with the others that measure nothing
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class VerdictTest {
    /** Asks for far more round trips than one second allows, so the time limit always cuts the run. */
    static final String[] CUT = {"--budget", "100000000", "--time-limit", "1", "--no-record"};

    static String[] with(String[] more, String... args) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(more)).toArray(String[]::new);
    }

    @Test
    void aNoLossClaimCutByItsTimeLimitIsShortAndExitsOne() {
        Steps r = Steps.run(new hwm2(), hwm2.DEFAULTS, CUT);
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out());
        assertTrue(r.verdict().matches("SHORT of the budget: [\\d,]+ of 100,000,000 round trips, 0 lost, loss rate < \\S+ \\(95%\\), "
                + "stopped early: time_limit"), r.verdict());
    }

    @Test
    void aFixCutByItsTimeLimitIsShortToo() {
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, with(CUT, "--workaround", "events"));
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("SHORT of the budget: "), r.verdict());
    }

    @Test
    void aLossClaimThatSawNoLossSaysNoLossAndExitsOne() {
        // HWM 1000: the pipe never looks full in lockstep, so this run cannot lose a reply.
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--rep-sndhwm", "1000", "--budget", "2000", "--no-record");
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("NO LOSS in 2,000 round trips"), r.verdict());
    }

    @Test
    void aRetryRunCutByItsTimeLimitIsShort() {
        Steps r = Steps.run(new retry(), retry.DEFAULTS, CUT);
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out());
        assertTrue(r.verdict().startsWith("SHORT of the budget: "), r.verdict());
    }

    @Test
    void everyWordBelongsToOneStoryOnly() {
        // LOST is the one word of both codes: the loss a loss claim wants, or the loss that breaks a no-loss claim.
        List<String> both = Lab.VERDICT_WORDS.get(Lab.SHOWN).stream().filter(Lab.VERDICT_WORDS.get(Lab.NOT_SHOWN)::contains).toList();
        assertEquals(List.of("LOST"), both);
        assertFalse(Lab.agrees(Lab.NOT_SHOWN, "OK 10,621 round trips, 0 lost"));
        assertFalse(Lab.agrees(Lab.SHOWN, "NOT SHOWN: no drop"));
        assertFalse(Lab.agrees(Lab.SHOWN, "OKAY"));
        assertTrue(Lab.agrees(Lab.INTERRUPTED, "INTERRUPTED, what ran so far: OK 5 round trips"));
    }
}
