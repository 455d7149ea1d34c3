import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** REQ and REP as separate processes (--role rep / --role req), as users deploy them. */
@ResourceLock(run.MACHINE)   // measures the race and times resends: runs alone
class ProcessTest {
    @TempDir Path dir;

    /** A REP process serving at the endpoint until the test ends. */
    static Process rep(Path log, String endpoint, String... hwm) throws Exception {
        return rep("hwm1", log, endpoint, hwm);
    }

    static Process rep(String step, Path log, String endpoint, String... more) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of(LauncherTest.ROOT.resolve("jbang").toString(), step,
                "--role", "rep", "--endpoint", endpoint, "--time-limit", "120"));
        cmd.addAll(java.util.List.of(more));
        Process p = LauncherTest.java22(new ProcessBuilder(cmd), step).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < end && !(Files.exists(log) && Files.readString(log).contains("REP only: bound"))) {
            if (!p.isAlive()) fail("REP process ended: " + Files.readString(log));
            Thread.sleep(100);
        }
        return p;
    }

    /**
     * A REP process of `step` (SNDHWM=1) serving the JeroMQ REQ of hwm1 in this JVM: the REQ must lose a reply, whose
     * REP it cannot see. The bound, 1,000,000 round trips or 60 s, is far beyond the few thousand a REP on any library
     * needed to drop one (data/). Returns the REP's output once it was stopped.
     */
    static String jeromqReqLosesAReplyTo(String step, Path dir) throws Exception {
        String endpoint = freeTcp();
        Process server = rep(step, dir.resolve("rep.log"), endpoint, "--rep-sndhwm", "1");
        try {
            Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--role", "req", "--endpoint", endpoint, "--budget", "1000000",
                    "--time-limit", "60", "--timeout", "500", "--no-record");
            assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
            assertTrue(r.verdict().matches("LOST reply \\d+ after \\d+ round trips \\(REP in another process\\)"), r.verdict());
        } finally {
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
        String log = Files.readString(dir.resolve("rep.log"));
        assertTrue(log.contains("REP only: bound " + endpoint), log);
        return log;
    }

    static String freeTcp() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "tcp://127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void hwm1LosesAReplyAcrossProcessesOverTcp() throws Exception {
        // Across processes over tcp the committed runs (data/hwm1.csv, role req) lost a reply within a few
        // thousand round trips; 1,000,000 round trips or 60 s cannot pass without one.
        String endpoint = freeTcp();
        Process server = rep(dir.resolve("rep.log"), endpoint);
        try {
            Path csv = dir.resolve("hwm1.csv");
            Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--role", "req", "--endpoint", endpoint, "--budget", "1000000",
                    "--time-limit", "60", "--timeout", "500", "--out", csv.toString());
            assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
            assertTrue(r.verdict().matches("LOST reply \\d+ after \\d+ round trips \\(REP in another process\\)"), r.verdict());
            assertEquals("", Steps.lastRow(csv).get("rep_send_true"), "the REQ process cannot know what REP's send() said");
        } finally {
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
        String repLog = Files.readString(dir.resolve("rep.log"));
        assertTrue(repLog.contains("SERVED until stopped: send() returned false 0 times"), repLog);
    }

    @Test
    void anatomyInTheRepProcessShowsTheDropOfAReplyToAnotherProcess() throws Exception {
        String endpoint = freeTcp();
        Path log = dir.resolve("rep.log");
        Process server = rep("anatomy", log, endpoint);
        Steps r = Steps.run(new hwm1(), hwm1.DEFAULTS, "--role", "req", "--endpoint", endpoint, "--budget", "1000000",
                "--time-limit", "60", "--timeout", "500", "--no-record");
        assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
        assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the REP stops at its first drop");
        String out = Files.readString(log);
        assertEquals(Lab.SHOWN, server.exitValue(), out);
        long lost = Long.parseLong(r.verdict().replaceAll("LOST reply (\\d+) .*", "$1"));
        assertTrue(out.contains("SHOWN: reply " + lost + " dropped in recv() at HWM=1"), "the REP dropped the reply the REQ missed: " + out);
        assertTrue(out.contains("HWM 1 -> FULL, Router.currentOut = null") && out.strip().endsWith("send() returned true"), out);
    }

    @Test
    void hwm2LosesNothingAcrossProcesses() throws Exception {
        String endpoint = freeTcp();
        Process server = rep(dir.resolve("rep.log"), endpoint, "--rep-sndhwm", "2");
        try {
            Steps r = Steps.run(new hwm2(), hwm2.DEFAULTS, "--role", "req", "--endpoint", endpoint, "--budget", "20000",
                    "--no-record");
            assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
            assertTrue(r.verdict().startsWith("OK 20,000 round trips, 0 lost"), r.verdict());
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoRetryClientsShareOneJournalingServerWithoutMistakingEachOthersIds() throws Exception {
        // The server is SNDHWM=1 (the step's default), so replies are dropped and the clients resend; the journal
        // must show every request handled once, and no request of the second client taken for one of the first.
        String endpoint = freeTcp();
        Path journal = dir.resolve("journal");
        Process server = rep("retry", dir.resolve("rep.log"), endpoint, "--journal", journal.toString());
        try {
            for (int client = 0; client < 2; client++) {
                Steps r = Steps.run(new retry(), retry.DEFAULTS, "--role", "req", "--endpoint", endpoint, "--budget", "2000",
                        "--out", dir.resolve("retry.csv").toString());
                assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
                assertTrue(r.verdict().startsWith("OK 2,000 requests, 2,000 answered once, 0 abandoned"), r.verdict());
                assertEquals("remote", Steps.lastRow(dir.resolve("retry.csv")).get("server"));
            }
        } finally {
            server.destroy();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
        Servers.Tally t = Journal.tally(java.util.List.of(journal));
        assertEquals(4_000, t.handlerRuns(), "each client's 2,000 requests handled once");
        assertEquals(0, t.handledTwice());
        // A repeat is a resend of a handled request. Not every resend is one: a request that never reached the
        // server (a fresh REQ socket still connecting when its timeout came, seen once under load) is handled first
        // by its resend.
        long resends = Steps.csv(dir.resolve("retry.csv")).stream().skip(1)
                .mapToLong(row -> Long.parseLong(row.get(Runs.COLUMNS.indexOf("retries")))).sum();
        assertTrue(t.repeats() <= resends, t.repeats() + " repeats, " + resends + " resends");
    }
}
