//DEPS org.apache.commons:commons-math3:3.6.1

import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.interval.ClopperPearsonInterval;
import org.apache.commons.math3.stat.interval.ConfidenceInterval;

import java.util.Arrays;

/** The few statistics the article needs, each with the textbook method named. */
public final class Stats {
    private Stats() { }

    /** p-th percentile (0..100) by nearest rank; NaN for no values. */
    public static double percentile(long[] values, double p) {
        if (values.length == 0) return Double.NaN;
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The median: the middle value, or the mean of the two middle ones (commons-math's percentile at 50). */
    public static double median(double[] values) {
        return StatUtils.percentile(values, 50);
    }

    /** One-sided 95% upper bound on a rate after 0 events in n trials: 1 - 0.05^(1/n), about 3/n. */
    public static double zeroEventUpperBound(long n) {
        return 1 - Math.pow(0.05, 1.0 / n);
    }

    /** Two-sided 95% Clopper-Pearson interval for x events in n trials, as {lower, upper}. */
    public static double[] interval95(long n, long x) {
        if (n == 0) return new double[] {0, 1};
        if (x == 0) return new double[] {0, zeroEventUpperBound(n)};
        if (x >= n) return new double[] {Math.pow(0.025, 1.0 / n), 1};   // every trial an event: the exact lower bound
        ConfidenceInterval ci = new ClopperPearsonInterval().createInterval((int) n, (int) x, 0.95);
        return new double[] {ci.getLowerBound(), ci.getUpperBound()};
    }
}
