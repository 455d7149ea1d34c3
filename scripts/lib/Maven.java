import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A jar from Maven Central by its coordinates: from the local repository, or fetched once with the machine's Maven. */
public final class Maven {
    private Maven() { }

    /** groupId:artifactId:version[:classifier], as a jar in ~/.m2/repository (fetched there when missing). */
    public static Path jar(String coordinates) {
        String[] c = coordinates.split(":");
        Path local = Path.of(System.getProperty("user.home"), ".m2", "repository").resolve(c[0].replace('.', '/')).resolve(c[1]).resolve(c[2])
                .resolve(c[1] + "-" + c[2] + (c.length > 3 ? "-" + c[3] : "") + ".jar");
        if (Files.exists(local)) return local;
        String artifact = c[0] + ":" + c[1] + ":" + c[2] + ":jar" + (c.length > 3 ? ":" + c[3] : "");
        Path empty = null;
        try {
            empty = Files.createTempDirectory("maven");   // an empty folder: Maven reads no project pom
            Path log = empty.resolve("mvn.log");
            Process p = new ProcessBuilder("mvn", "-B", "-ntp", "-q", "-Dstyle.color=never",
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get", "-Dtransitive=false", "-Dartifact=" + artifact)
                    .directory(empty.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) p.destroyForcibly();
            if (p.isAlive() || p.exitValue() != 0 || !Files.exists(local)) {
                String said = Files.readString(log, StandardCharsets.UTF_8).replaceAll("\u001b\\[[0-9;]*m", "");
                throw new LabException("cannot fetch " + artifact + " with Maven: " + said.lines().filter(l -> !l.isBlank()).findFirst().orElse("no answer"));
            }
            return local;
        } catch (IOException e) {
            throw new LabException("cannot fetch " + artifact + ": Maven (mvn) is needed on PATH");
        } catch (InterruptedException e) {
            throw new LabException("interrupted while fetching " + artifact, Lab.INTERRUPTED);
        } finally {
            Runs.deleteTree(empty);
        }
    }
}
