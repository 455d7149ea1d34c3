/** The verdict of a step that claims "no reply lost": records the run and states the bound it supports. */
final class NoLoss {
    private NoLoss() { }

    static int check(Step step, Lockstep.Result r) {
        return check(step, r, Runs.fields(r));
    }

    /** The same, recording the given row (a step on another library records its name and version). */
    static int check(Step step, Lockstep.Result r, java.util.Map<String, Object> row) {
        step.record(row);
        if (r.lostAt() > 0)
            return step.verdict(Lab.NOT_SHOWN, "LOST reply %d after %d round trips (%s)", r.lostAt(), r.roundTrips(),
                    FirstLoss.repSaid(step, r));
        String bound = r.roundTrips() == 0 ? "no bound" :
                String.format("loss rate < %.2g (95%%)", Stats.zeroEventUpperBound(r.roundTrips()));
        if (r.stop() == Lockstep.Stop.budget)
            return step.verdict(Lab.SHOWN, "OK %,d round trips, 0 lost, %s", r.roundTrips(), bound);
        // Cut short (time limit, Ctrl-C): nothing was lost, but the budget, and with it the bound it was asked to show,
        // was not reached. The bound the run does support is still stated.
        return step.verdict(Lab.NOT_SHOWN, "SHORT of the budget: %,d of %,d round trips, 0 lost, %s, stopped early: %s",
                r.roundTrips(), step.lab.budget, bound, r.stop());
    }
}
