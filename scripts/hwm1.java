///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: with SNDHWM=1 on the REP socket, strict REQ/REP lockstep loses a reply within a few hundred
// round trips, and REP's send() returns true for the very reply that never arrives: a silent drop.
// Run: jbang hwm1            (exit 0 = a reply was lost, as claimed; 1 = none lost within the budget)
//SOURCES lib/*.java

import picocli.CommandLine.Command;

import java.util.Map;

@Command(name = "hwm1", mixinStandardHelpOptions = true,
        description = "REQ/REP lockstep with SNDHWM=1 on REP: run until the first lost reply.")
public class hwm1 extends Step {
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "1000000", "time-limit", "60");

    public static void main(String... args) {
        Lab.main(new hwm1(), args, DEFAULTS);
    }

    @Override
    protected int run() {
        Lockstep.Result r = Lockstep.run(lab, err(), this::describeSetup);
        if (r.lostAt() == 0) {
            record(Runs.fields(r));
            return verdict(Lab.NOT_SHOWN, "NO LOSS in %,d round trips (%s)", r.roundTrips(), r.stop());
        }
        say("W", "request %d: no reply within %d ms; REQ can never send again", r.lostAt(), lab.timeoutMs);
        say("I", "REP received request %d and its send() returned %s: the reply was dropped %s",
                r.lostAt(), r.repSendReturnedTrue(), r.repSendReturnedTrue() ? "silently" : "with an error");
        record(Runs.fields(r));
        return verdict(Lab.SHOWN, "LOST reply %d after %d round trips (REP send returned %s)",
                r.lostAt(), r.roundTrips(), r.repSendReturnedTrue());
    }
}
