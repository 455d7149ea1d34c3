/** The verdict of a step that claims "no reply lost": records the run and states the bound it supports. */
final class NoLoss {
    private NoLoss() { }

    static int check(Step step, Lockstep.Result r) {
        step.record(Runs.fields(r));
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
