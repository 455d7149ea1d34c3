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

    long retries, staleReplies, abandoned, answered, firstRetry;

    @Override
    protected int run() {
        if (maxRetries < 0) throw new LabException("--retries must be 0 or more", Lab.USAGE);
        long[] latencies = new long[(int) Math.min(lab.budget, 1_000_000)];
        Lockstep.Stop stop = Lockstep.Stop.budget;
        long start = System.nanoTime();
        try (ZContext ctx = new ZContext(1); EchoServer server = new EchoServer(ctx, lab)) {
            String endpoint = server.endpoint();
            describeSetup(endpoint);
            say("I", "client: Lazy Pirate, up to %d resends per request, each on a new REQ socket", maxRetries);
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
            say("I", "server: handled %,d distinct ids, answered %,d repeats from its cache (the client's resends)",
                    server.handlerRuns, server.duplicates);
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
            record(row);
            // Exactly once: every request got one accepted reply, and the handler ran once per request.
            boolean once = abandoned == 0 && answered == tried && server.handlerRuns == tried;
            return verdict(once && stop == Lockstep.Stop.budget ? Lab.SHOWN : Lab.NOT_SHOWN,
                    "%s %,d requests, %,d answered once, %,d abandoned; %,d retries, %,d repeats deduplicated, %,d stale replies discarded%s",
                    once ? "OK" : "FAILED", tried, answered, abandoned, retries, server.duplicates, staleReplies,
                    stop == Lockstep.Stop.budget ? "" : " (stopped early: " + stop + ")");
        }
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
