///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: with the default high-water marks (1000), REQ/REP lockstep loses no reply.
// Run: jbang baseline        (exit 0 = 0 lost, as claimed; 1 = a reply was lost)
//SOURCES lib/Step.java

import picocli.CommandLine.Command;

import java.util.Map;

@Command(name = "baseline", mixinStandardHelpOptions = true,
        description = "REQ/REP lockstep with default high-water marks: every reply arrives.")
public class baseline extends Step {
    static final Map<String, String> DEFAULTS = Map.of("budget", "200000", "time-limit", "60");

    public static void main(String... args) {
        Lab.main(new baseline(), args, DEFAULTS);
    }

    @Override
    protected boolean separable() { return true; }

    @Override
    protected int run() {
        return NoLoss.check(this, Lockstep.run(lab, err(), this::describeSetup));
    }
}
