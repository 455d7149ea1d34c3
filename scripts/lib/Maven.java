import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Jars from Maven Central by their coordinates, made by the machine's Maven into a folder the kit names (build/jars/
 * in the checkout), so that Maven's own settings decide where its local repository is (-Dmaven.repo.local in
 * MAVEN_OPTS, localRepository in settings.xml): the kit never guesses ~/.m2.
 */
public final class Maven {
    private Maven() { }

    /** The kit's folder of jars: build/jars/ in the checkout (outside one, under the temporary folder). */
    public static Path jars() {
        Path root = Runs.checkout();
        return (root != null ? root.resolve("build") : Path.of(System.getProperty("java.io.tmpdir"), "hwm-lab")).resolve("jars");
    }

    /** groupId:artifactId:version[:classifier], as a jar in build/jars/ (copied there by Maven when missing). */
    public static Path jar(String coordinates) {
        return jar(coordinates, jars());
    }

    static Path jar(String coordinates, Path dir) {
        String[] c = coordinates.split(":");
        String name = c[1] + "-" + c[2] + (c.length > 3 ? "-" + c[3] : "") + ".jar";
        String artifact = c[0] + ":" + c[1] + ":" + c[2] + ":jar" + (c.length > 3 ? ":" + c[3] : "");
        return make(dir.resolve(name), artifact, null, out -> List.of("org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
                "-Dartifact=" + artifact, "-DoutputDirectory=" + out));
    }

    /**
     * Makes `jar` once: Maven runs `goals(out)` in an empty folder (or beside `pom`, a project Maven should build) and
     * leaves a jar of that name in `out` (or target/), which is moved into place whole.
     */
    static Path make(Path jar, String what, String pom, java.util.function.Function<Path, List<String>> goals) {
        if (Files.exists(jar)) return jar;
        Path work = null;
        try {
            Files.createDirectories(jar.getParent());
            work = Files.createTempDirectory(jar.getParent(), ".maven");   // no pom but the one given: Maven reads nothing else
            if (pom != null) Files.writeString(work.resolve("pom.xml"), pom);
            Path log = work.resolve("mvn.log"), out = pom != null ? work.resolve("target") : work.resolve("out");
            List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-q", "-Dstyle.color=never"));
            cmd.addAll(goals.apply(out));
            Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } finally {
                p.destroyForcibly();   // interrupted: no Maven left running
            }
            Path made = out.resolve(jar.getFileName());
            if (p.isAlive() || p.exitValue() != 0 || !Files.exists(made)) {
                String said = Files.readString(log, StandardCharsets.UTF_8).replaceAll("\u001b\\[[0-9;]*m", "");
                throw new LabException("cannot make " + what + " with Maven: " + said.lines().filter(l -> !l.isBlank()).findFirst().orElse("no answer"));
            }
            Files.move(made, jar, StandardCopyOption.ATOMIC_MOVE);   // a half-written jar is never used
            return jar;
        } catch (IOException e) {
            throw new LabException("cannot make " + what + ": Maven (mvn) is needed on PATH, and " + Runs.shown(jar.getParent()) + " writable");
        } catch (InterruptedException e) {
            throw new LabException("interrupted while Maven made " + what, Lab.INTERRUPTED);
        } finally {
            Runs.deleteTree(work);
        }
    }
}
