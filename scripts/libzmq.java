///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: libzmq (the C library under pyzmq, where the bug was reported) has the same silent drop at
// SNDHWM=1: the same lockstep on the system's libzmq, called through Java's foreign function API from two
// truly parallel threads, loses a reply as readily as JeroMQ. Unlike JeroMQ, libzmq's send() processes its
// mailbox only about once a millisecond, so the REP's view can lag by more than one reply and SNDHWM=2 can drop too.
// Run: jbang libzmq                     (exit 0 = a reply was lost in every run; 1 = a run lost none within its bound)
//      jbang libzmq --rep-sndhwm 2 --runs 10      (the common advice, tested on libzmq)
//      jbang libzmq --role rep --endpoint tcp://127.0.0.1:5555 & jbang hwm1 --role req --endpoint tcp://127.0.0.1:5555
//                                                  (a libzmq REP in one process, a JeroMQ REQ in another)
// Needs Java 22+ (./jbang links a local one) and libzmq.so.5 (Debian: apt-get install libzmq5).
//JAVA 22+
//RUNTIME_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES lib/Step.java ffm/LibZmq.java

import org.zeromq.ZContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

@Command(name = "libzmq", mixinStandardHelpOptions = true,
        description = "The hwm1/hwm2 lockstep on libzmq (through Java's FFM API): REQ and REP in two threads.")
public class libzmq extends Step {
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "5000000", "time-limit", "180");

    public static void main(String... args) {
        Lab.main(new libzmq(), args, DEFAULTS);
    }

    @Option(names = "--runs", defaultValue = "1", description = "independent runs, each on new sockets (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--libzmq", description = "a libzmq.so of its own instead of the system's, e.g. build/libzmq-rep-stale-hwm/libzmq.so.5 "
            + "(fix/libzmq/build.sh); its rows say 4.3.4+rep-stale-hwm")
    String library;

    @Override
    protected boolean separable() { return true; }

    @Override
    protected boolean runsJeromq() { return false; }

    /** --role rep: a libzmq REP with its own context (the JeroMQ one is not used). */
    @Override
    protected ServerThread server(ZContext unused) {
        useLibrary();
        return new Server(new LibZmq(), lab, true);
    }

    @Override
    protected int run() {
        if (!lab.setWhen.equals("before-bind")) throw new LabException("libzmq: only --set-when before-bind", Lab.USAGE);
        useLibrary();
        String version = LibZmq.label();
        java.util.function.Function<Lockstep.Result, Map<String, Object>> fields = r -> {
            Map<String, Object> f = Runs.fields(r);
            f.put("library", "libzmq");
            f.put("library_version", version);
            return f;
        };
        if (lab.fixed() || version.contains("+")) {   // a workaround or a patched library: the claim becomes "no reply lost"
            if (runs != 1) throw new LabException("with a fix in place libzmq makes one long run: leave out --runs", Lab.USAGE);
            Lockstep.Result r = once(true, version);
            return NoLoss.check(this, r, fields.apply(r));
        }
        return FirstLoss.run(this, runs, i -> once(i == 0, version), fields);
    }

    /** Before LibZmq is first used (its static fields load the library): which file it loads. */
    private void useLibrary() {
        if (library != null) System.setProperty("hwm.libzmq", library);
    }

    /** One lockstep run on libzmq: REP in its own thread (or another process, --role req), REQ in this one. */
    Lockstep.Result once(boolean describe, String version) {
        boolean here = lab.role.equals("both");
        try (LibZmq ctx = new LibZmq(); Server rep = here ? new Server(ctx, lab, false) : null) {
            String endpoint = here ? rep.endpoint() : lab.endpoint;
            if (describe) {
                say("I", "libzmq %s (through Java %s's FFM API), %s, %s", version, Runtime.version(),
                        System.getProperty("os.name"), Runs.cores());
                if (here) say("I", "REP binds %s with SNDHWM=%d RCVHWM=%d; REQ connects with SNDHWM=%d RCVHWM=%d",
                        endpoint, lab.repSndHwm, lab.repRcvHwm, lab.reqSndHwm, lab.reqRcvHwm);
                else say("I", "REQ connects to %s (the REP is another process, any library) with SNDHWM=%d RCVHWM=%d",
                        endpoint, lab.reqSndHwm, lab.reqRcvHwm);
                say("I", "REQ waits up to %d ms for each reply; budget %,d, time limit %s s",
                        lab.timeoutMs, lab.budget, Runs.number(lab.timeLimitSeconds));
            }
            try (LibZmq.Socket req = ctx.socket(LibZmq.REQ)) {
                req.set(LibZmq.LINGER, 0);
                // A REP in another process may still be starting: libzmq keeps the first request queued and
                // connects when it can, so the first reply may take up to --connect-timeout.
                req.set(LibZmq.RCVTIMEO, here ? lab.timeoutMs : lab.connectTimeoutMs);
                req.set(LibZmq.SNDHWM, lab.reqSndHwm);
                req.set(LibZmq.RCVHWM, lab.reqRcvHwm);
                req.connect(endpoint);
                return Lockstep.loop(lab, err(), endpoint, new Lockstep.Req() {
                    boolean waitingForFirst = !here;

                    public void send(long id) { req.send(Long.toString(id)); }

                    public boolean receive() {
                        boolean got = req.recv() != null;
                        if (waitingForFirst) {
                            if (!got) throw new LabException("nothing answered at " + endpoint + " within "
                                    + lab.connectTimeoutMs + " ms (is a --role rep running there?)");
                            waitingForFirst = false;
                            req.set(LibZmq.RCVTIMEO, lab.timeoutMs);
                        }
                        return got;
                    }
                }, here ? rep : Lockstep.ELSEWHERE);
            }
        }
    }

    /** The REP thread on libzmq: receive an id, send it back, remember what zmq_send returned. */
    static final class Server extends ServerThread {
        private final LibZmq ctx;
        private final LabOptions o;
        private final boolean ownsContext;

        Server(LibZmq ctx, LabOptions o, boolean ownsContext) {
            this.ctx = ctx;
            this.o = o;
            this.ownsContext = ownsContext;
            start();
        }

        @Override
        public String library() { return "libzmq " + LibZmq.version(); }

        @Override
        public void close() {
            super.close();
            if (ownsContext) ctx.close();
        }

        @Override
        protected void serve() {
            try (LibZmq.Socket rep = ctx.socket(LibZmq.REP)) {
                rep.set(LibZmq.LINGER, 0);
                rep.set(LibZmq.RCVTIMEO, 50);   // how often the thread looks at the stop flag
                rep.set(LibZmq.SNDHWM, o.repSndHwm);
                rep.set(LibZmq.RCVHWM, o.repRcvHwm);
                rep.bind(o.bindEndpoint());
                bound.complete(rep.lastEndpoint());
                while (!stop) {
                    if (!o.workaround.equals("none")) rep.get(LibZmq.EVENTS);   // processes the mailbox: see LabOptions.beforeRecv
                    if (o.workaround.equals("events")) rep.get(LibZmq.EVENTS);
                    String request = rep.recv();
                    if (request == null) continue;
                    boolean oneFrame = rep.get(LibZmq.RCVMORE) == 0;
                    while (rep.get(LibZmq.RCVMORE) != 0) rep.recv();      // a REP answers a whole message once
                    var m = SafeRepServer.REQUEST.matcher(request);   // the same requests as the JeroMQ server pattern
                    long id = oneFrame && m.matches() ? SafeRepServer.parseId(m.group(1)) : -1;
                    if (id < 0) {                                          // bad input: answered, counted, no reason to stop
                        malformed++;
                        rep.send("ERR malformed request");
                        continue;
                    }
                    lastId = id;
                    lastSendOk = rep.send(Long.toString(id));   // the reply: the request's id
                    if (!lastSendOk) sendFailures++;
                }
            } catch (RuntimeException e) {
                if (!stop && !bound.completeExceptionally(e)) failure = "the REP thread ended: " + Lab.describe(e);
            }
        }
    }
}
