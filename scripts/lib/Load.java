import java.io.IOException;

/** "One busy process on the other core": a shell spinning in its own process while a run measures. */
public final class Load {
    private Load() { }

    public static Process busyCore() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));   // never outlives the run
            return p;
        } catch (IOException e) {
            throw new LabException("cannot start the busy process: " + e.getMessage());
        }
    }
}
