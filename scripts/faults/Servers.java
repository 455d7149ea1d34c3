import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The retry step's REP side under faults: a server that crashes on a schedule and is started again on the
 * same endpoint by a supervisor, as systemd or Kubernetes would. What the application handled is remembered
 * by one store shared by every server when its memory is durable, by a fresh one per server when not.
 */
public abstract class Servers implements AutoCloseable {
    /** Crash after every K-th handled request, or at random points on average every K (from a seed); K = 0: never. */
    public record Faults(long every, Long seed, boolean durable) {
        public String describe() {
            return seed == null ? String.format("after every %,d handled requests", every)
                    : String.format("at random points (seed %d), on average every %,d handled requests", seed, every);
        }
    }

    /** What the application did across all servers: handler runs, repeats answered from memory, ids handled twice or more. */
    public record Tally(long handlerRuns, long repeats, long handledTwice) {
        static Tally of(Map<Long, Integer> runsPerId, long repeats) {
            return new Tally(runsPerId.values().stream().mapToLong(Integer::longValue).sum(), repeats,
                    runsPerId.values().stream().filter(n -> n > 1).count());
        }
    }

    protected final LabOptions lab;
    protected final Faults faults;
    private final Random random;
    protected final List<Double> restartMillis = new CopyOnWriteArrayList<>();
    protected volatile boolean done;
    protected volatile String failure;   // why the supervisor gave up, if it did
    public volatile long kills, restarts;

    protected Servers(LabOptions lab, Faults faults) {
        this.lab = lab;
        this.faults = faults;
        this.random = new Random(faults.seed() == null ? 0 : faults.seed());
    }

    /** The endpoint the clients connect to; every restarted server binds it again. */
    public abstract String endpoint();

    /** Stops the supervisor and the last server; returns what the application did across all servers. */
    protected abstract Tally stopServers();

    /** How many requests the next server handles before it crashes. */
    protected synchronized long nextKill() {
        if (faults.every() == 0) return Long.MAX_VALUE;
        return faults.seed() == null ? faults.every() : 1 + (long) (random.nextDouble() * 2 * faults.every());
    }

    /** What all servers did, counted when they are closed. */
    public Tally tally() {
        return tally;
    }

    /** Why no server could be started again, or null. */
    public String failure() {
        return failure;
    }

    /** Median time from a crash to a new server bound to the endpoint, ms (NaN without restarts). */
    public double medianRestartMillis() {
        List<Double> sorted = new ArrayList<>(restartMillis);
        sorted.sort(Comparator.naturalOrder());
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }

    private Tally tally;

    @Override
    public final void close() {
        if (tally != null) return;
        done = true;
        tally = stopServers();
    }

    /** Runs `bind` until it succeeds or 5 s pass: a killed server's port may take a moment to be free again. */
    protected static <T> T retryBind(java.util.function.Supplier<T> bind, java.util.function.BooleanSupplier stop) {
        long give = System.nanoTime() + 5_000_000_000L;
        while (true) {
            try {
                return bind.get();
            } catch (LabException busy) {
                if (System.nanoTime() > give || stop.getAsBoolean()) throw busy;
                sleep(20);
            }
        }
    }

    protected static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
