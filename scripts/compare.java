///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: compared in one run, interleaved (JeroMQ, libzmq, pyzmq with one GIL, pyzmq with two, then again, ...), so
// that the machine's state is the same for all, every library loses a reply at SNDHWM=1, and their lockstep rates
// stand in the ratios this run measures. Rows taken hours apart measure the machine, not the libraries.
// Run: jbang compare             (5 rounds; exit 0 = every library lost a reply in every round)
//      jbang compare --rounds 10 --rate-seconds 5
// Each run is one of the kit's own steps, started through ./jbang, so it needs a checkout, Java 22+ for libzmq and
// Debian's python3-zmq for pyzmq (a library that cannot run is left out, and said so).
//SOURCES lib/Step.java

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "JeroMQ, libzmq and pyzmq in one interleaved run: rounds to the first loss at SNDHWM=1, and lockstep rate.")
public class compare extends Step {
    static final Map<String, String> DEFAULTS = Map.of("time-limit", "60");

    /** What runs: a variant's name and the step with its options. */
    record Variant(String name, List<String> step) { }

    static final List<Variant> VARIANTS = List.of(
            new Variant("jeromq", List.of("hwm1")),
            new Variant("libzmq", List.of("libzmq")),
            new Variant("pyzmq-threads", List.of("pyzmq", "--mode", "threads")),
            new Variant("pyzmq-processes", List.of("pyzmq", "--mode", "processes")));

    @Option(names = "--rounds", defaultValue = "5", description = "rounds; each runs every library once for each measure (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--rate-seconds", defaultValue = "3", description = "length of each rate run, s (default: ${DEFAULT-VALUE})")
    double rateSeconds;

    public static void main(String... args) {
        Lab.main(new compare(), args, DEFAULTS);
    }

    @Override
    protected List<String> columns() {
        return Stream.concat(Runs.COLUMNS.stream(), Stream.of("compare_id", "round", "variant", "measure")).toList();
    }

    @Override
    protected int run() {
        if (rounds < 1 || !(rateSeconds > 0)) throw new LabException("--rounds must be at least 1 and --rate-seconds more than 0", Lab.USAGE);
        Path root = Runs.checkout();
        if (root == null) throw new LabException("compare runs the kit's steps through ./jbang: it needs a checkout");
        String id = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        say("I", "%d rounds of %s, interleaved; each: first loss at SNDHWM=1 (up to %s s), then rate at SNDHWM=1000 for %s s",
                rounds, VARIANTS.stream().map(Variant::name).toList(), Runs.number(lab.timeLimitSeconds), Runs.number(rateSeconds));
        Map<String, Integer> lossy = new LinkedHashMap<>(), runs = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (int round = 1; round <= rounds && !Lab.interrupted(); round++)
            for (Variant v : VARIANTS) {
                if (missing.contains(v.name()) || Lab.interrupted()) continue;
                for (String measure : List.of("first_loss", "rate")) {
                    Map<String, String> row = once(root, v, measure);
                    if (Lab.interrupted()) break;
                    if (row == null) { missing.add(v.name()); break; }
                    Map<String, Object> fields = new LinkedHashMap<>(row);
                    fields.keySet().retainAll(Runs.COLUMNS);
                    fields.put("compare_id", id);
                    fields.put("round", round);
                    fields.put("variant", v.name());
                    fields.put("measure", measure);
                    record(lab, fields);
                    if (measure.equals("first_loss")) {
                        runs.merge(v.name(), 1, Integer::sum);
                        lossy.merge(v.name(), row.get("lost").equals("1") ? 1 : 0, Integer::sum);
                    }
                    say("I", "round %d %-16s %-10s %s", round, v.name(), measure, measure.equals("rate")
                            ? row.get("rate_per_s") + " round trips/s" : row.get("lost").equals("1") ? "lost reply " + row.get("first_loss") : "no loss in " + row.get("round_trips"));
                }
            }
        for (String m : missing) say("W", "%s could not run here: left out", m);
        boolean all = missing.isEmpty() && runs.size() == VARIANTS.size()
                && runs.keySet().stream().allMatch(k -> runs.get(k) == rounds && lossy.get(k).equals(runs.get(k)));
        return verdict(all ? Lab.SHOWN : Lab.NOT_SHOWN, "%s: %s", all ? "LOST a reply in every round on every library" : "NOT every round lost a reply",
                String.join(", ", runs.keySet().stream().map(k -> k + " " + lossy.get(k) + "/" + runs.get(k)).toList()));
    }

    /** One run of a variant's step through the launcher, its row read back from a temporary CSV; null if it cannot run here. */
    private Map<String, String> once(Path root, Variant v, String measure) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("compare");
            Path csv = dir.resolve("row.csv");
            List<String> cmd = new ArrayList<>(List.of(root.resolve("jbang").toString()));
            cmd.addAll(v.step());
            cmd.addAll(measure.equals("rate")
                    ? List.of("--rep-sndhwm", "1000", "--budget", "100000000", "--time-limit", String.valueOf(rateSeconds))
                    : List.of("--rep-sndhwm", "1", "--time-limit", String.valueOf(lab.timeLimitSeconds)));
            cmd.addAll(List.of("--transport", lab.transport.name(), "--out", csv.toString()));
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).redirectOutput(csv.resolveSibling("out.txt").toFile()).start();
            long end = System.nanoTime() + (long) ((lab.timeLimitSeconds + 120) * 1e9);
            while (!p.waitFor(200, TimeUnit.MILLISECONDS))
                if (Lab.interrupted() || System.nanoTime() > end) { p.destroy(); p.waitFor(10, TimeUnit.SECONDS); p.destroyForcibly(); return null; }
            if (p.exitValue() > Lab.NOT_SHOWN || !Files.exists(csv)) return null;   // e.g. no libzmq or pyzmq here
            return Runs.lastRow(csv);
        } catch (IOException e) {
            throw new LabException("cannot run " + v.name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            Runs.deleteTree(dir);
        }
    }
}
