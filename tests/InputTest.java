import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input gets one clear line starting "E:", a documented exit code, no stack trace and no output file. */
@Execution(ExecutionMode.CONCURRENT)   // one-line answers and bounded waits, nothing timed closely: side by side with the others that measure nothing
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class InputTest {
    @TempDir Path dir;

    Steps hwm1(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--out";
        all[args.length + 1] = dir.resolve("out.csv").toString();
        return Steps.run(new hwm1(), hwm1.DEFAULTS, all);
    }

    static void assertOneLineError(Steps r, int code, String words) {
        assertEquals(code, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "more than one line: " + err);
        assertTrue(err.startsWith("E: ") && err.contains(words), err);
        assertFalse((r.out() + r.err()).contains("Exception"), "stack trace or exception name: " + err);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--no-such-option            | Unknown option",
            "--rep-sndhwm=-1             | high-water mark must be 0",
            "--req-rcvhwm=abc            | Invalid value",
            "--budget=0                  | --budget must be at least 1",
            "--budget=-5                 | --budget must be at least 1",
            "--timeout=0                 | --timeout must be at least 1",
            "--time-limit=0              | --time-limit must be more than 0",
            "--transport=udp             | Invalid value",
            "--endpoint=tcp:/127.0.0.1:1 | malformed endpoint",
            "--endpoint=tcp://127.0.0.1:99999 | port out of range",
            "--endpoint=tcp://10.1.2.3:5555 | not loopback",
            "--role=rep                  | needs --endpoint",
            "--role=server               | --role must be both, rep or req",
            "--load=heavy                | --load must be idle or busy-core",
            "--set-when=later            | --set-when must be one of",
    })
    void badOptionIsAUsageError(String arg, String words) {
        Steps r = hwm1(arg);
        assertOneLineError(r, Lab.USAGE, words);
        assertFalse(Files.exists(dir.resolve("out.csv")), "no output file on bad input");
    }

    @ParameterizedTest(name = "retry {0}")
    @CsvSource(delimiter = '|', value = {
            "--server=vm                 | --server must be thread or process",
            "--retries=-1                | --retries must be 0 or more",
            "--kill-every=-1             | --kill-every must be 0 or more",
            "--server-memory=some        | --server-memory must be durable or lost",
            "--kill-every=5 --role=req --endpoint=tcp://127.0.0.1:5555 | not with --role req",
    })
    void badRetryOptionIsAUsageError(String args, String words) {
        var all = new java.util.ArrayList<>(java.util.List.of(args.split(" ")));
        all.addAll(java.util.List.of("--out", dir.resolve("out.csv").toString()));
        Steps r = Steps.run(new retry(), retry.DEFAULTS, all.toArray(String[]::new));
        assertOneLineError(r, Lab.USAGE, words);
        assertFalse(Files.exists(dir.resolve("out.csv")), "no output file on bad input");
    }

    @Test
    void anatomyHasNoReqRoleOfItsOwn() {
        Steps r = Steps.run(new anatomy(), anatomy.DEFAULTS, "--role", "req", "--endpoint", "tcp://127.0.0.1:5555");
        assertOneLineError(r, Lab.USAGE, "anatomy watches the REP");
    }

    @Test
    void aJournalThatCannotBeWrittenIsReportedInOneLine() {
        Steps r = Steps.run(new retry(), retry.DEFAULTS, "--role", "rep", "--endpoint", "tcp://127.0.0.1:*", "--journal", dir.toString());
        assertOneLineError(r, Lab.FAILED, "cannot use journal " + dir);
    }

    @Test
    void busyPortIsReportedInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Steps r = hwm1("--endpoint", "tcp://127.0.0.1:" + taken.getLocalPort());
            assertOneLineError(r, Lab.FAILED, "cannot bind tcp://127.0.0.1:" + taken.getLocalPort());
        }
        assertFalse(Files.exists(dir.resolve("out.csv")));
    }

    @Test
    void unwritableOutputIsRefusedBeforeTheRun() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--out", file.resolve("sub/out.csv").toString());
        assertOneLineError(r, Lab.FAILED, "cannot create folder");
        assertFalse(r.out().contains("REP binds"), "refused before any socket was opened");
    }

    @Test
    void aForeignCsvIsLeftAlone() throws Exception {
        Path foreign = Files.writeString(dir.resolve("foreign.csv"), "a,b\n1,2\n");
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--out", foreign.toString());
        assertOneLineError(r, Lab.FAILED, "not a HWM Lab data file");
        assertEquals("a,b\n1,2\n", Files.readString(foreign));
    }

    @Test
    void helpListsEveryOptionWithItsStepDefault() {
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--help");
        assertEquals(0, r.code());
        for (String opt : new String[] {"--transport", "--endpoint", "--budget", "--time-limit", "--timeout",
                "--rep-sndhwm", "--rep-rcvhwm", "--req-sndhwm", "--req-rcvhwm", "--out"})
            assertTrue(r.out().contains(opt), opt);
        assertTrue(r.out().contains("REP send high-water mark, 0 = no limit (default: 1)"), r.out());
    }

    @Test
    void chartsWithAMissingDataFileSaysWhichAndWritesNothing() {
        Path page = dir.resolve("charts.html");
        Steps r = Steps.run(new charts(), java.util.Map.of(), "--data", dir.toString(), "--out", page.toString());
        assertOneLineError(r, Lab.FAILED, "missing data file");
        assertTrue(r.err().contains("hwm1.csv") && r.err().contains("run ./jbang hwm1 first"), r.err());
        assertFalse(Files.exists(page), "no page on bad input");
    }

    @Test
    void chartsWithAMalformedRowSaysSoAndWritesNothing() throws Exception {
        for (String name : new String[] {"hwm1", "hwm2", "baseline", "retry", "sweep"})
            Files.copy(Runs.dataDir().resolve(name + ".csv"), dir.resolve(name + ".csv"));
        Files.writeString(dir.resolve("hwm1.csv"), "2026-11-25T00:00:00Z,hwm1,jeromq,short row\n", java.nio.file.StandardOpenOption.APPEND);
        Path page = dir.resolve("charts.html");
        Steps r = Steps.run(new charts(), java.util.Map.of(), "--data", dir.toString(), "--out", page.toString());
        assertOneLineError(r, Lab.FAILED, "malformed CSV");
        assertFalse(Files.exists(page));
    }

    /** Whether this process (and so every child it starts) ignores SIGINT: bit 2 of SigIgn in /proc/self/status. */
    static boolean sigintIgnored() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("SigIgn:")) return (Long.parseLong(line.substring(7).strip(), 16) & (1L << (2 - 1))) != 0;
        return false;
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @CsvSource({"TERM, 143", "INT, 130"})
    void aSignalInTheMiddleOfARunKeepsAConsistentRow(String signal, int exit) throws Exception {
        // A shell starting a job in the background sets SIGINT to "ignored" and every child inherits it; the JVM
        // then leaves SIGINT alone, as Ctrl-C cannot reach such a job anyway. Nothing to test then.
        Assumptions.assumeFalse(signal.equals("INT") && sigintIgnored(),
                "SIGINT is ignored in this environment (started in the background by a shell), so no Ctrl-C can arrive");
        Path csv = dir.resolve("hwm2.csv");
        Path log = dir.resolve("log.txt");
        Process p = new ProcessBuilder(LauncherTest.ROOT.resolve("jbang").toString(), "hwm2", "--budget", "100000000",
                "--time-limit", "120", "--out", csv.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < end && !(Files.exists(log) && Files.readString(log).contains("REQ waits"))) Thread.sleep(100);
        Thread.sleep(1500);   // in the middle of the loop
        // The launcher exec'd the JVM, so the signal reaches it, as Ctrl-C (INT) or kill (TERM) would.
        new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the run stopped");
        String out = Files.readString(log);
        assertEquals(exit, p.exitValue(), "exit on SIG" + signal + " (128 + signal number): " + out);
        assertTrue(out.contains("stopped early: interrupted"), out);
        assertTrue(out.strip().lines().reduce((a, b) -> b).orElse("").startsWith("INTERRUPTED, what ran so far: SHORT of the budget: "), out);
        assertFalse(out.contains("Exception"), out);
        var row = Steps.lastRow(csv);
        assertEquals("interrupted", row.get("stop"));
        assertTrue(Long.parseLong(row.get("round_trips")) > 0);
        DataTest.assertWellFormed(csv);
    }

    @Test
    void nothingListeningAtTheConnectEndpointIsABoundedWaitThenOneLine() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Steps r = hwm1("--role", "req", "--endpoint", "tcp://127.0.0.1:" + port, "--connect-timeout", "500");
        assertOneLineError(r, Lab.FAILED, "nothing answered at tcp://127.0.0.1:" + port + " within 500 ms");
        assertTrue(r.seconds() < 10, "bounded wait: " + r.seconds() + " s");
    }
}
