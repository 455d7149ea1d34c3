import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Copy it and it runs: the pattern files alone, the article's whole-file blocks alone, the steps from a URL. */
@ResourceLock(run.MACHINE)   // measures the race and times resends: runs alone
class PatternsTest {
    static final Path ROOT = LauncherTest.ROOT;

    @TempDir Path dir;

    /**
     * The Java files of scripts/ the article shows whole ("@include PATH" without a #marker). The fix/ files it shows
     * are for JeroMQ's own build (its JUnit 4 test is compiled and run in FixTest).
     */
    static List<String> wholeFileBlocks() throws Exception {
        Matcher m = Pattern.compile("(?m)^@include (\\S+)$").matcher(Files.readString(ROOT.resolve("article/article.md")));
        return m.results().map(r -> r.group(1)).filter(ref -> !ref.contains("#") && ref.startsWith("scripts/") && ref.endsWith(".java")).toList();
    }

    @Test
    void everyWholeFileBlockOfTheArticleCompilesWithOnlyJeroMQ() throws Exception {
        List<String> blocks = wholeFileBlocks();
        assertTrue(blocks.size() >= 3 && blocks.contains("scripts/patterns/LazyPirateClient.java"), blocks.toString());
        String jeromq = PatchedJeromq.jeromqJar();
        for (String block : blocks) {
            Path file = ROOT.resolve(block), out = Files.createDirectories(dir.resolve(file.getFileName().toString()));
            String text = Files.readString(file);
            assertFalse(text.contains("//SOURCES"), block + " pulls in other files");
            assertEquals(List.of("//DEPS org.zeromq:jeromq:0.6.0"), text.lines().filter(l -> l.startsWith("//DEPS")).toList(), block);
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            int rc = ToolProvider.getSystemJavaCompiler().run(null, null, errors,
                    "-cp", jeromq, "-d", out.toString(), file.toString());   // nothing else on the class path
            assertEquals(0, rc, block + " does not compile alone:\n" + errors);
        }
    }

    // Each demo's claim is printed in its last line. SilentDrop: over tcp on this machine a reply was lost after a
    // median of a few hundred round trips (data/hwm1.csv: rate > 1e-3 per round trip, 95% lower bound), so its
    // 60 s (tens of thousands of round trips at least) leave no real chance of "NO LOSS". LazyPirateClient: a
    // request is abandoned only if 4 tries in a row lose their reply, about (2e-3)^4 per request.
    @ParameterizedTest
    @CsvSource({"SilentDrop.java, LOST reply", "LazyPirateClient.java, OK ",
            "SafeRepServer.java, 'OK: 3 requests answered (1 of them repeats, answered from the journal), 2 handled, 2 malformed answered ERR'"})
    void eachPatternRunsAloneFromAnEmptyFolder(String file, String claim) throws Exception {
        Path alone = Files.copy(ROOT.resolve("scripts/patterns").resolve(file), dir.resolve(file));
        LauncherTest.Result r = LauncherTest.jbangIn(dir, Map.of(), "run", file);
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().strip().lines().reduce((a, b) -> b).orElse("").startsWith(claim), r.out());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(alone), left.toList(), "the demo leaves nothing behind");
        }
    }

    @Test
    void everyPatternHasACatalogAlias() throws Exception {
        String catalog = Files.readString(ROOT.resolve("jbang-catalog.json"));
        try (Stream<Path> patterns = Files.list(ROOT.resolve("scripts/patterns"))) {
            for (Path p : patterns.filter(f -> f.toString().endsWith(".java")).toList())   // the Python twins run with python3
                assertTrue(catalog.contains("\"script-ref\": \"scripts/patterns/" + p.getFileName() + "\""), p.toString());
        }
    }

    /** The checkout served over HTTP on loopback, as a Git host serves raw files. */
    static HttpServer serve(Path root) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            Path file = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            boolean ok = file.startsWith(root) && Files.isRegularFile(file);
            byte[] body = ok ? Files.readAllBytes(file) : new byte[0];
            ex.sendResponseHeaders(ok ? 200 : 404, ok ? body.length : -1);
            if (ok) ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        return http;
    }

    @Test
    void hwm1RunsFromTheCatalogUrlWithoutAClone() throws Exception {
        HttpServer http = serve(ROOT);
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
            Path empty = Files.createDirectories(dir.resolve("empty"));
            Map<String, String> env = Map.of("JBANG_DIR", dir.resolve("jbang-home").toString());   // the user's trust list stays as it is
            assertEquals(0, LauncherTest.jbangIn(empty, env, "trust", "add", base).code());
            // The form people are told, `jbang run hwm1.java@URL`: the catalog's alias named like the file.
            LauncherTest.Result r = LauncherTest.jbangIn(empty, env, "run", "hwm1.java@" + base + "jbang-catalog.json", "--time-limit", "60");
            assertEquals(Lab.SHOWN, r.code(), r.out());
            assertTrue(r.out().contains("I: not in a HWM Lab checkout: this run is not recorded"), r.out());
            assertTrue(r.out().strip().lines().reduce((a, b) -> b).orElse("").startsWith("LOST reply"), r.out());
            try (Stream<Path> left = Files.list(empty)) {
                assertEquals(List.of(), left.toList(), "nothing written where it ran");
            }
        } finally {
            http.stop(0);
        }
    }
}
