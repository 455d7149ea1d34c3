import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The way users run the kit: ./jbang ALIAS from the repo, through the catalog and JBang's exec protocol. */
class LauncherTest {
    static final Path ROOT = Runs.dataDir().getParent();

    record Result(int code, String out) { }

    static Result jbang(String... args) throws Exception {
        return jbangIn(ROOT.resolve("scripts"), java.util.Map.of(), args);   // any folder of the repo
    }

    /** ./jbang ARGS run in the folder `dir`, with more environment variables. */
    static Result jbangIn(Path dir, java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("jbang", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) { p.destroyForcibly(); fail("./jbang " + args[0] + " did not finish"); }
        String out = Files.readString(log);
        Files.delete(log);
        return new Result(p.exitValue(), out);
    }

    @Test
    void hwm1AliasShowsTheLossAndExitsZero() throws Exception {
        Result r = jbang("hwm1", "--no-record", "--time-limit", "60");
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(r.out().strip().lines().reduce((a, b) -> b).orElse("").matches(
                "LOST reply \\d+ after \\d+ round trips \\(REP send returned true\\)"), r.out());
    }

    @Test
    void aFirstRunFromAnEmptyCachePrintsOnlyTheLaunchersOwnLines() throws Exception {
        Path cache = Files.createTempDirectory("hwm-lab-cache");
        Result r = jbangIn(ROOT, java.util.Map.of("HWM_LAB_CACHE", cache.toString(), "HWM_LAB_OWN_JBANG", "1"), "--version");
        assertEquals(0, r.code(), r.out());
        assertFalse(r.out().contains("\u001b"), "no escape sequences from Maven: " + r.out());
        assertEquals(List.of("I: fetching JBang 0.132.1 with Maven into " + cache + " (once)", "0.132.1"), r.out().strip().lines().toList());
    }

    @Test
    void usageErrorExitCodeSurvivesTheLauncher() throws Exception {
        Result r = jbang("hwm2", "--budget", "0");
        assertEquals(Lab.USAGE, r.code(), r.out());
        assertTrue(r.out().strip().endsWith("E: --budget must be at least 1"), r.out());
    }

    @Test
    void catalogHasAnAliasWithADescriptionForEveryScript() throws Exception {
        String catalog = Files.readString(ROOT.resolve("jbang-catalog.json"));
        File[] scripts = ROOT.resolve("scripts").toFile().listFiles((d, n) -> n.endsWith(".java"));
        assertNotNull(scripts);
        for (File f : scripts) {
            String name = f.getName().replace(".java", "");
            assertTrue(catalog.contains("\"" + name + "\": {\n      \"script-ref\": \"scripts/" + f.getName() + "\",\n      \"description\": \""),
                    "alias with description for " + f.getName());
        }
    }
}
