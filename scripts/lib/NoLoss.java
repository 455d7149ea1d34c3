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
        String cut = r.stop() == Lockstep.Stop.budget ? "" : ", stopped early: " + r.stop();
        return step.verdict(r.stop() == Lockstep.Stop.budget ? Lab.SHOWN : Lab.NOT_SHOWN,
                "OK %,d round trips, 0 lost, %s%s", r.roundTrips(), bound, cut);
    }
}
