import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The experiment: REQ (this thread) and REP (another thread) loop request/reply in strict lockstep.
 * A reply that does not come within the timeout is lost: REQ can never send again, so the run ends there.
 */
public final class Lockstep {
    public enum Stop { loss, budget, time_limit, interrupted }

    /** One run: how far it got, where it lost a reply (0 = none) and what REP's send() said of it (null: not known here). */
    public record Result(long roundTrips, long lostAt, Boolean repSendReturnedTrue, Stop stop,
                         double elapsedSeconds, long[] latencyNanos, String endpoint) {
        public long lost() { return lostAt > 0 ? 1 : 0; }
        public double ratePerSecond() { return roundTrips / Math.max(elapsedSeconds, 1e-9); }
        public double percentileMicros(double p) { return Stats.percentile(latencyNanos, p) / 1000.0; }
    }

    /** The REQ side in some library: send request `id`; receive, waiting at most the timeout (false: nothing came). */
    public interface Req {
        void send(long id);
        boolean receive();
    }

    /** What the REP side last did: the id of the request it received and what send() returned for its reply. */
    public interface RepView {
        long lastId();
        boolean lastSendOk();
    }

    /** The REP in another process: nothing is known of it here. */
    static final RepView ELSEWHERE = new RepView() {
        public long lastId() { return -1; }
        public boolean lastSendOk() { return false; }
    };

    private static final int KEEP_LATENCIES = 1_000_000;   // enough for percentiles, bounded memory

    public static Result run(LabOptions o, PrintWriter err, Consumer<String> onBound) {
        return run(o, err, onBound, EchoServer.Watch.NONE);
    }

    /**
     * A run on JeroMQ whose REP is watched after each recv() and send(); onBound hears the endpoint first.
     * With --role req the REP is another process at --endpoint, and what its send() returned is not known here.
     */
    public static Result run(LabOptions o, PrintWriter err, Consumer<String> onBound, EchoServer.Watch watch) {
        boolean here = o.role.equals("both");
        try (ZContext ctx = new ZContext(1);
             EchoServer rep = here ? new EchoServer(ctx, o, watch) : null) {
            String endpoint = here ? rep.endpoint() : o.endpoint;
            onBound.accept(endpoint);
            ZMQ.Socket[] req = {open(ctx, o, endpoint, here ? o.timeoutMs : Math.min(1000, o.connectTimeoutMs))};
            Req client = new Req() {
                long replies, last;
                public void send(long id) { last = id; req[0].send(Long.toString(id)); }
                public boolean receive() {
                    if (!(replies == 0 && !here ? first() : req[0].recv() != null)) return false;
                    if (++replies == 1 && o.setWhen.equals("after-connection")) o.applyReqHwm(req[0]);
                    return true;
                }
                // A REP in another process may not be there yet, or (seen in trials) may not take up a connection:
                // retry the first request on fresh sockets, as a Lazy Pirate client would, up to --connect-timeout.
                boolean first() {
                    long end = System.nanoTime() + o.connectTimeoutMs * 1_000_000L;
                    while (req[0].recv() == null) {
                        if (System.nanoTime() > end)
                            throw new LabException("nothing answered at " + endpoint + " within " + o.connectTimeoutMs
                                    + " ms (is a --role rep running there?)");
                        err.printf("W: no answer to the first request yet; resending it on a new REQ socket%n");
                        req[0].close();
                        req[0] = open(ctx, o, endpoint, Math.min(1000, o.connectTimeoutMs));
                        req[0].send(Long.toString(last));
                    }
                    req[0].setReceiveTimeOut(o.timeoutMs);
                    return true;
                }
            };
            Result r = loop(o, err, endpoint, client, here ? rep : ELSEWHERE);
            req[0].close();
            return r;
        }
    }

    /** A REQ socket connected to the endpoint, its HWM set before or after connect() as asked. */
    private static ZMQ.Socket open(ZContext ctx, LabOptions o, String endpoint, int receiveTimeoutMs) {
        ZMQ.Socket req = ctx.createSocket(SocketType.REQ);
        req.setLinger(0);
        req.setReceiveTimeOut(receiveTimeoutMs);
        if (o.setWhen.equals("before-bind")) o.applyReqHwm(req);
        req.connect(endpoint);
        if (o.setWhen.equals("after-bind")) o.applyReqHwm(req);
        return req;
    }

    /** The lockstep loop itself, for any library: until a loss, the budget, the time limit or Ctrl-C. */
    public static Result loop(LabOptions o, PrintWriter err, String endpoint, Req req, RepView rep) {
        long[] latencies = new long[(int) Math.min(o.budget, KEEP_LATENCIES)];
        Progress progress = new Progress(err, "round trips");
        long start = System.nanoTime();
        long deadline = start + (long) (o.timeLimitSeconds * 1e9);
        long done = 0;
        Stop why = Stop.budget;
        long lostAt = 0;
        // --8<-- [start:req-loop]
        while (done < o.budget) {
            if (Lab.interrupted()) { why = Stop.interrupted; break; }
            long t0 = System.nanoTime();
            if (t0 > deadline) { why = Stop.time_limit; break; }
            long id = done + 1;
            req.send(id);
            if (!req.receive()) { lostAt = id; why = Stop.loss; break; }
            latencies[(int) (done % latencies.length)] = System.nanoTime() - t0;
            done++;
            progress.tick(done, 0);
        }
        // --8<-- [end:req-loop]
        double elapsed = (System.nanoTime() - start) / 1e9;
        // The REP thread has received request lostAt and returned from send() long before REQ's timeout.
        Boolean sendTrue = rep.lastId() < 0 ? null : lostAt > 0 && rep.lastId() == lostAt && rep.lastSendOk();
        return new Result(done, lostAt, sendTrue, why, elapsed,
                Arrays.copyOf(latencies, (int) Math.min(done, latencies.length)), endpoint);
    }
}
