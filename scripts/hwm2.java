///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: the same lockstep with SNDHWM=2 on REP loses no reply in 200,000 round trips, which bounds
// its loss rate below 1.5e-5 per round trip (95%, one-sided) under the conditions of the run.
// Run: jbang hwm2            (exit 0 = 0 lost, as claimed; 1 = a reply was lost)
//SOURCES lib/Step.java

import picocli.CommandLine.Command;

import java.util.Map;

@Command(name = "hwm2", mixinStandardHelpOptions = true,
        description = "REQ/REP lockstep with SNDHWM=2 on REP: no reply lost, and what that count proves.")
public class hwm2 extends Step {
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "2", "budget", "200000", "time-limit", "60");

    public static void main(String... args) {
        Lab.main(new hwm2(), args, DEFAULTS);
    }

    @Override
    protected boolean separable() { return true; }

    @Override
    protected int run() {
        return NoLoss.check(this, Lockstep.run(lab, err(), this::describeSetup));
    }
}
