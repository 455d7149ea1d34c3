///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: the Lazy Pirate client of the ZeroMQ Guide (wait with a timeout; on timeout close the REQ socket,
// open a new one and resend, a bounded number of times) gets every request answered exactly once even from
// a REP with SNDHWM=1 that silently drops replies, and from a server that crashes (a thread that dies, or a
// process killed with SIGKILL) and is started again, because requests carry ids and the server keeps the ids
// it handled in a journal: a resent id is answered from there instead of being handled again.
// Run: jbang retry           (exit 0 = every request answered once; 1 = a request was abandoned or doubled)
//      jbang retry --server process --kill-every 1000 --rep-sndhwm 1000 --budget 100000
//SOURCES lib/Step.java faults/Servers.java faults/ThreadServers.java faults/ProcessServers.java
//SOURCES faults/Journal.java patterns/LazyPirateClient.java

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Lazy Pirate client against a REP with SNDHWM=1, or a crashing one: every request answered exactly once.")
public class retry extends Step {
    // Timeout 100 ms: a reply takes well under 1 ms here, so 100 ms of silence means "lost", and retries stay cheap.
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "10000", "time-limit", "60", "timeout", "100");

    public static void main(String... args) {
        Lab.main(new retry(), args, DEFAULTS);
    }

    @Option(names = "--retries",
            description = "resends of one request before it is abandoned, as the Guide's REQUEST_RETRIES "
                    + "(default: 3; 100 with --server process, whose restart takes a new JVM's start-up)")
    Integer maxRetries;

    @Option(names = "--server", defaultValue = "thread",
            description = "thread: the REP is a thread of this process; process: a separate JVM (retry --role rep) "
                    + "that --kill-every ends with SIGKILL (default: ${DEFAULT-VALUE})")
    String serverKind;

    @Option(names = "--kill-every", defaultValue = "0",
            description = "crash the REP after every K-th request it handles, before replying (a thread ends; a process "
                    + "is killed with SIGKILL) and start a new one on the same endpoint; 0 = never (default: ${DEFAULT-VALUE})")
    long killEvery;

    @Option(names = "--kill-seed", description = "crash at random points instead, on average every --kill-every requests, from this seed")
    Long killSeed;

    @Option(names = "--server-memory", defaultValue = "durable",
            description = "durable: the journal of handled ids survives a crash (a database would); lost: a new server "
                    + "starts with an empty one, so a resend is handled again (default: ${DEFAULT-VALUE})")
    String serverMemory;

    @Option(names = "--journal", description = "with --role rep: file of handled request ids, kept across restarts (default: none, ids kept in memory)")
    Path journal;

    @Option(names = "--sigkill-after", hidden = true, defaultValue = "0",
            description = "internal, with --role rep: kill this process with SIGKILL after the N-th request, before replying")
    long sigkillAfter;

    long abandoned, answered, firstRetry, retriedRequests, retriedNanos;

    @Override
    protected boolean separable() { return true; }

    @Override
    protected List<String> columns() {
        return Stream.concat(Runs.COLUMNS.stream(), Stream.of("kill_every", "kills", "restarts", "server_memory", "app_duplicates",
                "server", "retried_requests", "retried_mean_ms", "max_us", "restart_ms")).toList();
    }

    /** --role rep: the server keeps handled ids in --journal, and with --sigkill-after dies at the worst moment. */
    @Override
    protected ServerThread server(ZContext ctx) {
        // Clients' ids need not increase (see run()), so the ids themselves are kept.
        SafeRepServer.Ledger handled = journal == null ? EchoServer.inMemory(new java.util.HashSet<>()) : new Journal(journal);
        return new EchoServer(ctx, lab, new EchoServer.Watch() {
            long requests;

            @Override public void afterRecv(ZMQ.Socket rep, long id) {
                if (++requests == sigkillAfter) sigkillMyself();   // handled and journaled; the reply never leaves
            }
        }, handled);
    }

    private static void sigkillMyself() {
        try {
            new ProcessBuilder("kill", "-KILL", String.valueOf(ProcessHandle.current().pid())).start();
            while (true) Thread.sleep(1000);   // the signal arrives within milliseconds
        } catch (Exception e) {
            throw new IllegalStateException("could not SIGKILL this process: " + e.getMessage());
        }
    }

    @Override
    protected int run() {
        if (maxRetries == null) maxRetries = serverKind.equals("process") ? 100 : 3;
        if (maxRetries < 0) throw new LabException("--retries must be 0 or more", Lab.USAGE);
        if (killEvery < 0) throw new LabException("--kill-every must be 0 or more", Lab.USAGE);
        if (!serverMemory.equals("durable") && !serverMemory.equals("lost"))
            throw new LabException("--server-memory must be durable or lost", Lab.USAGE);
        if (!serverKind.equals("thread") && !serverKind.equals("process"))
            throw new LabException("--server must be thread or process", Lab.USAGE);
        boolean remote = lab.role.equals("req");   // the server is someone else's: only what the client sees counts
        if (remote && (killEvery > 0 || serverKind.equals("process")))
            throw new LabException("--kill-every and --server process start the server themselves: not with --role req", Lab.USAGE);
        long[] latencies = new long[(int) Math.min(lab.budget, 1_000_000)];
        Lockstep.Stop stop = Lockstep.Stop.budget;
        long start = System.nanoTime();
        Servers.Faults faults = new Servers.Faults(killEvery, killSeed, serverMemory.equals("durable"));
        try (ZContext ctx = new ZContext(1);
             Servers server = remote ? null : serverKind.equals("process") ? new ProcessServers(lab, faults) : new ThreadServers(ctx, lab, faults)) {
            String endpoint = remote ? lab.endpoint : server.endpoint();
            describeSetup(endpoint);
            if (remote) say("I", "REP: another process, serving at %s", Runs.printable(endpoint));
            else if (server instanceof ProcessServers p) say("I", "REP: a separate JVM (pid %d) running retry --role rep", p.pid());
            say("I", "client: Lazy Pirate, up to %d resends per request, each on a new REQ socket", maxRetries);
            if (killEvery > 0)
                say("I", "faults: the REP %s %s, each time right after handling a request, before replying; a new one "
                                + "takes over; server memory %s",
                        serverKind.equals("process") ? "process is killed with SIGKILL" : "thread crashes", faults.describe(), serverMemory);
            Progress progress = new Progress(err(), "requests");
            long deadline = start + (long) (lab.timeLimitSeconds * 1e9);
            // Ids identify requests to the server's journal, so with a server that others use too they must not be
            // 1, 2, 3... again: this client starts at a random point of a 2^62 range (a UUID would do as well).
            long firstId = remote ? (1L << 40) + new java.security.SecureRandom().nextLong((1L << 62) - (1L << 40)) : 1;
            if (remote) say("I", "request ids: %d and on (a random start, so that no other client's ids collide)", firstId);
            LazyPirateClient client = client(ctx, endpoint);
            for (long n = 1; n <= lab.budget; n++) {
                long id = firstId + n - 1;
                if (Lab.interrupted()) { stop = Lockstep.Stop.interrupted; break; }
                if (System.nanoTime() > deadline) { stop = Lockstep.Stop.time_limit; break; }
                long t0 = System.nanoTime(), resendsBefore = client.resends;
                try {
                    client.request(id, "");
                    answered++;
                } catch (LazyPirateClient.RequestFailed e) {
                    abandoned++;
                    if (remote && answered == 0 && e.getMessage().contains("rejected")) throw new LabException(e.getMessage());
                }
                long took = System.nanoTime() - t0;
                latencies[(int) ((n - 1) % latencies.length)] = took;
                if (client.resends > resendsBefore) {
                    retriedRequests++;
                    retriedNanos += took;
                    if (firstRetry == 0) firstRetry = id;
                }
                if (remote && answered == 0)
                    throw new LabException("nothing answered at " + endpoint + " after " + (maxRetries + 1) + " tries of "
                            + lab.timeoutMs + " ms (is a retry --role rep running there?)");
                progress.tick(n, abandoned);
            }
            client.close();
            long retries = client.resends, staleReplies = client.staleReplies;
            double elapsed = (System.nanoTime() - start) / 1e9;
            long tried = answered + abandoned;
            long[] kept = Arrays.copyOf(latencies, (int) Math.min(tried, latencies.length));
            Servers.Tally did = new Servers.Tally(-1, -1, 0);
            if (!remote) {
                server.close();
                did = server.tally();
                say("I", "server: ran the handler %,d times for %,d requests; answered %,d resends from its record of handled ids without handling them again",
                        did.handlerRuns(), tried, did.repeats());
                if (server.failure() != null) say("W", "supervisor gave up: %s", server.failure());
                if (killEvery > 0)
                    say("I", "faults: %,d crashes, %,d restarts (median %s ms to a new server bound); %,d ids handled more than once",
                            server.kills, server.restarts, Runs.number(server.medianRestartMillis()), did.handledTwice());
            }
            double retriedMeanMs = retriedRequests == 0 ? Double.NaN : retriedNanos / 1e6 / retriedRequests;
            double p50us = Stats.percentile(kept, 50) / 1000, p99us = Stats.percentile(kept, 99) / 1000;
            double maxUs = Arrays.stream(kept).max().orElse(0) / 1000.0;
            say("I", "latency: p50 %s us, p99 %s us, max %s ms; %s", Runs.number(p50us), Runs.number(p99us), Runs.number(maxUs / 1000),
                    retriedRequests == 0 ? "no request needed a resend" : String.format("%,d requests needed a resend "
                            + "(each resend is a reconnect: a new REQ socket), %s ms each on average", retriedRequests, Runs.number(retriedMeanMs)));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("endpoint", endpoint);
            row.put("round_trips", answered);
            row.put("lost", abandoned);
            row.put("first_loss", firstRetry > 0 ? firstRetry - firstId + 1 : "");
            row.put("retries", retries);
            row.put("duplicates", remote ? "" : did.repeats());
            row.put("stale_replies", staleReplies);
            row.put("stop", stop);
            row.put("elapsed_s", Runs.number(elapsed));
            row.put("rate_per_s", Runs.number(tried / elapsed));
            row.put("p50_us", Runs.number(p50us));
            row.put("p99_us", Runs.number(p99us));
            row.put("kill_every", killEvery);
            row.put("kills", remote ? "" : server.kills);
            row.put("restarts", remote ? "" : server.restarts);
            row.put("server_memory", remote ? "" : serverMemory);
            row.put("app_duplicates", remote ? "" : did.handledTwice());
            row.put("server", remote ? "remote" : serverKind);
            row.put("retried_requests", retriedRequests);
            row.put("retried_mean_ms", Runs.number(retriedMeanMs));
            row.put("max_us", Runs.number(maxUs));
            row.put("restart_ms", remote ? "" : Runs.number(server.medianRestartMillis()));
            record(row);
            // Exactly once: every request got one accepted reply, and (where we can see it) the handler ran once per request.
            boolean once = abandoned == 0 && answered == tried && (remote || did.handlerRuns() == tried && did.handledTwice() == 0);
            return verdict(once && stop == Lockstep.Stop.budget ? Lab.SHOWN : Lab.NOT_SHOWN,
                    "%s %,d requests, %,d answered once, %,d abandoned; %,d retries, %s%,d stale replies discarded%s",
                    !once ? "FAILED" : stop == Lockstep.Stop.budget ? "OK" : "SHORT of the budget:", tried, answered, abandoned, retries,
                    remote ? "" : String.format("%,d repeats deduplicated, ", did.repeats()), staleReplies,
                    stop == Lockstep.Stop.budget ? "" : " (stopped early: " + stop + ")");
        }
    }

    /** The pattern's client (patterns/LazyPirateClient.java), with the REQ marks of the step's options. */
    LazyPirateClient client(ZContext ctx, String endpoint) {
        return new LazyPirateClient(ctx, endpoint, lab.timeoutMs, maxRetries) {
            @Override protected void configure(ZMQ.Socket req) { lab.applyReqHwm(req); }
        };
    }
}
