import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A REP side running in its own thread, for any library: it binds, reports the endpoint it got (or why it
 * could not), serves until closed, and remembers the last request id and what its send() returned.
 */
public abstract class ServerThread implements Lockstep.RepView, AutoCloseable {
    private final Thread thread;
    protected final CompletableFuture<String> bound = new CompletableFuture<>();
    protected volatile boolean stop;
    public volatile long lastId = -1;          // id of the last request received
    public volatile boolean lastSendOk;        // what send() returned for its reply
    public volatile long sendFailures;         // send() returned false (never seen with REP: it drops silently)
    protected volatile long malformed;         // requests that were not an id: answered "ERR", counted, skipped
    protected volatile String failure;         // why the server or its library stopped serving, or null

    protected ServerThread() {
        thread = new Thread(this::serve, "rep");
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> failure = "the REP thread ended: " + Lab.describe(e));
    }

    /** Binds, completes `bound`, then receives and replies until `stop`. */
    protected abstract void serve();

    /** Subclasses call this at the end of their constructor, once their own fields are set. */
    protected final void start() { thread.start(); }

    /** The endpoint actually bound (a chosen port filled in); throws LabException when binding failed. */
    public String endpoint() {
        try {
            return bound.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof LabException le ? le : new LabException(Lab.describe(e.getCause()));
        } catch (TimeoutException | InterruptedException e) {
            throw new LabException("REP did not bind within 10 s");
        }
    }

    /** The library the REP runs on, with its version, for the narrative. */
    public abstract String library();

    /** False once the thread has ended: closed, or crashed on purpose (see the retry step's --kill-every). */
    public boolean alive() { return thread.isAlive(); }

    /** Why it no longer serves while it should: its thread ended, or its library reported a failure; null if it serves. */
    public String failure() {
        if (failure != null) return failure;
        return !stop && bound.isDone() && !thread.isAlive() ? "the REP thread ended" : null;
    }

    public long lastId() { return lastId; }

    public long malformed() { return malformed; }

    public boolean lastSendOk() { return lastSendOk; }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
