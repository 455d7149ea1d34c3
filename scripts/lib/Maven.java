import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A jar from Maven Central by its coordinates, copied by the machine's Maven into a folder the kit names
 * (build/jars/ in the checkout), so that Maven's own settings decide where its local repository is
 * (-Dmaven.repo.local in MAVEN_OPTS, localRepository in settings.xml): the kit never guesses ~/.m2.
 */
public final class Maven {
    private Maven() { }

    /** groupId:artifactId:version[:classifier], as a jar in build/jars/ (copied there by Maven when missing). */
    public static Path jar(String coordinates) {
        Path root = Runs.checkout();
        return jar(coordinates, (root != null ? root.resolve("build") : Path.of(System.getProperty("java.io.tmpdir"), "hwm-lab")).resolve("jars"));
    }

    static Path jar(String coordinates, Path dir) {
        String[] c = coordinates.split(":");
        String name = c[1] + "-" + c[2] + (c.length > 3 ? "-" + c[3] : "") + ".jar";
        Path jar = dir.resolve(name);
        if (Files.exists(jar)) return jar;
        String artifact = c[0] + ":" + c[1] + ":" + c[2] + ":jar" + (c.length > 3 ? ":" + c[3] : "");
        Path empty = null;
        try {
            Files.createDirectories(dir);
            empty = Files.createTempDirectory(dir, ".maven");   // an empty folder: Maven reads no project pom
            Path log = empty.resolve("mvn.log"), out = empty.resolve("out");
            Process p = new ProcessBuilder("mvn", "-B", "-ntp", "-q", "-Dstyle.color=never",
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy", "-Dartifact=" + artifact, "-DoutputDirectory=" + out)
                    .directory(empty.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) p.destroyForcibly();
            if (p.isAlive() || p.exitValue() != 0 || !Files.exists(out.resolve(name))) {
                String said = Files.readString(log, StandardCharsets.UTF_8).replaceAll("\u001b\\[[0-9;]*m", "");
                throw new LabException("cannot fetch " + artifact + " with Maven: " + said.lines().filter(l -> !l.isBlank()).findFirst().orElse("no answer"));
            }
            Files.move(out.resolve(name), jar, StandardCopyOption.ATOMIC_MOVE);   // a half-copied jar is never used
            return jar;
        } catch (IOException e) {
            throw new LabException("cannot fetch " + artifact + ": Maven (mvn) is needed on PATH, and " + Runs.shown(dir) + " writable");
        } catch (InterruptedException e) {
            throw new LabException("interrupted while fetching " + artifact, Lab.INTERRUPTED);
        } finally {
            Runs.deleteTree(empty);
        }
    }
}
