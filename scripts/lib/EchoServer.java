import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The REP side: a thread that binds, receives a request id and sends it back as the reply.
 * It remembers what its own send() returned for the last reply, so a step can show that a lost
 * reply was "sent" successfully. A repeated id is a retry: its reply is sent again, but the application's
 * work (Handled) is done once per id, as an idempotent server's would be.
 */
public final class EchoServer extends ServerThread {
    private static final int POLL_MS = 50;   // how often the thread looks at the stop flag

    /** Looks at the REP socket on its own thread, right after recv() and send(): see the anatomy step. */
    public interface Watch {
        Watch NONE = new Watch() { };
        default void afterRecv(ZMQ.Socket rep, long id) { }
        default void afterSend(ZMQ.Socket rep, long id, boolean ok) { }
    }

    /**
     * What the application has handled, by request id. The default remembers the highest id (ids increase);
     * a store shared between REP instances models a database that survives a crashed server.
     */
    public interface Handled {
        /** Records the id; true if it was new, false if it had been handled before. */
        boolean firstTime(long id);
    }

    private final ZContext ctx;
    private final Watch watch;
    private final LabOptions o;
    private final Handled handled;

    public EchoServer(ZContext ctx, LabOptions o) {
        this(ctx, o, Watch.NONE);
    }

    public EchoServer(ZContext ctx, LabOptions o, Watch watch) {
        this(ctx, o, watch, new HighestId());
    }

    /** Ids increase, so remembering the highest is enough to recognise a repeat. */
    static final class HighestId implements Handled {
        private long highest = -1;

        public boolean firstTime(long id) {
            if (id <= highest) return false;
            highest = id;
            return true;
        }
    }

    public EchoServer(ZContext ctx, LabOptions o, Watch watch, Handled handled) {
        this.ctx = ctx;
        this.watch = watch;
        this.o = o;
        this.handled = handled;
        start();
    }

    @Override
    public String library() { return Runs.jeromqVersion(); }

    @Override
    protected void serve() {
        ZMQ.Socket rep = ctx.createSocket(SocketType.REP);
        try {
            rep.setLinger(0);
            rep.setReceiveTimeOut(POLL_MS);
            if (o.setWhen.equals("before-bind")) o.applyRepHwm(rep);
            String want = o.bindEndpoint();
            try {
                rep.bind(want);
            } catch (ZMQException e) {
                bound.completeExceptionally(new LabException("cannot bind " + want + ": " + Lab.describe(e)));
                return;
            }
            if (o.setWhen.equals("after-bind")) o.applyRepHwm(rep);
            bound.complete(rep.getLastEndpoint());
            boolean late = o.setWhen.equals("after-connection");
            // --8<-- [start:rep-loop]
            while (!stop) {
                byte[] request = rep.recv();
                if (request == null) continue;           // poll timeout: look at the stop flag
                long id = Long.parseLong(new String(request, ZMQ.CHARSET));
                handled.firstTime(id);                   // the work, once per id; a repeat is only answered
                lastId = id;
                if (late) { o.applyRepHwm(rep); late = false; }   // the connection and its pipe exist now
                watch.afterRecv(rep, id);
                lastSendOk = rep.send(request);          // the reply is the request id
                watch.afterSend(rep, id, lastSendOk);
                if (!lastSendOk) sendFailures++;
            }
            // --8<-- [end:rep-loop]
        } catch (RuntimeException e) {
            if (!stop) bound.completeExceptionally(e);   // a closing context ends recv() with ETERM
        } finally {
            rep.close();
        }
    }
}
