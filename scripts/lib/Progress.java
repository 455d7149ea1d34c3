import java.io.PrintWriter;

/** A progress line on stderr about once a second, so a long run shows it is alive. */
public final class Progress {
    private static final long EVERY_NANOS = 1_000_000_000L;

    private final PrintWriter err;
    private final String unit;
    private final long start = System.nanoTime();
    private long next = start + EVERY_NANOS;

    public Progress(PrintWriter err, String unit) {
        this.err = err;
        this.unit = unit;
    }

    public void tick(long done, long lost) {
        long now = System.nanoTime();
        if (now < next) return;
        next = now + EVERY_NANOS;
        double s = (now - start) / 1e9;
        err.printf("  ... %,d %s, %d lost, %,.0f/s, %.0f s%n", done, unit, lost, done / s, s);
        err.flush();
    }
}
