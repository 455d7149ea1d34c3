///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: with SNDHWM=1 on the REP socket, strict REQ/REP lockstep loses a reply within a few thousand
// round trips over tcp, and REP's send() returns true for the very reply that never arrives: a silent drop.
// Run: jbang hwm1            (exit 0 = a reply was lost in every run, as claimed; 1 = a run lost none)
//      jbang hwm1 --runs 30  (the distribution of round trips to the first loss)
//SOURCES lib/*.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Map;

@Command(name = "hwm1", mixinStandardHelpOptions = true,
        description = "REQ/REP lockstep with SNDHWM=1 on REP: run until the first lost reply.")
public class hwm1 extends Step {
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "1000000", "time-limit", "60");

    @Option(names = "--runs", defaultValue = "1", description = "independent runs, each on new sockets (default: ${DEFAULT-VALUE})")
    int runs;

    public static void main(String... args) {
        Lab.main(new hwm1(), args, DEFAULTS);
    }

    @Override
    protected int run() {
        if (runs < 1) throw new LabException("--runs must be at least 1", Lab.USAGE);
        long[] firstLoss = new long[runs];
        int lossy = 0, done = 0;
        for (; done < runs && !Lab.interrupted(); done++) {
            Lockstep.Result r = Lockstep.run(lab, err(), done == 0 ? this::describeSetup : e -> { });
            if (r.lostAt() > 0) {
                firstLoss[lossy++] = r.lostAt();
                if (runs == 1) {
                    say("W", "request %d: no reply within %d ms; REQ can never send again", r.lostAt(), lab.timeoutMs);
                    say("I", "REP received request %d and its send() returned %s: the reply was dropped %s",
                            r.lostAt(), r.repSendReturnedTrue(), r.repSendReturnedTrue() ? "silently" : "with an error");
                }
            }
            if (runs > 1) say("I", "run %d: %s", done + 1, r.lostAt() > 0
                    ? String.format("lost reply %d (REP send returned %s)", r.lostAt(), r.repSendReturnedTrue())
                    : String.format("no loss in %,d round trips (%s)", r.roundTrips(), r.stop()));
            record(Runs.fields(r));
            if (runs == 1) {
                return r.lostAt() > 0
                        ? verdict(Lab.SHOWN, "LOST reply %d after %d round trips (REP send returned %s)",
                                r.lostAt(), r.roundTrips(), r.repSendReturnedTrue())
                        : verdict(Lab.NOT_SHOWN, "NO LOSS in %,d round trips (%s)", r.roundTrips(), r.stop());
            }
        }
        if (lossy == 0) return verdict(Lab.NOT_SHOWN, "NO LOSS in any of %d runs", done);
        long[] seen = Arrays.copyOf(firstLoss, lossy);
        return verdict(lossy == runs ? Lab.SHOWN : Lab.NOT_SHOWN,
                "LOST a reply in %d of %d runs; round trips to the first loss: median %.0f, min %.0f, max %.0f",
                lossy, done, Stats.percentile(seen, 50), Stats.percentile(seen, 0), Stats.percentile(seen, 100));
    }
}
