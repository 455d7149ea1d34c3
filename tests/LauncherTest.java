import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The way users run the kit: ./jbang ALIAS from the repo, through the catalog and JBang's exec protocol. */
@Execution(ExecutionMode.CONCURRENT)   // measures nothing: side by side with the others that do not
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class LauncherTest {
    static final Path ROOT = Runs.dataDir().getParent();

    record Result(int code, String out) { }

    /**
     * A step that needs Java 22+ (run.JAVA_22) is given that JDK as JAVA_HOME, which JBang takes as it is. Left to find it
     * among its linked JDKs, JBang processes started side by side sometimes found none ("No suitable JDK was found for
     * requested version: 22", "javac: No such file").
     */
    static ProcessBuilder java22(ProcessBuilder pb, String step) throws java.io.IOException {
        if (!run.JAVA_22.contains(step)) return pb;
        try (var homes = Files.list(Path.of("/usr/lib/jvm"))) {
            homes.filter(h -> Files.isExecutable(h.resolve("bin/javac")) && !Files.isSymbolicLink(h)).filter(h -> major(h) >= 22)
                    .max(java.util.Comparator.comparingInt(LauncherTest::major)).ifPresent(h -> pb.environment().put("JAVA_HOME", h.toString()));
        }
        return pb;
    }

    private static int major(Path jdk) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(jdk.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    static Result jbang(String... args) throws Exception {
        return jbangIn(ROOT.resolve("scripts"), java.util.Map.of(), args);   // any folder of the repo
    }

    /** ./jbang ARGS run in the folder `dir`, with more environment variables. */
    static Result jbangIn(Path dir, java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("jbang", ".log");
        ProcessBuilder pb = java22(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()), args[0]);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) { p.destroyForcibly(); fail("./jbang " + args[0] + " did not finish"); }
        String out = Files.readString(log);
        Files.delete(log);
        return new Result(p.exitValue(), out);
    }

    /** The command people are told, `jbang run hwm1.java`, from the root (a catalog alias has the file's name) and scripts/. */
    @ParameterizedTest
    @ValueSource(strings = {"", "scripts"})
    void jbangRunHwm1JavaShowsTheLossAndExitsZero(String folder) throws Exception {
        Result r = jbangIn(ROOT.resolve(folder), java.util.Map.of(), "run", "hwm1.java", "--no-record", "--time-limit", "60");
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
        // And one named like the file, for every step and pattern, so that `jbang run NAME.java` works from the root.
        File[] patterns = ROOT.resolve("scripts/patterns").toFile().listFiles((d, n) -> n.endsWith(".java"));
        assertNotNull(patterns);
        for (File f : java.util.stream.Stream.concat(java.util.Arrays.stream(scripts), java.util.Arrays.stream(patterns)).toList())
            assertTrue(catalog.contains("\"" + f.getName() + "\": {\n      \"script-ref\": \"" + ROOT.relativize(f.toPath()) + "\""),
                    "alias named " + f.getName());
    }

    /** Maven as the user set it up: a local repository elsewhere than ~/.m2 (MAVEN_OPTS) still gives the kit its jar. */
    @Test
    void mavenFetchesIntoTheKitsFolderWhereverTheLocalRepositoryIs() throws Exception {
        Path repo = Files.createTempDirectory("m2-elsewhere"), jars = Files.createTempDirectory("jars");
        try {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "LauncherTest$Fetch", "org.slf4j:slf4j-api:2.0.17", jars.toString())
                    .redirectErrorStream(true);
            pb.environment().put("MAVEN_OPTS", "-Dmaven.repo.local=" + repo);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "Maven did not finish");
            assertEquals(0, p.exitValue(), out);
            assertEquals(jars.resolve("slf4j-api-2.0.17.jar").toString(), out.strip());
            assertTrue(Files.size(jars.resolve("slf4j-api-2.0.17.jar")) > 10_000, "the jar itself");
            assertTrue(Files.exists(repo.resolve("org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar")), "Maven used the repository it was told");
        } finally {
            Runs.deleteTree(repo);
            Runs.deleteTree(jars);
        }
    }

    /** Maven.jar in a JVM of its own, whose Maven sees the test's MAVEN_OPTS. */
    static class Fetch {
        public static void main(String... args) {
            System.out.println(Maven.jar(args[0], Path.of(args[1])));
        }
    }
}
