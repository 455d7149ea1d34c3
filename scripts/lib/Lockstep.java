import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The experiment: REQ (this thread) and REP (EchoServer's thread) loop request/reply in strict lockstep.
 * A reply that does not come within the timeout is lost: REQ can never send again, so the run ends there.
 */
public final class Lockstep {
    public enum Stop { loss, budget, time_limit, interrupted }

    /** One run: how far it got, where it lost a reply (0 = none) and what REP's send() said of it. */
    public record Result(long roundTrips, long lostAt, boolean repSendReturnedTrue, Stop stop,
                         double elapsedSeconds, long[] latencyNanos, String endpoint) {
        public long lost() { return lostAt > 0 ? 1 : 0; }
        public double ratePerSecond() { return roundTrips / Math.max(elapsedSeconds, 1e-9); }
        public double percentileMicros(double p) { return Stats.percentile(latencyNanos, p) / 1000.0; }
    }

    private static final int KEEP_LATENCIES = 1_000_000;   // enough for percentiles, bounded memory

    public static Result run(LabOptions o, PrintWriter err, Consumer<String> onBound) {
        return run(o, err, onBound, EchoServer.Watch.NONE);
    }

    /** A run whose REP is watched after each recv() and send(); onBound hears the endpoint first. */
    public static Result run(LabOptions o, PrintWriter err, Consumer<String> onBound, EchoServer.Watch watch) {
        try (ZContext ctx = new ZContext(1);
             EchoServer rep = new EchoServer(ctx, o, watch)) {
            String endpoint = rep.endpoint();
            onBound.accept(endpoint);
            ZMQ.Socket req = ctx.createSocket(SocketType.REQ);
            req.setLinger(0);
            req.setSndHWM(o.reqSndHwm);
            req.setRcvHWM(o.reqRcvHwm);
            req.setReceiveTimeOut(o.timeoutMs);
            req.connect(endpoint);

            long[] latencies = new long[(int) Math.min(o.budget, KEEP_LATENCIES)];
            Progress progress = new Progress(err, "round trips");
            long start = System.nanoTime();
            long deadline = start + (long) (o.timeLimitSeconds * 1e9);
            long done = 0;
            Stop why = Stop.budget;
            long lostAt = 0;
            while (done < o.budget) {
                if (Lab.interrupted()) { why = Stop.interrupted; break; }
                long t0 = System.nanoTime();
                if (t0 > deadline) { why = Stop.time_limit; break; }
                long id = done + 1;
                req.send(Long.toString(id));
                byte[] reply = req.recv();
                if (reply == null) { lostAt = id; why = Stop.loss; break; }
                latencies[(int) (done % latencies.length)] = System.nanoTime() - t0;
                done++;
                progress.tick(done, 0);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            // The REP thread has received request lostAt and returned from send() long before REQ's timeout.
            boolean sendTrue = lostAt > 0 && rep.lastId == lostAt && rep.lastSendOk;
            req.close();
            return new Result(done, lostAt, sendTrue, why, elapsed,
                    Arrays.copyOf(latencies, (int) Math.min(done, latencies.length)), endpoint);
        }
    }
}
