import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Repeated runs that each stop at their first lost reply: one run tells its story, several give the
 * distribution of round trips to the first loss. Exit code: SHOWN when every run lost a reply.
 */
final class FirstLoss {
    private FirstLoss() { }

    /** What is known of the REP's send() for the lost reply: nothing, when the REP is another process. */
    static String repSaid(Step step, Lockstep.Result r) {
        return step.lab.role.equals("req") ? "REP in another process" : "REP send returned " + r.repSendReturnedTrue();
    }

    /** once(i) performs run i (0-based); fields(r) is the row to record for it. */
    static int run(Step step, int runs, IntFunction<Lockstep.Result> once, Function<Lockstep.Result, Map<String, Object>> fields) {
        if (runs < 1) throw new LabException("--runs must be at least 1", Lab.USAGE);
        long[] firstLoss = new long[runs];
        int lossy = 0, done = 0;
        for (; done < runs && !Lab.interrupted(); done++) {
            Lockstep.Result r = once.apply(done);
            if (r.lostAt() > 0) firstLoss[lossy++] = r.lostAt();
            if (runs == 1 && r.lostAt() > 0) {
                step.say("W", "request %d: no reply within %d ms; REQ can never send again", r.lostAt(), step.lab.timeoutMs);
                if (!step.lab.role.equals("req"))
                    step.say("I", "REP received request %d and its send() returned %s: the reply was dropped %s",
                            r.lostAt(), r.repSendReturnedTrue(), Boolean.TRUE.equals(r.repSendReturnedTrue()) ? "silently" : "with an error");
            }
            if (runs > 1) step.say("I", "run %d: %s", done + 1, r.lostAt() > 0
                    ? String.format("lost reply %d (%s)", r.lostAt(), repSaid(step, r))
                    : String.format("no loss in %,d round trips (%s)", r.roundTrips(), r.stop()));
            step.record(fields.apply(r));
            if (runs == 1) {
                return r.lostAt() > 0
                        ? step.verdict(Lab.SHOWN, "LOST reply %d after %d round trips (%s)", r.lostAt(), r.roundTrips(), repSaid(step, r))
                        : step.verdict(Lab.NOT_SHOWN, "NO LOSS in %,d round trips (%s), loss rate < %.2g (95%%)", r.roundTrips(),
                                r.stop(), Stats.zeroEventUpperBound(Math.max(1, r.roundTrips())));
            }
        }
        if (lossy == 0) return step.verdict(Lab.NOT_SHOWN, "NO LOSS in any of %d runs", done);
        long[] seen = Arrays.copyOf(firstLoss, lossy);
        return step.verdict(lossy == runs ? Lab.SHOWN : Lab.NOT_SHOWN,
                "%s a reply in %d of %d runs; round trips to the first loss: median %.0f, min %.0f, max %.0f",
                lossy == runs ? "LOST" : "MIXED: lost", lossy, done, Stats.percentile(seen, 50), Stats.percentile(seen, 0), Stats.percentile(seen, 100));
    }
}
