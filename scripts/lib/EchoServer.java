import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

import java.util.Set;

/**
 * The REP side of the steps: the server pattern (patterns/SafeRepServer.java) in a thread, its marks set from
 * the step's options, its hooks remembering the last request id and what send() returned for its reply, so a
 * step can show that a lost reply was "sent" successfully. The reply is the request id: an echo.
 */
public final class EchoServer extends ServerThread {
    /** Looks at the REP socket on its own thread, after a request was handled and after its reply: see anatomy. */
    public interface Watch {
        Watch NONE = new Watch() { };
        default void afterRecv(ZMQ.Socket rep, long id) { }
        default void afterSend(ZMQ.Socket rep, long id, boolean ok) { }
    }

    /** Ids increase in a step's own runs, so remembering the highest is enough to recognise a repeat. */
    static final class HighestId implements SafeRepServer.Ledger {
        private long highest = -1;

        public String replyFor(long id) { return id <= highest ? "" : null; }

        public String handle(long id, String payload) {
            highest = id;
            return "";
        }
    }

    /** Handled ids kept in a set; several servers share it when the application's memory survives a crash. */
    static SafeRepServer.Ledger inMemory(Set<Long> handled) {
        return new SafeRepServer.Ledger() {
            public String replyFor(long id) { return handled.contains(id) ? "" : null; }

            public String handle(long id, String payload) {
                handled.add(id);
                return "";
            }
        };
    }

    private final String want;
    private final SafeRepServer server;

    public EchoServer(ZContext ctx, LabOptions o) {
        this(ctx, o, Watch.NONE);
    }

    public EchoServer(ZContext ctx, LabOptions o, Watch watch) {
        this(ctx, o, watch, new HighestId());
    }

    public EchoServer(ZContext ctx, LabOptions o, Watch watch, SafeRepServer.Ledger ledger) {
        want = o.bindEndpoint();
        watchLibrary(ctx);
        server = new SafeRepServer(ctx, want, ledger) {
            boolean late = o.setWhen.equals("after-connection");

            @Override protected void guard(ZMQ.Socket rep) {
                if (!o.unguarded) super.guard(rep);
            }

            @Override protected void configure(ZMQ.Socket rep) {
                if (o.setWhen.equals("before-bind")) o.applyRepHwm(rep);
            }

            @Override protected void bound(ZMQ.Socket rep) {
                if (o.setWhen.equals("after-bind")) o.applyRepHwm(rep);
                EchoServer.this.bound.complete(rep.getLastEndpoint());
            }

            @Override protected void beforeRecv(ZMQ.Socket rep) { o.beforeRecv(rep); }

            @Override protected void handled(ZMQ.Socket rep, long id) {
                lastId = id;
                if (late) { o.applyRepHwm(rep); late = false; }   // the connection and its pipe exist now
                watch.afterRecv(rep, id);
            }

            @Override protected void replied(ZMQ.Socket rep, long id, boolean sent) {
                lastSendOk = sent;
                watch.afterSend(rep, id, sent);
                if (!sent) sendFailures++;
            }
        };
        start();
    }

    /**
     * JeroMQ's I/O thread prints an exception it catches and goes on, or dies on an Error, without a word to the
     * sockets: have both reported here. Only possible before the context's first socket; later servers on the same
     * context (a restart) share the first one's report.
     */
    private void watchLibrary(ZContext ctx) {
        try {
            ctx.setNotificationExceptionHandler((t, e) -> failure = "JeroMQ's I/O thread failed: " + Lab.describe(e));
            ctx.setUncaughtExceptionHandler((t, e) -> failure = "JeroMQ's I/O thread died: " + Lab.describe(e));
        } catch (IllegalStateException alreadyStarted) {
            // the context has sockets already
        }
    }

    @Override
    public String library() { return Runs.jeromqVersion(); }

    /** Requests answered from the ledger without handling them again, and malformed ones answered "ERR". */
    public long repeats() { return server.repeats; }

    @Override
    public long malformed() { return server.malformed; }

    @Override
    protected void serve() {
        try {
            server.serve();
        } catch (ZMQException e) {
            if (!bound.isDone()) bound.completeExceptionally(new LabException("cannot bind " + want + ": " + Lab.describe(e)));
            else if (!stop) throw e;
        } catch (RuntimeException e) {
            if (stop) return;                            // a closing context ends recv() with ETERM
            if (!bound.completeExceptionally(e)) failure = "the REP thread ended: " + Lab.describe(e);
        }
    }

    @Override
    public void close() {
        server.close();
        super.close();
    }
}
