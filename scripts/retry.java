///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: the Lazy Pirate client of the ZeroMQ Guide (wait with a timeout; on timeout close the REQ socket,
// open a new one and resend, a bounded number of times) gets every request answered exactly once even from
// a REP with SNDHWM=1 that silently drops replies, because requests carry ids and the server answers a
// repeated id from its cache instead of handling it again.
// Run: jbang retry           (exit 0 = every request answered once; 1 = a request was abandoned or doubled)
//SOURCES lib/*.java

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Map;

@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Lazy Pirate client against a REP with SNDHWM=1: every request answered exactly once.")
public class retry extends Step {
    @Option(names = "--retries", defaultValue = "3",
            description = "resends of one request before it is abandoned, as the Guide's REQUEST_RETRIES (default: ${DEFAULT-VALUE})")
    int maxRetries;

    // Timeout 100 ms: a reply takes well under 1 ms here, so 100 ms of silence means "lost", and retries stay cheap.
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "10000", "time-limit", "60", "timeout", "100");

    public static void main(String... args) {
        Lab.main(new retry(), args, DEFAULTS);
    }

    @Option(names = "--kill-every", defaultValue = "0",
            description = "crash the REP after every K-th request it handles (its thread ends before replying) and start "
                    + "a new one on the same endpoint; 0 = never (default: ${DEFAULT-VALUE})")
    long killEvery;

    @Option(names = "--kill-seed", description = "crash at random points instead, on average every --kill-every requests, from this seed")
    Long killSeed;

    @Option(names = "--server-memory", defaultValue = "durable",
            description = "durable: what the server handled survives its crash (a database); lost: a new server "
                    + "remembers nothing, so a resend is handled again (default: ${DEFAULT-VALUE})")
    String serverMemory;

    long retries, staleReplies, abandoned, answered, firstRetry;

    @Override
    protected java.util.List<String> columns() {
        return java.util.stream.Stream.concat(Runs.COLUMNS.stream(),
                java.util.stream.Stream.of("kill_every", "kills", "restarts", "server_memory", "app_duplicates")).toList();
    }

    @Override
    protected int run() {
        if (maxRetries < 0) throw new LabException("--retries must be 0 or more", Lab.USAGE);
        if (killEvery < 0) throw new LabException("--kill-every must be 0 or more", Lab.USAGE);
        if (!serverMemory.equals("durable") && !serverMemory.equals("lost"))
            throw new LabException("--server-memory must be durable or lost", Lab.USAGE);
        long[] latencies = new long[(int) Math.min(lab.budget, 1_000_000)];
        Lockstep.Stop stop = Lockstep.Stop.budget;
        long start = System.nanoTime();
        try (ZContext ctx = new ZContext(1); Servers server = new Servers(ctx)) {
            String endpoint = server.endpoint;
            describeSetup(endpoint);
            say("I", "client: Lazy Pirate, up to %d resends per request, each on a new REQ socket", maxRetries);
            if (killEvery > 0)
                say("I", "faults: the REP crashes after %s %,d handled requests, before replying; a new one takes over; server memory %s",
                        killSeed == null ? "every" : "on average every", killEvery, serverMemory);
            Progress progress = new Progress(err(), "requests");
            long deadline = start + (long) (lab.timeLimitSeconds * 1e9);
            ZMQ.Socket req = connect(ctx, endpoint);
            for (long id = 1; id <= lab.budget; id++) {
                if (Lab.interrupted()) { stop = Lockstep.Stop.interrupted; break; }
                if (System.nanoTime() > deadline) { stop = Lockstep.Stop.time_limit; break; }
                long t0 = System.nanoTime();
                req = request(ctx, endpoint, req, id);
                latencies[(int) ((id - 1) % latencies.length)] = System.nanoTime() - t0;
                progress.tick(id, abandoned);
            }
            req.close();
            double elapsed = (System.nanoTime() - start) / 1e9;
            long tried = answered + abandoned;
            long[] kept = Arrays.copyOf(latencies, (int) Math.min(tried, latencies.length));
            server.stop();
            say("I", "server: handled %,d distinct ids, answered %,d repeats without handling them again (the client's resends)",
                    server.handlerRuns, server.duplicates);
            if (killEvery > 0)
                say("I", "faults: %,d crashes, %,d restarts; the application handled %,d ids more than once",
                        server.kills, server.restarts, server.appDuplicates());
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("endpoint", endpoint);
            row.put("round_trips", answered);
            row.put("lost", abandoned);
            row.put("first_loss", firstRetry > 0 ? firstRetry : "");
            row.put("retries", retries);
            row.put("duplicates", server.duplicates);
            row.put("stale_replies", staleReplies);
            row.put("stop", stop);
            row.put("elapsed_s", Runs.number(elapsed));
            row.put("rate_per_s", Runs.number(tried / elapsed));
            row.put("p50_us", Runs.number(Stats.percentile(kept, 50) / 1000));
            row.put("p99_us", Runs.number(Stats.percentile(kept, 99) / 1000));
            row.put("kill_every", killEvery);
            row.put("kills", server.kills);
            row.put("restarts", server.restarts);
            row.put("server_memory", serverMemory);
            row.put("app_duplicates", server.appDuplicates());
            record(row);
            // Exactly once: every request got one accepted reply, and the handler ran once per request.
            boolean once = abandoned == 0 && answered == tried && server.handlerRuns == tried && server.appDuplicates() == 0;
            return verdict(once && stop == Lockstep.Stop.budget ? Lab.SHOWN : Lab.NOT_SHOWN,
                    "%s %,d requests, %,d answered once, %,d abandoned; %,d retries, %,d repeats deduplicated, %,d stale replies discarded%s",
                    once ? "OK" : "FAILED", tried, answered, abandoned, retries, server.duplicates, staleReplies,
                    stop == Lockstep.Stop.budget ? "" : " (stopped early: " + stop + ")");
        }
    }

    /**
     * The REP side of the retry step: one EchoServer, or with --kill-every a succession of them, each crashing
     * (its thread ends after handling a request, before replying) and replaced by a supervisor on the same endpoint.
     * The application's effects are counted per id across all of them, to see whether any request was handled twice.
     */
    final class Servers implements AutoCloseable {
        final String endpoint;
        private final ZContext ctx;
        private final LabOptions fixed;
        private final java.util.Map<Long, Integer> effects = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.Set<Long> durable = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.Random random = new java.util.Random(killSeed == null ? 0 : killSeed);
        private final Thread supervisor;
        private volatile EchoServer current;
        private volatile boolean done;
        private long handledSinceKill, nextKill;
        long handlerRuns, duplicates, kills, restarts;

        Servers(ZContext ctx) {
            this.ctx = ctx;
            nextKill = drawKill();
            current = start(lab);
            endpoint = current.endpoint();
            fixed = lab.derived(lab.transportName(), lab.timeLimitSeconds);
            fixed.endpoint = endpoint;   // every new server binds where the clients already connect
            fixed.repSndHwm = lab.repSndHwm;
            fixed.repRcvHwm = lab.repRcvHwm;
            supervisor = new Thread(this::supervise, "supervisor");
            supervisor.setDaemon(true);
            supervisor.start();
        }

        private long drawKill() {
            if (killEvery == 0) return Long.MAX_VALUE;
            return killSeed == null ? killEvery : 1 + (long) (random.nextDouble() * 2 * killEvery);
        }

        private EchoServer start(LabOptions o) {
            boolean keep = serverMemory.equals("durable");
            java.util.Set<Long> memory = keep ? durable : java.util.concurrent.ConcurrentHashMap.newKeySet();
            return new EchoServer(ctx, o, new EchoServer.Watch() {
                @Override public void afterRecv(ZMQ.Socket rep, long id) {
                    if (++handledSinceKill >= nextKill) {          // the request is handled; the reply never leaves
                        handledSinceKill = 0;
                        nextKill = drawKill();
                        kills++;
                        throw new IllegalStateException("crash (--kill-every)");
                    }
                }
            }, id -> {
                boolean first = memory.add(id);
                if (first) effects.merge(id, 1, Integer::sum);     // the application's work, done once per id
                return first;
            });
        }

        /** Replaces a crashed server with a new one on the same endpoint (retrying while the port is released). */
        private void supervise() {
            while (!done) {
                EchoServer s = current;
                if (!s.alive() && !done) {
                    collect(s);
                    long give = System.nanoTime() + 5_000_000_000L;
                    while (!done) {
                        EchoServer next = start(fixed);
                        try {
                            next.endpoint();
                            current = next;
                            restarts++;
                            break;
                        } catch (LabException busy) {
                            next.close();
                            if (System.nanoTime() > give) throw busy;
                        }
                    }
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private synchronized void collect(EchoServer s) {
            handlerRuns += s.handlerRuns;
            duplicates += s.duplicates;
        }

        /** Ids the application handled more than once. */
        long appDuplicates() {
            return effects.values().stream().filter(n -> n > 1).count();
        }

        /** Stops the supervisor and the server, adding up what the last server did. */
        void stop() {
            if (done) return;
            done = true;
            try {
                supervisor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            current.close();
            collect(current);
        }

        @Override
        public void close() { stop(); }
    }

    // --8<-- [start:lazy-pirate]
    /** Sends request `id` until one reply with that id is accepted; returns the socket to use next. */
    ZMQ.Socket request(ZContext ctx, String endpoint, ZMQ.Socket req, long id) {
        for (int attempt = 0; ; attempt++) {
            req.send(Long.toString(id));
            String reply = req.recvStr();                        // waits at most --timeout (RCVTIMEO)
            if (reply != null) {
                if (Long.parseLong(reply) == id) { answered++; return req; }   // the one reply we accept
                staleReplies++;                                  // an answer to an older request: discard
            }
            // No (valid) reply in time: the REQ socket is stuck in "expect reply", so close it
            // (linger 0 drops anything still queued) and resend on a fresh one.
            req.close();
            req = connect(ctx, endpoint);
            if (attempt == maxRetries) { abandoned++; return req; }
            retries++;
            if (firstRetry == 0) firstRetry = id;
        }
    }

    ZMQ.Socket connect(ZContext ctx, String endpoint) {
        ZMQ.Socket req = ctx.createSocket(SocketType.REQ);
        req.setLinger(0);
        lab.applyReqHwm(req);
        req.setReceiveTimeOut(lab.timeoutMs);   // the Guide polls; for one socket a receive timeout is the same wait
        req.connect(endpoint);
        return req;
    }
    // --8<-- [end:lazy-pirate]
}
