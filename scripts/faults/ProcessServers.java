import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Servers as separate JVMs (`retry --role rep`): a crash is the server process sending itself SIGKILL after it
 * handled a request and before it replies, so nothing of it runs afterwards: no finally, no shutdown hook, no linger.
 */
public final class ProcessServers extends Servers {
    private static final Pattern BOUND = Pattern.compile("REP only: bound (\\S+) with");
    private static final int SIGKILLED = 128 + 9;   // the exit status a shell shows for a process killed by signal 9

    private final String endpoint;
    private final Path dir;                             // the journals, one per server or one for all (durable)
    private final List<Path> journals = new CopyOnWriteArrayList<>();
    private final Thread supervisor;
    private volatile Process current;

    public ProcessServers(LabOptions lab, Faults faults) {
        super(lab, faults);
        try {
            dir = Files.createTempDirectory("hwm-lab-journals");
        } catch (IOException e) {
            throw new LabException("cannot create a folder for the journals: " + e.getMessage());
        }
        Started first;
        try {
            first = start(lab.bindEndpoint(), nextKill(), nextJournal());
        } catch (LabException e) {
            deleteJournals();
            throw e;
        }
        current = first.process();
        endpoint = first.endpoint();
        supervisor = new Thread(this::supervise, "supervisor");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    @Override
    public String endpoint() { return endpoint; }

    /** The journal the next server keeps its handled ids in. */
    private Path nextJournal() {
        if (faults.durable() && !journals.isEmpty()) return journals.get(0);
        Path j = dir.resolve("journal-" + (journals.size() + 1));
        journals.add(j);
        return j;
    }

    /** The pid of the server process running now (for the narrative). */
    public long pid() { return current.pid(); }

    private record Started(Process process, String endpoint) { }

    /** Starts `retry --role rep` in a new JVM and waits until it says which endpoint it bound. */
    private Started start(String want, long killAt, Path journal) {
        List<String> args = new ArrayList<>(List.of("--role", "rep", "--endpoint", want, "--journal", journal.toString(),
                "--rep-sndhwm", String.valueOf(lab.repSndHwm), "--rep-rcvhwm", String.valueOf(lab.repRcvHwm),
                "--time-limit", String.valueOf(lab.timeLimitSeconds + 30)));   // an orphan ends by itself
        if (killAt != Long.MAX_VALUE) args.addAll(List.of("--sigkill-after", String.valueOf(killAt)));
        if (lab.allowRemote) args.add("--allow-remote");
        Process p;
        try {
            p = new ProcessBuilder(Jvm.command("retry", args)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new LabException("cannot start a server process: " + e.getMessage());
        }
        CompletableFuture<String> bound = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            String last = "no output";
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; last = line) {
                    Matcher m = BOUND.matcher(line);
                    if (m.find()) bound.complete(m.group(1));
                }
            } catch (IOException ignored) {
                // the process is gone
            }
            bound.completeExceptionally(new LabException("server process ended: " + last.replaceFirst("^E: ", "")));
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new Started(p, bound.get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            throw (LabException) e.getCause();
        } catch (TimeoutException | InterruptedException e) {
            p.destroyForcibly();
            throw new LabException("the server process did not bind within 30 s");
        }
    }

    /** Waits for the server process to die and starts a new one on the same endpoint. */
    private void supervise() {
        while (!done) {
            try {
                if (!current.waitFor(20, TimeUnit.MILLISECONDS) || done) continue;
            } catch (InterruptedException e) {
                return;
            }
            if (current.exitValue() != SIGKILLED) {   // Ctrl-C in a terminal reaches the server too: that is no failure
                if (!Lab.interrupted()) failure = "the server process ended with exit code " + current.exitValue() + ", not by SIGKILL";
                return;
            }
            kills++;
            long t0 = System.nanoTime(), killAt = nextKill();
            Path journal = nextJournal();
            try {
                current = retryBind(() -> start(endpoint, killAt, journal), () -> done).process();
            } catch (LabException e) {
                failure = e.getMessage();
                return;
            }
            restartMillis.add((System.nanoTime() - t0) / 1e6);
            restarts++;
        }
    }

    @Override
    protected Tally stopServers() {
        try {
            supervisor.join(35_000);   // a restart in progress finishes (or gives up) first
            current.destroy();         // SIGTERM: the server says what it served and exits
            if (!current.waitFor(10, TimeUnit.SECONDS)) current.destroyForcibly();
        } catch (InterruptedException e) {
            current.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        Tally tally = Journal.tally(journals);
        deleteJournals();
        return tally;
    }

    private void deleteJournals() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
