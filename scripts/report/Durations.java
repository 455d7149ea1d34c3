import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long the main job, its steps together and each step took, a row each in data/durations.csv, so that the article and the
 * README quote measured times instead of typed ones. scripts_built counts the steps whose script JBang had to build
 * first (it says so on stderr): 0 is a warm run; a cold one also compiles, and fetches what Maven has not got yet.
 */
final class Durations {
    static final List<String> COLUMNS = List.of("timestamp", "job", "step", "command", "seconds", "ok", "scripts_built",
            "java", "os", "cpus");

    private final Path file;
    private final String job = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    private int built;

    Durations(Path root) { this.file = root.resolve("data/durations.csv"); }

    void step(article.Run run, double seconds, boolean ok, boolean built) {
        if (built) this.built++;
        append(run.name(), "./jbang " + run.command(), seconds, ok, built ? 1 : 0);
    }

    /** Every step of the job, before the render (the article quotes it); then the whole job, render included. */
    void steps(double seconds, boolean ok) { append("steps", "./jbang article (its steps)", seconds, ok, built); }

    void job(double seconds, boolean ok) { append("article", "./jbang article", seconds, ok, built); }

    private void append(String step, String command, double seconds, boolean ok, int scriptsBuilt) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS));
        row.put("job", job);
        row.put("step", step);
        row.put("command", command);
        row.put("seconds", Runs.number(Math.round(seconds * 10) / 10.0));
        row.put("ok", ok);
        row.put("scripts_built", scriptsBuilt);
        row.put("java", Runtime.version());
        row.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        row.put("cpus", Runtime.getRuntime().availableProcessors());
        Runs.append(file, COLUMNS, row);
    }
}
