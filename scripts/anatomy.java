///usr/bin/env jbang "$0" "$@" ; exit $?
// Claim: the reply is dropped inside REP's recv(), not its send(). Receiving a request makes JeroMQ's REP
// write the reply's envelope at once (Rep.xrecv -> Router.xsend), and Router.xsend checks the reply pipe's
// HWM there. recv() does not read the socket's mailbox when a request is already waiting, so the peer's
// acknowledgement of the previous reply (ACTIVATE_WRITE) is still unprocessed: the pipe looks full at HWM=1
// (written - acknowledged = 1), the envelope and then the reply are discarded, and send() returns true.
// At HWM=2 the same stale view (lag of one reply) still fits under the mark, so nothing is dropped.
// Run: jbang anatomy         (exit 0 = the drop was seen at HWM=1 with its cause, and none at HWM=2)
//      jbang anatomy --role rep --endpoint tcp://127.0.0.1:5555 & jbang hwm1 --role req --endpoint tcp://127.0.0.1:5555
//                             (the REP process shows the drop of a reply to a REQ in another process)
//SOURCES lib/Step.java lib/Internals.java

import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

@Command(name = "anatomy", mixinStandardHelpOptions = true,
        description = "Watch the REP socket's pipe and mailbox at the moment JeroMQ decides to drop a reply.")
public class anatomy extends Step {
    static final Map<String, String> DEFAULTS = Map.of("rep-sndhwm", "1", "budget", "100000", "time-limit", "60");

    @Option(names = "--compare-hwm", defaultValue = "2",
            description = "REP SNDHWM of the second run, the one that should drop nothing (default: ${DEFAULT-VALUE})")
    int compareHwm;

    @Option(names = "--context", defaultValue = "2",
            description = "round trips shown before the dropped one (default: ${DEFAULT-VALUE})")
    int context;

    public static void main(String... args) {
        Lab.main(new anatomy(), args, DEFAULTS);
    }

    @Override
    protected boolean separable() { return true; }

    private Observer serving;

    /** --role rep: the REP is watched as in the first run, until its first drop. */
    @Override
    protected ServerThread server(ZContext ctx) {
        serving = new Observer(context);
        say("I", "watching the REP's pipe and mailbox after each recv(); stops at the first dropped reply");
        return new EchoServer(ctx, lab, serving);
    }

    @Override
    protected boolean servedEnough() { return serving.sendAfterDrop; }

    @Override
    protected int served(ServerThread rep) {
        if (serving.drop == null)
            return verdict(Lab.NOT_SHOWN, "NOT SHOWN: no drop until %s; last request id %d",
                    Lab.interrupted() ? "stopped" : "the time limit", rep.lastId);
        say("I", "the requests before the drop, then the dropped one (the REQ is in another process):");
        serving.history.forEach(line -> say(line.startsWith("DROP") ? "W" : "I", "  %s", line.replaceFirst("^DROP ", "")));
        return verdict(Lab.SHOWN, "SHOWN: reply %d dropped in recv() at HWM=%d (pipe: %d written, %d acknowledged; %s unprocessed "
                + "in the mailbox); send() returned %s", serving.drop.id, lab.repSndHwm, serving.drop.written, serving.drop.acked,
                serving.drop.pendingAcks, serving.dropSendOk);
    }

    @Override
    protected int run() {
        if (lab.role.equals("req"))
            throw new LabException("anatomy watches the REP: run it with --role rep, and a REQ such as hwm1 --role req against it", Lab.USAGE);
        if (compareHwm < 0 || context < 0) throw new LabException("--compare-hwm and --context must be 0 or more", Lab.USAGE);
        int firstHwm = lab.repSndHwm;
        say("I", "reading the REP socket's own state on its thread, right after each recv() and send():");
        say("I", "  the reply pipe's counters (Pipe.msgsWritten, Pipe.peersMsgsRead, Pipe.hwm), the commands waiting");
        say("I", "  in its mailbox (Mailbox.cpipe), and whether Router.currentOut still points at the pipe");
        Observer first = new Observer(context);
        Lockstep.Result a = Lockstep.run(lab, err(), this::describeSetup, first);
        record(fields(a, first));
        if (first.drop != null) {
            say("I", "the round trips before the loss, then the dropped one:");
            first.history.forEach(line -> say(line.startsWith("DROP") ? "W" : "I", "  %s", line.replaceFirst("^DROP ", "")));
        }
        say("I", "HWM=%d: %,d round trips, %d lost; recv() saw a stale acknowledgement %,d times, the REP lagged by at most %d",
                firstHwm, a.roundTrips(), a.lost(), first.stale, first.maxLag);

        lab.repSndHwm = compareHwm;
        Observer second = new Observer(0);
        Lockstep.Result b = Lockstep.run(lab, err(), e -> say("I", "same run with REP SNDHWM=%d at %s", compareHwm, e), second);
        record(fields(b, second));
        say("I", "HWM=%d: %,d round trips, %d lost; recv() saw a stale acknowledgement %,d times, the REP lagged by at most %d",
                compareHwm, b.roundTrips(), b.lost(), second.stale, second.maxLag);

        if (lab.fixed()) {   // with a fix, the claim is that recv() never decides on a stale count
            boolean fresh = a.lost() == 0 && first.stale == 0 && a.stop() == Lockstep.Stop.budget;
            return verdict(fresh ? Lab.SHOWN : Lab.NOT_SHOWN, "%s: at HWM=%d recv() found %,d stale acknowledgements in %,d round trips "
                            + "and %d replies were lost (%s); at HWM=%d, where the fix has nothing to do: %,d stale, lag at most %d",
                    fresh ? "FIXED" : "NOT FIXED", firstHwm, first.stale, a.roundTrips(), a.lost(), fixName(), compareHwm, second.stale, second.maxLag);
        }
        boolean shown = first.drop != null && a.lost() == 1 && Boolean.TRUE.equals(a.repSendReturnedTrue()) && b.lost() == 0
                && second.drop == null && b.stop() == Lockstep.Stop.budget;
        if (first.drop == null)
            return verdict(Lab.NOT_SHOWN, "NOT SHOWN: no drop at HWM=%d in %,d round trips (%s)", firstHwm, a.roundTrips(), a.stop());
        return verdict(shown ? Lab.SHOWN : Lab.NOT_SHOWN,
                "%s: reply %d dropped in recv() at HWM=%d (pipe: %d written, %d acknowledged; %s unprocessed in the mailbox); "
                        + "HWM=%d: %d lost in %,d round trips, %,d stale acknowledgements absorbed",
                shown ? "SHOWN" : "NOT SHOWN", first.drop.id, firstHwm, first.drop.written, first.drop.acked,
                first.drop.pendingAcks, compareHwm, b.lost(), b.roundTrips(), second.stale);
    }

    private String fixName() {
        return lab.jeromq.equals("patched") ? "patched JeroMQ" : "workaround " + lab.workaround;
    }

    @Override
    protected List<String> columns() {
        return Stream.concat(Runs.COLUMNS.stream(), Stream.of("stale_acks", "max_lag")).toList();
    }

    /** The run's row, with how often recv() met an unprocessed acknowledgement and the largest lag it saw. */
    private static Map<String, Object> fields(Lockstep.Result r, Observer o) {
        Map<String, Object> f = Runs.fields(r);
        f.put("stale_acks", o.stale);
        f.put("max_lag", o.maxLag);
        return f;
    }

    /** What the REP's own objects said right after recv() returned a request. */
    record Snapshot(long id, long written, long acked, int hwm, boolean dropping, String pendingAcks, String mailbox) {
        String describe() {
            return String.format("request %d: reply pipe written %d, acknowledged %d, HWM %d -> %s; mailbox: %s",
                    id, written, acked, hwm, dropping ? "FULL, Router.currentOut = null: this reply will be discarded"
                            : "room", mailbox.isEmpty() ? "empty" : mailbox);
        }
    }

    /** Runs on the REP thread: reads JeroMQ's private fields (see Internals); the REP is not steered. */
    static final class Observer implements EchoServer.Watch {
        final int context;
        final Deque<String> history = new ArrayDeque<>();
        volatile Snapshot drop;
        volatile boolean sendAfterDrop;   // the dropped reply's send() has returned: the story is complete
        boolean dropSendOk;               // what that send() returned
        long stale, maxLag;

        Observer(int context) { this.context = context; }

        @Override
        public void afterRecv(ZMQ.Socket rep, long id) {
            Object router = rep.base();
            Object pipe = Internals.onlyPipe(rep);
            long written = (long) Internals.get(pipe, "msgsWritten"), acked = (long) Internals.get(pipe, "peersMsgsRead");
            boolean dropping = Internals.replyDropDecided(rep);
            List<String> acks = new ArrayList<>(), all = new ArrayList<>();
            for (Object cmd : (Collection<?>) Internals.get(Internals.get(router, "mailbox"), "cpipe")) {
                String type = String.valueOf(Internals.get(cmd, "type"));
                String text = type.equals("ACTIVATE_WRITE") ? "ACTIVATE_WRITE(peer has read " + Internals.get(cmd, "arg") + ")" : type;
                all.add(text);
                if (type.equals("ACTIVATE_WRITE")) acks.add(text);
            }
            // msgsWritten counts whole replies (the envelope's frames carry MORE and are not counted),
            // so these are the numbers Pipe.checkHwm() compared when Router.xsend took its decision.
            long lag = written - acked;
            if (lag > 0) stale++;
            maxLag = Math.max(maxLag, lag);
            Snapshot s = new Snapshot(id, written, acked, (int) Internals.get(pipe, "hwm"),
                    dropping, String.join(", ", acks), String.join(", ", all));
            if (drop == null) {
                history.addLast((dropping ? "DROP " : "") + s.describe());
                while (history.size() > context + 2) history.removeFirst();
                if (dropping) drop = s;
            }
        }

        @Override
        public void afterSend(ZMQ.Socket rep, long id, boolean ok) {
            if (drop == null || drop.id != id) return;
            Object pipe = Internals.onlyPipe(rep);
            history.addLast(String.format("DROP then send(reply %d) returned %s; send() read the mailbox, too late: acknowledged now %d",
                    id, ok, (long) Internals.get(pipe, "peersMsgsRead")));
            dropSendOk = ok;
            sendAfterDrop = true;
        }
    }
}
