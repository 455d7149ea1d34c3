import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A fresh JVM running one of the kit's steps with this JVM's classpath: the bench's forks, the retry step's server process. */
public final class Jvm {
    private Jvm() { }

    public static List<String> command(String step, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), step));
        cmd.addAll(args);
        return cmd;
    }
}
