import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Servers as threads of this process: a crash ends the REP thread after it handled a request, before it replies. */
public final class ThreadServers extends Servers {
    private final ZContext ctx;
    private final Map<Path, Journal> open = new HashMap<>();
    private final Thread supervisor;
    private final String endpoint;
    private final LabOptions again;
    private volatile EchoServer current;

    public ThreadServers(ZContext ctx, LabOptions lab, Faults faults) {
        super(lab, faults);
        this.ctx = ctx;
        current = start(lab, nextKill(), nextJournal());
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

    private EchoServer start(LabOptions o, long killAt, Path journalFile) {
        Journal journal = journal(journalFile);
        return new EchoServer(ctx, o, new EchoServer.Watch() {
            long handled;

            @Override public void afterRecv(ZMQ.Socket rep, long id) {
                if (++handled == killAt) {              // the request is handled; the reply never leaves
                    kills++;
                    throw new IllegalStateException("crash (--kill-every)");
                }
            }
        }, journal);
    }

    private synchronized Journal journal(Path path) {
        return open.computeIfAbsent(path, Journal::new);
    }

    /** Replaces a crashed server with a new one on the same endpoint. */
    private void supervise() {
        while (!done) {
            if (!current.alive() && !done) {
                long t0 = System.nanoTime(), killAt = nextKill();
                Path journalFile = nextJournal();
                try {
                    current = retryBind(() -> {
                        EchoServer next = start(again, killAt, journalFile);
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
    protected void stopServers() {
        try {
            supervisor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        current.close();
        open.values().forEach(Journal::close);
    }
}
