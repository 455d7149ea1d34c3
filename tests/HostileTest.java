import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Bad bytes on a REP's port: every kind against each library's REP, and a REP process that says when it stopped. */
@Execution(ExecutionMode.CONCURRENT)   // survival and one-line answers, with generous timeouts: side by side with the others that measure nothing
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class HostileTest {
    static String last(String out) {
        return out.strip().lines().reduce((a, b) -> b).orElse("");
    }

    @Test
    void theKitsJeromqRepSurvivesEveryKind() throws Exception {
        Path csv = Files.createTempDirectory("hostile").resolve("hostile.csv");
        var r = LauncherTest.jbang("hostile", "--seconds", "2", "--out", csv.toString());
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(last(r.out()).startsWith("SURVIVED 10 of 10 kinds on JeroMQ 0.6.0"), r.out());
        assertEquals(11, Steps.csv(csv).size(), "a row per kind");
        DataTest.assertWellFormed(csv);
    }

    @Test
    void theKitsLibzmqRepSurvivesEveryKind() throws Exception {
        LibzmqTest.assumeLibzmq();
        var r = LauncherTest.jbang("hostile", "--library", "libzmq", "--seconds", "2", "--no-record");
        assertEquals(Lab.SHOWN, r.code(), r.out());
        assertTrue(last(r.out()).startsWith("SURVIVED 10 of 10 kinds on libzmq 4."), r.out());
    }

    @Test
    void unguardedJeromqIsWedgedByOneNegativeFrameSizeAndTheStepSaysSo() throws Exception {
        // The wedge is for ever: the normal client's five tries need not wait long to show it.
        var r = LauncherTest.jbang("hostile", "--unguarded", "--kinds", "negative-size,garbage-payload", "--timeout", "300", "--no-record");
        assertEquals(Lab.NOT_SHOWN, r.code(), r.out());
        assertTrue(r.out().contains("the REP says: JeroMQ's I/O thread failed: NegativeArraySizeException"), r.out());
        assertEquals("DID NOT SURVIVE 1 of 2 kinds on JeroMQ 0.6.0 (unguarded): negative-size", last(r.out()), r.out());
        assertFalse(r.out().contains("\tat "), "no stack trace");
    }

    /** A REP process (--role rep) under attack: `step` and `more` start it; returns its output once it ended, and its exit code. */
    static LauncherTest.Result serveThrough(Hostile.Kind kind, String step, String... more) throws Exception {
        String endpoint = ProcessTest.freeTcp();
        Path log = Files.createTempFile("rep", ".log");
        Process rep = ProcessTest.rep(step, log, endpoint, more);
        try {
            Hostile.run(kind, Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1)), Duration.ofSeconds(3));
            boolean answered;
            try (var ctx = new org.zeromq.ZContext(1); var client = new LazyPirateClient(ctx, endpoint, 1000, 4)) {
                client.request(1, "");
                answered = true;
            } catch (LazyPirateClient.RequestFailed e) {
                answered = false;
            }
            if (answered) rep.destroy();   // SIGTERM: a served REP ends with its verdict
            assertTrue(rep.waitFor(60, TimeUnit.SECONDS), "the REP process ended");
            return new LauncherTest.Result(answered ? rep.exitValue() : -rep.exitValue(), Files.readString(log));
        } finally {
            rep.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void hwm2RepProcessStillServesAfterGarbageAndANegativeFrameSize() throws Exception {
        for (Hostile.Kind kind : new Hostile.Kind[] {Hostile.Kind.NEGATIVE_SIZE, Hostile.Kind.GARBAGE_PAYLOAD}) {
            var r = serveThrough(kind, "hwm2");
            assertTrue(r.code() > 0, kind + ": a normal client was answered after the attack\n" + r.out());
            assertTrue(last(r.out()).startsWith("SERVED until stopped"), r.out());
        }
    }

    @Test
    void libzmqRepProcessStillServesAfterGarbage() throws Exception {
        LibzmqTest.assumeLibzmq();
        var r = serveThrough(Hostile.Kind.GARBAGE_PAYLOAD, "libzmq");
        assertTrue(r.code() > 0, "a normal client was answered after the attack\n" + r.out());
        assertTrue(last(r.out()).matches("SERVED until stopped: .* [1-9]\\d* malformed requests answered ERR.*"), r.out());
    }

    @Test
    void aRepProcessWhoseLibraryFailedSaysSoInOneLineAndExits3() throws Exception {
        var r = serveThrough(Hostile.Kind.NEGATIVE_SIZE, "hostile", "--unguarded");
        assertEquals(-Lab.FAILED, r.code(), "not answered, exit 3\n" + r.out());
        assertTrue(last(r.out()).matches("E: the REP stopped serving at tcp://127\\.0\\.0\\.1:\\d+: JeroMQ's I/O thread failed: "
                + "NegativeArraySizeException: -1"), r.out());
        assertFalse(r.out().contains("SERVED"), r.out());
    }
}
