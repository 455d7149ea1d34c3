import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A fresh JVM running one of the kit's steps with this JVM's classpath: the bench's forks, the retry step's server process. */
public final class Jvm {
    private Jvm() { }

    public static List<String> command(String step, List<String> args) {
        return command(step, args, null);
    }

    /** The same with a folder of classes ahead of the class path (the patched JeroMQ), or none. */
    public static List<String> command(String step, List<String> args, Path first) {
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (zmq.ZMQ.class.desiredAssertionStatus()) cmd.add("-ea");   // a patched JeroMQ is judged as JeroMQ is: assertions on
        cmd.addAll(List.of("-cp", first == null ? cp : first + java.io.File.pathSeparator + cp, step));
        cmd.addAll(args);
        return cmd;
    }
}
