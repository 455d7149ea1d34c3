import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Servers as threads of this process: a crash ends the REP thread after it handled a request, before it replies.
 * The process survives, so the handled ids are kept in memory (a journal file would slow the REP and change how
 * often SNDHWM=1 drops, which the runs without crashes measure).
 */
public final class ThreadServers extends Servers {
    private final ZContext ctx;
    private final Set<Long> durable = ConcurrentHashMap.newKeySet();
    private final Map<Long, Integer> effects = new ConcurrentHashMap<>();   // the application's work, per id
    private final LongAdder repeats = new LongAdder();
    private final Thread supervisor;
    private final String endpoint;
    private final LabOptions again;
    private volatile EchoServer current;

    public ThreadServers(ZContext ctx, LabOptions lab, Faults faults) {
        super(lab, faults);
        this.ctx = ctx;
        current = start(lab, nextKill());
        endpoint = current.endpoint();
        again = lab.derived(lab.transportName(), lab.timeLimitSeconds);
        again.endpoint = endpoint;   // every new server binds where the clients already connect
        again.repSndHwm = lab.repSndHwm;
        again.repRcvHwm = lab.repRcvHwm;
        supervisor = new Thread(this::supervise, "supervisor");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    @Override
    public String endpoint() { return endpoint; }

    private EchoServer start(LabOptions o, long killAt) {
        Set<Long> memory = faults.durable() ? durable : ConcurrentHashMap.newKeySet();
        return new EchoServer(ctx, o, new EchoServer.Watch() {
            long handled;

            @Override public void afterRecv(ZMQ.Socket rep, long id) {
                if (++handled == killAt) {              // the request is handled; the reply never leaves
                    kills++;
                    throw new IllegalStateException("crash (--kill-every)");
                }
            }
        }, new SafeRepServer.Ledger() {
            public String replyFor(long id) {
                if (!memory.contains(id)) return null;
                repeats.increment();
                return "";
            }

            public String handle(long id, String payload) {
                memory.add(id);
                effects.merge(id, 1, Integer::sum);   // the application's work, counted per id
                return "";
            }
        });
    }

    /** Replaces a crashed server with a new one on the same endpoint. */
    private void supervise() {
        while (!done) {
            if (!current.alive() && !done) {
                long t0 = System.nanoTime(), killAt = nextKill();
                try {
                    current = retryBind(() -> {
                        EchoServer next = start(again, killAt);
                        try {
                            next.endpoint();
                            return next;
                        } catch (LabException busy) {
                            next.close();
                            throw busy;
                        }
                    }, () -> done);
                } catch (LabException e) {
                    failure = e.getMessage();
                    return;
                }
                restartMillis.add((System.nanoTime() - t0) / 1e6);
                restarts++;
            }
            sleep(2);
        }
    }

    @Override
    protected Tally stopServers() {
        try {
            supervisor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        current.close();
        return Tally.of(effects, repeats.sum());
    }
}
