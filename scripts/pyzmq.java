///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: pyzmq, where the bug was reported (and where "SNDHWM >= 2" was the advice), drops a reply silently at
// SNDHWM=1 too: the same lockstep written in Python (scripts/pyzmq/lockstep.py, on the system's pyzmq and libzmq)
// loses a reply while REP's send() raised no error for it. With the REP in a child process (two interpreters, two
// GILs) the loss often comes at the 2nd or 3rd reply; with REQ and REP as two threads of one interpreter (one GIL)
// after some hundreds or thousands of round trips, now and then after hundreds of thousands: the GIL narrows the race.
// Run: jbang pyzmq                          (REP in a child process; exit 0 = a reply was lost in every run)
//      jbang pyzmq --mode threads --runs 5  (one interpreter, one GIL)
//      jbang pyzmq --rep-sndhwm 2 --runs 10 (the advice given to pyzmq users, tested)
//      jbang pyzmq --role rep --endpoint tcp://127.0.0.1:5555 & jbang hwm1 --role req --endpoint tcp://127.0.0.1:5555
//                                            (a pyzmq REP process serving a JeroMQ REQ)
// Needs a checkout (it runs scripts/pyzmq/lockstep.py) and Python 3 with pyzmq (Debian: apt-get install python3-zmq).
//SOURCES lib/Step.java

import org.zeromq.ZContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

@Command(name = "pyzmq", mixinStandardHelpOptions = true,
        description = "The hwm1/hwm2 lockstep in Python on pyzmq (scripts/pyzmq/lockstep.py): REQ and REP as threads or processes.")
public class pyzmq extends Step {
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "1000000", "time-limit", "60");
    static final String NOT_INSTALLED = "pyzmq is not installed (Debian: apt-get install python3-zmq)";
    static final double GRACE_SECONDS = 30;   // the script is killed this long after its time limit

    public enum Mode { threads, processes }

    public static void main(String... args) {
        Lab.main(new pyzmq(), args, DEFAULTS);
    }

    @Option(names = "--runs", defaultValue = "1", description = "independent runs, each a new Python process (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--mode", defaultValue = "processes",
            description = "threads (REQ and REP in one interpreter: one GIL) or processes (REP in a child process: two GILs); "
                    + "with --role rep|req the two are separate processes anyway (default: ${DEFAULT-VALUE})")
    Mode mode;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "the Python that has pyzmq (default: ${DEFAULT-VALUE}, Debian's, with python3-zmq)")
    String python;

    private String versions;                    // "pyzmq 24.0.1 on libzmq 4.3.4", once checked
    private Map<String, Object> last;           // the RESULT of the latest run, for its row

    @Override
    protected boolean separable() { return true; }

    @Override
    protected boolean runsJeromq() { return false; }

    @Override
    protected List<String> columns() {
        return Stream.concat(Runs.COLUMNS.stream(), Stream.of("libzmq_version", "python", "mode")).toList();
    }

    @Override
    protected int run() {
        check();
        java.util.function.Function<Lockstep.Result, Map<String, Object>> fields = r -> {
            Map<String, Object> f = Runs.fields(r);
            f.put("library", "pyzmq");
            f.put("library_version", last.get("pyzmq"));
            f.put("libzmq_version", last.get("libzmq"));
            f.put("python", last.get("python"));
            f.put("mode", last.get("mode"));
            f.put("processes", "processes".equals(last.get("mode")) ? 2 : 1);
            f.put("p50_us", number(last.get("p50_us")));   // the script measured the latencies
            f.put("p99_us", number(last.get("p99_us")));
            return f;
        };
        if (lab.fixed()) {   // --workaround events: the claim becomes "no reply lost", with its bound
            if (runs != 1) throw new LabException("with a fix in place pyzmq makes one long run: leave out --runs", Lab.USAGE);
            Lockstep.Result r = once(0);
            return NoLoss.check(this, r, fields.apply(r));
        }
        return FirstLoss.run(this, runs, this::once, fields);
    }

    /** One run: lockstep.py as a subprocess, its narrative passed on (the first run's only), its RESULT read. */
    Lockstep.Result once(int i) {
        List<String> args = new ArrayList<>(options());
        args.addAll(List.of("--role", lab.role, "--mode", mode.name(), "--narrative", i == 0 ? "setup" : "none"));
        last = null;
        int code;
        try (Script script = new Script(args)) {
            script.lines(line -> {
                if (line.startsWith("RESULT ")) last = json(line.substring("RESULT ".length()));
                else out().println(line);
            });
            code = script.exit();
            if (script.overran) throw new LabException("lockstep.py did not end within its time limit + " + (int) GRACE_SECONDS + " s: killed");
            if (last == null || code == Lab.USAGE || code == Lab.FAILED)
                throw new LabException(script.error != null ? script.error : "lockstep.py ended with exit code " + code + " and no RESULT",
                        code == Lab.USAGE ? Lab.USAGE : Lab.FAILED);
        }
        out().flush();
        long lostAt = whole(last.get("first_loss"));
        Object sent = last.get("rep_send_true");
        return new Lockstep.Result(whole(last.get("round_trips")), lostAt, sent == null ? null : sent.equals("true"),
                Lockstep.Stop.valueOf((String) last.get("stop")), Double.parseDouble((String) last.get("elapsed_s")),
                new long[0], (String) last.get("endpoint"));
    }

    /** What the kit's options allow and lockstep.py cannot do: a usage error, before Python is looked for. */
    private void usable() {
        if (!lab.setWhen.equals("before-bind")) throw new LabException("pyzmq: only --set-when before-bind", Lab.USAGE);
        if (lab.endpoint == null && lab.transport == LabOptions.Transport.inproc)
            throw new LabException("pyzmq: --transport tcp or ipc (inproc cannot reach the Python process)", Lab.USAGE);
        if (lab.endpoint != null && lab.endpoint.startsWith("inproc:"))
            throw new LabException("pyzmq: a tcp:// or ipc:// endpoint (inproc cannot reach the Python process)", Lab.USAGE);
        if (runs < 1) throw new LabException("--runs must be at least 1", Lab.USAGE);
    }

    /** The kit's options as lockstep.py's. */
    private List<String> options() {
        List<String> a = new ArrayList<>(List.of(python, script().toString()));
        if (lab.endpoint != null) a.addAll(List.of("--endpoint", lab.endpoint));
        else a.addAll(List.of("--transport", lab.transport.name()));
        a.addAll(List.of("--rep-sndhwm", "" + lab.repSndHwm, "--rep-rcvhwm", "" + lab.repRcvHwm,
                "--req-sndhwm", "" + lab.reqSndHwm, "--req-rcvhwm", "" + lab.reqRcvHwm,
                "--budget", "" + lab.budget, "--time-limit", Runs.number(lab.timeLimitSeconds),
                "--timeout", "" + lab.timeoutMs, "--connect-timeout", "" + lab.connectTimeoutMs,
                "--workaround", lab.workaround));
        return a;
    }

    /** lockstep.py in this checkout: the step runs a file beside it, which a URL run does not have. */
    private static Path script() {
        Path root = Runs.checkout();
        if (root == null) throw new LabException("the pyzmq step needs a HWM Lab checkout (it runs scripts/pyzmq/lockstep.py): run it from a clone");
        return root.resolve("scripts").resolve("pyzmq").resolve("lockstep.py");
    }

    /** Fails with one line unless the Python is there and imports zmq; remembers the versions. */
    private void check() {
        usable();
        if (versions != null) return;
        if (!Files.isExecutable(Path.of(python)))
            throw new LabException("the pyzmq step needs " + python + " with pyzmq, and there is none (Debian: apt-get install python3-zmq)");
        script();
        try {
            Process p = new ProcessBuilder(python, "-c", "import zmq; print('pyzmq', zmq.pyzmq_version(), 'on libzmq', zmq.zmq_version())")
                    .redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            if (p.isAlive() || p.exitValue() != 0 || !said.startsWith("pyzmq ")) throw new LabException(NOT_INSTALLED);
            versions = said;
        } catch (IOException e) {
            throw new LabException("cannot run " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            throw new LabException("interrupted while looking for pyzmq", Lab.INTERRUPTED);
        }
    }

    /** --role rep: the REP is lockstep.py --role rep; this thread stands for it in Step's serving loop. */
    @Override
    protected ServerThread server(ZContext unused) {
        check();
        List<String> args = new ArrayList<>(options());
        // Step's loop ends the serving at the time limit; the script's own limit is only a backstop.
        int at = args.indexOf("--time-limit") + 1;
        args.set(at, Runs.number(lab.timeLimitSeconds + 10));
        args.addAll(List.of("--role", "rep", "--narrative", "all"));
        return new PythonRep(args);
    }

    final class PythonRep extends ServerThread {
        private final List<String> args;
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile Script script;

        PythonRep(List<String> args) {
            this.args = args;
            start();
        }

        @Override
        public String library() { return versions; }

        @Override
        protected void serve() {
            Pattern bindLine = Pattern.compile(".*REP only: bound (\\S+) with .*");
            boolean[] reported = {false};
            try (Script s = new Script(args)) {
                script = s;
                s.lines(line -> {
                    Matcher m = bindLine.matcher(line);
                    if (m.matches()) bound.complete(m.group(1));   // Step says it, with the same words
                    else if (line.startsWith("RESULT ")) {
                        Map<String, Object> r = json(line.substring("RESULT ".length()));
                        lastId = whole(r.get("last_id"));
                        lastSendOk = "true".equals(r.get("rep_send_true"));
                        sendFailures = whole(r.get("send_failures"));
                        reported[0] = true;
                    } else out().println(line);
                });
                int code = s.exit();
                String why = s.error != null ? s.error : "lockstep.py --role rep ended with exit code " + code;
                if (!bound.isDone()) bound.completeExceptionally(new LabException(why));
                // Ended with its RESULT: stopped on purpose (a signal: Ctrl-C reaches it too). Without: it failed.
                else if (!reported[0]) failure = why;
            } catch (RuntimeException e) {
                if (!bound.completeExceptionally(e)) failure = Lab.describe(e);
            } finally {
                ended.countDown();
            }
        }

        /** Only a script that ended without its RESULT failed; one that reported was stopped (Ctrl-C reaches it too). */
        @Override
        public String failure() { return failure; }

        @Override
        public void close() {
            Script s = script;
            if (s != null) s.stop();   // SIGTERM: the script stops serving and prints its RESULT
            try {
                ended.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.close();
        }
    }

    /**
     * lockstep.py running: stdout read line by line, stderr passed on (its "E:" line kept for the error), stopped
     * with SIGTERM on Ctrl-C and killed GRACE_SECONDS after its time limit, so that it is bounded whatever happens.
     */
    final class Script implements AutoCloseable {
        private final Process p;
        private final Thread errors;
        volatile String error;
        volatile boolean overran;

        Script(List<String> command) {
            try {
                p = new ProcessBuilder(command).start();
                p.getOutputStream().close();
            } catch (IOException e) {
                throw new LabException("cannot run " + command.get(0) + ": " + e.getMessage());
            }
            errors = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("E: ")) error = line.substring(3);
                        else { err().println(line); err().flush(); }   // progress once a second, or a traceback
                    }
                } catch (IOException ignored) { }
            }, "lockstep.py stderr");
            errors.setDaemon(true);
            errors.start();
            long bound = System.nanoTime() + (long) ((lab.timeLimitSeconds + GRACE_SECONDS) * 1e9);
            Thread watch = new Thread(() -> {
                long killAt = bound;
                boolean asked = false;
                while (p.isAlive()) {
                    if (Lab.interrupted() && !asked) {   // Ctrl-C or SIGTERM here: the script stops and reports
                        terminate();
                        asked = true;
                        killAt = Math.min(bound, System.nanoTime() + 10_000_000_000L);
                    }
                    if (System.nanoTime() > killAt) {
                        overran = !asked;
                        p.destroyForcibly();
                        return;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "lockstep.py watch");
            watch.setDaemon(true);
            watch.start();
        }

        void lines(Consumer<String> each) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) each.accept(line);
            } catch (IOException e) {
                throw new LabException("lost lockstep.py's output: " + e.getMessage());
            }
        }

        int exit() {
            try {
                p.waitFor();
                errors.join(2000);   // its last line may be the error
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            return p.exitValue();
        }

        /** SIGTERM through the handle: Process.destroy() would also close the pipes, and the RESULT still to come with them. */
        void terminate() {
            p.toHandle().destroy();
        }

        /** Asks the script to stop (it prints its RESULT), kills it after 10 s. */
        void stop() {
            terminate();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }

        @Override
        public void close() {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** A flat JSON object as printed by lockstep.py: strings unescaped, null as null, other values as their text. */
    static Map<String, Object> json(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        String string = "\"((?:[^\"\\\\]|\\\\.)*)\"";
        Matcher x = Pattern.compile(string + "\\s*:\\s*(?:" + string + "|([^,}\\s]+))").matcher(text);
        while (x.find()) {
            String v = x.group(2) != null ? unescape(x.group(2)) : x.group(3).equals("null") ? null : x.group(3);
            m.put(unescape(x.group(1)), v);
        }
        return m;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) { b.append(c); continue; }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> { b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; }
                default -> b.append(e);   // \" \\ \/
            }
        }
        return b.toString();
    }

    private static long whole(Object v) {
        return v == null ? 0 : (long) Double.parseDouble((String) v);
    }

    private static String number(Object v) {
        return v == null ? "" : Runs.number(Double.parseDouble((String) v));
    }
}
