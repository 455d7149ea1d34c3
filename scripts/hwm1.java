///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: with SNDHWM=1 on the REP socket, strict REQ/REP lockstep loses a reply within a few thousand
// round trips over tcp, and REP's send() returns true for the very reply that never arrives: a silent drop.
// Run: jbang hwm1            (exit 0 = a reply was lost in every run, as claimed; 1 = a run lost none)
//      jbang hwm1 --jeromq patched --budget 1000000   (with a fix, the claim is the opposite: exit 0 = 0 lost)
//      jbang hwm1 --runs 30  (the distribution of round trips to the first loss)
//SOURCES lib/Step.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
    protected boolean separable() { return true; }

    @Override
    protected int run() {
        if (lab.fixed()) {   // --jeromq patched or --workaround events: the claim becomes "no reply lost", with its bound
            if (runs != 1) throw new LabException("with a fix in place hwm1 makes one long run: leave out --runs", Lab.USAGE);
            return NoLoss.check(this, Lockstep.run(lab, err(), this::describeSetup));
        }
        return FirstLoss.run(this, runs, i -> Lockstep.run(lab, err(), i == 0 ? this::describeSetup : e -> { }), Runs::fields);
    }
}
