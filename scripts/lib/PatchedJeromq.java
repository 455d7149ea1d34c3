//DEPS io.github.java-diff-utils:java-diff-utils:4.15

import com.github.difflib.DiffUtils;
import com.github.difflib.patch.PatchFailedException;
import com.github.difflib.unifieddiff.UnifiedDiffFile;
import com.github.difflib.unifieddiff.UnifiedDiffReader;

import javax.tools.ToolProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * JeroMQ 0.6.0 with the kit's fix (fix/jeromq/rep-stale-hwm.patch): the patched classes are built once from the
 * sources jar (Maven Central, through Maven) into build/jeromq-patched/, and a step asked for --jeromq patched runs again in a
 * child JVM with them ahead of the released jar on its class path.
 */
public final class PatchedJeromq {
    public static final String NAME = "rep-stale-hwm";
    private static final String SOURCES = "org.zeromq:jeromq:0.6.0:sources";

    private PatchedJeromq() { }

    /** Whether this JVM runs the patched classes. */
    public static boolean running() {
        var source = zmq.socket.reqrep.Router.class.getProtectionDomain().getCodeSource();
        return source != null && source.getLocation().getPath().contains("/build/jeromq-patched/");
    }

    /** Runs a step's main class again in a child JVM on the patched classes; returns its exit code. */
    public static int rerun(String mainClass, List<String> args, PrintWriter out, PrintWriter err) {
        List<String> cmd = Jvm.command(mainClass, args, classes(out));
        try {
            Process p = new ProcessBuilder(cmd).start();
            Thread errors = copy(p.getErrorStream(), err), output = copy(p.getInputStream(), out);
            // Ctrl-C reaches the child too; SIGTERM reaches only this JVM, which passes it on and waits for the verdict.
            while (!p.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS))
                if (Lab.interrupted()) { p.destroy(); p.waitFor(); }
            output.join();
            errors.join();
            return p.exitValue();
        } catch (IOException e) {
            throw new LabException("cannot start a JVM for the patched JeroMQ: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Lab.INTERRUPTED;
        }
    }

    private static Thread copy(InputStream from, PrintWriter to) {
        Thread t = new Thread(() -> {
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) { to.println(line); to.flush(); }
            } catch (IOException ignored) {
                // the child is gone
            }
        });
        t.start();
        return t;
    }

    /** The folder of patched classes, built now when it is missing or was built from another patch. */
    public static Path classes(PrintWriter out) {
        Path root = Runs.checkout();
        if (root == null) throw new LabException("--jeromq patched needs a checkout: the patch is fix/jeromq/" + NAME + ".patch");
        Path patch = root.resolve("fix/jeromq/" + NAME + ".patch"), dir = root.resolve("build/jeromq-patched");
        Path classes = dir.resolve("classes"), stamp = classes.resolve("built-from.patch");
        String diff = read(patch);
        if (Files.exists(stamp) && read(stamp).equals(diff)) return classes;
        out.printf("I: building JeroMQ 0.6.0 with %s into %s (once)%n", root.relativize(patch), root.relativize(dir));
        out.flush();
        try {
            Files.createDirectories(dir);
            Path work = Files.createTempDirectory(dir, "build");
            try {
                List<Path> sources = apply(diff, Maven.jar(SOURCES), work.resolve("src"));
                Path built = Files.createDirectories(work.resolve("classes"));
                ByteArrayOutputStream errors = new ByteArrayOutputStream();
                List<String> javac = new ArrayList<>(List.of("-nowarn", "--release", "17", "-cp", jeromqJar(), "-d", built.toString()));
                sources.forEach(s -> javac.add(s.toString()));
                if (ToolProvider.getSystemJavaCompiler().run(null, null, errors, javac.toArray(String[]::new)) != 0)
                    throw new LabException("the patched JeroMQ sources do not compile: " + errors.toString().lines().findFirst().orElse(""));
                Files.copy(patch, built.resolve(stamp.getFileName()));
                Runs.deleteTree(classes);
                Files.move(built, classes, StandardCopyOption.ATOMIC_MOVE);   // a half-built folder is never used
            } finally {
                Runs.deleteTree(work);
            }
        } catch (IOException e) {
            throw new LabException("cannot build the patched JeroMQ in " + dir + ": " + e.getMessage());
        }
        return classes;
    }

    /** Applies the unified diff to the files it names, taken from the sources jar; returns the patched files. */
    private static List<Path> apply(String diff, Path jar, Path into) throws IOException {
        List<Path> written = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (UnifiedDiffFile f : UnifiedDiffReader.parseUnifiedDiff(new ByteArrayInputStream(diff.getBytes(StandardCharsets.UTF_8))).getFiles()) {
                String path = f.getToFile().replaceFirst("^b/", "");                 // JeroMQ's layout: src/main/java/zmq/...
                var entry = zip.getEntry(path.replaceFirst("^src/main/java/", ""));  // the sources jar's: zmq/...
                if (entry == null) throw new LabException("the patch names " + path + ", which the sources jar lacks");
                List<String> original = new String(zip.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8).lines().toList();
                Path out = into.resolve(path);
                Files.createDirectories(out.getParent());
                Files.write(out, DiffUtils.patch(original, f.getPatch()));
                written.add(out);
            }
        } catch (PatchFailedException e) {
            throw new LabException("the patch does not apply to JeroMQ 0.6.0: " + e.getMessage());
        }
        return written;
    }

    /** The released JeroMQ jar this JVM runs on. */
    static String jeromqJar() {
        try {
            return Path.of(org.zeromq.ZMQ.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new LabException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
