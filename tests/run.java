///usr/bin/env jbang "$0" "$@" ; exit $?
// The test suite: runs the JUnit tests below in one JVM (the steps run in-process, the launcher as a
// subprocess), lists the ten slowest tests, and ends with the line "N passed, N failed, N skipped".
// Exit 0 only when all passed.
// Run: ./jbang tests/run.java [TestClassName ...]
//DEPS org.junit.jupiter:junit-jupiter:6.1.3
//DEPS org.junit.platform:junit-platform-launcher:6.1.3
//DEPS com.google.code.gson:gson:2.13.1
// JUnit 4 only for the regression test offered to JeroMQ (fix/jeromq/TestRepStaleHwm.java), run in a child JVM.
//DEPS junit:junit:4.13.2
// Every step but libzmq, which needs Java 22+ and is run through the launcher (LibzmqTest).
//SOURCES ../scripts/baseline.java ../scripts/hwm1.java ../scripts/hwm2.java ../scripts/retry.java
//SOURCES ../scripts/anatomy.java ../scripts/sweep.java ../scripts/charts.java ../scripts/article.java
//SOURCES *Test.java Steps.java Overflow.java ../scripts/peers/Hostile.java

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

public class run {
    // Those that share the machine before those that hold it alone, the longest first, so that they tend to start first.
    static final List<Class<?>> ALL = List.of(StepsTest.class, NotebookTest.class, CompareTest.class, ArticleTest.class, HostileTest.class,
            LauncherTest.class, FiguresTest.class, InputTest.class, DataTest.class, VerdictTest.class, FaultsTest.class, MechanismTest.class,
            LibzmqTest.class, ProcessTest.class, PatternsTest.class, FixTest.class, PyzmqTest.class, PyPatternsTest.class, StressTest.class);

    /** A test class named on the command line, whether or not it is in ALL. */
    static Class<?> testClass(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            System.out.println("E: no test class " + name);
            System.exit(2);
            return null;
        }
    }

    /**
     * The machine as a resource: a class that measures the race or times anything holds it alone; those that assert
     * nothing a loaded machine could change (pages, browser, notebooks, the launcher, hostile peers, compare's verdict,
     * bad input, data files, verdict words) share it and run side by side. Steps run in this JVM one at a time (Steps.run).
     */
    static final String MACHINE = "machine";

    /**
     * The scripts tests start through JBang where two may start at once (side by side, or a step and the compare
     * step's children), built one after another before any test. Two JBang processes building one script at once in a
     * fresh clone left a jar without its main class in JBang's cache ("no main class deduced"), which every later run
     * of that script then failed on; two building Java 22+ scripts failed too ("javac: No such file", "Error
     * creating/updating jar"). Built, they only run, side by side or not.
     */
    static final List<String> STARTED_SIDE_BY_SIDE = List.of("hwm1", "hwm2", "pyzmq", "libzmq", "hostile", "compare", "stress");

    /** The steps that need Java 22+ (FFM for libzmq): started with that JDK (LauncherTest.java22). */
    static final List<String> JAVA_22 = List.of("libzmq", "hostile", "compare", "stress");

    static void buildScripts() {
        for (String script : STARTED_SIDE_BY_SIDE) {
            try {
                Process p = LauncherTest.java22(new ProcessBuilder(LauncherTest.ROOT.resolve("jbang").toString(), "build", "scripts/" + script + ".java"), script)
                        .directory(LauncherTest.ROOT.toFile()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0)
                    System.out.println("W: could not build scripts/" + script + ".java (its tests will say why): " + out.strip().lines().reduce((a, b) -> b).orElse(""));
            } catch (Exception e) {
                System.out.println("W: could not build scripts/" + script + ".java: " + e.getMessage());
            }
        }
    }

    public static void main(String... args) {
        List<Class<?>> chosen = args.length == 0 ? ALL : Stream.of(args).<Class<?>>map(run::testClass).toList();
        buildScripts();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(chosen.stream().map(DiscoverySelectors::selectClass).toList())
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.config.executor-service", "FORK_JOIN_POOL")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .build();
        Map<String, Double> seconds = new ConcurrentHashMap<>();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, summary, new TestExecutionListener() {
            final Map<String, Long> started = new ConcurrentHashMap<>();   // by id: tests may run side by side
            @Override public void executionStarted(TestIdentifier t) { started.put(t.getUniqueId(), System.nanoTime()); }
            @Override public void executionFinished(TestIdentifier t, TestExecutionResult r) {
                if (!t.isTest()) return;
                // The method and, for a parameterized one, its invocation: "theNotebookExecutesOfflineOnAJavaKernel(String)[1]".
                String name = t.getUniqueIdObject().getSegments().get(1).getValue() + " " + t.getLegacyReportingName();
                String status = switch (r.getStatus()) {
                    case SUCCESSFUL -> "PASS";
                    case ABORTED -> "SKIP";   // an assumption did not hold here: the reason follows
                    case FAILED -> "FAIL";
                };
                double took = (System.nanoTime() - started.getOrDefault(t.getUniqueId(), System.nanoTime())) / 1e9;
                seconds.put(name, took);
                System.out.printf("%s %s (%.1f s)%n", status, name, took);
                r.getThrowable().ifPresent(e -> System.out.println("     " + e.getMessage()));
            }
            @Override public void executionSkipped(TestIdentifier t, String reason) {
                System.out.println("SKIP " + t.getDisplayName() + ": " + reason);
            }
        });
        var s = summary.getSummary();
        s.getFailures().forEach(f -> f.getException().printStackTrace(System.out));
        // Where the time went, so that everyone sees the budget (CI stops at 15 minutes).
        System.out.printf("Slowest tests (suite %.0f s):%n", (s.getTimeFinished() - s.getTimeStarted()) / 1e3);
        seconds.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(10)
                .forEach(e -> System.out.printf("  %6.1f s  %s%n", e.getValue(), e.getKey()));
        // A class whose set-up (@BeforeAll) failed runs none of its tests: that counts as a failure too.
        long failed = s.getTestsFailedCount() + s.getContainersFailedCount();
        long skipped = s.getTestsSkippedCount() + s.getTestsAbortedCount();
        System.out.printf("%d passed, %d failed, %d skipped%n", s.getTestsSucceededCount(), failed, skipped);
        System.exit(failed == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
