///usr/bin/env jbang "$0" "$@" ; exit $?
// SilentDrop: the smallest program that shows ZeroMQ's SNDHWM=1 drop (pyzmq issue 2040, libzmq issue 4750).
//
// A REQ thread and a REP thread loop request/reply in strict lockstep. With SNDHWM=1 on the REP socket,
// sooner or later a reply never arrives although REP's send() returned true for it. Why: REP decides in
// recv() whether its reply can go out, from a pipe counter it has not yet updated.
//
// Run:  jbang SilentDrop.java          (SNDHWM=1: exit 0 once a reply was lost, usually within seconds)
//       jbang SilentDrop.java 2        (SNDHWM=2: no loss within the budget, exit 1)
//       jbang SilentDrop.java 1 events (the fix in the application: the REP reads ZMQ_EVENTS twice before each
//                                       recv(), which makes it count the acknowledgement first; exit 0 = no loss)
//DEPS org.zeromq:jeromq:0.6.0

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

public class SilentDrop {
    static final int TIMEOUT = 5000;          // msecs a reply may take (under 1 ms here; a loaded machine held one back over 1 s)
    static final long BUDGET = 1_000_000;     // round trips at most
    static final long TIME_LIMIT = 60_000;    // msecs at most

    static volatile long lastId;              // what the REP thread saw last ...
    static volatile boolean lastSendOk;       // ... and what its send() returned for the reply
    static volatile boolean running = true;

    public static void main(String[] args) throws Exception {
        if (args.length > 2 || args.length >= 1 && !args[0].matches("\\d{1,9}") || args.length == 2 && !args[1].equals("events")) {
            System.err.println("usage: SilentDrop [SNDHWM [events]]   (a whole number, default 1; events: read ZMQ_EVENTS twice before recv())");
            System.exit(2);
        }
        boolean events = args.length == 2;
        long lost = run(args.length > 0 ? Integer.parseInt(args[0]) : 1, TIME_LIMIT, events);
        System.exit(events == (lost == 0) ? 0 : 1);   // the claim: a loss, or with the workaround none
    }

    /**
     * One lockstep run; returns the id of the lost reply, or 0 when none was lost within the budget and time. With
     * readEventsTwice the REP reads ZMQ_EVENTS twice before each recv(): the application's fix.
     */
    static long run(int sndhwm, long timeLimit, boolean readEventsTwice) throws InterruptedException {
        boolean lost = false;
        long id = 1;
        running = true;
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket rep = ctx.createSocket(SocketType.REP);
            rep.setLinger(0);
            rep.setSndHWM(sndhwm);            // before bind(): a pipe takes its marks when it is made
            rep.setReceiveTimeOut(100);       // so the thread can notice the end of the run
            rep.bind("tcp://127.0.0.1:*");    // loopback, a free port
            String endpoint = rep.getLastEndpoint();

            Thread server = new Thread(() -> {
                while (running) {
                    if (readEventsTwice) {   // each read processes the REP's mailbox; the second after the request is seen
                        rep.getEvents();
                        rep.getEvents();
                    }
                    String request = rep.recvStr();
                    if (request == null) continue;          // receive timeout: look at the flag again
                    lastId = Long.parseLong(request);
                    lastSendOk = rep.send(request);          // echo the id back
                }
            });
            server.start();

            ZMQ.Socket req = ctx.createSocket(SocketType.REQ);
            req.setLinger(0);
            req.setReceiveTimeOut(TIMEOUT);   // without a timeout a lost reply blocks for ever
            req.connect(endpoint);
            System.out.printf("I: REQ/REP lockstep over tcp (loopback), REP SNDHWM=%d%s%n", sndhwm,
                    readEventsTwice ? ", ZMQ_EVENTS read twice before each recv()" : "");

            long deadline = System.currentTimeMillis() + timeLimit;
            for (; id <= BUDGET && System.currentTimeMillis() < deadline; id++) {
                req.send(Long.toString(id));
                if (req.recvStr() == null) { lost = true; break; }   // REQ can never send again
            }
            running = false;
            server.join();
            rep.close();
            req.close();
        }
        if (!lost) {
            System.out.printf("NO LOSS in %,d round trips with SNDHWM=%d%s%n", id - 1, sndhwm, readEventsTwice ? " (ZMQ_EVENTS read twice)" : "");
            return 0;
        }
        System.out.printf("W: no reply to request %d within %d ms%n", id, TIMEOUT);
        System.out.printf("I: REP received request %d and its send() returned %s%n", lastId, lastSendOk);
        System.out.printf("LOST reply %d after %d round trips (REP send returned %s)%n", id, id - 1, lastId == id && lastSendOk);
        return id;
    }
}
